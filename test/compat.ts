/**
 * The compatibility matrix: a subset of the end-to-end tests against each
 * Kafka release and metadata mode users run (issue 14), one fresh sandbox per
 * leg, one leg after the other. The full suite runs on the sandbox's default
 * release; with --skip-default the leg of that release is left out, as npm
 * test does, since the full suite covers it.
 *
 *   node --import tsx test/compat.ts [--beside-full-suite] [--skip-default] [--parallel N] [VERSION/MODE | zero-loss ...]
 *   e.g. node --import tsx test/compat.ts 3.9.1/zookeeper
 *
 * With --parallel N, N legs run at once, each on ports of its own (the base
 * plus 40 per leg); a leg's output is printed whole when it ends. The 4.0.2
 * leg ends with the real upgrade to 4.1.1 (compat-upgrade), on its sandbox.
 *
 * Run with no legs named, it also runs the zero-loss run (every operation under
 * one load, test/e2e/zero-loss.e2e.test.ts) as a leg of its own on the default
 * release, first, beside the others: it is the longest leg, and it needs a
 * sandbox to itself. `zero-loss` names it alone.
 *
 * With --beside-full-suite (what `npm test` runs), the full suite
 * (test/run-all.ts, on the default release, base ports and state directory)
 * runs at the same time as the legs, its output printed as it goes: it leaves
 * most of the 2 cores idle while it waits on Kafka and the apiserver, and the
 * legs fill them. The legs then take the ports above the full suite's.
 *
 * The last line is `compat: N passed, N failed` over every leg; before it, a
 * table of each leg's outcome and time. Beside the full suite, a line for it
 * follows, and the last line is `N passed, N failed` over both.
 */
import { spawn } from 'node:child_process';
import { DEFAULT_KAFKA_VERSION, kafkaSetting, loadSandboxConfig, type KafkaMode } from './sandbox/config.js';

export interface Leg {
  version: string;
  mode: KafkaMode;
  /** What the leg runs: the subset (unset), or the zero-loss run of every operation. */
  run?: 'zero-loss';
}

/** Every operation under one load (issue 13): long, so a leg of its own beside the others, not in the full suite. */
export const ZERO_LOSS_FILE = 'test/e2e/zero-loss.e2e.test.ts';
export const ZERO_LOSS_LEG: Leg = { version: DEFAULT_KAFKA_VERSION, mode: 'kraft', run: 'zero-loss' };

/** 3.9 is the last release with ZooKeeper (and the bridge release for migrating), 4.0 the first KRaft-only one. */
export const LEGS: readonly Leg[] = [
  { version: '3.9.1', mode: 'zookeeper' },
  { version: '3.9.1', mode: 'kraft' },
  { version: '4.0.2', mode: 'kraft' },
  { version: '4.4.0', mode: 'kraft' },
];

/**
 * The subset, by file and test name: the webhook's eviction, delete and
 * scale-down refusals; status; drain (on 4 brokers, as it must be with RF 3
 * topics); restart; move; the zero-loss check with Kafka's own
 * VerifiableProducer/Consumer (maintenance under load); and what differs
 * between releases and modes (compat-*.e2e.test.ts, whole).
 */
export const SUBSET: ReadonlyArray<{ file: string; tests: readonly string[] | 'all' }> = [
  { file: 'test/e2e/webhook-guards.e2e.test.ts', tests: ['an RF 1 partition on broker 2: delete and drain are refused', 'kubectl scale and kubectl patch of replicas are refused'] },
  { file: 'test/e2e/plugin-basics.e2e.test.ts', tests: ['status: '] },
  { file: 'test/e2e/plugin-drain.e2e.test.ts', tests: ['scale kafka --replicas 4: ', 'drain kafka-2 --evict: '] },
  { file: 'test/e2e/plugin-restart.e2e.test.ts', tests: ['restart --all: '] },
  { file: 'test/e2e/plugin-move.e2e.test.ts', tests: ['move kafka-0 (network volume)'] },
  { file: 'test/e2e/plugin-maintenance.e2e.test.ts', tests: ['an RF1 topic on broker 2 beside RF3 topics'] },
  { file: 'test/e2e/compat-modes.e2e.test.ts', tests: 'all' },
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The real upgrade from the leg's release, run last on that leg's sandbox (it leaves the brokers on the newer release). */
export const UPGRADE_FROM = { version: '4.0.2', file: 'test/e2e/compat-upgrade.e2e.test.ts' } as const;

/** The subset a leg runs: the 4.0.2 leg also upgrades its cluster to 4.1.1 at the end. */
export function legSubset(leg: Leg): ReadonlyArray<{ file: string; tests: readonly string[] | 'all' }> {
  if (leg.run === 'zero-loss') return [{ file: ZERO_LOSS_FILE, tests: 'all' }];
  return leg.version === UPGRADE_FROM.version ? [...SUBSET, { file: UPGRADE_FROM.file, tests: 'all' }] : SUBSET;
}

/** The arguments for test/run-all.ts: the files, and one name pattern matching exactly the chosen tests. */
export function subsetArgs(subset = SUBSET): string[] {
  const names = subset.flatMap((s) => (s.tests === 'all' ? [] : s.tests.map((t) => `^${escape(t)}`)));
  // Only whole files: no pattern, every test runs.
  if (names.length === 0) return ['--e2e', ...subset.map((s) => s.file)];
  // A file taken whole beside chosen tests has its tests matched by a pattern of their own: every test name in it starts with its topic.
  const whole = subset.some((s) => s.tests === 'all') ? ['^compat: '] : [];
  return ['--e2e', `--test-name-pattern=${[...names, ...whole].join('|')}`, ...subset.map((s) => s.file)];
}

/** --parallel N: how many legs run at once (1 unless given). */
export function parallelism(args: readonly string[]): number {
  const i = args.indexOf('--parallel');
  if (i === -1) return 1;
  const raw = args[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 4) throw new Error(`--parallel ${raw ?? ''}: give a whole number of legs from 1 to 4, e.g. --parallel 2`);
  return n;
}

/**
 * Each leg's sandbox ports: 30 above the previous leg's. A sandbox's ports sit
 * at most 9,300 above its base, in blocks 100 and 200 apart (plain, controller
 * and TLS listeners): a step of 40 put the sixth sandbox's brokers on the
 * first one's TLS ports. 30 stays clear for 7 sandboxes side by side.
 */
export function legPortBase(base: number, slot: number): number {
  return base + 30 * slot;
}

/** Counts from node:test's spec reporter summary (`ℹ pass 3`). */
export function summaryCounts(output: string): { pass: number; fail: number; skipped: number } | null {
  const count = (label: string) => {
    const m = new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(output);
    return m?.[1] === undefined ? null : Number(m[1]);
  };
  const pass = count('pass');
  const fail = count('fail');
  if (pass === null || fail === null) return null;
  return { pass, fail: fail + (count('cancelled') ?? 0), skipped: count('skipped') ?? 0 };
}

/** The legs named on the command line (what is neither a flag nor --parallel's number). */
function legArgs(args: readonly string[]): string[] {
  return args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--parallel');
}

export function parseLegs(args: readonly string[]): Leg[] {
  const wanted = legArgs(args);
  if (wanted.length === 0) return [...LEGS];
  return wanted.map((arg) => {
    if (arg === 'zero-loss') return ZERO_LOSS_LEG;
    const [version, mode, extra] = arg.split('/');
    if (!version || extra !== undefined) throw new Error(`${JSON.stringify(arg)} is not a leg: write VERSION or VERSION/MODE, e.g. 3.9.1/zookeeper or 4.0.2/kraft`);
    const setting = kafkaSetting(version, mode ?? 'kraft'); // the sandbox's own check, with its message
    return { version: setting.kafkaVersion, mode: setting.kafkaMode };
  });
}

/** A run of test/run-all.ts, from its exit code and its summary: failed when it failed, ran nothing, or printed no summary (the sandbox did not start). */
export function runOutcome(code: number | null, output: string): { outcome: 'passed' | 'failed'; pass: number; fail: number } {
  const counts = summaryCounts(output) ?? { pass: 0, fail: 1, skipped: 0 };
  const outcome = code === 0 && counts.fail === 0 && counts.pass > 0 ? 'passed' : 'failed';
  return { outcome, pass: counts.pass, fail: outcome === 'failed' && counts.fail === 0 ? 1 : counts.fail };
}

interface LegResult {
  leg: Leg;
  outcome: 'passed' | 'failed';
  pass: number;
  fail: number;
  seconds: number;
}

/** Writes whole lines only, so that other output can go between them; the rest at flush. */
export class LineWriter {
  private pending = '';
  constructor(private readonly out: (text: string) => void) {}
  write(chunk: string): void {
    const text = this.pending + chunk;
    const end = text.lastIndexOf('\n') + 1;
    this.pending = text.slice(end);
    if (end > 0) this.out(text.slice(0, end));
  }
  flush(): void {
    if (this.pending) this.out(`${this.pending}\n`);
    this.pending = '';
  }
}

/** One line on stdout: between whole lines of any output that streams (LineWriter). */
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Runs test/run-all.ts with `args` and `env`, handing each chunk of its output on as it comes; the whole output at its exit. */
function runTests(args: readonly string[], env: NodeJS.ProcessEnv, onOut: (text: string) => void, onErr: (text: string) => void): Promise<{ code: number | null; output: string; errors: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/run-all.ts', ...args], { cwd: loadSandboxConfig().repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); onOut(d.toString()); });
    child.stderr.on('data', (d: Buffer) => { errors += d.toString(); onErr(d.toString()); });
    child.on('exit', (code) => resolve({ code, output, errors, seconds: Math.round((Date.now() - started) / 1000) }));
  });
}

/** Where a leg runs, and what becomes of its output: shown as it goes (alone), or held for its end. */
interface Place { stateDir: string; portBase: number; alone: boolean; hold: (text: string) => void }

async function runLeg(leg: Leg, place: Place): Promise<LegResult> {
  const name = legName(leg);
  say(`[compat] ${name}: starting a sandbox and the subset (ports from ${place.portBase})`);
  // Its own state directory and ports: never a running sandbox of another release reused by mistake.
  const env = {
    ...process.env, KAFKA_GUARD_KAFKA_VERSION: leg.version, KAFKA_GUARD_KAFKA_MODE: leg.mode,
    KAFKA_GUARD_SANDBOX_DIR: `${place.stateDir}-compat-${leg.version}-${leg.mode}${leg.run ? `-${leg.run}` : ''}`, KAFKA_GUARD_SANDBOX_PORT_BASE: String(place.portBase),
  };
  // Alone, the leg prints as it goes; beside others, whole at its end, so the legs' lines do not interleave.
  const show = (to: NodeJS.WriteStream) => (text: string) => { if (place.alone) to.write(text); };
  const ran = await runTests(subsetArgs(legSubset(leg)), env, show(process.stdout), show(process.stderr));
  const result: LegResult = { leg, ...runOutcome(ran.code, ran.output), seconds: ran.seconds };
  if (!place.alone) {
    say(`[compat] ${resultLine(result)}`);
    place.hold(`\n[compat] ${name}: output\n${ran.errors}${ran.output}`);
  }
  return result;
}

export function legName(leg: Leg): string {
  return `Kafka ${leg.version} ${leg.mode}${leg.run === 'zero-loss' ? ' (zero-loss run)' : ''}`;
}

const minutes = (s: number) => `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;

function resultLine(r: LegResult): string {
  return `${legName(r.leg).padEnd(33)} ${r.outcome} (${r.pass} passed, ${r.fail} failed) in ${minutes(r.seconds)}`;
}

/** The full suite (test/run-all.ts, no arguments) on the default sandbox, its output printed as it goes through the line writers. */
async function runFullSuite(out: LineWriter, err: LineWriter): Promise<{ outcome: 'passed' | 'failed'; pass: number; fail: number; seconds: number }> {
  const ran = await runTests([], process.env, (text) => out.write(text), (text) => err.write(text));
  out.flush();
  err.flush();
  return { ...runOutcome(ran.code, ran.output), seconds: ran.seconds };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const cfg = loadSandboxConfig();
  const named = parseLegs(args);
  // No leg named: the whole matrix, and the zero-loss run first (the longest leg).
  let legs = legArgs(args).length > 0 ? named : [ZERO_LOSS_LEG, ...named];
  const results: LegResult[] = [];
  const lines: string[] = [];
  if (args.includes('--skip-default')) {
    const covered = legs.filter((l) => l.run === undefined && l.version === cfg.kafkaVersion && l.mode === cfg.kafkaMode);
    legs = legs.filter((l) => !covered.includes(l));
    for (const l of covered) lines.push(`compat: Kafka ${l.version} ${l.mode.padEnd(9)} covered by the full suite (the sandbox's default)`);
  }
  const parallel = parallelism(args);
  const beside = args.includes('--beside-full-suite');
  // Beside the full suite, its output streams whole lines; the legs' lines go between them, their outputs once it ends.
  const out = new LineWriter((text) => process.stdout.write(text));
  const err = new LineWriter((text) => process.stderr.write(text));
  const held: string[] = [];
  let suiteRunning = beside;
  const place = (index: number): Place => ({
    stateDir: cfg.stateDir,
    // Slot 0 is the full suite's when it runs beside.
    portBase: legPortBase(cfg.portBase, beside ? index + 1 : index),
    alone: parallel === 1 && !beside,
    hold: (text) => { if (suiteRunning) held.push(text); else process.stdout.write(text); },
  });
  const suite = beside
    ? runFullSuite(out, err).then((r) => { suiteRunning = false; for (const text of held.splice(0)) process.stdout.write(text); return r; })
    : null;
  const queue = legs.map((leg, index) => ({ leg, index }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      results[next.index] = await runLeg(next.leg, place(next.index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, legs.length) }, worker));
  const full = suite ? await suite : null;
  process.stdout.write('\n');
  for (const r of results) lines.push(`compat: ${resultLine(r)}`);
  for (const line of lines) process.stdout.write(`${line}\n`);
  const pass = results.reduce((n, r) => n + r.pass, 0);
  const fail = results.reduce((n, r) => n + r.fail, 0);
  process.stdout.write(`compat: ${pass} passed, ${fail} failed\n`);
  if (full) {
    process.stdout.write(`full suite (Kafka ${cfg.kafkaVersion} ${cfg.kafkaMode}): ${full.outcome} (${full.pass} passed, ${full.fail} failed) in ${minutes(full.seconds)}\n`);
    process.stdout.write(`${pass + full.pass} passed, ${fail + full.fail} failed\n`);
  }
  return fail === 0 && results.length > 0 && (full === null || full.outcome === 'passed') ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => process.exit(code), (err: unknown) => {
    process.stderr.write(`[compat] error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.stdout.write('compat: 0 passed, 1 failed\n');
    process.exit(1);
  });
}
