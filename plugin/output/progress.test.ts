import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReassignmentProgress } from '../../shared/plan/reassign.js';
import { createReporter, progressLine } from './progress.js';

const progress = (over: Partial<ReassignmentProgress> = {}): ReassignmentProgress => ({
  batch: 2,
  batches: 3,
  partitionsDone: 12,
  partitionsTotal: 40,
  bytesDone: 3 * 2 ** 30,
  bytesTotal: 10 * 2 ** 30,
  bytesUnknownReason: null,
  bytesPerSecond: 50 * 2 ** 20,
  partitionsPerSecond: 0.1,
  etaMs: 143_000,
  elapsedMs: 60_000,
  ...over,
});

describe('progressLine', () => {
  test('partitions, bytes, throughput and time left', () => {
    assert.equal(
      progressLine('drain', progress()),
      'drain: batch 2/3 · 12/40 partitions in sync · 3.00 GiB of 10.0 GiB · 50.0 MiB/s · 2m23s left · 1m00s elapsed',
    );
  });
  test('says so when bytes are unknown, and shows partitions per second', () => {
    assert.equal(
      progressLine('drain', progress({ bytesDone: null, bytesTotal: null, bytesPerSecond: null, etaMs: null })),
      'drain: batch 2/3 · 12/40 partitions in sync · bytes unknown · 0.10 partitions/s · time left unknown · 1m00s elapsed',
    );
  });
});

describe('createReporter', () => {
  function sink(isTTY: boolean) {
    const chunks: string[] = [];
    const stream = { isTTY, columns: 200, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
    return { chunks, stream };
  }
  test('plain mode: timestamped lines, at most one per interval unless the batch changes', () => {
    const { chunks, stream } = sink(false);
    let now = 0;
    const reporter = createReporter({ stream, plainIntervalMs: 5000, now: () => new Date(now) });
    reporter.progress('drain', progress());
    now = 1000;
    reporter.progress('drain', progress());
    now = 2000;
    reporter.progress('drain', progress({ batch: 3 }));
    now = 8000;
    reporter.progress('drain', progress({ batch: 3 }));
    reporter.event('done');
    assert.equal(chunks.length, 4);
    assert.ok(chunks.every((c) => /^1970-01-01T00:00:0\d\.000Z /.test(c)));
  });
  test('terminal mode: one live line redrawn in place, ended before events', () => {
    const { chunks, stream } = sink(true);
    const reporter = createReporter({ stream });
    reporter.progress('drain', progress());
    reporter.progress('drain', progress());
    reporter.event('batch 2 done');
    assert.ok(chunks[0]?.startsWith('\r\x1b[2K'));
    assert.equal(chunks.at(-1), 'batch 2 done\n');
  });
});
