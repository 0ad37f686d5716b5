import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { indexCluster } from '../safety/cluster-index.js';
import { clusterOf } from '../safety/testing/cluster-builder.js';
import { applyReplicaOrder, planLeadershipAway, restorableOrders } from './leadership.js';
import { FakeKafka } from './testing/fake-kafka.js';

describe('planLeadershipAway', () => {
  test('gives each partition the broker leads an in-sync replica elsewhere, spreading the new leaders', () => {
    const index = indexCluster(
      clusterOf([0, 1, 2], [
        { name: 't', partitions: [{ r: [2, 0, 1] }, { r: [2, 1, 0] }, { r: [2, 0], isr: [2] }, { r: [1, 2] }] },
      ]),
    );
    const plan = planLeadershipAway(index, [2]);
    assert.deepEqual(
      plan.changes.map((c) => [c.partition, c.leader, c.replicas]),
      [
        [0, 0, [0, 2, 1]], // 1 already leads t-3, so 0 is the least loaded
        [1, 1, [1, 2, 0]], // now a tie: the first in-sync replica
      ],
    );
    assert.deepEqual(plan.stuck, [{ topic: 't', partition: 2, reason: 'no other in-sync replica to lead it' }]);
    assert.deepEqual(plan.original.map((o) => o.replicas), [[2, 0, 1], [2, 1, 0]]);
  });

  test('leaves partitions with a reassignment in flight alone (a reorder would change its target)', () => {
    const index = indexCluster(clusterOf([0, 1, 2], [{ name: 't', partitions: [{ r: [2, 0, 1], adding: [1], removing: [] }] }]));
    assert.equal(planLeadershipAway(index, [2]).stuck[0]?.reason.includes('reassignment'), true);
  });
});

describe('applyReplicaOrder and restorableOrders', () => {
  test('reorders, elects the new preferred leaders, and the original order can be put back', async () => {
    const kafka = new FakeKafka([0, 1, 2]).addTopic('t', [[2, 0, 1]]);
    const outcome = await applyReplicaOrder(kafka, [{ topic: 't', partition: 0, replicas: [0, 2, 1] }], { timeoutMs: 1000 });
    assert.equal(outcome.elected, 1);
    assert.equal(kafka.partitions.get('t-0')?.leader, 0);
    const index = indexCluster(clusterOf([0, 1, 2], [{ name: 't', partitions: [{ r: [0, 2, 1] }] }]));
    assert.deepEqual(restorableOrders(index, [{ topic: 't', partition: 0, replicas: [2, 0, 1] }]), [{ topic: 't', partition: 0, replicas: [2, 0, 1] }]);
    // Not when the replica set changed meanwhile.
    const moved = indexCluster(clusterOf([0, 1, 2, 3], [{ name: 't', partitions: [{ r: [0, 3, 1] }] }]));
    assert.deepEqual(restorableOrders(moved, [{ topic: 't', partition: 0, replicas: [2, 0, 1] }]), []);
  });
});
