/**
 * Shared helpers for end-to-end tests against the sandbox (see
 * test/run-all.ts, which starts it and passes its coordinates in the
 * environment). Each test makes its own topics and removes them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubeConfig, PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import { createKafkaAdmin } from '../../shared/kafka/client.js';
import { Metadata } from '../../shared/kafka/protocol.js';
import { LEDGER_DEFAULTS, ledgerKey, parseLedger, type LedgerEntry } from '../../shared/k8s/ledger.js';
import { loadSandboxConfig, type SandboxConfig } from '../sandbox/config.js';
import { sandboxWebhookTls, type WebhookTls } from '../sandbox/webhook.js';

const run = promisify(execFile);

export const NAMESPACE = 'kafka';

export function sandboxEnv(): { kubeconfig: string; bootstrap: string[] } {
  const kubeconfig = process.env.KUBECONFIG;
  const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (!kubeconfig || !bootstrap) {
    throw new Error('KUBECONFIG and KAFKA_BOOTSTRAP_SERVERS are not set: run end-to-end tests with `npm run test:e2e` (it starts the sandbox)');
  }
  return { kubeconfig, bootstrap: bootstrap.split(',') };
}

export function kubeClients() {
  const kc = new KubeConfig();
  kc.loadFromFile(sandboxEnv().kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), policy: kc.makeApiClient(PolicyV1Api) };
}

export interface CommandResult { code: number; stdout: string; stderr: string }

/** Runs kubectl (the sandbox's, first on PATH) and never throws: the exit code is in the result. */
export async function kubectl(args: string[], opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run('kubectl', args, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, env: process.env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

export function kafkaClient(clientId = 'e2e'): Kafka {
  return new Kafka({ clientId, brokers: sandboxEnv().bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

/** Polls until `check` returns a truthy value, or fails naming `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 120_000, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export async function brokerPods(): Promise<V1Pod[]> {
  const { core } = kubeClients();
  const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/name=kafka' });
  return pods.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Waits until all 3 broker pods are Ready and all 3 brokers are registered and every partition is fully in sync. */
export async function waitForHealthyCluster(admin: Admin, timeoutMs = 180_000): Promise<void> {
  await eventually('3 Ready broker pods', async () => (await brokerPods()).filter((p) => isReady(p) && !p.metadata?.deletionTimestamp).length === 3, timeoutMs);
  await eventually('3 registered brokers', async () => (await admin.describeCluster()).brokers.length === 3, timeoutMs);
  await eventually('every partition fully in sync', async () => {
    const topics = await admin.listTopics();
    const meta = await admin.fetchTopicMetadata({ topics });
    return meta.topics.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length));
  }, timeoutMs);
}

/**
 * Deletes topics and creates them again under the same names. In ZooKeeper mode a
 * deletion finishes after DeleteTopics answers: until then the topic is gone from
 * Metadata but CreateTopics is refused as existing (kafkajs answers false), and a
 * create that ignored that would leave no topic once the deletion ends.
 */
export async function recreateTopics(admin: Admin, topics: ITopicConfig[], timeoutMs = 60_000): Promise<void> {
  await admin.deleteTopics({ topics: topics.map((t) => t.topic) });
  await eventually(`topics ${topics.map((t) => t.topic).join(', ')} created again`, () => admin.createTopics({ topics, waitForLeaders: false }), timeoutMs, 1000);
  await waitForLeaders(admin, topics.map((t) => t.topic), timeoutMs);
}

/**
 * Deletes topics and waits until Kafka no longer lists them, sending the delete
 * again while any is left (a delete can time out while the controller is busy,
 * e.g. right after a scale-down). A topic left behind, an RF 1 one above all,
 * makes the next file's disruptions unsafe. Never throws: it runs in cleanup,
 * and says on stderr what is still there after `timeoutMs`.
 */
export async function removeTopics(admin: Admin, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  if (names.length === 0) return;
  const until = Date.now() + timeoutMs;
  let left = [...names];
  for (;;) {
    const listed = await admin.listTopics().catch(() => null);
    if (listed !== null) left = left.filter((name) => listed.includes(name));
    if (left.length === 0) return;
    if (Date.now() >= until) {
      process.stderr.write(`[e2e] topics still listed ${Math.round(timeoutMs / 1000)} s after their deletion: ${left.join(', ')}\n`);
      return;
    }
    if (listed !== null) await admin.deleteTopics({ topics: left, timeout: 30_000 }).catch(() => undefined);
    await sleep(1000);
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function produceNumbered(kafka: Kafka, topic: string, count: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = 0; start < count; start += 500) {
      const batch = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({ key: String(start + i), value: String(start + i) }));
      await producer.send({ topic, acks: -1, messages: batch });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads every message of a topic from the beginning; returns their values. */
export async function consumeAll(kafka: Kafka, topic: string, expected: number, timeoutMs = 60_000): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('e2e-reader') });
  const values: string[] = [];
  // Distinct values count: a consumer that re-fetches after a leader change delivers some records twice.
  const distinct = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${distinct.size} of ${expected} messages of ${topic} within ${timeoutMs / 1000}s`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value?.toString() ?? '';
          values.push(value);
          distinct.add(value);
          if (distinct.size >= expected) { clearTimeout(timer); resolve(); }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/** Sets the demo policy's mode (the sandbox creates policy kafka/kafka); returns the previous mode. */
export async function setPolicyMode(mode: 'Enforce' | 'Warn' | 'Off'): Promise<string> {
  const current = await kubectl(['get', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '-o', 'jsonpath={.spec.mode}']);
  if (current.code !== 0) throw new Error(`reading the demo policy: ${current.stderr}`);
  const res = await kubectl(['patch', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '--type', 'merge', '-p', JSON.stringify({ spec: { mode } })]);
  if (res.code !== 0) throw new Error(`setting the demo policy mode to ${mode}: ${res.stderr}`);
  return current.stdout.trim();
}

/** Runs `work` with the guards off (for tests that stop brokers on purpose), restoring the mode after. */
export async function withGuardsOff<T>(work: () => Promise<T>): Promise<T> {
  const previous = await setPolicyMode('Off');
  // The webhook's policy informer needs a moment to see the change.
  await sleep(1500);
  try {
    return await work();
  } finally {
    await setPolicyMode(previous === 'Warn' || previous === 'Off' ? previous : 'Enforce');
    await sleep(1500);
  }
}

/**
 * Stops a broker with a node-local volume (1 or 2 in the sandbox) and keeps it
 * down: its node is cordoned, so the recreated pod cannot come back there.
 */
export async function stopBroker(id: number): Promise<void> {
  const pod = (await brokerPods()).find((p) => p.metadata?.name === `kafka-${id}`);
  const node = pod?.spec?.nodeName;
  if (!node) throw new Error(`kafka-${id} is not running on a node`);
  const { core } = kubeClients();
  const pvc = await core.readNamespacedPersistentVolumeClaim({ name: `data-kafka-${id}`, namespace: NAMESPACE });
  if (pvc.spec?.storageClassName !== 'sandbox-local') throw new Error(`kafka-${id} has no node-local volume: it would move instead of staying down`);
  const cordon = await kubectl(['cordon', node]);
  if (cordon.code !== 0) throw new Error(cordon.stderr);
  await withGuardsOff(async () => {
    const res = await kubectl(['delete', 'pod', `kafka-${id}`, '-n', NAMESPACE, '--wait=true']);
    if (res.code !== 0) throw new Error(res.stderr);
  });
}

/** Lets a broker stopped by stopBroker come back (uncordons every node) and waits for its pod to be Ready. */
export async function startBroker(id: number): Promise<void> {
  const { core } = kubeClients();
  for (const n of (await core.listNode()).items) {
    if (n.spec?.unschedulable) await kubectl(['uncordon', n.metadata?.name ?? '']);
  }
  await eventually(`kafka-${id} Ready again`, async () => {
    const pod = (await brokerPods()).find((p) => p.metadata?.name === `kafka-${id}`);
    return pod && isReady(pod) && !pod.metadata?.deletionTimestamp;
  }, 180_000);
}

/** The sandbox's settings and its webhook's TLS files, as the sandbox that runs these tests set them up. */
export function sandboxWebhook(): { cfg: SandboxConfig; tls: WebhookTls; port: number } {
  const cfg = loadSandboxConfig();
  return { cfg, tls: sandboxWebhookTls(cfg), port: cfg.ports.webhook };
}

/** An HTTPS request to a webhook process on 127.0.0.1, trusting the sandbox CA; resolves with the status and body. */
export function webhookRequest(port: number, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  const ca = readFileSync(sandboxWebhook().tls.caCert);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', port, path, ca, method: payload === undefined ? 'GET' : 'POST', timeout: 10_000,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${path} on 127.0.0.1:${port} did not answer within 10 s`)));
    req.end(payload);
  });
}

/** One sample of a webhook's /metrics (Prometheus text), by metric name and exact label set in the metric's label order; 0 when absent. */
export async function webhookMetric(port: number, name: string, labels: Record<string, string>): Promise<number> {
  const res = await webhookRequest(port, '/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics on 127.0.0.1:${port} answered ${res.status}: ${res.body}`);
  const wanted = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}} `;
  const line = res.body.split('\n').find((l) => l.startsWith(wanted));
  return line === undefined ? 0 : Number(line.slice(wanted.length));
}

/**
 * Creates topics and waits until every partition has a leader in every broker's
 * metadata. kafkajs's own wait (waitForLeaders) fails at once when the broker it
 * asks has not learned of the topic yet (UNKNOWN_TOPIC_OR_PARTITION), which a
 * loaded KRaft or ZooKeeper broker does for a moment: poll instead.
 */
export async function createTopicsLed(admin: Admin, topics: ITopicConfig[], timeoutMs = 60_000): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  await waitForLeaders(admin, topics.map((t) => t.topic), timeoutMs);
  return created;
}

/**
 * Waits until every partition of the topics has a leader as each broker sees them.
 * kafkajs asks a broker at random and does not retry UNKNOWN_TOPIC_OR_PARTITION, so
 * one broker knowing a new topic is not enough: the next read may go to one whose
 * metadata lags (seen on a loaded 3.9 KRaft sandbox, a few hundred ms after the
 * creation). Each broker is asked in turn with kafka-guard's own client.
 */
export async function waitForLeaders(admin: Admin, names: string[], timeoutMs = 60_000): Promise<void> {
  const ids = (await admin.describeCluster()).brokers.map((b) => b.nodeId);
  const client = createKafkaAdmin({ bootstrapServers: sandboxEnv().bootstrap }, { log: () => undefined });
  try {
    for (const broker of ids) {
      await eventually(`${names.join(', ')} to have leaders in broker ${broker}'s metadata`, async () => {
        const meta = await client.call({ broker }, Metadata, { topics: names });
        return meta.topics.length === names.length && meta.topics.every((t) => t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      }, timeoutMs, 300);
    }
  } finally {
    await client.disconnect();
  }
}

/**
 * Creates a topic with the given replica assignment (one list of broker ids per
 * partition) and waits until every partition has a leader.
 */
export async function createAssignedTopic(admin: Admin, topic: string, replicas: number[][], minIsr?: number): Promise<void> {
  await createTopicsLed(admin, [{
    topic,
    replicaAssignment: replicas.map((r, partition) => ({ partition, replicas: r })),
    configEntries: minIsr ? [{ name: 'min.insync.replicas', value: String(minIsr) }] : [],
  }], 30_000);
}

// ------------------------------------------------------------------ the disruption ledger

/** The sandbox policy's key in the webhook's disruption ledger. */
const LEDGER_POLICY = ledgerKey(`${NAMESPACE}/kafka`);

/** The unexpired ledger entries of the sandbox policy. */
export async function ledgerEntries(): Promise<LedgerEntry[]> {
  const { core } = kubeClients();
  const cm = await core.readNamespacedConfigMap({ name: LEDGER_DEFAULTS.name, namespace: LEDGER_DEFAULTS.namespace }).catch((err: unknown) => {
    if ((err as { code?: number }).code === 404) return null;
    throw err;
  });
  return parseLedger(cm?.data?.[LEDGER_POLICY], Date.now());
}

/**
 * Removes the entries of `podUids` from the ledger. A test whose admitted
 * disruption never happened (a PDB's 429, a hand-made AdmissionReview) calls it,
 * or the entry counts the broker as down for the next test for a minute.
 */
export async function forgetLedgerEntries(podUids: readonly string[]): Promise<void> {
  const { core } = kubeClients();
  await eventually('the test entries removed from the ledger', async () => {
    const cm = await core.readNamespacedConfigMap({ name: LEDGER_DEFAULTS.name, namespace: LEDGER_DEFAULTS.namespace }).catch((err: unknown) => {
      if ((err as { code?: number }).code === 404) return null;
      throw err;
    });
    if (cm === null) return true;
    const kept = parseLedger(cm.data?.[LEDGER_POLICY], Date.now()).filter((e) => !podUids.includes(e.podUid));
    // resourceVersion is kept: a concurrent write makes this fail and go round again.
    await core.replaceNamespacedConfigMap({
      name: LEDGER_DEFAULTS.name, namespace: LEDGER_DEFAULTS.namespace,
      body: { ...cm, data: { ...cm.data, [LEDGER_POLICY]: JSON.stringify(kept) } },
    });
    return true;
  }, 30_000, 500);
}

/**
 * Creates an Eviction for a pod, as kubectl drain does (`dryRun` as
 * `kubectl drain --dry-run=server` sends it); resolves with the HTTP status
 * and the message, never throws.
 */
export async function evict(name: string, options: { dryRun?: boolean } = {}): Promise<{ code: number; message: string }> {
  const { core } = kubeClients();
  const deleteOptions = options.dryRun === true ? { deleteOptions: { dryRun: ['All'] } } : {};
  try {
    await core.createNamespacedPodEviction({ name, namespace: NAMESPACE, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NAMESPACE }, ...deleteOptions } });
    return { code: 201, message: '' };
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
    let message = body;
    try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* not JSON */ }
    return { code: e.code ?? 0, message };
  }
}
