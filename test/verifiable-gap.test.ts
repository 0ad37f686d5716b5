import assert from 'node:assert/strict';
import { test } from 'node:test';
import { longestWriteGap } from './e2e/verifiable.js';

const acks = (...rows: Array<[number, number]>) => rows.map(([partition, timestamp]) => ({ partition, timestamp }));

test('longestWriteGap: the longest silence between two acknowledgements on one partition', () => {
  const cases: Array<[string, ReturnType<typeof acks>, { ms: number; partition: number }]> = [
    ['nothing acknowledged', acks(), { ms: 0, partition: -1 }],
    ['one ack', acks([2, 1000]), { ms: 0, partition: 2 }],
    ['steady round robin', acks([0, 0], [1, 5], [2, 10], [0, 15], [1, 20], [2, 25]), { ms: 15, partition: 0 }],
    // Partition 1's leader was gone for ~11 s; its writes were retried and acknowledged late, in a burst.
    ['one partition refused writes', acks([0, 0], [1, 5], [0, 15], [0, 30], [1, 11_030], [1, 11_031], [0, 11_040]), { ms: 11_025, partition: 1 }],
    // Silences on other partitions at the same time are not added up: the longest one counts.
    ['two partitions at once', acks([0, 0], [1, 0], [0, 4000], [1, 6000]), { ms: 6000, partition: 1 }],
    // Acks are printed in callback order; an earlier timestamp after a later one is no negative gap.
    ['out-of-order callback times', acks([0, 100], [0, 90], [0, 200]), { ms: 100, partition: 0 }],
  ];
  for (const [name, input, want] of cases) assert.deepEqual(longestWriteGap(input), want, name);
});
