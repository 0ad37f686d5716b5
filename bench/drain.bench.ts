/**
 * Drain benchmark: how long `kubectl kafka drain` takes to move a known
 * number of bytes off a broker at a set throttle, beside the floor that
 * throttle allows (bytes / throttle) and, measured in the same run, the same
 * drain without a throttle (the cluster's own copy speed plus the plugin's
 * fixed costs: planning, leadership moves, throttles set and cleared, polling).
 *
 * Needs a running sandbox (`eval "$(npm run -s sandbox -- --detach)"`); it adds
 * a fourth broker for the duration (every RF 3 partition of a 3-broker cluster
 * sits on every broker, so none can be drained there) and removes it after.
 *
 *   node --import tsx bench/drain.bench.ts [--mib 48] [--throttle 4MiB/s]
 *
 * Kafka enforces a throttle over a window of about 11 one-second samples and a
 * follower fetches up to 1 MiB per partition at once, so the first seconds of
 * a copy can run above the throttle: with little data the measured time can
 * come in under the floor. The figures say so when it happens.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createAssignedTopic, kafkaClient, uniqueName, waitForHealthyCluster } from '../test/e2e/helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin, runPlugin, waitForBrokers } from '../test/e2e/plugin-helpers.js';
import { formatBytes, formatDuration, parseRate } from '../plugin/lib/units.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '48' }, throttle: { type: 'string', default: '4MiB/s' } } });
const totalBytes = Number(values.mib) * 2 ** 20;
const throttleText = values.throttle ?? '4MiB/s';
const throttle = parseRate(throttleText);
if (!throttle.ok) throw new Error(throttle.error);
const throttleBytesPerSecond = throttle.value;

const PARTITIONS = 4;
const MESSAGE_BYTES = 100_000;
const kafka = kafkaClient('bench-drain');
const admin = kafka.admin();

/** A topic whose every partition lives only on broker 2, holding `bytes` of data. */
async function fillBroker2(topic: string, bytes: number): Promise<void> {
  await createAssignedTopic(admin, topic, Array.from({ length: PARTITIONS }, () => [2]));
  const producer = kafka.producer();
  await producer.connect();
  const padding = 'x'.repeat(MESSAGE_BYTES);
  const count = Math.ceil(bytes / MESSAGE_BYTES);
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, (_, j) => ({ partition: (i + j) % PARTITIONS, value: `${i + j}-${padding}` }));
    await producer.send({ topic, acks: -1, messages: batch });
  }
  await producer.disconnect();
}

interface DrainRun {
  ms: number;
  bytes: number | null;
  partitions: number;
}

async function timedDrain(args: string[]): Promise<DrainRun> {
  const started = performance.now();
  const run = await expectPlugin(['drain', 'kafka-2', '--yes', '-o', 'json', '--max-moves-per-broker', '100', ...args], 0, 1_800_000);
  const ms = performance.now() - started;
  const result = JSON.parse(run.stdout) as { report: { reassignment: { bytes: number | null; partitions: number } } };
  return { ms, bytes: result.report.reassignment.bytes, partitions: result.report.reassignment.partitions };
}

async function main(): Promise<void> {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
  const topics = [uniqueName('bench-drain-throttled'), uniqueName('bench-drain-free')];
  try {
    await expectPlugin(['scale', 'kafka', '--replicas', '4', '--yes'], 0);
    await waitForBrokers(admin, 4);
    // Broker 2 starts empty, so what it holds is exactly the benchmark's data.
    await expectPlugin(['drain', 'kafka-2', '--yes'], 0);

    await fillBroker2(topics[0] ?? '', totalBytes);
    const throttled = await timedDrain(['--throttle', throttleText]);
    await fillBroker2(topics[1] ?? '', totalBytes);
    const free = await timedDrain([]);

    const bytes = throttled.bytes ?? totalBytes;
    const floorMs = (bytes / throttleBytesPerSecond) * 1000;
    const overheadMs = throttled.ms - floorMs;
    const rows: Array<[string, string, string]> = [
      ['data on broker 2', formatBytes(bytes), `${PARTITIONS} partitions, RF 1, ${throttled.partitions} moved in all`],
      ['throttle', throttleText, ''],
      ['floor: bytes / throttle', formatDuration(floorMs), ''],
      ['drain with throttle (wall clock)', formatDuration(throttled.ms), `overhead vs floor: ${formatDuration(Math.abs(overheadMs))} ${overheadMs >= 0 ? 'over' : 'UNDER (Kafka allows a burst at the start of its quota window)'} (${((throttled.ms / floorMs - 1) * 100).toFixed(0)}%)`],
      ['baseline: same drain, no throttle', formatDuration(free.ms), `${formatBytes(free.bytes ?? totalBytes)}; the plugin's fixed cost plus the cluster's copy speed`],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`\nkubectl kafka drain benchmark (${new Date().toISOString()})\n`);
    for (const [measure, value, note] of rows) process.stdout.write(`${measure.padEnd(width)}  ${value.padEnd(10)}  ${note}\n`);
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await runPlugin(['scale', 'kafka', '--replicas', '3', '--delete-volumes', '--yes']);
    await runPlugin(['rebalance', '--yes']);
    await runPlugin(['throttles', '--clear', '--yes']);
    await deleteTestPolicy();
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`drain benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
