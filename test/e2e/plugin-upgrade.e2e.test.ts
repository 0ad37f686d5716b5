/**
 * kubectl kafka upgrade through the real apiserver and brokers, while Kafka's
 * VerifiableProducer writes to an RF 3, min ISR 2 topic: the preflight
 * refuses a release that cannot run the finalized metadata.version (changing
 * nothing); the roll sets the image with updateStrategy OnDelete, restarts
 * every broker one at a time (each pod replaced, the controller last), puts
 * the previous updateStrategy back and forgets its record; finalize then
 * finds nothing to raise (the sandbox already runs its release's newest
 * level) and a dry run asks Kafka without changing it. Nothing acknowledged
 * is lost.
 *
 * The image rolled to is the one the sandbox runs, under another registry
 * name: the node agent runs the version the image names, so the roll is real
 * (every pod replaced) whatever the sandbox version is.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { brokerPods, createAssignedTopic, kafkaClient, kubectl, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { expectPlugin } from './plugin-helpers.js';
import { readBack, startVerifiableProducer, type ProducerRun, zeroLossFigures } from './verifiable.js';
import { RELEASE_LEVELS } from '../../shared/kafka/features.js';
import { versionOfImage } from '../../shared/k8s/kafka-image.js';

const kafka = kafkaClient('e2e-upgrade');
const admin = kafka.admin();
const topic = uniqueName('upgrade-rf3');
const POLICY = ['--policy', 'kafka', '--bootstrap-server', process.env.KAFKA_BOOTSTRAP_SERVERS ?? ''];
let producer: ProducerRun | null = null;

async function statefulSet(): Promise<{ image: string; strategy: unknown; annotations: Record<string, string> }> {
  const res = await kubectl(['get', 'sts', 'kafka', '-n', NAMESPACE, '-o', 'json']);
  const sts = JSON.parse(res.stdout) as { metadata: { annotations?: Record<string, string> }; spec: { updateStrategy: unknown; template: { spec: { containers: Array<{ image: string }> } } } };
  return { image: sts.spec.template.spec.containers[0]?.image ?? '', strategy: sts.spec.updateStrategy, annotations: sts.metadata.annotations ?? {} };
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await createAssignedTopic(admin, topic, [[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
});

after(async () => {
  await producer?.stop().catch(() => undefined);
  await waitForHealthyCluster(admin).catch(() => undefined);
  await removeTopics(admin, [topic]);
  await admin.disconnect();
});

test('upgrade: preflight refuses what cannot run; the roll replaces every broker one at a time under load, nothing lost; finalize', async () => {
  const before = await statefulSet();
  const version = versionOfImage(before.image) ?? assert.fail(`the sandbox image ${before.image} names no version`);

  // A release below the finalized level: refused before anything changes.
  const older = [...RELEASE_LEVELS].reverse().find((r) => r.max < (RELEASE_LEVELS.find((x) => x.release === `${version.major}.${version.minor}`)?.max ?? 0));
  assert.ok(older);
  const refused = await expectPlugin(['upgrade', 'kafka', '--image', `apache/kafka:${older.release}.0`, '--yes', ...POLICY], 1);
  assert.match(refused.stderr, /not upgrading kafka: .*finalized metadata\.version/);
  assert.deepEqual(await statefulSet(), before, 'a refused upgrade changed the StatefulSet');

  const image = `mirror.example:5000/apache/kafka:${version.text}`;
  const dry = JSON.parse((await expectPlugin(['upgrade', 'kafka', '--image', image, '--dry-run', '-o', 'json', ...POLICY], 0)).stdout) as { plan: { restart: Array<{ pod: string }>; problems: string[] } };
  assert.deepEqual(dry.plan.problems, []);
  assert.equal(dry.plan.restart.length, 3);

  const uids = new Map((await brokerPods()).map((p) => [p.metadata?.name ?? '', p.metadata?.uid]));
  producer = await startVerifiableProducer({ topic, throughput: 200 });
  const started = Date.now();
  const run = await expectPlugin(['upgrade', 'kafka', '--image', image, '--yes', '-o', 'json', ...POLICY], 0, 900_000);
  const rollMs = Date.now() - started;
  const result = JSON.parse(run.stdout) as { steps: Array<{ pod: string; podDownMs: number; totalMs: number }> };
  assert.deepEqual(result.steps.map((s) => s.pod).sort(), ['kafka-0', 'kafka-1', 'kafka-2']);
  for (const pod of await brokerPods()) assert.notEqual(pod.metadata?.uid, uids.get(pod.metadata?.name ?? ''), `${pod.metadata?.name} was not replaced`);
  const after = await statefulSet();
  assert.equal(after.image, image);
  assert.deepEqual(after.strategy, before.strategy, 'the previous updateStrategy is back');
  assert.equal(after.annotations['kafkaguard.io/upgrade'], undefined, 'the upgrade record is forgotten');

  const produced = await producer.stop();
  producer = null;
  const check = await readBack(produced);
  assert.ok(check.acked > 100, `only ${check.acked} acknowledged`);
  assert.deepEqual(check.lost.slice(0, 10), [], `${check.lost.length} acknowledged messages lost`);

  const finalize = JSON.parse((await expectPlugin(['upgrade', 'kafka', '--finalize', '--dry-run', '-o', 'json', ...POLICY], 0)).stdout) as { finalize: { action: string } };
  assert.equal(finalize.finalize.action, 'none');
  // A rerun has nothing left to do.
  const again = JSON.parse((await expectPlugin(['upgrade', 'kafka', '--image', image, '--yes', '-o', 'json', ...POLICY], 0)).stdout) as { steps: unknown[] };
  assert.deepEqual(again.steps, []);
  console.log(`upgrade figures: roll ${rollMs} ms (${result.steps.map((s) => `${s.pod} down ${s.podDownMs} ms, in sync after ${s.totalMs} ms`).join('; ')}); ${zeroLossFigures(produced, check)}`);
});
