import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseThrottledReplicas, throttlePlanFor, throttleSweep } from './throttles.js';

describe('throttlePlanFor', () => {
  test('rates on every sending and receiving broker; leaders = current replicas, followers = new ones', () => {
    const plan = throttlePlanFor(
      [
        { topic: 'a', partition: 0, from: [2, 0], to: [3, 0] },
        { topic: 'a', partition: 1, from: [1, 2], to: [2, 1] }, // reorder only: nothing to copy, no throttle
      ],
      5000,
    );
    assert.deepEqual(plan, { rateBytesPerSec: 5000, brokers: [0, 2, 3], replicas: [{ topic: 'a', partition: 0, leaders: [2, 0], followers: [3] }] });
  });
});

describe('parseThrottledReplicas', () => {
  test('reads partition:broker lists, * and nothing', () => {
    assert.deepEqual(parseThrottledReplicas('0:1, 2:3'), [{ partition: 0, broker: 1 }, { partition: 2, broker: 3 }]);
    assert.equal(parseThrottledReplicas(' * '), '*');
    assert.deepEqual(parseThrottledReplicas(null), []);
  });
});

describe('throttleSweep', () => {
  const rate = (id: number) => ({ id, leaderRate: 100, followerRate: 100 });
  test('clears the run’s own throttles, topics naming the drained broker, and rates nothing refers to any more', () => {
    const sweep = throttleSweep(
      {
        brokers: [rate(0), rate(1), rate(3), rate(5)],
        topics: [
          { topic: 'left-by-killed-run', leaderReplicas: '0:2,0:1', followerReplicas: '0:3' },
          { topic: 'other-tool', leaderReplicas: '0:5', followerReplicas: '0:1' },
        ],
      },
      [2],
      { brokers: [4], topics: ['mine'] },
    );
    // Broker 1 and 5 stay: other-tool's lists still refer to them; 0 and 3 are referred to by nothing left.
    assert.deepEqual(sweep, { topics: ['left-by-killed-run', 'mine'], brokers: [0, 3, 4] });
  });

  test('a * list keeps every rate (it refers to every broker)', () => {
    const sweep = throttleSweep(
      { brokers: [rate(0)], topics: [{ topic: 'all', leaderReplicas: '*', followerReplicas: null }] },
      [2],
      { brokers: [], topics: [] },
    );
    assert.deepEqual(sweep, { topics: [], brokers: [] });
  });
});
