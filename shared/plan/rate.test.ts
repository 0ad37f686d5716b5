import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateMeter, timeLeftMs } from './rate.js';

describe('RateMeter', () => {
  test('measures over the window, not since the start', () => {
    const meter = new RateMeter(10_000);
    assert.equal(meter.perSecond(), null);
    meter.add({ at: 0, done: 0 });
    meter.add({ at: 5_000, done: 0 }); // a slow start
    meter.add({ at: 20_000, done: 3_000 });
    meter.add({ at: 30_000, done: 5_000 });
    assert.equal(meter.perSecond(), 200);
  });
  test('time left', () => {
    assert.equal(timeLeftMs(1000, 100), 10_000);
    assert.equal(timeLeftMs(0, null), 0);
    assert.equal(timeLeftMs(10, 0), null);
  });
});
