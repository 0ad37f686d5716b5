/**
 * kubectl kafka restart --all while idempotent acks=all producers write
 * numbered messages: every acknowledged message must be readable afterwards,
 * and the longest time any partition could not accept a write is reported.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import type { Producer } from 'kafkajs';
import { consumeAll, createTopicsLed, kafkaClient, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin, podOf } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-plugin-restart');
const admin = kafka.admin();
const topic = uniqueName('restart-rf3');
const PARTITIONS = 3;

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
  await createTopicsLed(admin, [{ topic, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }]);
});

after(async () => {
  await removeTopics(admin, [topic]);
  await deleteTestPolicy();
  await waitForHealthyCluster(admin).catch(() => undefined);
  await admin.disconnect();
});

interface PartitionWriter {
  acked: string[];
  /** Longest time between two acknowledged writes (ms): how long the partition could not take writes. */
  longestGapMs: number;
  failures: number;
}

/** Writes numbered messages to one partition, one at a time, until stopped. */
async function writeUntil(producer: Producer, partition: number, stop: () => boolean, writer: PartitionWriter): Promise<void> {
  let lastAck = Date.now();
  for (let n = 0; !stop(); n += 1) {
    const value = `${partition}:${n}`;
    try {
      await producer.send({ topic, acks: -1, timeout: 30_000, messages: [{ partition, value }] });
      const now = Date.now();
      writer.longestGapMs = Math.max(writer.longestGapMs, now - lastAck);
      lastAck = now;
      writer.acked.push(value);
    } catch {
      // Not acknowledged (kafkajs gave up retrying): it may or may not be in the log; only acknowledged ones must be.
      writer.failures += 1;
    }
  }
}

test('restart --all: one broker at a time, controller last; no acknowledged message lost', async (t: TestContext) => {
  const uids = new Map<string, string | undefined>();
  for (const name of ['kafka-0', 'kafka-1', 'kafka-2']) uids.set(name, (await podOf(name))?.metadata?.uid);
  const producers = await Promise.all(
    Array.from({ length: PARTITIONS }, async () => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
      await producer.connect();
      return producer;
    }),
  );
  const writers: PartitionWriter[] = producers.map(() => ({ acked: [], longestGapMs: 0, failures: 0 }));
  let stopped = false;
  const writing = producers.map((producer, partition) => writeUntil(producer, partition, () => stopped, writers[partition] ?? { acked: [], longestGapMs: 0, failures: 0 }));
  try {
    const run = await expectPlugin(['restart', '--all', '--yes', '-o', 'json'], 0, 900_000);
    const result = JSON.parse(run.stdout) as { controller: number; steps: Array<{ broker: number; pod: string; leadershipMoved: number; totalMs: number }> };
    assert.equal(result.steps.length, 3);
    assert.equal(result.steps.at(-1)?.broker, result.controller, 'the active controller goes last');
    for (const [name, uid] of uids) assert.notEqual((await podOf(name))?.metadata?.uid, uid, `${name} was restarted`);
    t.diagnostic(`restart steps: ${result.steps.map((s) => `${s.pod} ${Math.round(s.totalMs / 1000)}s`).join(', ')}`);
  } finally {
    stopped = true;
    await Promise.all(writing);
    await Promise.all(producers.map((p) => p.disconnect()));
  }

  const acked = writers.flatMap((w) => w.acked);
  assert.ok(acked.length > 50, `only ${acked.length} writes were acknowledged`);
  const read = new Set(await consumeAll(kafka, topic, acked.length, 120_000));
  const lost = acked.filter((value) => !read.has(value));
  assert.deepEqual(lost, [], `${lost.length} acknowledged message(s) lost`);
  const longest = Math.max(...writers.map((w) => w.longestGapMs));
  t.diagnostic(
    `${acked.length} acknowledged writes, ${writers.reduce((s, w) => s + w.failures, 0)} failed sends; ` +
      `longest time a partition could not accept writes: ${(longest / 1000).toFixed(1)}s ` +
      `(per partition: ${writers.map((w) => `${(w.longestGapMs / 1000).toFixed(1)}s`).join(', ')})`,
  );
  await waitForHealthyCluster(admin);
});
