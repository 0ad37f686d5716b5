/**
 * kubectl kafka move: kafka-0 (network volume) and kafka-2 (node-local
 * volume) each end on the target node with the same broker id, in sync,
 * without losing a message; the StatefulSet is left exactly as it was. The
 * demo policy enforces throughout: the moves go through kafka-guard's webhook.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { consumeAll, createTopicsLed, kafkaClient, kubectl, NAMESPACE, produceNumbered, recreateTopics, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin, freeNode, podOf, replicasOf, throttlesLeft } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-plugin-move');
const admin = kafka.admin();
const rf3 = uniqueName('move-rf3');
const rf1 = uniqueName('move-rf1');
const MESSAGES = 1000;

interface StatefulSetState {
  annotations: Record<string, string>;
  updateStrategy: unknown;
  affinity: unknown;
  currentRevision: string;
  updateRevision: string;
}

async function statefulSet(): Promise<StatefulSetState> {
  const sts = JSON.parse((await kubectl(['get', 'statefulset', 'kafka', '-n', NAMESPACE, '-o', 'json'])).stdout) as {
    metadata: { annotations?: Record<string, string> };
    spec: { updateStrategy: unknown; template: { spec: { affinity?: unknown } } };
    status: { currentRevision: string; updateRevision: string };
  };
  return {
    annotations: sts.metadata.annotations ?? {},
    updateStrategy: sts.spec.updateStrategy,
    affinity: sts.spec.template.spec.affinity,
    currentRevision: sts.status.currentRevision,
    updateRevision: sts.status.updateRevision,
  };
}

async function claimUid(name: string): Promise<string> {
  return (await kubectl(['get', 'pvc', name, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.uid}'])).stdout;
}

async function readsEverything(): Promise<void> {
  for (const topic of [rf3, rf1]) {
    const values = await consumeAll(kafka, topic, MESSAGES, 90_000);
    assert.equal(new Set(values).size, MESSAGES, `${topic}: read ${new Set(values).size} of ${MESSAGES}`);
  }
}

let stsBefore: StatefulSetState;

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
  await createTopicsLed(admin, [
      { topic: rf3, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      // The node-local broker holds the only copy of these: the move must drain them and bring them back.
      { topic: rf1, replicaAssignment: [{ partition: 0, replicas: [2] }, { partition: 1, replicas: [0] }] },
    ]);
  await produceNumbered(kafka, rf3, MESSAGES);
  await produceNumbered(kafka, rf1, MESSAGES);
  stsBefore = await statefulSet();
});

after(async () => {
  await removeTopics(admin, [rf3, rf1]);
  await deleteTestPolicy();
  await waitForHealthyCluster(admin).catch(() => undefined);
  await admin.disconnect();
});

test('move kafka-0 (network volume): same broker id on the target node, same data, in sync; StatefulSet unchanged', async () => {
  // kafka-0 holds the only copy of rf1-1: a network move keeps it (the data follows the claim),
  // so the plan must be unsafe until that partition has another replica.
  const refused = await expectPlugin(['move', 'kafka-0', '--to-node', await freeNode(), '--yes'], 1);
  assert.match(refused.stderr, /not moving kafka-0: .*offline.*Nothing was changed/);
  await recreateTopics(admin, [{ topic: rf1, replicaAssignment: [{ partition: 0, replicas: [2] }, { partition: 1, replicas: [1] }] }]);
  await produceNumbered(kafka, rf1, MESSAGES);

  const target = await freeNode();
  const claim = await claimUid('data-kafka-0');
  const dry = await expectPlugin(['move', 'kafka-0', '--to-node', target, '--dry-run'], 0);
  assert.match(dry.stdout, /path: +network volume/);
  const run = await expectPlugin(['move', 'kafka-0', '--to-node', target, '--yes', '-o', 'json'], 0);
  const result = JSON.parse(run.stdout) as { plan: { path: string; broker: number }; outcome: { nodeAfter: string } };
  assert.equal(result.plan.path, 'network');
  assert.equal(result.outcome.nodeAfter, target);
  const pod = await podOf('kafka-0');
  assert.equal(pod?.spec?.nodeName, target);
  assert.equal(await claimUid('data-kafka-0'), claim, 'the same volume');
  assert.ok((await admin.describeCluster()).brokers.some((b) => b.nodeId === 0));
  await waitForHealthyCluster(admin);
  await readsEverything();
  const sts = await statefulSet();
  assert.deepEqual([sts.annotations, sts.updateStrategy, sts.affinity], [stsBefore.annotations, stsBefore.updateStrategy, stsBefore.affinity]);
  assert.equal(sts.currentRevision, sts.updateRevision, 'no rolling update pending');
  assert.equal(pod?.metadata?.labels?.['controller-revision-hash'], sts.updateRevision, 'the moved pod is not rolled again');
});

test('move kafka-2 (node-local volume): drained, recreated empty with the same id on the target node, refilled, in sync', async () => {
  const target = await freeNode();
  const before = await replicasOf(admin, [rf3, rf1]);
  const claim = await claimUid('data-kafka-2');
  const run = await expectPlugin(['move', 'kafka-2', '--to-node', target, '--yes', '--throttle', '20MiB/s', '-o', 'json'], 0);
  const result = JSON.parse(run.stdout) as { plan: { path: string; rebuilt: unknown[] }; outcome: { nodeAfter: string; movedBack: { partitions: number } } };
  assert.equal(result.plan.path, 'node-local');
  assert.equal(result.outcome.nodeAfter, target);
  assert.ok(result.outcome.movedBack.partitions >= 1, 'rf1-0 went away and came back');
  assert.ok(result.plan.rebuilt.length >= 3, 'the RF 3 partitions, on every broker, are rebuilt from their leaders');
  assert.equal((await podOf('kafka-2'))?.spec?.nodeName, target);
  assert.notEqual(await claimUid('data-kafka-2'), claim, 'a new volume on the new node');
  const pv = (await kubectl(['get', 'pvc', 'data-kafka-2', '-n', NAMESPACE, '-o', 'jsonpath={.spec.volumeName}'])).stdout;
  const pvNode = (await kubectl(['get', 'pv', pv, '-o', 'jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}'])).stdout;
  assert.equal(pvNode, target);
  await waitForHealthyCluster(admin);
  const afterMove = await replicasOf(admin, [rf3, rf1]);
  for (const [partition, replicas] of Object.entries(before)) {
    assert.deepEqual([...(afterMove[partition] ?? [])].sort(), [...replicas].sort(), `${partition} has its original replicas again`);
  }
  assert.deepEqual(afterMove[`${rf1}-0`], [2]);
  await readsEverything();
  assert.deepEqual(await throttlesLeft(admin), []);
  const sts = await statefulSet();
  assert.deepEqual([sts.annotations, sts.updateStrategy, sts.affinity], [stsBefore.annotations, stsBefore.updateStrategy, stsBefore.affinity]);
  // The webhook refuses deleting a live broker's volume; the move used the pod's break-glass, on the record and used up.
  const events = JSON.parse((await kubectl(['get', 'events', '-n', NAMESPACE, '--field-selector', 'involvedObject.name=data-kafka-2', '-o', 'json'])).stdout) as {
    items: Array<{ reason: string; message: string; involvedObject: { kind: string } }>;
  };
  assert.ok(
    events.items.some((e) => e.reason === 'KafkaGuardBreakGlass' && e.involvedObject.kind === 'PersistentVolumeClaim' && /kubectl kafka move kafka-2 --to-node/.test(e.message)),
    `no KafkaGuardBreakGlass Event on data-kafka-2 naming the move: ${JSON.stringify(events.items.map((e) => [e.reason, e.message]))}`,
  );
  assert.equal((await podOf('kafka-2'))?.metadata?.annotations?.['kafkaguard.io/allow-disruption'], undefined);
});
