/**
 * Proves the sandbox is real: a real apiserver, the real StatefulSet
 * controller and scheduler placing broker pods, real brokers keeping their
 * data across pod restarts, and kubectl drain going through the Eviction API
 * with the PodDisruptionBudget respected.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { brokerPods, consumeAll, createTopicsLed, eventually, isReady, kafkaClient, kubeClients, kubectl, NAMESPACE, produceNumbered, removeTopics, uniqueName, waitForHealthyCluster, withGuardsOff } from './helpers.js';

const kafka = kafkaClient('e2e-sandbox');
const admin = kafka.admin();
const topic = uniqueName('sandbox-rf3');
const MESSAGES = 1000;

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
});

after(async () => {
  await removeTopics(admin, [topic]);
  await admin.disconnect();
});

test('the apiserver is ready and reports the release it was built from', async () => {
  const readyz = await kubectl(['get', '--raw', '/readyz']);
  assert.equal(readyz.code, 0, readyz.stderr);
  assert.equal(readyz.stdout.trim(), 'ok');
  const version = JSON.parse((await kubectl(['get', '--raw', '/version'])).stdout) as { gitVersion: string };
  assert.match(version.gitVersion, /^v1\.\d+\.\d+/);
});

test('the StatefulSet controller made 3 broker pods that the scheduler put on 3 different nodes, in both zones', async () => {
  const pods = await brokerPods();
  assert.deepEqual(pods.map((p) => p.metadata?.name), ['kafka-0', 'kafka-1', 'kafka-2']);
  assert.ok(pods.every(isReady));
  const nodes = pods.map((p) => p.spec?.nodeName);
  assert.equal(new Set(nodes).size, 3, `pods share nodes: ${nodes.join(', ')}`);
  const { core } = kubeClients();
  const zones = new Set<string>();
  for (const node of nodes) zones.add((await core.readNode({ name: node ?? '' })).metadata?.labels?.['topology.kubernetes.io/zone'] ?? '');
  assert.ok(zones.size >= 2, `all brokers in one zone: ${[...zones].join(', ')}`);
  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers.map((b) => b.nodeId).sort(), [0, 1, 2]);
});

test('kafkajs creates an RF 3 topic, produces and consumes', async () => {
  await createTopicsLed(admin, [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }]);
  await produceNumbered(kafka, topic, MESSAGES);
  const values = await consumeAll(kafka, topic, MESSAGES);
  assert.equal(new Set(values).size, MESSAGES);
});

test('deleting kafka-1 stops broker 1; the pod comes back with its data and rejoins the ISR', async () => {
  const before = (await brokerPods()).find((p) => p.metadata?.name === 'kafka-1');
  const oldUid = before?.metadata?.uid;
  const res = await kubectl(['delete', 'pod', 'kafka-1', '-n', NAMESPACE, '--wait=true']);
  assert.equal(res.code, 0, res.stderr);
  // Broker 1 really stopped: it left the ISR of the topic's partitions.
  await eventually('broker 1 out of the ISR', async () => {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.every((p) => !p.isr.includes(1));
  }, 60_000, 500).catch(() => {
    // It may already be back if the restart was fast; the uid check below still proves a new pod.
  });
  const recreated = await eventually('kafka-1 recreated and Ready', async () => {
    const pod = (await brokerPods()).find((p) => p.metadata?.name === 'kafka-1');
    return pod && pod.metadata?.uid !== oldUid && isReady(pod) ? pod : null;
  }, 180_000);
  assert.equal(recreated.spec?.nodeName, before?.spec?.nodeName, 'a node-local broker must come back on its node');
  await eventually('broker 1 back in every ISR', async () => {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.every((p) => p.isr.includes(1));
  }, 180_000);
  const values = await consumeAll(kafka, topic, MESSAGES);
  assert.equal(new Set(values).size, MESSAGES, 'messages lost after the restart');
});

test('kubectl drain evicts a broker through the Eviction API, and the PodDisruptionBudget blocks a second one', async () => {
  await waitForHealthyCluster(admin);
  const { core, policy } = kubeClients();
  // kafka-0 has a network volume, so it can move to the spare node.
  const pod0 = (await brokerPods()).find((p) => p.metadata?.name === 'kafka-0');
  const node = pod0?.spec?.nodeName ?? '';
  try {
    const drain = await kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s'], { timeoutMs: 200_000 });
    assert.equal(drain.code, 0, drain.stderr);
    assert.match(drain.stdout + drain.stderr, /evicting pod kafka\/kafka-0|pod\/kafka-0 evicted/);
    // While kafka-0 is away the budget allows no other disruption.
    await eventually('the PDB to allow no disruption', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'kafka', namespace: NAMESPACE });
      return pdb.status?.disruptionsAllowed === 0;
    }, 30_000, 200);
    // kafka-guard would refuse this too (min ISR); with its guards off, the PDB alone must hold.
    const node1 = (await brokerPods()).find((p) => p.metadata?.name === 'kafka-1')?.spec?.nodeName ?? '';
    const second = await withGuardsOff(() => kubectl(['drain', node1, '--ignore-daemonsets', '--timeout=5s'], { timeoutMs: 30_000 }));
    assert.notEqual(second.code, 0, 'a second drain went through while kafka-0 was down');
    assert.match(second.stdout + second.stderr, /disruption budget/i);
    const moved = await eventually('kafka-0 Ready on another node', async () => {
      const pod = (await brokerPods()).find((p) => p.metadata?.name === 'kafka-0');
      return pod && isReady(pod) && pod.spec?.nodeName !== node ? pod : null;
    }, 180_000);
    assert.notEqual(moved.spec?.nodeName, node);
  } finally {
    for (const n of (await core.listNode()).items) {
      if (n.spec?.unschedulable) await kubectl(['uncordon', n.metadata?.name ?? '']);
    }
  }
  await waitForHealthyCluster(admin);
  const values = await consumeAll(kafka, topic, MESSAGES);
  assert.equal(new Set(values).size, MESSAGES, 'messages lost after the move');
});
