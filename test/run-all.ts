/**
 * The whole test suite in one node:test run: unit tests beside the code and
 * the end-to-end tests in test/e2e against one shared sandbox (started here,
 * or reused when `npm run sandbox -- --detach` already runs one). The last
 * lines printed are the test runner's own summary.
 *
 *   node --import tsx test/run-all.ts [--unit | --e2e] [--test-name-pattern=REGEX...] [file filter...]
 *
 * --test-name-pattern is handed to node:test (test/compat.ts runs a subset of
 * the end-to-end tests this way). KAFKA_GUARD_KAFKA_VERSION and
 * KAFKA_GUARD_KAFKA_MODE pick the sandbox's Kafka (docs/sandbox.md).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ZERO_LOSS_FILE } from './compat.js';
import { loadSandboxConfig, statePaths } from './sandbox/config.js';
import { liveStamped } from './sandbox/process.js';
import { startSandbox, type Sandbox } from './sandbox/sandbox.js';

const cfg = loadSandboxConfig();
const root = cfg.repoRoot;

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

/** The environment a sandbox's `export` lines set. */
function exportsEnv(lines: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2].replace('$PATH', process.env.PATH ?? '');
  }
  return env;
}

function runningSandboxEnv(): Record<string, string> | null {
  const paths = statePaths(cfg);
  if (!existsSync(paths.readyFile) || !existsSync(paths.ownerFile)) return null;
  if (liveStamped(readFileSync(paths.ownerFile, 'utf8')) === null) return null;
  const env = exportsEnv(readFileSync(paths.readyFile, 'utf8').split('\n'));
  // Reusing a sandbox of another Kafka than asked for would test the wrong thing, silently.
  const running = `${env.KAFKA_GUARD_KAFKA_VERSION} ${env.KAFKA_GUARD_KAFKA_MODE}`;
  if (env.KAFKA_GUARD_KAFKA_VERSION && running !== `${cfg.kafkaVersion} ${cfg.kafkaMode}` && !cfg.kafkaHome) {
    throw new Error(`the sandbox running in ${cfg.stateDir} has Kafka ${running}, not ${cfg.kafkaVersion} ${cfg.kafkaMode} as KAFKA_GUARD_KAFKA_VERSION/KAFKA_GUARD_KAFKA_MODE ask; ` +
      'stop it (npm run sandbox -- --stop) or use another KAFKA_GUARD_SANDBOX_DIR');
  }
  return env;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const mode = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';
  const filters = args.filter((a) => !a.startsWith('--'));
  const namePatterns = args.filter((a) => a.startsWith('--test-name-pattern='));
  // Files run in the order the filters name them (the compatibility matrix runs its upgrade last), else by name.
  const rank = (f: string) => filters.findIndex((x) => f.includes(x));
  const all = findTests(root).filter((f) => filters.length === 0 || rank(f) >= 0).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  // compat-*.e2e.test.ts and the zero-loss run are legs of the matrix (test/compat.ts names them); elsewhere only when a filter names them.
  const matrixOnly = (f: string) => f.startsWith('test/e2e/compat-') || f === ZERO_LOSS_FILE;
  const e2e = all.filter((f) => f.startsWith('test/e2e/') && (!matrixOnly(f) || filters.some((x) => f.includes(x) && /compat|zero-loss/.test(x))));
  const unit = all.filter((f) => !f.startsWith('test/e2e/'));
  const files = mode === 'unit' ? unit : mode === 'e2e' ? e2e : [...unit, ...e2e];

  let sandbox: Sandbox | null = null;
  let env: NodeJS.ProcessEnv = { ...process.env };
  if (files.some((f) => f.startsWith('test/e2e/'))) {
    const reuse = runningSandboxEnv();
    if (reuse) {
      process.stderr.write('[test] reusing the running sandbox\n');
      env = { ...env, ...reuse };
    } else {
      mkdirSync(cfg.cacheDir, { recursive: true });
      // One log per state directory: the compatibility matrix runs sandboxes side by side.
      const logPath = join(cfg.cacheDir, cfg.stateDir === join(cfg.cacheDir, 'sandbox') ? 'test-sandbox.log' : `test-sandbox-${basename(cfg.stateDir)}.log`);
      const sandboxLog = createWriteStream(logPath);
      process.stderr.write(`[test] starting the sandbox (log: ${logPath})\n`);
      const started = Date.now();
      sandbox = await startSandbox({ log: (line) => sandboxLog.write(`${new Date().toISOString()} ${line}\n`) });
      process.stderr.write(`[test] sandbox ready in ${Math.round((Date.now() - started) / 1000)}s\n`);
      env = { ...env, ...exportsEnv(sandbox.exports) };
    }
    env.KAFKA_GUARD_SANDBOX_DIR = cfg.stateDir;
    // Whether every e2e test runs (no file filter, no other option): the audit test then requires every grant to have been used.
    env.KAFKA_GUARD_E2E_FULL_SUITE = args.every((a) => a === '--unit' || a === '--e2e') ? 'true' : 'false';
  }

  const stopSandbox = async () => { if (sandbox) await sandbox.stop().catch(() => undefined); sandbox = null; };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => { void stopSandbox().then(() => process.exit(130)); });
  }

  // One file at a time: end-to-end tests share one Kafka cluster and stop brokers.
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...namePatterns, ...files], {
      cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.pipe(process.stdout);
    child.on('exit', (c) => resolve(c ?? 1));
  });
  await stopSandbox();
  return code;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`[test] error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
