/**
 * The webhook in a moving cluster, through the real apiserver and real brokers:
 * facts that changed a moment before a request, dry runs that must change
 * nothing, and a retried eviction after another broker went down. Every test
 * leaves the cluster healthy (3 Ready brokers, full ISR, nothing cordoned, the
 * PodDisruptionBudget as the sandbox made it).
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  brokerPods, createAssignedTopic, evict, eventually, forgetLedgerEntries, kafkaClient, kubeClients, kubectl, ledgerEntries, NAMESPACE, removeTopics, startBroker,
  stopBroker, uniqueName, waitForHealthyCluster,
} from './helpers.js';
import { runPlugin } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-moving');
const admin = kafka.admin();
const topics: string[] = [];
const PDB = 'kafka';

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
});

afterEach(async () => {
  await removeTopics(admin, topics.splice(0));
});

after(async () => {
  await admin.disconnect();
});

async function createTopic(replicas: number[][], minIsr?: number): Promise<string> {
  const topic = uniqueName('moving');
  topics.push(topic);
  await createAssignedTopic(admin, topic, replicas, minIsr);
  return topic;
}

async function podOf(name: string): Promise<V1Pod> {
  const pod = (await brokerPods()).find((p) => p.metadata?.name === name);
  if (!pod) throw new Error(`no pod ${name}`);
  return pod;
}

/** Pod uids the webhook's ledger holds for the sandbox policy. */
async function ledgerUids(): Promise<string[]> {
  return (await ledgerEntries()).map((e) => e.podUid);
}

async function setPdbMaxUnavailable(value: number): Promise<void> {
  const res = await kubectl(['patch', 'pdb', PDB, '-n', NAMESPACE, '--type', 'merge', '-p', JSON.stringify({ spec: { maxUnavailable: value } })]);
  assert.equal(res.code, 0, res.stderr);
  // The disruption controller recomputes status.disruptionsAllowed asynchronously.
  const { policy } = kubeClients();
  await eventually(`PDB ${PDB} to follow maxUnavailable ${value}`, async () => {
    const pdb = await policy.readNamespacedPodDisruptionBudget({ name: PDB, namespace: NAMESPACE });
    return pdb.status?.observedGeneration === pdb.metadata?.generation && (value === 0 ? pdb.status?.disruptionsAllowed === 0 : (pdb.status?.disruptionsAllowed ?? 0) > 0);
  }, 30_000, 300);
}

async function uncordonAll(): Promise<void> {
  const { core } = kubeClients();
  for (const n of (await core.listNode()).items) if (n.spec?.unschedulable) await kubectl(['uncordon', n.metadata?.name ?? '']);
}

test('a topic created a moment ago is seen: draining its only replica\'s node at once is refused', async () => {
  const topic = await createTopic([[2]]);
  const node = (await podOf('kafka-2')).spec?.nodeName ?? '';
  try {
    // No waiting for the webhook to catch up: the decision reads Kafka after the request arrived.
    const drain = await kubectl(['drain', node, '--ignore-daemonsets', '--timeout=5s'], { timeoutMs: 60_000 });
    assert.notEqual(drain.code, 0, `kubectl drain ${node} went through:\n${drain.stdout}`);
    assert.match(drain.stdout + drain.stderr, new RegExp(`${topic}-0`));
    assert.match(drain.stdout + drain.stderr, /- \[offline\] /);
    assert.equal((await podOf('kafka-2')).metadata?.deletionTimestamp, undefined, 'kafka-2 is being deleted');
  } finally {
    await kubectl(['uncordon', node]);
    await waitForHealthyCluster(admin);
  }
});

test('kubectl drain --dry-run=server records nothing: a real disruption of another broker is admitted after it', async () => {
  // RF 3, min ISR 2: one broker may go, not two. A dry run of kafka-0's drain must not count.
  await createTopic([[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
  const kafka0 = await podOf('kafka-0');
  const node = kafka0.spec?.nodeName ?? '';
  const dry = await kubectl(['drain', node, '--ignore-daemonsets', '--dry-run=server', '--timeout=20s'], { timeoutMs: 60_000 });
  assert.equal(dry.code, 0, `dry-run drain of ${node} failed:\n${dry.stdout}\n${dry.stderr}`);
  assert.match(dry.stdout + dry.stderr, /kafka-0/);
  assert.ok(!(await ledgerUids()).includes(kafka0.metadata?.uid ?? ''), 'the dry run was recorded in the ledger');
  const { core } = kubeClients();
  assert.notEqual((await core.readNode({ name: node })).spec?.unschedulable, true, 'the dry run cordoned the node');

  const uid = (await podOf('kafka-1')).metadata?.uid;
  const real = await evict('kafka-1');
  assert.equal(real.code, 201, `the eviction of kafka-1 was refused: ${real.message}`);
  await eventually('kafka-1 recreated', async () => (await podOf('kafka-1').catch(() => null))?.metadata?.uid !== uid, 60_000, 500);
  await waitForHealthyCluster(admin);
});

test('a retried eviction is judged afresh: admitted, stopped by the PDB, then another broker crashes: the retry is refused, as can-disrupt says', async () => {
  const topic = await createTopic([[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
  const kafka1 = (await podOf('kafka-1')).metadata?.uid ?? '';
  try {
    // 1. The webhook admits kafka-1's eviction and records it; the PDB then says 429.
    await setPdbMaxUnavailable(0);
    const first = await evict('kafka-1');
    assert.equal(first.code, 429, `expected the PDB's 429, got ${first.code}: ${first.message}`);
    assert.match(first.message, /disruption budget/i);
    assert.doesNotMatch(first.message, /kafka-guard/);
    assert.ok((await ledgerUids()).includes(kafka1), 'the admitted eviction of kafka-1 is not in the ledger');

    // 2. Broker 2 goes down (within the ledger entry's 60 s).
    await stopBroker(2);
    await setPdbMaxUnavailable(3);

    // 3. The retry must not pass because its own first try is pending.
    const retry = await evict('kafka-1');
    assert.equal(retry.code, 429, `the retried eviction of kafka-1 was not refused by kafka-guard: ${retry.code} ${retry.message}`);
    assert.match(retry.message, /kafka-guard refused to evict pod kafka\/kafka-1/);
    assert.match(retry.message, /\[under-min-isr\]/);
    assert.match(retry.message, new RegExp(`${topic}-0`));
    assert.equal((await podOf('kafka-1')).metadata?.uid, kafka1, 'kafka-1 was evicted');

    const plugin = await runPlugin(['can-disrupt', 'kafka-1', '--policy', 'kafka', '--bootstrap-server', process.env.KAFKA_BOOTSTRAP_SERVERS ?? '', '-o', 'json']);
    assert.equal(plugin.code, 1, `can-disrupt kafka-1 did not refuse:\n${plugin.stdout}\n${plugin.stderr}`);
    const result = JSON.parse(plugin.stdout) as { verdict: { allowed: boolean; reasons: Array<{ rule: string }> } };
    assert.deepEqual(result.verdict.reasons.map((r) => r.rule), ['under-min-isr']);
  } finally {
    await startBroker(2);
    await uncordonAll();
    await setPdbMaxUnavailable(1);
    // kafka-1 was never evicted: its entry would count broker 1 as down for the next test.
    await forgetLedgerEntries([kafka1]);
    await waitForHealthyCluster(admin);
  }
});
