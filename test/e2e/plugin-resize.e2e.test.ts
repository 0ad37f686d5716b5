/**
 * kubectl kafka resize on the demo StatefulSet (1Gi -> 2Gi in a fresh
 * sandbox; its size + 1Gi on a reused one: volumes never shrink) while a
 * VerifiableProducer (idempotent, acks=all) writes to an RF3 topic, checked
 * by its VerifiableConsumer: no acknowledged message lost. Afterwards the
 * template and every claim have the new size; the StatefulSet was
 * re-created (new uid) without restarting a pod for it; kafka-0's network
 * volume grew online (its pod untouched) and only kafka-1 and kafka-2,
 * whose node-local volumes wait for a pod start, were restarted, one at a time.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAssignedTopic, kafkaClient, kubeClients, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { expectPlugin, podOf } from './plugin-helpers.js';
import { readBack, startVerifiableProducer, type ProducerRun, zeroLossFigures } from './verifiable.js';

const kafka = kafkaClient('e2e-resize');
const admin = kafka.admin();
const topic = uniqueName('resize-rf3');
const POLICY = ['--policy', 'kafka', '--bootstrap-server', process.env.KAFKA_BOOTSTRAP_SERVERS ?? ''];
const producers: ProducerRun[] = [];

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await createAssignedTopic(admin, topic, [[0, 1, 2], [1, 2, 0], [2, 0, 1]], 2);
});

after(async () => {
  for (const p of producers.splice(0)) await p.stop().catch(() => undefined);
  await removeTopics(admin, [topic]);
  await waitForHealthyCluster(admin).catch(() => undefined);
  await admin.disconnect();
});

function gibOf(quantity: string | undefined): number {
  const m = /^(\d+)Gi$/.exec(quantity ?? '');
  if (!m?.[1]) throw new Error(`size ${String(quantity)} is not whole Gi`);
  return Number(m[1]);
}

test('resize grows the template and every claim under load, restarting only the brokers whose file system waits for it; nothing lost', async (t) => {
  const { apps, core } = kubeClients();
  const sts = await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: NAMESPACE });
  const now = gibOf(String(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage']));
  const target = `${now + 1}Gi`;
  const uids = new Map<string, string | undefined>();
  for (const name of ['kafka-0', 'kafka-1', 'kafka-2']) uids.set(name, (await podOf(name))?.metadata?.uid);

  // Bad sizes: usage errors, nothing changed.
  for (const bad of ['2^31', 'abc', '-1Gi']) {
    const run = await expectPlugin(['resize', 'kafka', `--storage=${bad}`, '--yes', ...POLICY], 2);
    assert.match(run.stderr, new RegExp(`--storage "${bad.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&')}"`));
  }
  // A shrink is refused; the size it has is nothing to do.
  const shrink = await expectPlugin(['resize', 'kafka', '--storage', '512Mi', '--yes', ...POLICY], 1);
  assert.match(shrink.stderr, /Kubernetes cannot shrink a volume/);
  const same = await expectPlugin(['resize', 'kafka', '--storage', `${now}Gi`, '--yes', ...POLICY], 0);
  assert.match(same.stdout, /nothing to do/);

  // The dry run names every claim and changes nothing.
  const dry = JSON.parse((await expectPlugin(['resize', 'kafka', '--storage', target, '--dry-run', '-o', 'json', ...POLICY], 0)).stdout) as {
    plan: { claims: Array<{ claim: string; action: string }>; templateStep: string; mayRestart: string[] };
  };
  assert.deepEqual(dry.plan.claims.map((c) => [c.claim, c.action]), [['data-kafka-0', 'expand'], ['data-kafka-1', 'expand'], ['data-kafka-2', 'expand']]);
  assert.equal(dry.plan.templateStep, 'recreate');
  assert.equal((await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: NAMESPACE })).metadata?.uid, sts.metadata?.uid, 'the dry run changed the StatefulSet');

  producers.push(await startVerifiableProducer({ topic, throughput: 150 }));
  const started = Date.now();
  const run = await expectPlugin(['resize', 'kafka', '--storage', target, '--online-resize-wait', '15s', '--yes', '-o', 'json', ...POLICY], 0, 1_200_000);
  const elapsed = Date.now() - started;
  const result = JSON.parse(run.stdout) as {
    outcome: { recreated: boolean; expanded: string[]; restarted: Array<{ pod: string; totalMs: number; podDownMs: number }>; claims: Array<{ claim: string; capacity: string; finished: string }> };
  };
  const produced = await producers.splice(0)[0]?.stop();
  assert.ok(produced, 'no producer');

  // The StatefulSet was re-created, with the new template, and kept its kafka-guard defaults.
  const after = await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: NAMESPACE });
  assert.notEqual(after.metadata?.uid, sts.metadata?.uid, 'the StatefulSet was not re-created');
  assert.equal(after.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage'], target);
  assert.deepEqual(after.spec?.template, sts.spec?.template, 'the pod template changed');
  assert.equal(after.metadata?.annotations?.['kafkaguard.io/applied-defaults'], sts.metadata?.annotations?.['kafkaguard.io/applied-defaults']);
  assert.equal(result.outcome.recreated, true);
  assert.equal((await core.readNamespacedConfigMap({ name: 'kafka-guard-resize', namespace: NAMESPACE }).catch(() => null))?.data?.['kafka.kafka'], undefined, 'the record was not cleared');

  // Every claim at the new size, no resize pending.
  for (const i of [0, 1, 2]) {
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: `data-kafka-${i}`, namespace: NAMESPACE });
    assert.equal(pvc.spec?.resources?.requests?.['storage'], target, `data-kafka-${i} request`);
    assert.equal(pvc.status?.capacity?.['storage'], target, `data-kafka-${i} capacity`);
    assert.ok(!(pvc.status?.conditions ?? []).some((c) => c.type === 'FileSystemResizePending'), `data-kafka-${i} still pending`);
  }

  // Only the brokers that needed it restarted (kafka-0's network volume grew online), one at a time.
  assert.deepEqual(result.outcome.restarted.map((s) => s.pod).sort(), ['kafka-1', 'kafka-2']);
  assert.equal((await podOf('kafka-0'))?.metadata?.uid, uids.get('kafka-0'), 'kafka-0 was restarted');
  for (const name of ['kafka-1', 'kafka-2']) assert.notEqual((await podOf(name))?.metadata?.uid, uids.get(name), `${name} was not restarted`);
  assert.deepEqual(result.outcome.claims.map((c) => [c.claim, c.finished]), [['data-kafka-0', 'online'], ['data-kafka-1', 'restart'], ['data-kafka-2', 'restart']]);
  const adopted = (await podOf('kafka-0'))?.metadata?.ownerReferences?.find((o) => o.controller);
  assert.equal(adopted?.uid, after.metadata?.uid, 'kafka-0 was not adopted by the new StatefulSet');

  // No acknowledged message lost.
  const check = await readBack(produced);
  assert.deepEqual(check.lost.slice(0, 10), [], `${check.lost.length} acknowledged messages lost`);
  t.diagnostic(
    `resize to ${target}: ${Math.round(elapsed / 1000)}s; restarts ${result.outcome.restarted.map((s) => `${s.pod} ${Math.round(s.totalMs / 1000)}s (pod down ${Math.round(s.podDownMs / 1000)}s)`).join(', ')}; ` +
      `${zeroLossFigures(produced, check)}, ${produced.errors} send errors`,
  );

  // Run again: nothing to do.
  const again = await expectPlugin(['resize', 'kafka', '--storage', target, '--yes', ...POLICY], 0);
  assert.match(again.stdout, /nothing to do/);
});
