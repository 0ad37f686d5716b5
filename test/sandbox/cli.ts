/**
 * `npm run sandbox [-- --detach | --stop | --smoke]`
 *   (no flag)  bring everything up in the foreground; Ctrl-C stops it all
 *   --detach   start in the background, print only `export ...` lines
 *   --stop     stop a detached sandbox
 *   --smoke    start, run a smoke scenario, stop, print one summary line
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Kafka, logLevel } from 'kafkajs';
import { loadSandboxConfig, statePaths } from './config.js';
import { isAlive, killRecorded, SandboxError } from './process.js';
import { assertNotRunning, startSandbox, stopRunningSandbox, type Sandbox } from './sandbox.js';

const USAGE = `usage: npm run sandbox [-- --detach | --stop | --smoke]`;

async function foreground(quietExports: boolean): Promise<void> {
  let sandbox: Sandbox | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n[sandbox] ${signal}: stopping every process the sandbox started...\n`);
    if (sandbox) await sandbox.stop();
    else await stopHalfStarted();
    process.stderr.write('[sandbox] stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  sandbox = await startSandbox();
  if (stopping) return;
  if (quietExports) return; // detached child: the parent prints the exports
  const ns = 'kafka';
  const kc = new KubeConfig();
  kc.loadFromFile(sandbox.kubeconfig);
  const node2 = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'kafka-2', namespace: ns })
    .then((pod) => pod.spec?.nodeName ?? 'NODE', () => 'NODE');
  process.stdout.write([
    '',
    'kafka-guard sandbox is up: a real kube-apiserver, 4 nodes in 2 zones, and a 3-broker Kafka StatefulSet.',
    'In another shell:',
    '',
    ...sandbox.exports.map((l) => `  ${l}`),
    '',
    'Then try:',
    `  kubectl get pods -n ${ns} -o wide                 # brokers, their nodes`,
    `  kubectl kafka status -n ${ns} --bootstrap-server $KAFKA_BOOTSTRAP_SERVERS   # per-broker safety (after npm run build && npm link)`,
    `  kubectl drain ${node2} --ignore-daemonsets --timeout=30s   # kafka-2's node: refused once a partition's last in-sync replica is on it`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n'));
  await new Promise(() => undefined);
}

/**
 * Interrupted while starting: no Sandbox handle exists yet, but every process
 * started so far is in the pid file. A start-up step may still add one while
 * the first ones stop, so repeat until a pass finds none alive.
 */
async function stopHalfStarted(): Promise<void> {
  const paths = statePaths(loadSandboxConfig());
  while ((await killRecorded(paths.pidFile, 10_000)) > 0);
  rmSync(paths.ownerFile, { force: true });
}

async function detach(): Promise<void> {
  const cfg = loadSandboxConfig();
  const paths = statePaths(cfg);
  // Checked here too, so a second start fails at once and leaves the running one's log alone.
  assertNotRunning(cfg);
  mkdirSync(cfg.stateDir, { recursive: true });
  const logFile = `${cfg.stateDir}-detached.log`;
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--foreground-detached'], {
    detached: true, stdio: ['ignore', out, out], env: process.env,
  });
  child.unref();
  const pid = child.pid ?? -1;
  for (;;) {
    if (existsSync(paths.readyFile)) {
      process.stdout.write(readFileSync(paths.readyFile, 'utf8'));
      return;
    }
    if (!isAlive(pid)) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
      throw new SandboxError(`the sandbox failed to start:\n${tail}`);
    }
    await sleep(500);
  }
}

async function smoke(): Promise<void> {
  const started = Date.now();
  const sandbox = await startSandbox();
  let summary = '';
  let ok = false;
  try {
    const kafka = new Kafka({ clientId: 'sandbox-smoke', brokers: sandbox.bootstrapServers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `smoke-${Date.now()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ value: String(i) })) });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
    const brokers = (await admin.describeCluster()).brokers.length;
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    ok = total === 100 && brokers === 3;
    summary = `${brokers} brokers registered, 100 messages produced, ${total} stored`;
  } catch (err) {
    summary = err instanceof Error ? err.message : String(err);
  } finally {
    await sandbox.stop();
  }
  process.stdout.write(`smoke: ${ok ? 'passed' : 'FAILED'}: ${summary} (${Math.round((Date.now() - started) / 1000)}s)\n`);
  process.exitCode = ok ? 0 : 1;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  switch (args[0]) {
    case undefined: return foreground(false);
    case '--foreground-detached': return foreground(true);
    case '--detach': return detach();
    case '--stop': process.stdout.write(`${await stopRunningSandbox()}\n`); return;
    case '--smoke': return smoke();
    default:
      process.stderr.write(`unknown option ${args[0]}\n${USAGE}\n`);
      process.exit(2);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[sandbox] error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
