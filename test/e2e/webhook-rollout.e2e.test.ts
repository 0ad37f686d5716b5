/**
 * The guard as the StatefulSet controller meets it: `kubectl rollout restart`
 * of the brokers. The controller restarts kafka-2, which comes back Ready but
 * far behind (its catch-up throttled while writes go on), so its partition has
 * 2 of 3 replicas in sync. Deleting kafka-1 next would leave 1 < min ISR 2:
 * the webhook refuses the controller's delete, the rollout waits (the
 * controller retries) and records why on the pod, and continues once kafka-2
 * is back in the ISR. No acknowledged message is lost.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createKafkaAdmin, type KafkaAdmin } from '../../shared/kafka/client.js';
import { clearThrottles, setThrottles } from '../../shared/kafka/operations.js';
import { consumeAll, createAssignedTopic, eventually, isReady, kafkaClient, kubeClients, kubectl, NAMESPACE, removeTopics, sandboxEnv, uniqueName, waitForHealthyCluster } from './helpers.js';
import { podOf } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-webhook-rollout');
const admin = kafka.admin();
const topic = uniqueName('rollout-rf3');
let client: KafkaAdmin;

async function isrOf(): Promise<number[]> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return [...(metadata.topics[0]?.partitions[0]?.isr ?? [])].sort();
}

/** Refusal Events about this pod (this uid: earlier tests leave Events on earlier pods of the same name) naming the test topic. */
async function refusalsOn(pod: string, uid: string | undefined): Promise<Array<{ message: string; count: number }>> {
  const { core } = kubeClients();
  const list = await core.listNamespacedEvent({ namespace: NAMESPACE, fieldSelector: `involvedObject.name=${pod}` });
  return list.items
    .filter((e) => e.reason === 'KafkaGuardRefused' && e.involvedObject.uid === uid && (e.message ?? '').includes(topic))
    .map((e) => ({ message: e.message ?? '', count: e.count ?? 1 }));
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  client = createKafkaAdmin({ bootstrapServers: sandboxEnv().bootstrap }, { log: () => undefined });
  await createAssignedTopic(admin, topic, [[0, 1, 2]], 2);
  // A replica out of the ISR catches up at most this fast; one in the ISR is not throttled.
  await setThrottles(client, { rateBytesPerSec: 32 * 1024, brokers: [0, 2], replicas: [{ topic, partition: 0, leaders: [0], followers: [2] }] });
});

after(async () => {
  await clearThrottles(client, { brokers: [0, 2], topics: [topic] }).catch(() => undefined);
  await kubectl(['rollout', 'status', 'statefulset/kafka', '-n', NAMESPACE, '--timeout=300s'], { timeoutMs: 320_000 });
  await waitForHealthyCluster(admin).catch(() => undefined);
  await removeTopics(admin, [topic]);
  await client.disconnect();
  await admin.disconnect();
});

test('kubectl rollout restart waits while the next delete would take a partition under min ISR, and finishes without losing a message', { timeout: 600_000 }, async () => {
  // Writes go on all along, faster than kafka-2 may catch up once it restarts.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let acked = 0;
  let writing = true;
  const padding = 'x'.repeat(500);
  const writer = (async () => {
    while (writing) {
      const batch = Array.from({ length: 50 }, (_, i) => ({ value: `${acked + i}-${padding}` }));
      await producer.send({ topic, acks: -1, messages: batch });
      acked += batch.length;
      await sleep(100);
    }
  })();

  try {
    const before = { 1: (await podOf('kafka-1'))?.metadata?.uid, 2: (await podOf('kafka-2'))?.metadata?.uid };
    const restart = await kubectl(['rollout', 'restart', 'statefulset/kafka', '-n', NAMESPACE]);
    assert.equal(restart.code, 0, restart.stderr);

    // The controller goes from the highest ordinal down: kafka-2 comes back Ready, but lagging.
    await eventually('a new kafka-2, Ready', async () => {
      const pod = await podOf('kafka-2');
      return pod !== undefined && pod.metadata?.uid !== before[2] && isReady(pod);
    }, 240_000);
    assert.deepEqual(await isrOf(), [0, 1], 'kafka-2 is Ready but not back in the ISR (its catch-up is throttled)');

    // The controller's delete of kafka-1 is refused, with the reason on the pod, and kafka-1 stays.
    const refusals = await eventually('a refused delete of kafka-1', async () => {
      const found = await refusalsOn('kafka-1', before[1]);
      return found.length > 0 ? found : null;
    }, 120_000);
    assert.match(
      refusals[0]?.message ?? '',
      new RegExp(`requested by system:serviceaccount:kube-system:statefulset-controller: kafka-guard refused to delete pod kafka/kafka-1 .*` +
        `The StatefulSet controller retries the delete.*\\[under-min-isr\\].*${topic}-0`),
    );
    await sleep(10_000);
    assert.equal((await podOf('kafka-1'))?.metadata?.uid, before[1], 'kafka-1 was not deleted while its partition depended on it');
    // The controller keeps retrying; the refusals add up in one Event instead of one Event each.
    const series = await refusalsOn('kafka-1', before[1]);
    assert.equal(series.length, 1, `one Event for the repeated refusal, not ${series.length}`);
    assert.ok((series[0]?.count ?? 0) >= 2, `its count shows the retries (${series[0]?.count})`);

    // Let kafka-2 catch up: the rollout continues by itself and finishes.
    writing = false;
    await writer;
    await clearThrottles(client, { brokers: [0, 2], topics: [topic] });
    await eventually('kafka-2 back in the ISR', async () => ((await isrOf()).length === 3 ? true : null), 120_000);
    const status = await kubectl(['rollout', 'status', 'statefulset/kafka', '-n', NAMESPACE, '--timeout=300s'], { timeoutMs: 320_000 });
    assert.equal(status.code, 0, status.stderr);
    assert.notEqual((await podOf('kafka-1'))?.metadata?.uid, before[1], 'kafka-1 was restarted in the end');
  } finally {
    writing = false;
    await writer.catch(() => undefined);
    await producer.disconnect();
  }
  await waitForHealthyCluster(admin);
  const values = await consumeAll(kafka, topic, acked, 120_000);
  assert.equal(new Set(values.map((v) => v.split('-')[0])).size, acked, `every one of the ${acked} acknowledged messages is readable`);
});
