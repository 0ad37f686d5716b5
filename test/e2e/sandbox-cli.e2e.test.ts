/**
 * `npm run sandbox` as a user runs it: a second sandbox on the same ports,
 * a start in the foreground stopped with Ctrl-C (also half-way through
 * start-up), the smoke run, and each start that cannot work (a second start,
 * a port in use, a missing tool, a failed build). Every failure must name
 * what is wrong and what to do, and leave no process behind.
 *
 * The extra sandboxes run in their own state directory and on their own
 * ports, beside the suite's sandbox, which must be untouched by all of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadSandboxConfig, statePaths } from '../sandbox/config.js';
import { portFree } from '../sandbox/process.js';
import { eventually, kubectl } from './helpers.js';

const suite = loadSandboxConfig();
const cli = join(suite.repoRoot, 'test/sandbox/cli.ts');
/** Far enough from the suite's base that no port of one range is a port of the other. */
const altBase = (suite.ports.etcdClient - 2379) >= 15000 ? suite.ports.etcdClient - 2379 - 7000 : suite.ports.etcdClient - 2379 + 7000;
const binDir = dirname(execFileSync('which', ['kube-apiserver'], { encoding: 'utf8' }).trim());
let scratch = '';

before(() => { scratch = mkdtempSync(join(tmpdir(), 'kg-sandbox-cli-')); });
after(() => { rmSync(scratch, { recursive: true, force: true }); });

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function startCli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<Run>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: suite.repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<Run>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  const { child, done } = startCli(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return done.finally(() => clearTimeout(timer));
}

/** An environment for a sandbox of its own: its own state directory and ports. */
function ownSandboxEnv(name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv & { KAFKA_GUARD_SANDBOX_DIR: string } {
  return { ...process.env, KAFKA_GUARD_SANDBOX_PORT_BASE: String(altBase), ...extra, KAFKA_GUARD_SANDBOX_DIR: join(scratch, name) };
}

/** Processes whose command line mentions `path` (every sandbox process names its state directory). */
function processesUsing(path: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(path) && !l.includes('ps -eo'));
}

async function assertNothingLeft(stateDir: string): Promise<void> {
  // Stopping is asynchronous only for the processes' exit; give the kernel a moment.
  await eventually(`no process using ${stateDir}`, async () => processesUsing(stateDir).length === 0, 20_000, 250)
    .catch(() => assert.deepEqual(processesUsing(stateDir), [], 'processes left behind'));
  for (const port of [altBase + 2379, altBase + 6443, altBase + 9092]) {
    assert.ok(await portFree(port), `port ${port} still in use`);
  }
}

/** A PATH that finds every tool of this PATH except `tool`. */
function pathWithout(tool: string): string {
  const dir = join(scratch, `path-without-${tool}`);
  mkdirSync(dir, { recursive: true });
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (!d || !existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      if (name === tool || existsSync(join(dir, name))) continue;
      try { symlinkSync(join(d, name), join(dir, name)); } catch { /* unreadable entry */ }
    }
  }
  return dir;
}

function suiteState(): string {
  const paths = statePaths(suite);
  return [paths.ownerFile, paths.readyFile, paths.pidFile].map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : '-')).join('\n');
}

test('a second start while the sandbox runs is refused at once, naming the running one, and changes nothing', async () => {
  const before = suiteState();
  for (const args of [[], ['--detach']]) {
    const run = await runCli(args, { ...process.env, KAFKA_GUARD_SANDBOX_DIR: suite.stateDir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /a sandbox is already running \(pid \d+, state in .+\)/);
    assert.match(run.stderr, /npm run sandbox -- --stop/);
    assert.equal(run.stdout, '', 'a refused --detach must print no export lines');
  }
  assert.equal(suiteState(), before, 'the running sandbox was disturbed');
  assert.equal((await kubectl(['get', '--raw', '/readyz'])).stdout, 'ok');
});

test('a port in use is named with the way out, and nothing is started', async () => {
  const env = ownSandboxEnv('port-in-use', { KAFKA_GUARD_SANDBOX_PORT_BASE: String(suite.ports.etcdClient - 2379) });
  const run = await runCli([], env);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`port ${suite.ports.etcdClient} \\(for etcd\\) on 127\\.0\\.0\\.1 is already in use`));
  assert.match(run.stderr, /KAFKA_GUARD_SANDBOX_PORT_BASE=<base>/);
  assert.deepEqual(processesUsing(env.KAFKA_GUARD_SANDBOX_DIR), []);
});

test('a missing tool is named with what to install, before anything starts', async () => {
  const cases = [
    // The control plane is not cached in this cache directory, so Go is needed to build it.
    { tool: 'go', env: { KAFKA_GUARD_CACHE: join(scratch, 'empty-cache-go'), KAFKA_HOME: kafkaHome() }, hint: /install Go >= 1\.24, or set KUBEBUILDER_ASSETS/ },
    { tool: 'java', env: { KUBEBUILDER_ASSETS: binDir }, hint: /install a Java 17\+ runtime/ },
    // The Kafka jars are not cached in this cache directory, so Maven is needed to fetch them.
    { tool: 'mvn', env: { KUBEBUILDER_ASSETS: binDir, KAFKA_GUARD_CACHE: join(scratch, 'empty-cache-mvn') }, hint: /install Maven .*or set KAFKA_HOME/ },
  ];
  for (const c of cases) {
    const env = ownSandboxEnv(`without-${c.tool}`, { ...c.env, PATH: pathWithout(c.tool) });
    const run = await runCli([], env);
    assert.equal(run.code, 1, `${c.tool}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, new RegExp(`error: ${c.tool} is not installed or not on PATH`), c.tool);
    assert.match(run.stderr, c.hint, c.tool);
    await assertNothingLeft(env.KAFKA_GUARD_SANDBOX_DIR);
  }
});

test('a failed control-plane build is reported with its cause and the way around it, leaving nothing running', async () => {
  // No module proxy and an empty module cache: the build's first `go mod` step fails.
  const env = ownSandboxEnv('failed-build', {
    KAFKA_GUARD_CACHE: join(scratch, 'empty-cache-build'),
    KAFKA_HOME: kafkaHome(),
    GOPROXY: 'off',
    GOMODCACHE: join(scratch, 'empty-gomodcache'),
  });
  const run = await runCli([], env, 120_000);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /building the control plane failed/);
  assert.match(run.stderr, /GOPROXY=off|module lookup disabled/);
  assert.match(run.stderr, /set KUBEBUILDER_ASSETS to prebuilt binaries/);
  await assertNothingLeft(env.KAFKA_GUARD_SANDBOX_DIR);
});

test('in the foreground it prints the exports and three examples, serves a real cluster, and Ctrl-C stops every process', async () => {
  const env = ownSandboxEnv('foreground', { KUBEBUILDER_ASSETS: binDir });
  const { child, done, output } = startCli([], env);
  try {
    await eventually('the sandbox to say it is up', async () => /Ctrl-C stops everything/.test(output()), 240_000, 500);
  } catch (err) {
    child.kill('SIGINT');
    await done;
    throw new Error(`${(err as Error).message}\n${output().slice(-3000)}`);
  }
  const text = output();
  const exported = Object.fromEntries([...text.matchAll(/^\s+export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  assert.ok(exported.KUBECONFIG?.startsWith(env.KAFKA_GUARD_SANDBOX_DIR), text);
  assert.match(exported.KAFKA_BOOTSTRAP_SERVERS ?? '', new RegExp(`^127\\.0\\.0\\.1:${altBase + 9092},`));
  const examples = text.slice(text.indexOf('Then try:')).split('\n').filter((l) => /^\s+kubectl /.test(l));
  assert.equal(examples.length, 3, text);
  // The printed coordinates reach a real cluster with three Ready brokers.
  const pods = execFileSync('kubectl', ['--kubeconfig', exported.KUBECONFIG ?? '', 'get', 'pods', '-n', 'kafka', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}'], { encoding: 'utf8' });
  assert.equal(pods.trim(), 'True True True');

  child.kill('SIGINT');
  const run = await done;
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  assert.match(run.stderr, /SIGINT: stopping every process the sandbox started/);
  await assertNothingLeft(env.KAFKA_GUARD_SANDBOX_DIR);
});

test('Ctrl-C half-way through start-up stops what was started so far', async () => {
  const env = ownSandboxEnv('interrupted', { KUBEBUILDER_ASSETS: binDir });
  const { child, done } = startCli([], env);
  const pidFile = join(env.KAFKA_GUARD_SANDBOX_DIR, 'pids');
  // Interrupt once the control plane runs but before the brokers are up.
  await eventually('the control plane to be started', async () => existsSync(pidFile) && /kube-apiserver/.test(readFileSync(pidFile, 'utf8')), 120_000, 100);
  child.kill('SIGINT');
  const run = await done;
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  await assertNothingLeft(env.KAFKA_GUARD_SANDBOX_DIR);
});

test('Ctrl-C during a first-run build stops the whole build, not just the shell that runs it', async () => {
  // An empty cache and module cache: the control plane must be built, and Go starts downloading.
  const env = ownSandboxEnv('interrupted-build', {
    KAFKA_GUARD_CACHE: join(scratch, 'empty-cache-interrupted'), KAFKA_HOME: kafkaHome(), GOMODCACHE: join(scratch, 'gomodcache-interrupted'),
  });
  const { child, done } = startCli([], env);
  const pidFile = join(env.KAFKA_GUARD_SANDBOX_DIR, 'pids');
  const group = await eventually('the build to run go', async () => {
    const line = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').find((l) => / build-kube\.sh$/.test(l)) : undefined;
    const pgid = line ? -Number(line.split(' ')[0]?.split(':')[0]) : 0; // a stamp: -PGID:STARTTIME
    return pgid > 0 && groupMembers(pgid).some((args) => /^go /.test(args)) ? pgid : null;
  }, 60_000, 100);
  child.kill('SIGINT');
  const run = await done;
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  await eventually(`no process left in the build's group ${group}`, async () => groupMembers(group).length === 0, 20_000, 250)
    .catch(() => assert.deepEqual(groupMembers(group), [], 'build processes left behind'));
  await assertNothingLeft(env.KAFKA_GUARD_SANDBOX_DIR);
});

/** The command lines of the processes in process group `pgid`. */
function groupMembers(pgid: number): string[] {
  const ps = execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' });
  return ps.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${pgid} `)).map((l) => l.slice(String(pgid).length + 1));
}

test('--smoke brings a sandbox up from KUBEBUILDER_ASSETS and KAFKA_HOME, checks it, takes it down and ends with one summary line', async () => {
  // An empty cache: the binaries can only come from the two directories given.
  const env = ownSandboxEnv('smoke', { KUBEBUILDER_ASSETS: binDir, KAFKA_HOME: kafkaHome(), KAFKA_GUARD_CACHE: join(scratch, 'empty-cache-smoke') });
  const run = await runCli(['--smoke'], env, 300_000);
  assert.equal(run.code, 0, run.stdout + run.stderr.slice(-2000));
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[lines.length - 1] ?? '', /^smoke: passed: 3 brokers registered, 100 messages produced, 100 stored \(\d+s\)$/);
  await assertNothingLeft(env.KAFKA_GUARD_SANDBOX_DIR);
  const cache = join(scratch, 'empty-cache-smoke');
  const made = existsSync(cache) ? readdirSync(cache).filter((f) => /^(control-plane|kafka)-/.test(f)) : [];
  assert.deepEqual(made, [], 'something was built or fetched into the cache');
});

/** A KAFKA_HOME made of the suite's Kafka jars, so a test with an empty cache fetches nothing. */
function kafkaHome(): string {
  const home = join(scratch, 'kafka-home');
  if (!existsSync(home)) {
    mkdirSync(home, { recursive: true });
    symlinkSync(process.env.KAFKA_LIBS ?? '', join(home, 'libs'));
  }
  return home;
}
