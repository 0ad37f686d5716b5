/**
 * The validating webhook enforced through the real apiserver: kubectl
 * delete / drain / scale / patch and the Eviction API against real brokers.
 * Every test leaves the cluster healthy (3 Ready brokers, full ISR) and its
 * policy as it found it.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import {
  brokerPods, createAssignedTopic, evict, eventually, isReady, kafkaClient, kubeClients, kubectl, NAMESPACE, removeTopics, setPolicyMode, startBroker, stopBroker,
  uniqueName, waitForHealthyCluster,
} from './helpers.js';

const kafka = kafkaClient('e2e-webhook');
/** Keeps a deleted pod readable (see the break-glass test). */
const HOLD_FINALIZER = 'e2e.kafkaguard.io/hold';
const admin = kafka.admin();
const topics: string[] = [];

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
});

// Each test's topics go with it, so a failing test leaves no RF 1 partition behind for the next.
afterEach(async () => {
  await removeTopics(admin, topics.splice(0));
});

after(async () => {
  await admin.disconnect();
});

/**
 * The webhook decides on a Kafka view read after the request arrived
 * (docs/adr/0001), so a topic created a moment ago is seen at once; the short
 * wait only covers the brokers' metadata caches catching up with the one that
 * reported the topic's leaders. Waits until a server-side dry run of `args` is
 * refused with `expected`.
 */
async function untilRefused(args: string[], expected: RegExp): Promise<void> {
  await eventually(`the webhook to refuse kubectl ${args.join(' ')} with ${expected}`, async () => {
    const res = await kubectl([...args, '--dry-run=server']);
    return res.code !== 0 && expected.test(res.stderr);
  }, 3_000, 300);
}

async function createTopic(replicas: number[][], minIsr?: number): Promise<string> {
  const topic = uniqueName('guard');
  topics.push(topic);
  await createAssignedTopic(admin, topic, replicas, minIsr);
  return topic;
}

async function podOf(name: string): Promise<V1Pod> {
  const pod = (await brokerPods()).find((p) => p.metadata?.name === name);
  if (!pod) throw new Error(`no pod ${name}`);
  return pod;
}

async function moveAway(topic: string, partitions: number[][]): Promise<void> {
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: partitions.map((replicas, partition) => ({ partition, replicas })) }] });
  await eventually(`${topic} reassigned`, async () => {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const inFlight = await admin.listPartitionReassignments({ topics: [{ topic, partitions: partitions.map((_, i) => i) }] });
    return inFlight.topics.length === 0 && meta.topics[0]?.partitions.every((p) => p.isr.length === p.replicas.length && JSON.stringify([...p.replicas].sort()) === JSON.stringify([...(partitions[p.partitionId] ?? [])].sort()));
  }, 60_000);
}

async function events(name: string): Promise<Array<{ reason?: string; message?: string }>> {
  const { core } = kubeClients();
  const list = await core.listNamespacedEvent({ namespace: NAMESPACE, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason, message: e.message }));
}

test('an RF 1 partition on broker 2: delete and drain are refused naming the partition and the rule, then allowed once it moved', async () => {
  const topic = await createTopic([[2]]);
  await untilRefused(['delete', 'pod', 'kafka-2', '-n', NAMESPACE], new RegExp(`${topic}-0`));
  const refusedDelete = await kubectl(['delete', 'pod', 'kafka-2', '-n', NAMESPACE, '--wait=false']);
  assert.notEqual(refusedDelete.code, 0, 'kubectl delete pod kafka-2 went through');
  assert.match(refusedDelete.stderr, new RegExp(`${topic}-0`));
  assert.match(refusedDelete.stderr, /admission webhook "pods\.validate\.kafkaguard\.io" denied the request/);
  assert.match(refusedDelete.stderr, /- \[offline\] /);
  assert.match(refusedDelete.stderr, /Safe way: kubectl kafka maintenance start kafka-2 -n kafka/);
  assert.ok((await events('kafka-2')).some((e) => e.reason === 'KafkaGuardRefused'), 'no KafkaGuardRefused Event on kafka-2');

  const node = (await podOf('kafka-2')).spec?.nodeName ?? '';
  try {
    const refusedDrain = await kubectl(['drain', node, '--ignore-daemonsets', '--timeout=10s'], { timeoutMs: 60_000 });
    assert.notEqual(refusedDrain.code, 0, 'kubectl drain went through');
    assert.match(refusedDrain.stdout + refusedDrain.stderr, new RegExp(`${topic}-0`));
    assert.match(refusedDrain.stdout + refusedDrain.stderr, /- \[offline\] /);
    assert.equal((await podOf('kafka-2')).metadata?.deletionTimestamp, undefined, 'kafka-2 is being deleted');

    // The refused drain left the node cordoned: kafka-2's node-local volume could not come back elsewhere.
    assert.equal((await kubectl(['uncordon', node])).code, 0);

    await moveAway(topic, [[0]]);
    // A broker's metadata cache may lag the one that reported the reassignment done by a moment.
    const uid = (await podOf('kafka-2')).metadata?.uid;
    await eventually('the delete of kafka-2 to be admitted', async () => (await kubectl(['delete', 'pod', 'kafka-2', '-n', NAMESPACE, '--wait=true'])).code === 0, 30_000, 1000);
    await eventually('kafka-2 recreated', async () => (await podOf('kafka-2').catch(() => null))?.metadata?.uid !== uid, 60_000, 500);
    await waitForHealthyCluster(admin);

    const drained = await eventually('the drain to be admitted', async () => {
      const res = await kubectl(['drain', node, '--ignore-daemonsets', '--timeout=20s'], { timeoutMs: 60_000 });
      return res.code === 0 ? res : null;
    }, 90_000, 2000);
    assert.match(drained.stdout + drained.stderr, /kafka-2 evicted|evicting pod kafka\/kafka-2/);
  } finally {
    await startBroker(2);
  }
  await waitForHealthyCluster(admin);
});

test('RF 3, min ISR 2, broker 1 stopped: evicting broker 2 is refused; once broker 1 is back it is allowed', async () => {
  const topic = await createTopic([[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
  await stopBroker(1);
  try {
    await eventually('broker 1 out of the ISR', async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]?.partitions.every((p) => !p.isr.includes(1));
    }, 60_000, 500);
    const refused = await evict('kafka-2');
    assert.equal(refused.code, 429, refused.message);
    assert.match(refused.message, /min\.insync\.replicas/);
    assert.match(refused.message, new RegExp(`${topic}-`));
  } finally {
    await startBroker(1);
  }
  await waitForHealthyCluster(admin);
  const allowed = await eventually('the eviction of kafka-2 to be admitted', async () => {
    const res = await evict('kafka-2');
    return res.code === 201 ? res : null;
  }, 60_000, 2000);
  assert.equal(allowed.code, 201);
  await eventually('kafka-2 back', async () => { const p = await podOf('kafka-2'); return isReady(p) && !p.metadata?.deletionTimestamp; }, 180_000);
  await waitForHealthyCluster(admin);
});

test('kubectl scale and kubectl patch of replicas are refused while broker 2 holds replicas', async () => {
  // The refusal names the first five partitions (sorted), which after other tests may all be
  // __consumer_offsets ones: the count and the rule are what this test checks.
  await createTopic([[2, 0, 1]]);
  await untilRefused(['scale', 'statefulset', 'kafka', '-n', NAMESPACE, '--replicas=2'], /broker 2 still holds replicas of \d+ partitions?/);
  const scale = await kubectl(['scale', 'statefulset', 'kafka', '-n', NAMESPACE, '--replicas=2']);
  assert.notEqual(scale.code, 0, 'kubectl scale went through');
  assert.match(scale.stderr, /broker 2 still holds replicas of \d+ partitions?/);
  assert.match(scale.stderr, /kubectl kafka scale kafka --replicas 2/);
  const patch = await kubectl(['patch', 'statefulset', 'kafka', '-n', NAMESPACE, '-p', '{"spec":{"replicas":2}}']);
  assert.notEqual(patch.code, 0, 'kubectl patch went through');
  assert.match(patch.stderr, /broker 2 still holds replicas/);
  const { apps } = kubeClients();
  assert.equal((await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: NAMESPACE })).spec?.replicas, 3);
});

test('kubectl delete pvc of a live broker is refused', async () => {
  const res = await kubectl(['delete', 'pvc', 'data-kafka-1', '-n', NAMESPACE, '--wait=false']);
  assert.notEqual(res.code, 0, 'the PVC delete went through');
  assert.match(res.stderr, /admission webhook "pvcs\.validate\.kafkaguard\.io" denied the request/);
  assert.match(res.stderr, /- \[live-volume\] data-kafka-1 is the data volume of pod kafka-1/);
  const { core } = kubeClients();
  const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'data-kafka-1', namespace: NAMESPACE });
  assert.equal(pvc.metadata?.deletionTimestamp, undefined);
});

test('Warn mode admits with the refusal as a warning; Off admits silently', async () => {
  await createTopic([[2, 0, 1]]);
  try {
    await setPolicyMode('Warn');
    const warned = await eventually('Warn mode to take effect', async () => {
      const res = await kubectl(['scale', 'statefulset', 'kafka', '-n', NAMESPACE, '--replicas=2', '--dry-run=server']);
      return res.code === 0 ? res : null;
    }, 30_000, 1000);
    assert.match(warned.stderr, /Warning: kafka-guard \(Warn mode\).*broker 2 still holds replicas/);
    await setPolicyMode('Off');
    const off = await eventually('Off mode to take effect', async () => {
      const res = await kubectl(['scale', 'statefulset', 'kafka', '-n', NAMESPACE, '--replicas=2', '--dry-run=server']);
      return res.code === 0 && !/Warning: kafka-guard/.test(res.stderr) ? res : null;
    }, 30_000, 1000);
    assert.equal(off.code, 0);
  } finally {
    await setPolicyMode('Enforce');
  }
  await eventually('Enforce mode back', async () => (await kubectl(['scale', 'statefulset', 'kafka', '-n', NAMESPACE, '--replicas=2', '--dry-run=server'])).code !== 0, 30_000, 1000);
});

test('Kafka unreachable, refusing connections or silent: the verdict follows onKafkaUnreachable, within the deadline', async () => {
  const policy = JSON.parse((await kubectl(['get', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '-o', 'json'])).stdout) as { spec: { kafka: { bootstrapServers: string[] } } };
  const original = policy.spec.kafka.bootstrapServers;
  const patchPolicy = (spec: object) => kubectl(['patch', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '--type', 'merge', '-p', JSON.stringify({ spec })]);
  // A partitioned network: connections are accepted and nothing ever answers.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); socket.on('error', () => undefined); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentAddress = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    for (const address of ['127.0.0.1:1', silentAddress]) {
      assert.equal((await patchPolicy({ kafka: { bootstrapServers: [address] }, onKafkaUnreachable: 'Deny' })).code, 0);
      await sleep(2000);
      const started = Date.now();
      const denied = await kubectl(['delete', 'pod', 'kafka-0', '-n', NAMESPACE, '--dry-run=server']);
      const elapsed = Date.now() - started;
      assert.notEqual(denied.code, 0, `${address}: admitted although Kafka is unreachable and the policy says Deny`);
      // The webhook's own answer, naming the rule, not the apiserver giving up on a webhook that hung.
      assert.match(denied.stderr, /kafka-guard could not check this request against Kafka \(rule /, address);
      assert.match(denied.stderr, /\[kafka-unreachable\]|onKafkaUnreachable is Deny/, address);
      assert.ok(elapsed < 3000 + 1500, `${address}: took ${elapsed} ms, over the 3 s webhook timeout`);

      assert.equal((await patchPolicy({ onKafkaUnreachable: 'Allow' })).code, 0);
      const allowed = await eventually(`${address}: Allow to take effect`, async () => {
        const res = await kubectl(['delete', 'pod', 'kafka-0', '-n', NAMESPACE, '--dry-run=server']);
        return res.code === 0 ? res : null;
      }, 30_000, 1000);
      assert.match(allowed.stderr, /Warning: kafka-guard: admitted unchecked because onKafkaUnreachable is Allow: Kafka of kafka\/kafka unreachable/, address);
    }
  } finally {
    await patchPolicy({ kafka: { bootstrapServers: original }, onKafkaUnreachable: 'Deny' });
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
  await sleep(2000);
});

test('break-glass lets exactly one disruption through and leaves an Event', async () => {
  const topic = await createTopic([[2]]);
  await untilRefused(['delete', 'pod', 'kafka-2', '-n', NAMESPACE], new RegExp(`${topic}-0`));
  const annotate = await kubectl(['annotate', 'pod', 'kafka-2', '-n', NAMESPACE, 'kafkaguard.io/allow-disruption=e2e: planned maintenance']);
  assert.equal(annotate.code, 0, annotate.stderr);
  const uid = (await podOf('kafka-2')).metadata?.uid;
  // A finalizer keeps the deleted pod object readable until the test has looked at it.
  const hold = await kubectl(['patch', 'pod', 'kafka-2', '-n', NAMESPACE, '--type=merge', '-p', JSON.stringify({ metadata: { finalizers: [HOLD_FINALIZER] } })]);
  assert.equal(hold.code, 0, hold.stderr);
  try {
    const first = await kubectl(['delete', 'pod', 'kafka-2', '-n', NAMESPACE, '--wait=false']);
    assert.equal(first.code, 0, first.stderr);
    // The annotation was used up on this very pod (same uid), before the delete was admitted: recorded
    // in the ledger, not removed from the pod (the webhook may not write pods).
    const terminating = await podOf('kafka-2');
    assert.equal(terminating.metadata?.uid, uid);
    assert.ok(terminating.metadata?.deletionTimestamp, 'kafka-2 is not being deleted');
    const ledger = await kubeClients().core.readNamespacedConfigMap({ namespace: 'kafka-guard', name: 'kafka-guard-disruptions' });
    const uses = JSON.parse(ledger.data?.['break-glass'] ?? '[]') as Array<{ podUid: string; value: string }>;
    assert.ok(uses.some((u) => u.podUid === uid && u.value === 'e2e: planned maintenance'), `no break-glass use of ${uid} in the ledger: ${JSON.stringify(uses)}`);
  } finally {
    await kubectl(['patch', 'pod', 'kafka-2', '-n', NAMESPACE, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/metadata/finalizers' }])]);
  }
  assert.ok((await events('kafka-2')).some((e) => e.reason === 'KafkaGuardBreakGlass' && /sandbox-admin/.test(e.message ?? '')), 'no KafkaGuardBreakGlass Event naming the user');
  const back = await eventually('kafka-2 recreated and Ready', async () => {
    const p = await podOf('kafka-2');
    return p.metadata?.uid !== uid && isReady(p) ? p : null;
  }, 180_000);
  assert.equal(back.metadata?.annotations?.['kafkaguard.io/allow-disruption'], undefined);
  await eventually(`${topic}-0 back online`, async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions[0]?.leader === 2, 60_000);
  await untilRefused(['delete', 'pod', 'kafka-2', '-n', NAMESPACE], new RegExp(`${topic}-0`));
  const second = await kubectl(['delete', 'pod', 'kafka-2', '-n', NAMESPACE, '--wait=false']);
  assert.notEqual(second.code, 0, 'a second disruption went through without break-glass');
  await moveAway(topic, [[0]]);
  await waitForHealthyCluster(admin);
});

test('two concurrent evictions that together break min ISR: exactly one is admitted', async () => {
  await createTopic([[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
  const { policy } = kubeClients();
  // The PDB alone would also allow only one; lift it so kafka-guard's ledger is what decides.
  assert.equal((await kubectl(['patch', 'pdb', 'kafka', '-n', NAMESPACE, '--type', 'merge', '-p', '{"spec":{"maxUnavailable":3}}'])).code, 0);
  try {
    await eventually('the PDB to allow 3 disruptions', async () => (await policy.readNamespacedPodDisruptionBudget({ name: 'kafka', namespace: NAMESPACE })).status?.disruptionsAllowed === 3, 30_000, 500);
    const results = await Promise.all([evict('kafka-1'), evict('kafka-2')]);
    const admitted = results.filter((r) => r.code === 201);
    assert.equal(admitted.length, 1, `admitted ${admitted.length}: ${JSON.stringify(results)}`);
    const refused = results.find((r) => r.code !== 201);
    assert.equal(refused?.code, 429, refused?.message);
  } finally {
    await kubectl(['patch', 'pdb', 'kafka', '-n', NAMESPACE, '--type', 'merge', '-p', '{"spec":{"maxUnavailable":1}}']);
  }
  await waitForHealthyCluster(admin);
});

test('non-Kafka pods in a covered namespace are not affected', async () => {
  await createTopic([[2]]); // kafka-2 is now unsafe to disrupt; an unrelated pod must not care
  const name = uniqueName('web');
  const { core } = kubeClients();
  await core.createNamespacedPod({ namespace: NAMESPACE, body: { metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], terminationGracePeriodSeconds: 1 } } });
  await eventually(`${name} Ready`, async () => isReady(await core.readNamespacedPod({ name, namespace: NAMESPACE })), 60_000, 500);
  const evicted = await evict(name);
  assert.equal(evicted.code, 201, evicted.message);
  await eventually(`${name} gone`, async () => {
    try { await core.readNamespacedPod({ name, namespace: NAMESPACE }); return false; } catch { return true; }
  }, 60_000, 500);
});
