/**
 * Evacuation on cordon, through the real apiserver and brokers: with
 * `spec.evacuation.onCordon`, a plain `kubectl drain` of the node of a broker
 * that holds an RF 1 partition completes by itself (nobody runs kubectl
 * kafka): the webhook's controller moves the partition and the leadership
 * off, and the eviction drain keeps retrying is admitted. Uncordoned, the
 * broker comes back and the controller puts the partition back. Kafka's
 * VerifiableProducer writes to the partition throughout; nothing acknowledged
 * is lost.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  brokerPods, createAssignedTopic, eventually, isReady, kafkaClient, kubeClients, kubectl, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster,
} from './helpers.js';
import { replicasOf, runPlugin } from './plugin-helpers.js';
import { readBack, startVerifiableProducer, type ProducerRun, zeroLossFigures } from './verifiable.js';
import type { KafkaGuardPolicy, MaintenanceStatus } from '../../shared/policy/types.js';

const kafka = kafkaClient('e2e-evacuation');
const admin = kafka.admin();
const single = uniqueName('evacuate-rf1');
let producer: ProducerRun | null = null;

async function setEvacuation(onCordon: boolean): Promise<void> {
  const res = await kubectl(['patch', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '--type', 'merge', '-p', JSON.stringify({ spec: { evacuation: { onCordon } } })]);
  assert.equal(res.code, 0, res.stderr);
}

async function policyStatus(): Promise<NonNullable<KafkaGuardPolicy['status']>> {
  const res = await kubectl(['get', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '-o', 'json']);
  return (JSON.parse(res.stdout) as KafkaGuardPolicy).status ?? {};
}

async function eventReasons(pod: string): Promise<string[]> {
  const res = await kubectl(['get', 'events', '-n', NAMESPACE, '--field-selector', `involvedObject.name=${pod}`, '-o', 'json']);
  return (JSON.parse(res.stdout) as { items: Array<{ reason: string }> }).items.map((e) => e.reason);
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await createAssignedTopic(admin, single, [[2]]);
  await setEvacuation(true);
});

after(async () => {
  await producer?.stop().catch(() => undefined);
  await setEvacuation(false);
  const { core } = kubeClients();
  for (const n of (await core.listNode()).items) if (n.spec?.unschedulable) await kubectl(['uncordon', n.metadata?.name ?? '']);
  await kubectl(['delete', 'configmap', 'kafka-guard-maintenance', '-n', NAMESPACE, '--ignore-not-found']);
  await waitForHealthyCluster(admin);
  await removeTopics(admin, [single]);
  await admin.disconnect();
});

test('kubectl drain of the node of a broker holding an RF1 partition completes by itself, and uncordoning puts the partition back, nothing lost', async () => {
  const pod = (await brokerPods()).find((p) => p.metadata?.name === 'kafka-2');
  const node = pod?.spec?.nodeName ?? '';
  assert.ok(node, 'kafka-2 runs on no node');
  producer = await startVerifiableProducer({ topic: single, throughput: 150 });

  // The drain cordons, then retries the refused eviction until the controller has made it safe.
  const started = Date.now();
  const drain = await kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--pod-selector', 'app.kubernetes.io/name=kafka', '--timeout=240s'], { timeoutMs: 300_000 });
  const drainMs = Date.now() - started;
  assert.equal(drain.code, 0, `kubectl drain ${node} did not complete:\n${drain.stdout}\n${drain.stderr}`);
  const during = await replicasOf(admin, [single]);
  assert.ok(!during[`${single}-0`]?.includes(2), `${single}-0 is still on broker 2: ${String(during[`${single}-0`])}`);
  // The eviction is admitted as soon as the partition has moved; the controller records
  // "Evacuated" after its own fresh check, which may come a moment after the drain ended.
  let reasons: string[] = [];
  await eventually('the Evacuating and Evacuated Events on kafka-2', async () => {
    reasons = await eventReasons('kafka-2');
    return reasons.includes('KafkaGuardEvacuating') && reasons.includes('KafkaGuardEvacuated');
  }, 30_000, 1000).catch(() => undefined);
  assert.ok(reasons.includes('KafkaGuardEvacuating') && reasons.includes('KafkaGuardEvacuated'), `Events on kafka-2: ${reasons.join(', ')}`);
  const list = JSON.parse((await runPlugin(['maintenance', 'list', '-o', 'json', '--policy', 'kafka'])).stdout) as Array<{ brokers: number[]; startedBy: string; phase: string }>;
  assert.deepEqual(list.map((e) => [e.brokers, e.startedBy]), [[[2], 'evacuation']], 'the evacuation is not recorded as a maintenance');
  // Its progress is in the policy's status, which every webhook replica writes from the same record.
  let shown: unknown = null;
  await eventually('the evacuation in the policy status, its data moved', async () => {
    shown = (await policyStatus()).maintenance ?? null;
    const [entry, ...others] = (shown as MaintenanceStatus[] | null) ?? [];
    return others.length === 0 && entry?.startedBy === 'evacuation' && entry.brokers.join() === '2'
      && entry.partitionsMoved === entry.partitionsToMove && entry.partitionsToMove >= 1 && entry.phase !== 'Moving';
  }, 30_000, 1000).catch(() => undefined);
  const entry = (shown as MaintenanceStatus[] | null)?.[0];
  assert.ok(entry !== undefined && entry.phase !== 'Moving' && entry.partitionsMoved === entry.partitionsToMove, `policy status.maintenance: ${JSON.stringify(shown)}`);

  // The node comes back: the broker returns and the controller ends its maintenance.
  const uncordon = await kubectl(['uncordon', node]);
  assert.equal(uncordon.code, 0, uncordon.stderr);
  await eventually('kafka-2 back and Ready', async () => (await brokerPods()).some((p) => p.metadata?.name === 'kafka-2' && isReady(p) && !p.metadata.deletionTimestamp), 180_000, 1000);
  await eventually(`${single}-0 back on broker 2`, async () => (await replicasOf(admin, [single]))[`${single}-0`]?.join(',') === '2', 180_000, 2000);
  await eventually('the evacuation record forgotten', async () => {
    const now = JSON.parse((await runPlugin(['maintenance', 'list', '-o', 'json', '--policy', 'kafka'])).stdout) as unknown[];
    return now.length === 0;
  }, 60_000, 2000);
  assert.ok((await eventReasons('kafka-2')).includes('KafkaGuardEvacuationEnded'));
  await eventually('the policy status without the evacuation', async () => ((await policyStatus()).maintenance ?? []).length === 0, 30_000, 1000);

  const produced = await producer.stop();
  producer = null;
  const check = await readBack(produced);
  assert.ok(check.acked > 100, `only ${check.acked} acknowledged`);
  assert.deepEqual(check.lost.slice(0, 10), [], `${check.lost.length} acknowledged messages lost`);
  console.log(`evacuation figures: kubectl drain completed in ${drainMs} ms; ${zeroLossFigures(produced, check)}`);
});
