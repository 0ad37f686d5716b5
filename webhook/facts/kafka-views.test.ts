import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { nextRefreshAllowedAt } from './kafka-views.js';

describe('nextRefreshAllowedAt', () => {
  const cases: Array<{ name: string; startedAt: number; cpuMs: number; cpuPercent: number; expected: number }> = [
    { name: 'a cheap refresh leaves the pace to the timer', startedAt: 10_000, cpuMs: 50, cpuPercent: 25, expected: 10_200 },
    { name: 'a 1 s refresh at 25% waits 4 s from its start', startedAt: 10_000, cpuMs: 1_000, cpuPercent: 25, expected: 14_000 },
    { name: 'a 1 s refresh at 10% waits 10 s', startedAt: 10_000, cpuMs: 1_000, cpuPercent: 10, expected: 20_000 },
    { name: 'at 100% a refresh may follow once its CPU time has passed', startedAt: 10_000, cpuMs: 700, cpuPercent: 100, expected: 10_700 },
    { name: 'a negative reading (clock oddity) is no wait', startedAt: 10_000, cpuMs: -5, cpuPercent: 25, expected: 10_000 },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(nextRefreshAllowedAt(c.startedAt, c.cpuMs, c.cpuPercent), c.expected));
  }
});
