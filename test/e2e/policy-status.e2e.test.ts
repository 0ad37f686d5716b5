/**
 * The webhook writes what it observes into the KafkaGuardPolicy's status:
 * conditions and, per broker, where it runs and whether it is safe to disrupt,
 * following the real cluster.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAssignedTopic, eventually, kafkaClient, kubectl, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';

interface StoredStatus {
  conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  brokers?: Array<{ id: number; pod: string | null; node: string | null; ready: boolean; replicas: number; safeToDisrupt: boolean; reason?: string }>;
}

const kafka = kafkaClient('e2e-policy-status');
const admin = kafka.admin();
const topic = uniqueName('status-rf1');

async function policyStatus(): Promise<StoredStatus> {
  const result = await kubectl(['get', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '-o', 'jsonpath={.status}']);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as StoredStatus);
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
});

after(async () => {
  await removeTopics(admin, [topic]);
  await admin.disconnect();
});

test('the demo policy reports Kafka reachable, its partitions healthy and every broker with its pod and node', async () => {
  const status = await eventually('a status with three brokers and healthy partitions', async () => {
    const s = await policyStatus();
    const ok = (type: string) => s.conditions?.some((c) => c.type === type && c.status === 'True');
    return ok('KafkaReachable') && ok('PartitionsHealthy') && ok('BrokersIdentified') && s.brokers?.length === 3 ? s : null;
  }, 60_000);
  const pods = JSON.parse((await kubectl(['get', 'pods', '-n', NAMESPACE, '-l', 'app.kubernetes.io/name=kafka', '-o', 'json'])).stdout) as {
    items: Array<{ metadata: { name: string }; spec: { nodeName: string } }>;
  };
  const nodeOf = new Map(pods.items.map((p) => [p.metadata.name, p.spec.nodeName]));
  assert.deepEqual(
    status.brokers?.map((b) => [b.id, b.pod, b.node, b.ready]),
    [0, 1, 2].map((id) => [id, `kafka-${id}`, nodeOf.get(`kafka-${id}`), true]),
  );
  const table = await kubectl(['get', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE]);
  assert.match(table.stdout, /^NAME\s+MODE\s+BOOTSTRAP\s+KAFKA\s+HEALTHY\s+AGE\n\s*kafka\s+Enforce\s+\S+\s+True\s+True\s/m);
});

test('a partition only broker 2 holds makes it unsafe in the status, and safe again once the topic is gone', async () => {
  await createAssignedTopic(admin, topic, [[2]]);
  const unsafe = await eventually('broker 2 unsafe to disrupt in the status', async () => {
    const b2 = (await policyStatus()).brokers?.find((b) => b.id === 2);
    return b2?.safeToDisrupt === false ? b2 : null;
  }, 60_000);
  assert.match(unsafe.reason ?? '', /would take partitions offline/);
  await admin.deleteTopics({ topics: [topic] });
  await eventually('broker 2 safe again', async () => (await policyStatus()).brokers?.find((b) => b.id === 2)?.safeToDisrupt === true, 60_000);
});
