/**
 * kubectl kafka maintenance, against the sandbox, under load from Kafka's own
 * VerifiableProducer (idempotent, acks=all), checked by its
 * VerifiableConsumer: no acknowledged message lost.
 *
 * The case a drain cannot do: an RF 1 topic on broker 2 and RF 3 topics on
 * all three brokers. The webhook refuses evicting kafka-2 and names
 * maintenance as the safe way; a drain refuses (nowhere to put the RF 3
 * replicas); maintenance moves only the RF 1 partition and the leadership,
 * the node is cordoned and the pod evicted (a node reboot), and its end
 * uncordons, waits for the broker and puts replicas and leaders back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createAssignedTopic, evict, eventually, kafkaClient, kubeClients, kubectl, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster,
} from './helpers.js';
import { expectPlugin, podOf, replicasOf, runPlugin, throttlesLeft } from './plugin-helpers.js';
import { readBack, startVerifiableProducer, type ProducerRun, zeroLossFigures } from './verifiable.js';

const kafka = kafkaClient('e2e-maintenance');
const admin = kafka.admin();
const single = uniqueName('maint-rf1');
const orders = uniqueName('maint-rf3');
const POLICY = ['--policy', 'kafka', '--bootstrap-server', process.env.KAFKA_BOOTSTRAP_SERVERS ?? ''];
const producers: ProducerRun[] = [];

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await createAssignedTopic(admin, single, [[2]]);
  await createAssignedTopic(admin, orders, [[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
});

after(async () => {
  for (const p of producers.splice(0)) await p.stop().catch(() => undefined);
  const { core } = kubeClients();
  for (const n of (await core.listNode()).items) if (n.spec?.unschedulable) await kubectl(['uncordon', n.metadata?.name ?? '']);
  await kubectl(['delete', 'configmap', 'kafka-guard-maintenance', '-n', NAMESPACE, '--ignore-not-found']);
  await removeTopics(admin, [single, orders]);
  await admin.disconnect();
});

async function leadersArePreferred(topics: string[]): Promise<boolean> {
  const meta = await admin.fetchTopicMetadata({ topics });
  return meta.topics.every((t) => t.partitions.every((p) => p.leader === p.replicas[0]));
}

test('an RF1 topic on broker 2 beside RF3 topics: eviction refused naming maintenance, which then works under load, and its end puts everything back, nothing lost', async () => {
  const before = await replicasOf(admin, [single, orders]);
  const node = (await podOf('kafka-2'))?.spec?.nodeName ?? '';
  assert.ok(node, 'kafka-2 runs on no node');
  producers.push(await startVerifiableProducer({ topic: single, throughput: 150 }), await startVerifiableProducer({ topic: orders, throughput: 150 }));

  // 1. The unsafe way is refused, and the refusal names maintenance.
  const refused = await evict('kafka-2', { dryRun: true });
  assert.equal(refused.code, 429, refused.message);
  assert.match(refused.message, new RegExp(`\\[offline\\].*${single}-0`, 's'));
  assert.match(refused.message, /Safe way: kubectl kafka maintenance start kafka-2 -n kafka/);

  // 2. A drain cannot do it, and says what can.
  const drain = await expectPlugin(['drain', 'kafka-2', '--dry-run', ...POLICY], 1);
  assert.match(drain.stderr, /kubectl kafka maintenance start kafka-2/);

  // 3. The dry run plans the one partition, and changes nothing.
  const dry = JSON.parse((await expectPlugin(['maintenance', 'start', '--node', node, '--dry-run', '-o', 'json', ...POLICY], 0)).stdout) as {
    atRisk: Array<{ topic: string; partition: number }>; staying: number; plan: { moves: Array<{ topic: string }> };
  };
  assert.deepEqual(dry.atRisk, [{ topic: single, partition: 0 }]);
  assert.deepEqual(dry.plan.moves.map((m) => m.topic), [single]);
  assert.deepEqual(await replicasOf(admin, [single, orders]), before, 'the dry run changed an assignment');
  const list0 = JSON.parse((await expectPlugin(['maintenance', 'list', '-o', 'json', ...POLICY], 0)).stdout) as unknown[];
  assert.deepEqual(list0, [], 'the dry run left a record');

  // 4. Maintenance of the node: cordon, move single-0 and the leadership, evict kafka-2 (the node "reboots").
  const uid = (await podOf('kafka-2'))?.metadata?.uid;
  const started = Date.now();
  const start = await expectPlugin(['maintenance', 'start', '--node', node, '--evict', '--yes', '--throttle', '20MiB/s', '-o', 'json', ...POLICY], 0);
  const startMs = Date.now() - started;
  const startResult = JSON.parse(start.stdout) as { outcome: { reassignment: { partitions: number; bytes: number | null } }; evicted: Array<{ pod: string }>; cordoned: string };
  assert.equal(startResult.outcome.reassignment.partitions, 1);
  assert.deepEqual(startResult.evicted.map((e) => e.pod), ['kafka-2']);
  assert.equal(startResult.cordoned, node);
  const during = await replicasOf(admin, [single, orders]);
  assert.ok(!during[`${single}-0`]?.includes(2), `${single}-0 is still on broker 2: ${String(during[`${single}-0`])}`);
  // The RF3 partitions keep their brokers (only the replica order changes, for leadership).
  const sorted = (r: number[] | undefined) => [...(r ?? [])].sort();
  for (const p of [0, 1, 2]) assert.deepEqual(sorted(during[`${orders}-${p}`]), sorted(before[`${orders}-${p}`]), 'an RF3 partition was moved');
  const leaders = await admin.fetchTopicMetadata({ topics: [orders] });
  assert.ok(leaders.topics.every((t) => t.partitions.every((p) => p.leader !== 2)), 'broker 2 still leads an RF3 partition');
  await eventually('kafka-2 evicted', async () => (await podOf('kafka-2'))?.metadata?.uid !== uid, 60_000, 500);
  const list1 = JSON.parse((await expectPlugin(['maintenance', 'list', '-o', 'json', ...POLICY], 0)).stdout) as Array<{ brokers: number[]; cordoned: string }>;
  assert.deepEqual(list1.map((e) => [e.brokers, e.cordoned]), [[[2], node]]);

  // 5. The end: uncordon, wait for broker 2, move single-0 back, restore preferred leaders.
  const ended = Date.now();
  const end = JSON.parse((await expectPlugin(['maintenance', 'end', '--node', node, '--yes', '-o', 'json', ...POLICY], 0, 600_000)).stdout) as {
    outcome: { movedBack: { partitions: number }; uncordoned: string };
  };
  const endMs = Date.now() - ended;
  assert.equal(end.outcome.movedBack.partitions, 1);
  assert.equal(end.outcome.uncordoned, node);
  assert.deepEqual(await replicasOf(admin, [single, orders]), before, 'replicas are not back where they were');
  await eventually('preferred leaders restored', async () => leadersArePreferred([single, orders]), 60_000, 1000);
  assert.deepEqual(await throttlesLeft(admin), []);
  assert.deepEqual(JSON.parse((await expectPlugin(['maintenance', 'list', '-o', 'json', ...POLICY], 0)).stdout), []);
  const nodeAfter = JSON.parse((await kubectl(['get', 'node', node, '-o', 'json'])).stdout) as { spec: { unschedulable?: boolean } };
  assert.notEqual(nodeAfter.spec.unschedulable, true, `${node} is still cordoned`);

  // 6. Nothing acknowledged was lost.
  const figures: string[] = [];
  for (const producer of producers.splice(0)) {
    const produced = await producer.stop();
    const check = await readBack(produced);
    figures.push(`${produced.topic}: ${zeroLossFigures(produced, check)}`);
    assert.ok(check.acked > 100, `${produced.topic}: only ${check.acked} messages acknowledged`);
    assert.deepEqual(check.lost.slice(0, 10), [], `${produced.topic}: ${check.lost.length} acknowledged messages lost`);
    assert.deepEqual(check.outOfOrder, []);
  }
  const bytes = startResult.outcome.reassignment.bytes;
  console.log(`maintenance figures: start ${startMs} ms (moved 1 partition, ${bytes ?? '?'} bytes), end ${endMs} ms; ${figures.join('; ')}`);
});

test('maintenance end with no maintenance recorded is a usage error naming the list command; bad flags change nothing', async () => {
  const none = await runPlugin(['maintenance', 'end', 'kafka-1', '--yes', ...POLICY]);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /no maintenance of pod kafka-1 is recorded; kubectl kafka maintenance list/);
  const bad = await runPlugin(['maintenance', 'start', 'kafka-1', '--throttle', 'fast', '--yes', ...POLICY]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--throttle/);
  assert.deepEqual(JSON.parse((await expectPlugin(['maintenance', 'list', '-o', 'json', ...POLICY], 0)).stdout), []);
});
