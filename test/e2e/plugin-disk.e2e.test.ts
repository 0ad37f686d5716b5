/**
 * Moves never overfill a disk (issue 10, item 4), against the sandbox: the
 * brokers' claims are 1Gi (test/sandbox/manifests.ts), so rather than fill
 * hundreds of MiB the test sets --max-disk-usage just above what brokers 0 and
 * 1 hold now: a 48 MiB partition on broker 2 then fits on neither, and the
 * dry-run drain of kafka-2 is refused (exit 1) with the figures per broker.
 * Once that topic is deleted, the drain of what is left (4 MiB) fits.
 *
 * A partition with a replica on every broker (e.g. __consumer_offsets, RF 3,
 * once an earlier test used a consumer group) would leave broker 2's replica
 * nowhere to go on 3 brokers, so the drain would be refused for that instead:
 * the test takes broker 2 out of such partitions first and puts it back after.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, kafkaClient, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { createAssignedTopic } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-plugin-disk');
const admin = kafka.admin();
const big = uniqueName('disk-big');
const small = uniqueName('disk-small');
/** A topic on every broker, so the path that makes room for the drain always runs. */
const everywhere = uniqueName('disk-rf3');
const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Writes about `mib` MiB to partition 0 of `topic`, in record batches under the broker's 1 MB limit. */
async function fill(topic: string, mib: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const value = 'x'.repeat(100 * 1024);
  for (let i = 0; i < Math.ceil((mib * 1024) / 800); i += 1) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 8 }, () => ({ partition: 0, value })) });
  }
  await producer.disconnect();
}

/** Partitions taken off broker 2 for the test, with their replicas before. */
const blocking: Array<{ topic: string; partition: number; replicas: number[] }> = [];

/** Reassigns and waits until Kafka has finished. */
async function reassign(partitions: ReadonlyArray<{ topic: string; partition: number; replicas: number[] }>): Promise<void> {
  if (partitions.length === 0) return;
  const topics = [...new Set(partitions.map((p) => p.topic))].map((topic) => ({
    topic,
    partitionAssignment: partitions.filter((p) => p.topic === topic).map(({ partition, replicas }) => ({ partition, replicas })),
  }));
  await admin.alterPartitionReassignments({ topics });
  await eventually('the reassignment to finish', async () => (await admin.listPartitionReassignments({})).topics.length === 0, 120_000, 500);
}

interface StatusRow {
  id: number;
  dataBytes: number | null;
  capacityBytes: number | null;
  capacitySource: string | null;
}

async function statusRows(): Promise<StatusRow[]> {
  const run = await expectPlugin(['status', '-o', 'json'], 0);
  return (JSON.parse(run.stdout) as { brokers: StatusRow[] }).brokers;
}

before(async () => {
  await applyTestPolicy();
  await admin.connect();
  await waitForHealthyCluster(admin);
  await createAssignedTopic(admin, everywhere, [[0, 1, 2]]);
  const metadata = await admin.fetchTopicMetadata();
  for (const topic of metadata.topics) {
    for (const p of topic.partitions) {
      if (p.replicas.length >= 3 && p.replicas.includes(2)) blocking.push({ topic: topic.name, partition: p.partitionId, replicas: [...p.replicas] });
    }
  }
  await reassign(blocking.map((p) => ({ ...p, replicas: p.replicas.filter((b) => b !== 2) })));
  await createAssignedTopic(admin, big, [[2]]);
  await createAssignedTopic(admin, small, [[2]]);
  await fill(big, 48);
  await fill(small, 4);
});

after(async () => {
  await removeTopics(admin, [big, small, everywhere]);
  await reassign(blocking.filter((p) => p.topic !== everywhere));
  await admin.disconnect();
  await deleteTestPolicy();
});

test('a drain that cannot fit the disks is refused with the figures; after deleting a topic it fits', async (t) => {
  // status shows used and capacity per broker: the 1Gi claim is the smaller of claim and file system.
  const rows = await eventually('status to show broker 2 holding the new data', async () => {
    const r = await statusRows();
    return (r.find((b) => b.id === 2)?.dataBytes ?? 0) >= 50 * MiB ? r : null;
  }, 60_000, 2000);
  // 1Gi in a fresh sandbox; larger once kubectl kafka resize's e2e has grown them (every claim alike).
  const capacity = rows[0]?.capacityBytes ?? GiB;
  assert.ok(capacity >= GiB, `claims of ${capacity} bytes`);
  for (const row of rows) assert.deepEqual([row.capacityBytes, row.capacitySource], [capacity, 'claim'], `broker ${row.id}`);

  // The limit: what the fuller of brokers 0 and 1 holds plus 20-30 MiB (whole percents of the claim).
  const fuller = Math.max(...rows.filter((b) => b.id !== 2).map((b) => b.dataBytes ?? 0));
  const percent = Math.ceil(((fuller + 20 * MiB) / capacity) * 100);
  assert.ok(percent <= 100, `brokers 0 and 1 hold too much for this test (${fuller} bytes)`);

  const refused = await expectPlugin(['drain', 'kafka-2', '--dry-run', '--max-disk-usage', String(percent)], 1);
  assert.match(refused.stderr, /Drain of broker 2 does not fit on the disks: broker [01] would hold [\d.]+ MiB of [\d.]+ MiB allowed \(\d+% of [\d.]+ GiB\): needs [\d.]+ MiB more/);
  assert.match(refused.stderr, new RegExp(`or allow fuller disks with --max-disk-usage \\(now ${percent}\\)`));
  assert.match(refused.stderr, /Nothing was changed/);
  t.diagnostic(`--max-disk-usage ${percent}: ${refused.stderr.trim()}`);

  // A bad value is a usage error, before anything is read.
  const bad = await expectPlugin(['drain', 'kafka-2', '--dry-run', '--max-disk-usage', '0'], 2);
  assert.match(bad.stderr, /--max-disk-usage: "0" is not a percentage from 1 to 100/);

  await admin.deleteTopics({ topics: [big] });
  const fits = await eventually('the drain to fit once the big topic is gone', async () => {
    const run = await expectPlugin(['drain', 'kafka-2', '--dry-run', '--max-disk-usage', String(percent), '-o', 'json'], 0).catch(() => null);
    return run;
  }, 60_000, 3000);
  const plan = (JSON.parse(fits.stdout) as { plan: { moves: Array<{ topic: string; to: number[] }>; disk: { maxUsagePercent: number; brokers: Array<{ broker: number; usedBytes: number; arrivingBytes: number; allowedBytes: number }> } } }).plan;
  assert.ok(plan.moves.some((m) => m.topic === small));
  assert.equal(plan.disk.maxUsagePercent, percent);
  for (const b of plan.disk.brokers) assert.ok(b.usedBytes + b.arrivingBytes <= b.allowedBytes, `broker ${b.broker} over its headroom`);
  assert.ok(plan.disk.brokers.some((b) => b.arrivingBytes >= 4 * MiB));
});
