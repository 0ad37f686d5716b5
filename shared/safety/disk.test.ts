import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexCluster } from './cluster-index.js';
import { brokerCapacity, diskFactsFrom, parseMaxDiskUsage, scaleDownDiskWarnings } from './disk.js';
import { diskFactsOf } from './testing/disk.js';
import { clusterOf } from './testing/cluster-builder.js';
import { partitionKey } from './types.js';

describe('brokerCapacity', () => {
  const cases: Array<[string, { totalBytes: number; usableBytes: number } | undefined, number | null, ReturnType<typeof brokerCapacity>]> = [
    ['the claim when it is smaller', { totalBytes: 5000, usableBytes: 100 }, 1000, { bytes: 1000, source: 'claim' }],
    ['the log dir when it is smaller', { totalBytes: 800, usableBytes: 100 }, 1000, { bytes: 800, source: 'log-dir' }],
    ['the log dir without a claim', { totalBytes: 800, usableBytes: 100 }, null, { bytes: 800, source: 'log-dir' }],
    ['the claim on a broker older than Kafka 3.3 (-1)', { totalBytes: -1, usableBytes: -1 }, 1000, { bytes: 1000, source: 'claim' }],
    ['unknown when neither is known', undefined, null, null],
    ['unknown for a zero-byte claim and no log dir size', { totalBytes: -1, usableBytes: -1 }, 0, null],
  ];
  for (const [name, space, claim, expected] of cases) it(name, () => assert.deepEqual(brokerCapacity(space, claim), expected));
});

describe('diskFactsFrom', () => {
  it('takes the largest replica as the partition size, sums per broker, counts building replicas in full and used space of the log dir', () => {
    const view = clusterOf([0, 1, 2], [{ name: 't', partitions: [{ r: [0, 1] }, { r: [1, 2], adding: [2] }] }]);
    const k0 = partitionKey({ topic: 't', partition: 0 });
    const k1 = partitionKey({ topic: 't', partition: 1 });
    const sizes = new Map([
      [0, new Map([[k0, 100]])],
      [1, new Map([[k0, 90], [k1, 300]])],
      [2, new Map([[k1, 50]])],
    ]);
    const disk = diskFactsFrom({
      view,
      sizes,
      // Broker 1's file system is its capacity and shows 700 bytes used: more than its replicas.
      space: new Map([[1, { totalBytes: 2000, usableBytes: 1300 }]]),
      claimBytes: new Map([[0, 1000], [1, 4000], [2, null]]),
      maxUsagePercent: 85,
    });
    assert.deepEqual([...disk.partitionBytes], [[k0, 100], [k1, 300]]);
    assert.deepEqual([...disk.usedBytes].sort((a, b) => a[0] - b[0]), [[0, 100], [1, 700], [2, 300]]);
    assert.deepEqual([...disk.capacity].sort((a, b) => a[0] - b[0]), [[0, { bytes: 1000, source: 'claim' }], [1, { bytes: 2000, source: 'log-dir' }]]);
  });
});

describe('parseMaxDiskUsage', () => {
  for (const [text, value] of [['85', 85], ['1', 1], ['100', 100], ['92.5', 92.5]] as const) {
    it(`accepts ${text}`, () => assert.deepEqual(parseMaxDiskUsage(text), { ok: true, value }));
  }
  for (const text of ['0', '101', '-5', '85%', 'abc', '', '1e2', '0.5']) {
    it(`refuses ${JSON.stringify(text)}, naming it and the range`, () => {
      const parsed = parseMaxDiskUsage(text);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, new RegExp(`^${JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a percentage from 1 to 100`));
    });
  }
});

describe('scaleDownDiskWarnings', () => {
  const MiB = 2 ** 20;
  // Brokers 0-2 stay, broker 3 goes; t-0 and t-1 (100 MiB each) have a replica on 3.
  const view = clusterOf([0, 1, 2, 3], [{ name: 't', partitions: [{ r: [3, 0] }, { r: [3, 1] }, { r: [0, 1] }] }]);
  const index = indexCluster(view);
  const disk = (capacityMiB: Array<number | null>, percent = 85) =>
    diskFactsOf(view, () => 100 * MiB, new Map(capacityMiB.flatMap((c, b) => (c === null ? [] : [[b, c * MiB] as [number, number]]))), percent);
  const cases: Array<{ name: string; capacities: Array<number | null>; removed: number[]; percent?: number; warns: RegExp | null }> = [
    // Left room: 0 and 1 hold 200 MiB each, 2 holds none. 1000 MiB disks: 650+650+850 of room.
    { name: 'silent when the brokers left have room', capacities: [1000, 1000, 1000, 1000], removed: [3], warns: null },
    // 300 MiB disks allow 255: room 55 + 55 + 255 = 365 for 200 MiB.
    { name: 'silent when the room adds up, even if one broker could not take it all', capacities: [300, 300, 300, 300], removed: [3], warns: null },
    { name: 'warns with the figures when the brokers left cannot hold the replicas', capacities: [250, 250, 100, 250], removed: [3], warns: /^The replicas on broker 3 \(200 MiB\) do not fit on the brokers left: brokers 0, 1, 2 have room for 110 MiB within 85% of their disks, so a drain first \(kubectl kafka scale\) would be refused: they need at least 90\.0 MiB more\. Grow/ },
    { name: 'a lower limit makes the same cluster warn', capacities: [1000, 1000, 1000, 1000], removed: [3], percent: 15, warns: /room for 150 MiB within 15% .*need at least 50\.0 MiB more/ },
    { name: 'silent when a broker left has unknown capacity (no limit)', capacities: [250, 250, null, 250], removed: [3], warns: null },
    { name: 'silent when the removed broker holds nothing', capacities: [10, 10, 10, 10], removed: [2], warns: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const warnings = scaleDownDiskWarnings(index, c.removed, disk(c.capacities, c.percent));
      if (c.warns === null) assert.deepEqual(warnings, []);
      else {
        assert.equal(warnings.length, 1);
        assert.match(warnings[0] ?? '', c.warns);
      }
    });
  }
});
