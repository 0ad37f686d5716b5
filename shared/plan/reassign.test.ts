import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runReassignment, bytesToCopy, type ReassignmentProgress } from './reassign.js';
import { FakeKafka } from './testing/fake-kafka.js';

const move = (topic: string, partition: number, from: number[], to: number[]) => ({ topic, partition, from, to });

describe('runReassignment', () => {
  test('runs the batches in order, throttles each on its own brokers and replicas, and clears every throttle', async () => {
    const kafka = new FakeKafka([0, 1, 2, 3]).addTopic('t', [[2, 0], [2, 1]], 5000);
    const seen: Array<{ batch: number; throttles: string[] }> = [];
    const report = await runReassignment(kafka, {
      resumed: [],
      batches: [[move('t', 0, [2, 0], [3, 0])], [move('t', 1, [2, 1], [1, 3])]],
      throttleBytesPerSecond: 1024,
      batchTimeoutMs: 5000,
      pollIntervalMs: 1,
      onProgress: (p: ReassignmentProgress) => seen.push({ batch: p.batch, throttles: kafka.throttlesLeft() }),
    });
    assert.deepEqual(kafka.replicasOf('t', 0), [3, 0]);
    assert.deepEqual(kafka.replicasOf('t', 1), [1, 3]);
    // While batch 1 ran, only its brokers (2, 0 -> 3) carried a rate.
    const firstBatch = seen.find((s) => s.batch === 1);
    assert.ok(firstBatch);
    assert.ok(firstBatch.throttles.some((t) => t.startsWith('broker 3 ')));
    assert.ok(!firstBatch.throttles.some((t) => t.startsWith('broker 1 ')), firstBatch.throttles.join('; '));
    assert.deepEqual(kafka.throttlesLeft(), []);
    assert.equal(report.partitions, 2);
    assert.equal(report.replicasAdded, 2);
    assert.equal(report.bytes, 10_000);
    assert.deepEqual(report.throttled, { brokers: [0, 1, 2, 3], topics: ['t'] });
  });

  test('picks up in-flight reassignments without starting them again', async () => {
    const kafka = new FakeKafka([0, 1, 2]).addTopic('t', [[2, 0]]);
    await kafka.call('controller', { name: 'AlterPartitionReassignments' } as never, { partitions: [{ topic: 't', partition: 0, replicas: [1, 0] }] } as never);
    kafka.calls.length = 0;
    await runReassignment(kafka, { resumed: [move('t', 0, [2, 0], [1, 0])], batches: [], throttleBytesPerSecond: null, batchTimeoutMs: 5000, pollIntervalMs: 1 });
    assert.ok(!kafka.calls.includes('AlterPartitionReassignments'));
    assert.deepEqual(kafka.replicasOf('t', 0), [1, 0]);
  });

  test('Ctrl-C (an abort) during the wait clears the batch throttle and rejects with the reason', async () => {
    const kafka = new FakeKafka([0, 1, 2]).addTopic('t', [[2, 0]]);
    kafka.pollsPerReassignment = Infinity;
    const controller = new AbortController();
    let polls = 0;
    kafka.onMetadata = () => {
      polls += 1;
      if (polls === 3) controller.abort(new Error('interrupted'));
    };
    await assert.rejects(
      runReassignment(kafka, {
        resumed: [],
        batches: [[move('t', 0, [2, 0], [1, 0])]],
        throttleBytesPerSecond: 1024,
        batchTimeoutMs: 60_000,
        pollIntervalMs: 1,
        signal: controller.signal,
      }),
      /interrupted/,
    );
    assert.deepEqual(kafka.throttlesLeft(), []);
    assert.equal(kafka.reassignments.size, 1, 'the started reassignment is left running for a later run to pick up');
  });

  test('a failure to start a batch still clears its throttle', async () => {
    const kafka = new FakeKafka([0, 1, 2]).addTopic('t', [[2, 0]]);
    kafka.failNextAlter = new Error('controller moved');
    await assert.rejects(
      runReassignment(kafka, { resumed: [], batches: [[move('t', 0, [2, 0], [1, 0])]], throttleBytesPerSecond: 2048, batchTimeoutMs: 5000, pollIntervalMs: 1 }),
      /controller moved/,
    );
    assert.deepEqual(kafka.throttlesLeft(), []);
  });
});

describe('bytesToCopy', () => {
  test('counts each new replica once, at the size of the largest current copy', () => {
    const sizes = new Map([
      [0, new Map([['t\u00000', 100]])],
      [2, new Map([['t\u00000', 120]])],
    ]);
    assert.equal(bytesToCopy(sizes, [move('t', 0, [2, 0], [1, 3])]), 240);
    assert.equal(bytesToCopy(sizes, [move('t', 0, [2, 0], [0, 2])]), 0);
  });
});
