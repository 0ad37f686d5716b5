import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figuresPerOperation, longestWriteGap, sequenceOf } from './e2e/verifiable.js';

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

test('figuresPerOperation: each operation owns the acknowledgements from its start to the next one\'s', () => {
  const ack = (value: string, partition: number, timestamp: number) => ({ value, partition, timestamp });
  const acks = [
    ack('1.0', 0, 0), ack('1.1', 1, 5), // before the first operation
    ack('1.2', 0, 100), ack('1.3', 1, 105), ack('1.4', 0, 110),
    // Partition 1 silent from 105 until 3,000: the second operation began at 1,000 but owns the whole silence.
    ack('1.5', 0, 1000), ack('1.6', 1, 3000), ack('1.7', 0, 3005),
  ];
  const timesRead = new Map([['1.0', 1], ['1.1', 1], ['1.2', 1], ['1.3', 2], ['1.4', 1], ['1.6', 1], ['1.7', 1]]);
  const figures = figuresPerOperation(acks, timesRead, [
    { operation: 'drain', startedAt: 100, endedAt: 1000 },
    { operation: 'move', startedAt: 1000, endedAt: 4000 },
    { operation: 'idle', startedAt: 4000, endedAt: 5000 },
  ]);
  assert.deepEqual(figures, [
    { operation: 'drain', seconds: 0.9, acked: 3, read: 3, lost: 0, duplicates: 1, writeGap: { ms: 100, partition: 0 } },
    { operation: 'move', seconds: 3, acked: 3, read: 2, lost: 1, duplicates: 0, writeGap: { ms: 2895, partition: 1 } },
    { operation: 'idle', seconds: 1, acked: 0, read: 0, lost: 0, duplicates: 0, writeGap: { ms: 0, partition: -1 } },
  ]);
});

test('sequenceOf: the number a producer counts up at the end of its values', () => {
  assert.deepEqual(['1.417', 'k-9', '12', 'none', ''].map(sequenceOf), [417, 9, 12, null, null]);
});
