/**
 * A real Kafka version upgrade (issue 11, item 2), run by the compatibility
 * runner on a sandbox at Kafka 4.0.x: `kubectl kafka upgrade --image
 * apache/kafka:4.1.1` rolls every broker onto 4.1.1's jars (the node agent runs
 * the release an image names) while Kafka's VerifiableProducer writes;
 * `--finalize` raises metadata.version from 4.0's to 4.1's; then `kubectl set
 * image` back to 4.0 is refused, naming the finalized level. Nothing
 * acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { brokerPods, createAssignedTopic, kafkaClient, kubectl, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { expectPlugin } from './plugin-helpers.js';
import { readBack, startVerifiableProducer, type ProducerRun, zeroLossFigures } from './verifiable.js';
import { createKafkaAdmin, resolveConnection } from '../../shared/kafka/client.js';
import { fetchClusterView } from '../../shared/kafka/cluster-view.js';
import { levelName, readFeatures } from '../../shared/kafka/features.js';
import { versionOfImage } from '../../shared/k8s/kafka-image.js';

const kafka = kafkaClient('e2e-compat-upgrade');
const admin = kafka.admin();
const topic = uniqueName('upgrade-real');
const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '';
const POLICY = ['--policy', 'kafka', '--bootstrap-server', BOOTSTRAP];
const TARGET = 'apache/kafka:4.1.1';
let producer: ProducerRun | null = null;

async function features() {
  const client = createKafkaAdmin(await resolveConnection({ bootstrapServers: BOOTSTRAP.split(',') }, async () => ({})), { clientId: 'e2e-features', log: () => undefined });
  try {
    return await readFeatures(client, (await fetchClusterView(client)).brokers.map((b) => b.id));
  } finally {
    await client.disconnect();
  }
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await createAssignedTopic(admin, topic, [[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
});

after(async () => {
  await producer?.stop().catch(() => undefined);
  await removeTopics(admin, [topic]);
  await admin.disconnect();
});

test('compat: upgrade 4.0 -> 4.1 under load, finalize, and the way back refused', async () => {
  const sts = JSON.parse((await kubectl(['get', 'sts', 'kafka', '-n', NAMESPACE, '-o', 'json'])).stdout) as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  const from = sts.spec.template.spec.containers[0]?.image ?? '';
  assert.equal(versionOfImage(from)?.minor, 0, `this test upgrades from Kafka 4.0 (run it with KAFKA_GUARD_KAFKA_VERSION=4.0.2); the sandbox runs ${from}`);
  const before = await features();
  assert.equal(before.metadataVersion, 25, `a 4.0 cluster finalizes 25 (4.0-IV3), this one ${String(before.metadataVersion)}`);

  producer = await startVerifiableProducer({ topic, throughput: 200 });
  const started = Date.now();
  const run = JSON.parse((await expectPlugin(['upgrade', 'kafka', '--image', TARGET, '--yes', '-o', 'json', ...POLICY], 0, 900_000)).stdout) as { steps: Array<{ pod: string; podDownMs: number }> };
  const rollMs = Date.now() - started;
  assert.equal(run.steps.length, 3);
  const upgraded = await features();
  for (const [id, max] of upgraded.supportedByBroker) assert.equal(max, 27, `broker ${id} does not run 4.1 (supports up to ${String(max)})`);
  assert.equal(upgraded.metadataVersion, 25, 'the roll alone must not change metadata.version');

  const dry = JSON.parse((await expectPlugin(['upgrade', 'kafka', '--finalize', '--dry-run', '-o', 'json', ...POLICY], 0)).stdout) as { finalize: { action: string; to?: number } };
  assert.deepEqual([dry.finalize.action, dry.finalize.to], ['raise', 27]);
  assert.equal((await features()).metadataVersion, 25, 'a dry run finalized');
  await expectPlugin(['upgrade', 'kafka', '--finalize', '--yes', ...POLICY], 0);
  const finalized = await features();
  assert.equal(finalized.metadataVersion, 27);

  const back = await kubectl(['set', 'image', 'statefulset/kafka', `kafka=${from}`, '-n', NAMESPACE, '--dry-run=server']);
  assert.notEqual(back.code, 0, 'kubectl set image back to 4.0 was admitted');
  assert.match(back.stderr, /finalized metadata\.version 27 \(4\.1-IV1\)/);

  const produced = await producer.stop();
  producer = null;
  const check = await readBack(produced);
  assert.deepEqual(check.lost.slice(0, 10), [], `${check.lost.length} acknowledged messages lost`);
  assert.ok(check.acked > 100);
  for (const pod of await brokerPods()) assert.equal(pod.spec?.containers?.[0]?.image, TARGET);
  console.log(`compat upgrade figures: 4.0 -> 4.1 roll ${rollMs} ms (${run.steps.map((s) => `${s.pod} down ${s.podDownMs} ms`).join(', ')}); metadata.version ${levelName(25)} -> ${levelName(27)}; ${zeroLossFigures(produced, check)}`);
});
