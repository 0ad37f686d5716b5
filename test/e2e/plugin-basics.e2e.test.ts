/**
 * kubectl kafka: status, can-disrupt, throttles, and bad input, against the
 * sandbox. Nothing here stops a broker.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKafkaAdmin } from '../../shared/kafka/client.js';
import { setThrottles } from '../../shared/kafka/operations.js';
import { createTopicsLed, kafkaClient, kubectl, NAMESPACE, removeTopics, sandboxEnv, uniqueName, waitForHealthyCluster } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin, freeNode, podOf, POLICY, replicasOf, throttlesLeft } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-plugin-basics');
const admin = kafka.admin();
const rf3 = uniqueName('plugin-rf3');
const onlyOn2 = uniqueName('plugin-rf1');

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
  await createTopicsLed(admin, [
      { topic: rf3, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      // One partition whose only replica is on broker 2: broker 2 is unsafe to disrupt, 0 and 1 are not affected by it.
      { topic: onlyOn2, replicaAssignment: [{ partition: 0, replicas: [2] }] },
    ]);
});

after(async () => {
  await removeTopics(admin, [rf3, onlyOn2]);
  await deleteTestPolicy();
  await admin.disconnect();
});

test('status: brokers with pod, node, zone, volume kind and the safety verdict; totals; -o json and -o yaml', async () => {
  const run = await expectPlugin(['status', '-o', 'json'], 0);
  const status = JSON.parse(run.stdout) as {
    brokers: Array<{ id: number; pod: string; node: string; zone: string; volume: { kind: string; storageClass: string }; ready: boolean; safeToDisrupt: boolean; reason: string; soleReplicas: number }>;
    totals: { brokers: number; partitions: number };
    throttles: { brokers: unknown[]; topics: unknown[] };
  };
  assert.deepEqual(status.brokers.map((b) => b.id), [0, 1, 2]);
  const byId = new Map(status.brokers.map((b) => [b.id, b]));
  assert.equal(byId.get(0)?.volume.kind, 'network');
  assert.equal(byId.get(0)?.volume.storageClass, 'sandbox-network');
  assert.equal(byId.get(1)?.volume.kind, 'node-local');
  assert.equal(byId.get(2)?.volume.kind, 'node-local');
  const pod2 = await podOf('kafka-2');
  assert.equal(byId.get(2)?.node, pod2?.spec?.nodeName);
  assert.match(byId.get(2)?.zone ?? '', /^zone-[ab]$/);
  assert.equal(byId.get(2)?.safeToDisrupt, false);
  assert.match(byId.get(2)?.reason ?? '', /offline/);
  assert.ok((byId.get(2)?.soleReplicas ?? 0) >= 1);
  assert.equal(byId.get(0)?.safeToDisrupt, true, byId.get(0)?.reason);
  assert.ok(status.totals.partitions >= 4);

  const table = await expectPlugin(['status'], 0);
  assert.match(table.stdout, /^ID\s+POD\s+NODE\s+ZONE\s+VOLUME/m);
  assert.match(table.stdout, /kafka-0 .* network /);
  const yaml = await expectPlugin(['status', '-o', 'yaml'], 0);
  assert.match(yaml.stdout, /^brokers:\n {2}- id: 0/m);
});

test('can-disrupt: the verdict with reasons; exit 0 when safe, 1 when not, for a pod, a broker id and a node', async () => {
  const safe = await expectPlugin(['can-disrupt', 'kafka-0'], 0);
  assert.match(safe.stdout, /^SAFE/);
  const unsafe = await expectPlugin(['can-disrupt', '--broker', '2'], 1);
  assert.match(unsafe.stdout, /^UNSAFE/);
  assert.ok(unsafe.stdout.includes(`${onlyOn2}-0`), unsafe.stdout);
  assert.match(unsafe.stdout, /do instead: kubectl kafka maintenance start kafka-2 -n kafka/);
  const node = (await podOf('kafka-2'))?.spec?.nodeName ?? '';
  const byNode = await expectPlugin(['can-disrupt', '--node', node, '-o', 'json'], 1);
  const result = JSON.parse(byNode.stdout) as { verdict: { allowed: boolean; reasons: Array<{ rule: string }> }; brokers: Array<{ id: number }> };
  assert.deepEqual(result.brokers.map((b) => b.id), [2]);
  assert.equal(result.verdict.reasons[0]?.rule, 'offline');
});

test('can-disrupt counts a disruption the webhook admitted but the pods do not show yet (its ledger), as the webhook does', async () => {
  // What the webhook writes when it admits an eviction of kafka-0, in the window before the pod
  // is marked Terminating; kept here (under both policies that select these pods) until removed.
  const uid = (await podOf('kafka-0'))?.metadata?.uid ?? '';
  const entry = JSON.stringify([{ brokerId: 0, podUid: uid, expiresAt: Date.now() + 120_000 }]);
  const ledger = ['kafka-guard-disruptions', '-n', 'kafka-guard'];
  const before = await kubectl(['get', 'configmap', ...ledger, '-o', 'json', '--ignore-not-found']);
  assert.equal(before.code, 0, before.stderr);
  const data = before.stdout.trim() === '' ? {} : (JSON.parse(before.stdout) as { data?: Record<string, string> }).data ?? {};
  const write = async (values: Record<string, string | null>) => {
    const patch = JSON.stringify({ data: values });
    const patched = await kubectl(['patch', 'configmap', ...ledger, '--type', 'merge', '-p', patch]);
    if (patched.code !== 0) {
      const created = await kubectl(['create', 'configmap', ...ledger, ...Object.entries(values).filter(([, v]) => v !== null).map(([k, v]) => `--from-literal=${k}=${v}`)]);
      assert.equal(created.code, 0, created.stderr);
    }
  };
  await write({ [`kafka.${POLICY}`]: entry, 'kafka.kafka': entry });
  try {
    const unsafe = await expectPlugin(['can-disrupt', 'kafka-1'], 1);
    assert.match(unsafe.stdout, /admitted by the webhook, not yet visible in the pods: broker\(s\) 0/);
    assert.ok(unsafe.stdout.includes(`${rf3}-`), unsafe.stdout);
    const webhook = await kubectl(['delete', 'pod', 'kafka-1', '-n', NAMESPACE, '--dry-run=server']);
    assert.notEqual(webhook.code, 0, 'the webhook refuses the same disruption');
    assert.match(webhook.stderr, /disruption already admitted/);
  } finally {
    await write({ [`kafka.${POLICY}`]: data[`kafka.${POLICY}`] ?? null, 'kafka.kafka': data['kafka.kafka'] ?? null });
  }
  await expectPlugin(['can-disrupt', 'kafka-1'], 0);
});

test('throttles: lists throttles another tool left, --dry-run keeps them, --clear removes them', async () => {
  // "Another tool": set with the shared client directly, as a reassignment tool would.
  const client = createKafkaAdmin({ bootstrapServers: sandboxEnv().bootstrap }, { log: () => undefined });
  try {
    await setThrottles(client, { rateBytesPerSec: 1_000_000, brokers: [0, 1], replicas: [{ topic: rf3, partition: 0, leaders: [0], followers: [1] }] });
  } finally {
    await client.disconnect();
  }
  const listed = await expectPlugin(['throttles', '-o', 'json'], 0);
  const throttles = JSON.parse(listed.stdout) as { throttles: { brokers: Array<{ id: number; leaderRate: number }>; topics: Array<{ topic: string }> } };
  assert.deepEqual(throttles.throttles.brokers.map((b) => [b.id, b.leaderRate]), [[0, 1_000_000], [1, 1_000_000]]);
  assert.deepEqual(throttles.throttles.topics.map((t) => t.topic), [rf3]);
  await expectPlugin(['throttles', '--clear', '--dry-run'], 0);
  assert.notDeepEqual(await throttlesLeft(admin), []);
  const cleared = await expectPlugin(['throttles', '--clear', '--yes'], 0);
  assert.match(cleared.stdout, /removed throttles from 2 broker\(s\) and 1 topic\(s\)/);
  assert.deepEqual(await throttlesLeft(admin), []);
});

test('bad input: a clear message, exit code 2, nothing changed', async () => {
  const before = await replicasOf(admin, [rf3, onlyOn2]);
  const cases: Array<[string[], RegExp]> = [
    [['drain', 'kafka-9', '--yes'], /pod kafka-9 is not a broker pod .* the broker pods are: kafka-0, kafka-1, kafka-2/],
    [['drain', '--broker', '7', '--yes'], /broker 7 is not in this cluster; its brokers are: 0, 1, 2/],
    [['drain', '--node', await freeNode(), '--yes'], /runs no broker of this cluster; the brokers run on: kafka-0 on /],
    [['drain', 'kafka-2', '--throttle', '50 MB/s', '--yes'], /--throttle: throttle "50 MB\/s" is not a rate; write .* e\.g\. 50MiB\/s/],
    [['drain', 'kafka-2', '--throttle', 'fast', '--yes'], /not a rate/],
    [['can-disrupt', 'kafka-0', '--broker', '0'], /one way only/],
    [['status', '-o', 'xml'], /Expected --output=xml to be one of: table, json, yaml/],
    [['scale', 'no-such-sts', '--replicas', '2', '--yes'], /StatefulSet kafka\/no-such-sts does not exist/],
  ];
  for (const [args, message] of cases) {
    const run = await expectPlugin(args, 2);
    assert.match(run.stderr, message, `${args.join(' ')}: ${run.stderr}`);
  }
  const noPolicy = await kubectl(['get', 'kafkaguardpolicies', '-n', 'default', '-o', 'name']);
  assert.equal(noPolicy.stdout.trim(), '', 'the default namespace has no policy');
  assert.deepEqual(await replicasOf(admin, [rf3, onlyOn2]), before, 'nothing moved');
  assert.deepEqual(await throttlesLeft(admin), []);
  const pods = JSON.parse((await kubectl(['get', 'pods', '-n', NAMESPACE, '-o', 'json'])).stdout) as { items: Array<{ metadata: { deletionTimestamp?: string } }> };
  assert.ok(pods.items.every((p) => p.metadata.deletionTimestamp === undefined), 'no pod was evicted');
});

test('cannot reach Kafka: exit code 3', async () => {
  const run = await expectPlugin(['status', '--bootstrap-server', '127.0.0.1:1'], 3);
  assert.match(run.stderr, /could not reach any Kafka broker/);
});
