import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBytes, formatDuration, parseDuration, parseRate, quantityBytes } from './units.js';

describe('parseRate', () => {
  for (const [text, bytes] of [
    ['50MiB/s', 50 * 2 ** 20],
    ['500KiB/s', 500 * 1024],
    ['1.5GB/s', 1.5e9],
    ['1048576B/s', 1048576],
    ['10kB/s', 10_000],
    ['10KB/s', 10_000],
  ] as const) {
    test(`${text} = ${bytes} B/s`, () => assert.deepEqual(parseRate(text), { ok: true, value: bytes }));
  }
  for (const text of ['50', '50MiB', '50 MiB/s', '50mib/s', '-5MiB/s', 'fast', '5MiB/m', '0B/s', '0.5B/s', '1e3B/s', '', '50MiB/s ']) {
    test(`refuses ${JSON.stringify(text)} and names the accepted forms`, () => {
      const result = parseRate(text);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, /e\.g\. 50MiB\/s/);
    });
  }
});

describe('parseDuration', () => {
  test('reads s, m, h and combinations', () => {
    assert.deepEqual(parseDuration('90s'), { ok: true, value: 90_000 });
    assert.deepEqual(parseDuration('1h30m'), { ok: true, value: 5_400_000 });
  });
  test('refuses other forms and zero', () => {
    assert.equal(parseDuration('10').ok, false);
    assert.equal(parseDuration('1.5h').ok, false);
    assert.equal(parseDuration('0s').ok, false);
  });
});

describe('formatting', () => {
  test('bytes', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(52 * 2 ** 20), '52.0 MiB');
  });
  test('durations', () => {
    assert.equal(formatDuration(400), '0.4s');
    assert.equal(formatDuration(75_000), '1m15s');
    assert.equal(formatDuration(3_600_000 + 120_000), '1h02m');
  });
  test('storage quantities', () => {
    assert.equal(quantityBytes('10Gi'), 10 * 2 ** 30);
    assert.equal(quantityBytes('500M'), 5e8);
    assert.equal(quantityBytes('lots'), null);
  });
});
