import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeResponseBody, DescribeLogDirs, encodeRequestBody, ProtocolWriter } from './protocol.js';
import { bytesPerBroker, fetchReplicaSizes } from './replica-sizes.js';
import { FakeKafka } from '../plan/testing/fake-kafka.js';

/** A v4 (flexible) response body as a broker would send it. */
function v4Response(): Buffer {
  const w = new ProtocolWriter(true);
  w.tags(); // response header tagged fields
  w.int32(0).int16(0); // ThrottleTimeMs, ErrorCode
  w.array([0], (w) => {
    w.int16(0).string('/data/a');
    w.array(['orders'], (w, topic) => {
      w.string(topic);
      w.array(
        [
          [0, 1500, false],
          [1, 99, true],
        ] as const,
        (w, [partition, size, future]) => {
          w.int32(partition);
          w.int32(0).int32(size); // PartitionSize int64 (high, low)
          w.int32(0).int32(0); // OffsetLag int64
          w.bool(future).tags();
        },
      );
      w.tags();
    });
    w.int32(0).int32(4096).int32(0).int32(1024); // TotalBytes, UsableBytes
    w.tags();
  });
  w.tags();
  return w.toBuffer();
}

describe('DescribeLogDirs', () => {
  test('encodes the partitions by topic and decodes sizes, future logs and volume bytes (v4)', () => {
    const body = encodeRequestBody(DescribeLogDirs, 4, { partitions: [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }] });
    // header tags, topics (1 + 1), "orders" (6 + 1), partitions (2 + 1), 0, 1, topic tags, request tags
    assert.equal(body.length, 1 + 1 + 7 + 1 + 8 + 1 + 1);
    const decoded = decodeResponseBody(DescribeLogDirs, 4, v4Response());
    assert.deepEqual(decoded, {
      errorCode: 0,
      results: [
        {
          errorCode: 0,
          logDir: '/data/a',
          partitions: [
            { topic: 'orders', partition: 0, sizeBytes: 1500, future: false },
            { topic: 'orders', partition: 1, sizeBytes: 99, future: true },
          ],
          totalBytes: 4096,
          usableBytes: 1024,
        },
      ],
    });
  });

  test('fetchReplicaSizes sums per broker, and reports failure as a reason instead of throwing', async () => {
    const kafka = new FakeKafka([0, 1]).addTopic('t', [[0, 1], [1, 0]], 700);
    const result = await fetchReplicaSizes(kafka, [0, 1], null);
    assert.ok(result.ok);
    assert.deepEqual([...bytesPerBroker(result.sizes)], [[0, 1400], [1, 1400]]);
    const broken = { requestTimeoutMs: 1, call: async () => Promise.reject(new Error('UNSUPPORTED_VERSION')) };
    assert.deepEqual(await fetchReplicaSizes(broken, [0], null), { ok: false, reason: 'DescribeLogDirs failed: UNSUPPORTED_VERSION' });
  });

  test('fetchReplicaSizes sums the space of online log dirs; one that does not say makes it unknown (-1)', async () => {
    const dir = (logDir: string, totalBytes: number, usableBytes: number, errorCode = 0) => ({ errorCode, logDir, partitions: [], totalBytes, usableBytes });
    const answers: Record<number, unknown> = {
      0: { errorCode: 0, results: [dir('/a', 1000, 400), dir('/b', 500, 100), dir('/c', 9999, 9999, 56)] },
      1: { errorCode: 0, results: [dir('/a', 1000, 400), dir('/b', -1, -1)] },
      2: { errorCode: 0, results: [dir('/a', 1000, 400, 56)] },
    };
    const api = { requestTimeoutMs: 1, call: async (target: { broker: number }) => answers[target.broker] as never };
    const result = await fetchReplicaSizes(api, [0, 1, 2], null);
    assert.ok(result.ok);
    assert.deepEqual([...result.space], [
      [0, { totalBytes: 1500, usableBytes: 500 }],
      [1, { totalBytes: -1, usableBytes: -1 }],
      [2, { totalBytes: -1, usableBytes: -1 }],
    ]);
  });
});
