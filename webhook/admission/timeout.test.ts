import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decisionDeadlineMs, parseGoDuration } from './timeout.js';

describe('parseGoDuration', () => {
  const table: Array<[string, number | null]> = [
    ['3s', 3000],
    ['10s', 10_000],
    ['1m0s', 60_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['500ms', 500],
    ['0', 0],
    ['', null],
    ['3', null],
    ['3 s', null],
    ['s', null],
    ['-3s', null],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} -> ${expected}`, () => assert.equal(parseGoDuration(text), expected));
  }
});

describe('decisionDeadlineMs', () => {
  it('keeps the configured deadline when the apiserver allows more', () => {
    assert.equal(decisionDeadlineMs(2000, '10s'), 2000);
    assert.equal(decisionDeadlineMs(2000, '3s'), 2000);
  });
  it('shrinks to the apiserver timeout minus a reserve', () => {
    assert.equal(decisionDeadlineMs(2000, '2s'), 1334);
    assert.equal(decisionDeadlineMs(2000, '1s'), 667);
  });
  it('ignores a missing or malformed timeout', () => {
    assert.equal(decisionDeadlineMs(2000, undefined), 2000);
    assert.equal(decisionDeadlineMs(2000, 'soon'), 2000);
    assert.equal(decisionDeadlineMs(2000, ['3s']), 2000);
  });
});
