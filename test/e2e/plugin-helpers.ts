/**
 * Helpers for the `kubectl kafka` end-to-end tests (test/e2e/plugin-*.e2e.test.ts):
 * the KafkaGuardPolicy they create, running the plugin as a user would (a
 * child process, exit code and output), and independent checks through
 * kafkajs and kubectl (never through the plugin's own code).
 *
 * The plugin runs as bin/kubectl-kafka.js (the compiled dist/) when dist/ is
 * newer than every source file it is built from (as after `npm test`, which
 * builds first), else from the TypeScript sources (plugin/dev.js under tsx,
 * a few seconds slower per run). KUBECTL_KAFKA overrides the command, e.g.
 * KUBECTL_KAFKA="kubectl kafka" after `npm link`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Admin } from 'kafkajs';

const { ConfigResourceTypes } = kafkajs;
import { brokerPods, eventually, isReady, kubectl, NAMESPACE, sandboxEnv } from './helpers.js';
import { loadSandboxConfig } from '../sandbox/config.js';
import { operatorKubeconfigPath } from '../sandbox/operator.js';

export const POLICY = 'plugin-e2e';
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export async function applyTestPolicy(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-kafka-e2e-'));
  const file = join(dir, 'policy.json');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'kafkaguard.io/v1alpha1',
      kind: 'KafkaGuardPolicy',
      metadata: { name: POLICY, namespace: NAMESPACE },
      spec: {
        brokers: { selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } }, idFrom: { ordinal: { offset: 0 } } },
        kafka: { bootstrapServers: sandboxEnv().bootstrap },
      },
    }),
  );
  const result = await kubectl(['apply', '-f', file]);
  if (result.code !== 0) throw new Error(`creating the test policy failed: ${result.stderr}`);
}

export async function deleteTestPolicy(): Promise<void> {
  await kubectl(['delete', 'kafkaguardpolicy', POLICY, '-n', NAMESPACE, '--ignore-not-found']);
}

export interface PluginRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let command: string[] | null = null;

/** Whether dist/ holds a build of the current plugin, webhook and shared sources. */
export function distIsFresh(): boolean {
  const built = join(ROOT, 'dist/plugin/commands/status.js');
  return existsSync(built) && statSync(built).mtimeMs > Math.max(...['plugin', 'shared', 'webhook'].map((d) => newestSource(join(ROOT, d))));
}

function pluginCommand(): string[] {
  if (command !== null) return command;
  const override = process.env.KUBECTL_KAFKA;
  command = override
    ? override.split(' ').filter(Boolean)
    : distIsFresh()
      ? [process.execPath, join(ROOT, 'bin/kubectl-kafka.js')]
      : [process.execPath, '--import', 'tsx', join(ROOT, 'plugin/dev.js')];
  return command;
}

/**
 * The plugin runs as the sandbox's operator user, bound only to the chart's
 * kafka-guard-operator ClusterRole (test/sandbox/operator.ts), not as admin.
 */
function pluginEnv(): NodeJS.ProcessEnv {
  const operator = operatorKubeconfigPath(loadSandboxConfig());
  if (!existsSync(operator)) throw new Error(`no ${operator}: this sandbox was started without the operator user; restart it (npm run sandbox -- --stop)`);
  return { ...process.env, KUBECONFIG: operator };
}

/** Starts `kubectl kafka ARGS -n kafka --policy plugin-e2e` (unless ARGS name a policy) as a child process. */
export function startPlugin(args: string[]): ChildProcess {
  const [command = 'node', ...prefix] = pluginCommand();
  const policy = args.includes('--policy') ? [] : ['--policy', POLICY];
  return spawn(command, [...prefix, ...args, '-n', NAMESPACE, ...policy], { cwd: ROOT, env: pluginEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the plugin to the end; never throws on a non-zero exit. */
export function runPlugin(args: string[], timeoutMs = 600_000): Promise<PluginRun> {
  const started = Date.now();
  const child = startPlugin(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl kafka ${args.join(' ')} did not finish within ${timeoutMs / 1000}s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal === 'SIGINT' ? 130 : 1), stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** `runPlugin` that fails the test, showing the output, unless the exit code is `expected`. */
export async function expectPlugin(args: string[], expected: number, timeoutMs?: number): Promise<PluginRun> {
  const run = await runPlugin(args, timeoutMs);
  if (run.code !== expected) {
    throw new Error(`kubectl kafka ${args.join(' ')} exited ${run.code}, expected ${expected}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  return run;
}

/** Every replication throttle config still set on a broker or topic, read with kafkajs. */
export async function throttlesLeft(admin: Admin): Promise<string[]> {
  const brokers = (await admin.describeCluster()).brokers.map((b) => String(b.nodeId));
  const topics = await admin.listTopics();
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      ...brokers.map((name) => ({
        type: ConfigResourceTypes.BROKER,
        name,
        configNames: ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'],
      })),
      ...topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'],
      })),
    ],
  });
  const left: string[] = [];
  for (const resource of described.resources) {
    for (const entry of resource.configEntries) {
      if (!entry.isDefault && entry.configValue !== '' && entry.configValue !== null) left.push(`${resource.resourceName} ${entry.configName}=${entry.configValue}`);
    }
  }
  return left;
}

/** Replica lists of every partition of the topics, e.g. { 't-0': [2, 1] }. */
export async function replicasOf(admin: Admin, topics: string[]): Promise<Record<string, number[]>> {
  const meta = await admin.fetchTopicMetadata({ topics });
  const out: Record<string, number[]> = {};
  for (const t of meta.topics) for (const p of t.partitions) out[`${t.name}-${p.partitionId}`] = [...p.replicas];
  return out;
}

/** Partitions (of all topics) that still have a replica on `broker`. */
export async function partitionsOn(admin: Admin, broker: number): Promise<string[]> {
  const topics = await admin.listTopics();
  const all = await replicasOf(admin, topics);
  return Object.entries(all)
    .filter(([, replicas]) => replicas.includes(broker))
    .map(([name]) => name);
}

/** Waits for `count` Ready broker pods, `count` registered brokers and every partition in sync. */
export async function waitForBrokers(admin: Admin, count: number, timeoutMs = 240_000): Promise<void> {
  await eventually(`${count} Ready broker pods`, async () => (await brokerPods()).filter((p) => isReady(p) && !p.metadata?.deletionTimestamp).length === count, timeoutMs);
  await eventually(`${count} registered brokers`, async () => (await admin.describeCluster()).brokers.length === count, timeoutMs);
  await eventually(
    'every partition fully in sync',
    async () => {
      const topics = await admin.listTopics();
      const meta = await admin.fetchTopicMetadata({ topics });
      return meta.topics.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length));
    },
    timeoutMs,
  );
}

export async function podOf(name: string) {
  return (await brokerPods()).find((p) => p.metadata?.name === name);
}

/** A node that runs no broker pod (the sandbox has 4 nodes). */
export async function freeNode(): Promise<string> {
  const used = new Set((await brokerPods()).map((p) => p.spec?.nodeName));
  const nodes = JSON.parse((await kubectl(['get', 'nodes', '-o', 'json'])).stdout) as { items: Array<{ metadata: { name: string } }> };
  const free = nodes.items.map((n) => n.metadata.name).find((n) => !used.has(n));
  if (free === undefined) throw new Error('every node runs a broker pod');
  return free;
}
