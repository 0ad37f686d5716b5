import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerCapacity, diskFactsFrom, parseMaxDiskUsage } from './disk.js';
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
