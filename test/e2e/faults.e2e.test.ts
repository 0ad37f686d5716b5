/**
 * Faults (issue 13 §1): each test breaks one part of the sandbox while an
 * operation runs, and says in its name what must hold. Covered elsewhere and
 * not repeated here: the plugin interrupted during a drain
 * (plugin-drain.e2e.test.ts), every broker unreachable (webhook-readiness and
 * the onKafkaUnreachable tests), two concurrent evictions without a fault
 * (webhook-guards, webhook-replicas).
 *
 * The sandbox's processes are found through its pid file (one "PID NAME" line
 * per process it started) and /proc; a process killed here is started again
 * with its own command line, detached, its output appended to its log file
 * and its pid recorded in the same pid file, so `npm run sandbox -- --stop`
 * and the end of the run stop it like the original.
 *
 * Every test restores what it broke in t.after, even when it fails: the
 * process back, nodes uncordoned, 3 brokers in sync, its topics deleted,
 * no throttle. Measured figures are printed as test diagnostics ("measured:").
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync, closeSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { statePaths } from '../sandbox/config.js';
import { isAlive, livePids, pidStamp, portFree } from '../sandbox/process.js';
import {
  createAssignedTopic, createTopicsLed, eventually, evict, forgetLedgerEntries, kafkaClient, kubeClients, kubectl,
  NAMESPACE, removeTopics, sandboxWebhook, setPolicyMode, uniqueName, waitForHealthyCluster, webhookRequest,
} from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin, freeNode, partitionsOn, podOf, replicasOf, runPlugin, startPlugin, throttlesLeft, waitForBrokers } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-faults');
const admin = kafka.admin();
const sandbox = sandboxWebhook();
const paths = statePaths(sandbox.cfg);
const topics: string[] = [];

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
});

after(async () => {
  await removeTopics(admin, topics);
  await admin.disconnect();
});

// ------------------------------------------------------------------ processes of the sandbox

/** The live pid the sandbox (or a restart here) recorded under exactly `name`, newest first. */
function recordedPid(name: string): number {
  const pids = livePids(paths.pidFile).filter((p) => p.name === name && p.pid > 0);
  const pid = pids.at(-1)?.pid;
  if (pid === undefined) throw new Error(`no live process named ${name} in ${paths.pidFile}`);
  return pid;
}

function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
}

async function killAndWait(pid: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  process.kill(pid, signal);
  await eventually(`pid ${pid} to end`, async () => !isAlive(pid) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), 30_000, 100);
}

/**
 * Starts `argv` again as the sandbox did, but detached (it must outlive this
 * test file: the next files use it), output appended to `logFile`, pid recorded.
 */
function respawn(name: string, argv: string[], logFile: string): number {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`no command line for ${name}`);
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, { cwd: sandbox.cfg.repoRoot, detached: true, stdio: ['ignore', fd, fd], env: process.env });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name} again`);
  appendFileSync(paths.pidFile, `${pidStamp(child.pid)} ${name}\n`);
  return child.pid;
}

/** The java process the node agent runs for a broker pod (its work directory is named after the pod and its uid). */
function brokerJavaPid(pod: string, uid: string): number | null {
  const marker = `/${pod}-${uid.slice(0, 8)}/server.properties`;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (commandLine(Number(pid)).some((a) => a.endsWith(marker))) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

const WEBHOOK = 'kafka-guard-webhook';

async function webhookReady(): Promise<boolean> {
  return (await webhookRequest(sandbox.port, '/readyz').catch(() => null))?.status === 200;
}

/** The webhook back on its port (started again with `argv` if it is not running); resolves with the ms it took. */
async function ensureWebhook(argv: string[]): Promise<number> {
  const started = Date.now();
  if (!livePids(paths.pidFile).some((p) => p.name === WEBHOOK)) {
    await eventually(`port ${sandbox.port} free`, () => portFree(sandbox.port), 30_000, 100);
    respawn(WEBHOOK, argv, join(paths.logs, 'webhook.log'));
  }
  await eventually('the webhook /readyz to answer 200', webhookReady, 60_000, 100);
  return Date.now() - started;
}

async function apiserverReady(): Promise<boolean> {
  return (await kubectl(['get', '--raw', '/readyz'], { timeoutMs: 5000 })).code === 0;
}

// ------------------------------------------------------------------ small helpers

/** Deletes the topics made so far (each test's t.after: an RF 1 topic would block the next test's disruption). */
async function dropTopics(): Promise<void> {
  const names = topics.splice(0);
  await removeTopics(admin, names);
}

function topicName(prefix: string): string {
  const name = uniqueName(prefix);
  topics.push(name);
  return name;
}

/** A topic with `partitions` partitions on `replicas`, each filled with `mb` MB in 10 KB messages. */
async function bigTopic(name: string, replicas: number[][], mb: number): Promise<number> {
  await createTopicsLed(admin, [{ topic: name, replicaAssignment: replicas.map((r, partition) => ({ partition, replicas: r })) }]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const padding = 'x'.repeat(10_000);
  const perPartition = mb * 100;
  let sent = 0;
  try {
    for (let i = 0; i < perPartition / 10; i += 1) {
      const messages = replicas.flatMap((_, partition) => Array.from({ length: 10 }, (_x, j) => ({ partition, value: `${partition}-${i}-${j}-${padding}` })));
      await producer.send({ topic: name, acks: -1, messages });
      sent += messages.length;
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}

/**
 * Reads a topic from the beginning until `count` distinct values are seen; on a
 * timeout says how many are missing and whether the log itself holds more
 * (a producer's duplicate) or the reader saw some twice (a consumer's).
 */
async function readsAll(topic: string, count: number, timeoutMs = 120_000): Promise<void> {
  const consumer = kafka.consumer({ groupId: uniqueName('faults-reader') });
  const seen = new Set<string>();
  let total = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          total += 1;
          seen.add(message.value?.toString() ?? '');
          if (seen.size >= count) { clearTimeout(timer); resolve(); }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  const inLog = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  assert.equal(seen.size, count, `${topic}: read ${seen.size} distinct of ${count} acknowledged (${total} read in all, ${inLog} in the log)`);
}

/** While a partition is reassigned, Metadata lists its old and new replicas together. */
async function moving(topic: string, steady: number): Promise<boolean> {
  return Object.values(await replicasOf(admin, [topic])).some((r) => r.length > steady);
}

async function uidOf(pod: string): Promise<string | undefined> {
  return (await podOf(pod))?.metadata?.uid;
}

async function uncordonAll(): Promise<void> {
  const { core } = kubeClients();
  for (const n of (await core.listNode()).items) if (n.spec?.unschedulable) await kubectl(['uncordon', n.metadata?.name ?? '']);
}

async function setPdbMaxUnavailable(n: number): Promise<void> {
  const res = await kubectl(['patch', 'pdb', 'kafka', '-n', NAMESPACE, '--type', 'merge', '-p', JSON.stringify({ spec: { maxUnavailable: n } })]);
  if (res.code !== 0) throw new Error(`patching the PDB: ${res.stderr}`);
}

// ------------------------------------------------------------------ 6. etcd paused

test('fault: etcd paused (SIGSTOP 5 s) while two evictions that together break min ISR arrive: the ledger never admits both, the cluster recovers', async (t: TestContext) => {
  const topic = topicName('fault-etcd');
  await createAssignedTopic(admin, topic, [[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
  const { policy } = kubeClients();
  // The PDB alone would also allow only one; lift it so kafka-guard's ledger is what decides.
  await setPdbMaxUnavailable(3);
  const etcd = recordedPid('etcd');
  let paused = false;
  t.after(async () => {
    await dropTopics();
    if (paused) process.kill(etcd, 'SIGCONT');
    await setPdbMaxUnavailable(1);
    await waitForHealthyCluster(admin);
  });
  await eventually('the PDB to allow 3 disruptions', async () => (await policy.readNamespacedPodDisruptionBudget({ name: 'kafka', namespace: NAMESPACE })).status?.disruptionsAllowed === 3, 30_000, 500);
  const before = { 'kafka-1': await uidOf('kafka-1'), 'kafka-2': await uidOf('kafka-2') };

  process.kill(etcd, 'SIGSTOP');
  paused = true;
  const started = Date.now();
  const results = Promise.all([evict('kafka-1'), evict('kafka-2')]);
  await sleep(5000);
  process.kill(etcd, 'SIGCONT');
  paused = false;
  const answers = await results;
  const ms = Date.now() - started;

  const admitted = answers.filter((r) => r.code === 201);
  t.diagnostic(`measured: etcd paused 5 s; answers ${answers.map((r) => `${r.code} ${r.message.slice(0, 240)}`).join(' | ')} after ${ms} ms; admitted ${admitted.length}`);
  assert.ok(admitted.length <= 1, `both evictions were admitted: ${JSON.stringify(answers)}`);
  for (const refused of answers.filter((r) => r.code !== 201)) {
    assert.ok([429, 500, 503, 504].includes(refused.code), `unexpected answer ${refused.code}: ${refused.message}`);
    // Kafka answered throughout: a refusal must name the apiserver, not claim Kafka was unreachable.
    assert.doesNotMatch(refused.message, /Kafka of KafkaGuardPolicy .* could not be asked/);
  }
  // What happened to the pods agrees with the answers: at most one of them went.
  await sleep(2000);
  const gone = (['kafka-1', 'kafka-2'] as const).filter((pod) => before[pod] !== undefined);
  const disrupted: string[] = [];
  for (const pod of gone) {
    const now = await podOf(pod);
    if (now?.metadata?.uid !== before[pod] || now?.metadata?.deletionTimestamp) disrupted.push(pod);
  }
  assert.ok(disrupted.length <= 1, `pods disrupted: ${disrupted.join(', ')}`);
  assert.equal(disrupted.length, admitted.length, `admitted ${admitted.length} but ${disrupted.length} pods went (${disrupted.join(', ')})`);
  // An admitted disruption that did not happen would count its broker as down for the next test.
  await forgetLedgerEntries(gone.filter((p) => !disrupted.includes(p)).map((p) => before[p] ?? ''));
});

// ------------------------------------------------------------------ 5. apiserver restarted

test('fault: kube-apiserver killed and started again while the webhook serves: /readyz says not ready while it cannot watch, caches resync, verdicts stay right', async (t: TestContext) => {
  const unsafe = topicName('fault-apiserver');
  // kafka-1 holds the only copy: its eviction must be refused; kafka-2's allowed.
  await createAssignedTopic(admin, unsafe, [[1]]);
  const verdicts = async () => ({ one: await evict('kafka-1', { dryRun: true }), two: await evict('kafka-2', { dryRun: true }) });
  const first = await verdicts();
  assert.equal(first.one.code, 429, first.one.message);
  assert.match(first.one.message, new RegExp(unsafe));
  assert.equal(first.two.code, 201, first.two.message);

  const pid = recordedPid('kube-apiserver');
  const argv = commandLine(pid);
  t.after(async () => {
    await dropTopics();
    if (!livePids(paths.pidFile).some((p) => p.name === 'kube-apiserver')) respawn('kube-apiserver', argv, join(paths.logs, 'kube-apiserver.log'));
    await eventually('kube-apiserver ready', apiserverReady, 120_000, 500);
    await setPolicyMode('Enforce');
    await eventually('the webhook ready', webhookReady, 60_000, 500);
    await waitForHealthyCluster(admin);
  });
  await killAndWait(pid);
  const killedAt = Date.now();
  // Down for 8 s: what /readyz says meanwhile, sampled every 250 ms.
  const samples: Array<{ at: number; status: number; reason: string }> = [];
  while (Date.now() - killedAt < 8000) {
    const res = await webhookRequest(sandbox.port, '/readyz').catch((err: unknown) => ({ status: 0, body: String(err) }));
    samples.push({ at: Date.now() - killedAt, status: res.status, reason: res.body });
    await sleep(250);
  }
  respawn('kube-apiserver', argv, join(paths.logs, 'kube-apiserver.log'));
  await eventually('kube-apiserver ready again', apiserverReady, 120_000, 250);
  const apiserverBackMs = Date.now() - killedAt;
  await eventually('the webhook ready again', webhookReady, 60_000, 100);
  const webhookBackMs = Date.now() - killedAt;
  const firstNotReady = samples.find((s) => s.status === 503);
  t.diagnostic(`measured: /readyz while the apiserver was down: ${samples.filter((s) => s.status === 503).length} of ${samples.length} samples 503` +
    ` (first at ${firstNotReady?.at ?? '-'} ms, ${firstNotReady?.reason ?? 'never'}); apiserver ready ${apiserverBackMs} ms after the kill, webhook ready ${webhookBackMs} ms`);
  assert.ok(samples.every((s) => s.status === 200 || s.status === 503), `/readyz answered neither 200 nor 503: ${JSON.stringify(samples.find((s) => s.status !== 200 && s.status !== 503))}`);
  // Not ready from the moment its watches fail, until they are back: the last samples say so.
  const late = samples.filter((s) => s.at > 4000);
  assert.ok(late.length > 0 && late.every((s) => s.status === 503), `/readyz said ready while the apiserver was down: ${JSON.stringify(samples)}`);
  assert.match(late[0]?.reason ?? '', /waiting for caches/);

  // The same verdicts after the restart (the first answers may be the apiserver still settling: retried).
  const settled = await eventually('verdicts from the restarted apiserver', async () => {
    const v = await verdicts();
    return v.one.code >= 500 || v.two.code >= 500 ? null : v;
  }, 60_000, 500);
  assert.equal(settled.one.code, 429, settled.one.message);
  assert.equal(settled.two.code, 201, settled.two.message);
  // The caches follow changes made after the restart: a policy change reaches the verdict.
  const changed = Date.now();
  await setPolicyMode('Warn');
  await eventually('the Warn mode to reach the verdict', async () => (await evict('kafka-1', { dryRun: true })).code === 201, 30_000, 200);
  const warnMs = Date.now() - changed;
  await setPolicyMode('Enforce');
  await eventually('the Enforce mode to reach the verdict', async () => (await evict('kafka-1', { dryRun: true })).code === 429, 30_000, 200);
  t.diagnostic(`measured: a policy change after the restart reached the verdict in ${warnMs} ms`);
  assert.equal((await evict('kafka-2', { dryRun: true })).code, 201);
});

/**
 * A dry-run eviction posted with kubectl, so that the apiserver's Warning headers
 * (how Warn mode speaks) come back on stderr; the code is kubectl's exit code.
 */
async function evictWithWarnings(pod: string): Promise<{ code: number; stderr: string; ms: number }> {
  const file = join(paths.logs, `eviction-${pod}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NAMESPACE }, deleteOptions: { dryRun: ['All'] } }));
  const started = Date.now();
  const res = await kubectl(['create', '--raw', `/api/v1/namespaces/${NAMESPACE}/pods/${pod}/eviction`, '-f', file], { timeoutMs: 60_000 });
  return { code: res.code, stderr: res.stderr, ms: Date.now() - started };
}

test('fault: etcd paused (SIGSTOP 5 s) under a policy in mode Warn: the eviction is admitted, its warnings name the apiserver, not Kafka', async (t: TestContext) => {
  // Broker 2 holds this topic's only replica: Enforce refuses evicting kafka-2, Warn admits it with the refusal as a warning.
  const topic = topicName('fault-etcd-warn');
  await createAssignedTopic(admin, topic, [[2]]);
  const etcd = recordedPid('etcd');
  let paused = false;
  t.after(async () => {
    if (paused) process.kill(etcd, 'SIGCONT');
    await setPolicyMode('Enforce');
    await dropTopics();
    await waitForHealthyCluster(admin);
  });
  await setPolicyMode('Warn');
  await eventually('Warn mode in the webhook (the refusal comes back as a warning)', async () => {
    const res = await evictWithWarnings('kafka-2');
    return res.code === 0 && /Warning: kafka-guard \(Warn mode[^)]*\)/.test(res.stderr) ? res : null;
  }, 30_000, 500);
  const uid = await uidOf('kafka-2');

  process.kill(etcd, 'SIGSTOP');
  paused = true;
  const answer = evictWithWarnings('kafka-2');
  await sleep(5000);
  process.kill(etcd, 'SIGCONT');
  paused = false;
  const res = await answer;
  t.diagnostic(`measured: etcd paused 5 s, mode Warn; kubectl exit ${res.code} after ${res.ms} ms; ${res.stderr.replace(/\s+/g, ' ').slice(0, 600)}`);

  assert.equal(res.code, 0, `the dry-run eviction was refused under Warn mode: ${res.stderr}`);
  assert.match(res.stderr, /Warning: kafka-guard \(Warn mode[^)]*\).*the Kubernetes apiserver did not answer in time/s);
  assert.match(res.stderr, /could not read the disruption ledger from the Kubernetes apiserver in time/);
  assert.doesNotMatch(res.stderr, /Kafka of KafkaGuardPolicy .* could not be asked/, 'Kafka answered throughout');
  // A dry run: nothing went.
  assert.equal(await uidOf('kafka-2'), uid);
  assert.equal((await podOf('kafka-2'))?.metadata?.deletionTimestamp, undefined);
});

// ------------------------------------------------------------------ 2. webhook restarted

test('fault: webhook killed and restarted in the middle of kubectl drain: no broker evicted while it is down (failurePolicy Fail), the drain succeeds once it is back, a refused eviction stays refused', async (t: TestContext) => {
  const unsafe = topicName('fault-webhook');
  await createAssignedTopic(admin, unsafe, [[1]]);
  const node = (await podOf('kafka-2'))?.spec?.nodeName;
  assert.ok(node, 'kafka-2 runs on no node');
  const pid = recordedPid(WEBHOOK);
  const argv = commandLine(pid);
  let drain: ChildProcess | null = null;
  t.after(async () => {
    await dropTopics();
    drain?.kill('SIGKILL');
    await ensureWebhook(argv);
    await uncordonAll();
    await waitForHealthyCluster(admin);
  });
  const uid2 = await uidOf('kafka-2');
  const uid1 = await uidOf('kafka-1');
  await killAndWait(pid);
  const killedAt = Date.now();

  const drainArgs = ['drain', node, '--pod-selector=app.kubernetes.io/name=kafka', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=150s'];
  const runDrain = () => new Promise<{ code: number; output: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn('kubectl', drainArgs, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    drain = child;
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, output, ms: Date.now() - started }));
  });
  const during = runDrain();
  // Meanwhile an eviction the policy refuses is not admitted either.
  const refusedDuring = await evict('kafka-1');
  assert.notEqual(refusedDuring.code, 201, 'kafka-1 was evicted while the webhook was down');
  await sleep(6000);
  assert.equal(await uidOf('kafka-2'), uid2, 'kafka-2 was evicted while the webhook was down');
  assert.equal((await podOf('kafka-2'))?.metadata?.deletionTimestamp, undefined);

  const webhookMs = await ensureWebhook(argv);
  const backAt = Date.now();
  // kubectl drain gives up on an eviction error other than 429 (the apiserver's 500 for a failed
  // webhook call): then the drain is run again, as a user or a script would.
  let first: { code: number; output: string; ms: number } | null = await Promise.race([during, sleep(1000).then(() => null)]);
  let runs = 1;
  let result = first ?? await during;
  if (result.code !== 0) {
    first = result;
    assert.match(result.output, /failed calling webhook|Internal error/, result.output);
    result = await runDrain();
    runs = 2;
  }
  assert.equal(result.code, 0, result.output);
  t.diagnostic(`measured: webhook back ${webhookMs} ms after the restart began (${Date.now() - killedAt} ms down in all); kubectl drain: ${runs} run(s)` +
    `${first ? `, the first exited ${first.code} after ${first.ms} ms` : ''}; evicted ${Date.now() - backAt} ms after the webhook was back; kafka-1 during the outage: ${refusedDuring.code}`);
  assert.notEqual(await uidOf('kafka-2'), uid2, 'kafka-2 was not evicted');
  const refusedAfter = await evict('kafka-1');
  assert.equal(refusedAfter.code, 429, refusedAfter.message);
  assert.equal(await uidOf('kafka-1'), uid1);
});

// ------------------------------------------------------------------ 3. plugin killed during move and restart

test('fault: plugin SIGKILLed during a move and rerun: the in-flight reassignment is picked up, not started again; the move completes, no throttle left, nothing lost', async (t: TestContext) => {
  await applyTestPolicy();
  const big = topicName('fault-move');
  t.after(async () => {
    await dropTopics();
    await runPlugin(['throttles', '--clear', '--yes']);
    await deleteTestPolicy();
    await uncordonAll();
    await waitForHealthyCluster(admin);
  });
  // The only copies on kafka-2 (node-local): the move drains them first, slowly.
  const count = await bigTopic(big, [[2], [2]], 4);
  const target = await freeNode();
  // Slow enough that the reassignment is still running when the rerun plans (at 1 MiB/s a quiet machine finished the 8 MB first).
  const args = ['move', 'kafka-2', '--to-node', target, '--yes', '--throttle', '256KiB/s', '--max-moves-per-broker', '1000'];
  const child = startPlugin(args);
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await eventually(`the move to start moving ${big}`, () => moving(big, 1), 120_000, 200).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; the plugin said:\n${output}`);
  });
  await sleep(1000);
  child.kill('SIGKILL');
  await exited;
  assert.ok(await moving(big, 1), `${big} is still moving after the kill`);

  // Run again as the user would, without the slow throttle.
  const rerun = await expectPlugin(['move', 'kafka-2', '--to-node', target, '--yes'], 0);
  assert.match(rerun.stderr, /picked up, not started again|already in flight are picked up/, rerun.stderr);
  t.diagnostic(`measured: move rerun after SIGKILL took ${rerun.ms} ms`);
  assert.equal((await podOf('kafka-2'))?.spec?.nodeName, target);
  assert.deepEqual(await throttlesLeft(admin), []);
  await waitForHealthyCluster(admin);
  await readsAll(big, count);
});

test('fault: plugin SIGKILLed during restart and rerun: the rerun finishes, every broker back in sync with its preferred leaders, no throttle left', async (t: TestContext) => {
  await applyTestPolicy();
  const topic = topicName('fault-restart');
  t.after(async () => {
    await dropTopics();
    await deleteTestPolicy();
    await waitForHealthyCluster(admin);
  });
  await createAssignedTopic(admin, topic, [[1, 2, 0], [1, 0, 2], [0, 1, 2]], 2);
  const uid = await uidOf('kafka-1');
  const child = startPlugin(['restart', 'kafka-1', '--yes']);
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Killed once kafka-1 went down: after the eviction, before its return is waited for.
  await eventually('the restart to evict kafka-1', async () => (await uidOf('kafka-1')) !== uid, 120_000, 200).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; the plugin said:\n${output}`);
  });
  child.kill('SIGKILL');
  await exited;
  const afterKill = await uidOf('kafka-1');
  const rerun = await expectPlugin(['restart', 'kafka-1', '--yes'], 0, 300_000);
  const restartedAgain = (await uidOf('kafka-1')) !== afterKill;
  t.diagnostic(`measured: restart rerun after SIGKILL took ${rerun.ms} ms; kafka-1 restarted again by the rerun: ${restartedAgain}`);
  await waitForHealthyCluster(admin);
  await eventually('the preferred leaders back', async () => {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.every((p) => p.leader === p.replicas[0]);
  }, 60_000, 500);
  assert.deepEqual(await throttlesLeft(admin), []);
});

// ------------------------------------------------------------------ 1. broker killed mid-drain

test('fault: broker SIGKILLed in the middle of a drain: the drain completes or exits non-zero saying why, no throttle left either way, a rerun finishes the job', async (t: TestContext) => {
  await applyTestPolicy();
  const big = topicName('fault-drain');
  t.after(async () => {
    await dropTopics();
    await runPlugin(['throttles', '--clear', '--yes']);
    const replicas = Number((await kubectl(['get', 'statefulset', 'kafka', '-n', NAMESPACE, '-o', 'jsonpath={.spec.replicas}'])).stdout);
    if (replicas !== 3) await runPlugin(['scale', 'kafka', '--replicas', '3', '--delete-volumes', '--yes']);
    await deleteTestPolicy();
    await waitForHealthyCluster(admin);
  });
  // Every RF 3 partition of 3 brokers has a replica on each: a drain needs a fourth.
  await expectPlugin(['scale', 'kafka', '--replicas', '4', '--yes'], 0);
  await waitForBrokers(admin, 4);
  const count = await bigTopic(big, [[3, 0], [3, 1]], 4);
  const pod = await podOf('kafka-3');
  const java = brokerJavaPid('kafka-3', pod?.metadata?.uid ?? '');
  assert.ok(java, 'no java process found for kafka-3');

  const child = startPlugin(['drain', 'kafka-3', '--yes', '--throttle', '512KiB/s', '--max-moves-per-broker', '1000']);
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const started = Date.now();
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  await eventually(`the drain to move ${big}`, () => moving(big, 2), 120_000, 200).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; the plugin said:\n${output}`);
  });
  await sleep(1000);
  process.kill(java, 'SIGKILL');
  const killedAt = Date.now();
  const code = await Promise.race([exited, sleep(240_000, undefined, { ref: false }).then(() => { child.kill('SIGKILL'); return -1; })]);
  assert.notEqual(code, -1, `the drain hung for 4 minutes after broker 3 was killed:\n${output}`);
  const lastLine = output.trim().split('\n').at(-1) ?? '';
  t.diagnostic(`measured: drain exited ${code} ${Date.now() - killedAt} ms after broker 3 was killed (${Date.now() - started} ms in all); last line: ${lastLine}`);
  if (code !== 0) assert.match(output, /error|cannot|failed|timed out/i, `a failed drain said nothing: ${output}`);
  assert.deepEqual(await throttlesLeft(admin), [], `the drain (exit ${code}) left its throttle:\n${output}`);

  await waitForBrokers(admin, 4);
  const rerun = await expectPlugin(['drain', 'kafka-3', '--yes'], 0);
  t.diagnostic(`measured: rerun exited 0 in ${rerun.ms} ms`);
  assert.deepEqual(await partitionsOn(admin, 3), []);
  assert.deepEqual(await throttlesLeft(admin), []);
  await readsAll(big, count);
});
