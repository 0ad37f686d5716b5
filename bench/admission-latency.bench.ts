/**
 * Admission latency of a broker eviction, end to end through the sandbox's
 * kube-apiserver: every eviction is decided on a Kafka view whose fetch started
 * after the request arrived (docs/adr/0001-webhook-error-semantics.md), so its
 * latency is the apiserver's own work plus one Kafka view read plus the
 * decision. Printed beside, from the same run:
 *
 * - the same Eviction of a pod no webhook looks at (a pod in an unguarded
 *   namespace): the apiserver's own cost, the floor;
 * - one Kafka view read (the sandbox's Kafka, every topic's metadata and
 *   configs), as the webhook reads it: the part a fresh view adds.
 *
 * The evictions and deletes are server-side dry runs, so no broker goes down:
 * the webhook gives its real verdict but writes nothing. A real admission adds
 * one ConfigMap write (the ledger entry), measured on its own row.
 *
 * The view's cost grows with the topics (their configs are read too), so the
 * run first creates `--topics` RF 3 topics of 3 partitions each, removed after.
 *
 *   eval "$(npm run -s sandbox -- --detach)"; node --import tsx bench/admission-latency.bench.ts [--requests 200] [--topics 100]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { KafkaClientCache, WEBHOOK_CLIENT_DEFAULTS } from '../shared/kafka/client.js';
import { fetchClusterView } from '../shared/kafka/cluster-view.js';
import { eventually, kafkaClient, kubeClients, NAMESPACE, sandboxEnv, uniqueName } from '../test/e2e/helpers.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, topics: { type: 'string', default: '100' } } });
const requests = Number(values.requests);
if (!Number.isInteger(requests) || requests < 10) throw new Error(`--requests ${values.requests}: expected a whole number >= 10`);
const topicCount = Number(values.topics);
if (!Number.isInteger(topicCount) || topicCount < 0 || topicCount > 2000) throw new Error(`--topics ${values.topics}: expected a whole number from 0 to 2000`);

const UNGUARDED = 'bench-unguarded';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function row(name: string, samples: number[], note: string): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`.padStart(10);
  return `${name.padEnd(46)}${f(percentile(sorted, 50))}${f(percentile(sorted, 99))}${f(sorted[sorted.length - 1] ?? 0)}   ${note}`;
}

async function dryRunEvictions(namespace: string, pod: string, count: number): Promise<number[]> {
  const { core } = kubeClients();
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await core.createNamespacedPodEviction({
      name: pod, namespace,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace }, deleteOptions: { dryRun: ['All'] } },
    });
    samples.push(performance.now() - started);
  }
  return samples;
}

async function dryRunDeletes(namespace: string, pod: string, count: number): Promise<number[]> {
  const { core } = kubeClients();
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await core.deleteNamespacedPod({ name: pod, namespace, dryRun: 'All' });
    samples.push(performance.now() - started);
  }
  return samples;
}

/** What a real admission adds: one compare-and-swap write of a ConfigMap, like the ledger's. */
async function configMapWrites(count: number): Promise<number[]> {
  const { core } = kubeClients();
  const name = 'bench-ledger-write';
  let cm = await core.createNamespacedConfigMap({ namespace: UNGUARDED, body: { metadata: { name }, data: { n: '0' } } });
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    cm = await core.replaceNamespacedConfigMap({ name, namespace: UNGUARDED, body: { ...cm, data: { n: String(i) } } });
    samples.push(performance.now() - started);
  }
  return samples;
}

async function main(): Promise<void> {
  const { core } = kubeClients();
  await core.createNamespace({ body: { metadata: { name: UNGUARDED } } }).catch(() => undefined);
  await core.createNamespacedPod({
    namespace: UNGUARDED,
    body: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'registry.invalid/none:0' }] } },
  }).catch(() => undefined);
  await eventually('the plain pod to exist', async () => core.readNamespacedPod({ name: 'plain', namespace: UNGUARDED }), 30_000, 200);

  const admin = kafkaClient('bench-admission').admin();
  await admin.connect();
  const topics = Array.from({ length: topicCount }, () => uniqueName('bench-admission'));
  const clients = new KafkaClientCache({ ...WEBHOOK_CLIENT_DEFAULTS, log: () => undefined });
  try {
    for (let i = 0; i < topics.length; i += 50) {
      await admin.createTopics({ topics: topics.slice(i, i + 50).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 3 })), waitForLeaders: false });
    }
    const client = clients.get('bench', { bootstrapServers: sandboxEnv().bootstrap });
    const view = await eventually(`${topicCount} topics with leaders`, async () => {
      const read = await fetchClusterView(client);
      const ours = read.topics.filter((t) => topics.includes(t.name));
      return ours.length === topicCount && ours.every((t) => t.partitions.every((p) => p.leader >= 0)) ? read : null;
    }, 120_000, 500);
    // Warm-up: connections, JIT, the webhook's caches.
    await dryRunEvictions(NAMESPACE, 'kafka-0', 10);
    await dryRunEvictions(UNGUARDED, 'plain', 10);

    const floor = await dryRunEvictions(UNGUARDED, 'plain', requests);
    const admitted = await dryRunEvictions(NAMESPACE, 'kafka-0', requests);
    const deletes = await dryRunDeletes(NAMESPACE, 'kafka-0', requests);
    const writes = await configMapWrites(requests);
    const viewReads: number[] = [];
    for (let i = 0; i < requests; i += 1) {
      const started = performance.now();
      await fetchClusterView(client);
      viewReads.push(performance.now() - started);
    }

    const partitions = view.topics.reduce((n, t) => n + t.partitions.length, 0);
    console.log(`admission latency, ${requests} requests each, sandbox: ${view.brokers.length} brokers, ${view.topics.length} topics, ${partitions} partitions`);
    console.log(`${''.padEnd(46)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`);
    console.log(row('eviction of a broker, admitted (fresh view)', admitted, 'kafka-0, through the apiserver and the webhook'));
    console.log(row('delete of a broker pod, admitted', deletes, 'kafka-0, the same decision by the pod-delete rule'));
    console.log(row('baseline: eviction no webhook looks at', floor, 'the apiserver alone'));
    console.log(row('a ConfigMap write (the ledger entry)', writes, 'what a real (not dry-run) admission adds'));
    console.log(row('baseline: one Kafka view read', viewReads, 'what a fresh view adds'));
  } finally {
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await clients.close();
    await core.deleteNamespace({ name: UNGUARDED }).catch(() => undefined);
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
