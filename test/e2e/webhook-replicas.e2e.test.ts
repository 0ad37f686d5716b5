/**
 * Two webhook replicas share one disruption ledger (a ConfigMap updated with
 * compare-and-swap, webhook/facts/disruption-ledger.ts). Two evictions decided at the
 * same moment by different replicas, which together would take partitions
 * under min.insync.replicas, are not both admitted. A second webhook process
 * runs beside the sandbox's, with the same settings, against the same
 * apiserver and Kafka; each gets one AdmissionReview over HTTPS, as the
 * apiserver sends them when a Service spreads two requests over two pods.
 */
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stopProcess, type Supervised } from '../sandbox/process.js';
import { runWebhookProcess, webhookKubeconfigPath } from '../sandbox/webhook.js';
import {
  brokerPods, createAssignedTopic, eventually, forgetLedgerEntries, kafkaClient, ledgerEntries, NAMESPACE, removeTopics, sandboxEnv, sandboxWebhook, uniqueName,
  waitForHealthyCluster, webhookMetric, webhookRequest,
} from './helpers.js';

const POLICY = `${NAMESPACE}/kafka`;
const admin = kafkaClient('e2e-replicas').admin();
const sandbox = sandboxWebhook();
const ports = [sandbox.port, sandbox.port + 1] as const;
const topic = uniqueName('replicas');
let secondReplica: Supervised | null = null;

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  secondReplica = await runWebhookProcess(sandbox.cfg, sandbox.tls, webhookKubeconfigPath(sandbox.cfg), { port: ports[1], instance: 'webhook-2' });
});

after(async () => {
  if (secondReplica) await stopProcess(secondReplica, 10_000);
  await removeTopics(admin, [topic]);
  await admin.disconnect();
});

/** An AdmissionReview of an Eviction of `pod`, as the apiserver sends it. */
function evictionReview(pod: string) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      subResource: 'eviction',
      requestKind: { group: 'policy', version: 'v1', kind: 'Eviction' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      requestSubResource: 'eviction',
      name: pod,
      namespace: NAMESPACE,
      operation: 'CREATE',
      userInfo: { username: 'e2e-replicas', groups: ['system:authenticated'] },
      object: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NAMESPACE } },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

interface Answer { allowed: boolean; code?: number; message?: string }

async function evictThrough(port: number, pod: string): Promise<Answer> {
  const res = await webhookRequest(port, '/validate?timeout=3s', evictionReview(pod));
  assert.equal(res.status, 200, res.body);
  const answer = (JSON.parse(res.body) as { response: { allowed: boolean; status?: { code?: number; message?: string } } }).response;
  return { allowed: answer.allowed, code: answer.status?.code, message: answer.status?.message };
}

/**
 * Waits until a replica decides on a Kafka view read after the topic was
 * created: its view age (computed at scrape time) puts the fetch after `since`.
 */
async function viewNewerThan(port: number, since: number): Promise<void> {
  await eventually(`the webhook on port ${port} to read Kafka after the topic was created`, async () => {
    const scrapedAt = Date.now();
    const age = await webhookMetric(port, 'kafkaguard_kafka_view_age_seconds', { policy: POLICY });
    return age > 0 && scrapedAt - age * 1000 > since;
  }, 30_000, 500);
}

test('two replicas, two concurrent evictions that together break min ISR: exactly one is admitted', async () => {
  await createAssignedTopic(admin, topic, [[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
  // A fetch is stamped when it ends; the margin covers how long it ran.
  const topicReady = Date.now() + 2000;
  await Promise.all(ports.map((port) => viewNewerThan(port, topicReady)));

  const pods = await brokerPods();
  const uids = ['kafka-1', 'kafka-2'].map((name) => pods.find((p) => p.metadata?.name === name)?.metadata?.uid ?? '');
  assert.ok(uids.every(Boolean), 'kafka-1 or kafka-2 has no pod');
  const ledgerBefore = (await ledgerEntries().catch(() => [])).filter((e) => uids.includes(e.podUid));
  assert.deepEqual(ledgerBefore, [], 'the ledger already counts kafka-1 or kafka-2 as disrupted');
  try {
    const answers = await Promise.all([evictThrough(ports[0], 'kafka-1'), evictThrough(ports[1], 'kafka-2')]);
    const admitted = answers.filter((a) => a.allowed);
    assert.equal(admitted.length, 1, `admitted ${admitted.length}: ${JSON.stringify(answers)}`);
    const refused = answers.find((a) => !a.allowed);
    assert.equal(refused?.code, 429, refused?.message);
    // Decided on the ledger as it was (the compare-and-swap lost) or after the other's entry (min ISR).
    assert.match(refused?.message ?? '', /- \[(concurrent-disruption|under-min-isr)\] /);
    if (/\[under-min-isr\]/.test(refused?.message ?? '')) assert.match(refused?.message ?? '', new RegExp(`${topic}-\\d`));

    const admittedBroker = answers[0]?.allowed ? 1 : 2;
    const recorded = (await ledgerEntries()).filter((e) => uids.includes(e.podUid));
    assert.deepEqual(recorded.map((e) => e.brokerId), [admittedBroker], 'the ledger does not hold exactly the admitted eviction');
  } finally {
    await forgetLedgerEntries(uids);
  }
  assert.deepEqual((await ledgerEntries()).filter((e) => uids.includes(e.podUid)), []);
});
