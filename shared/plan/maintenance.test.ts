import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testPolicy } from '../safety/testing/policy.js';
import { indexCluster } from '../safety/cluster-index.js';
import { disruptionVerdict } from '../safety/disruption.js';
import { PlanError } from '../safety/planner.js';
import { clusterOf, type TopicSpec } from '../safety/testing/cluster-builder.js';
import { mergeRecord, movesBack, parseRecord, planMaintenance, type MaintenanceInput } from './maintenance.js';

const policy = testPolicy();

// The case a drain cannot do: RF 1 on broker 2, and RF 3 topics on all three brokers.
const RF1: TopicSpec = { name: 'single', partitions: [{ r: [2] }] };
const RF3: TopicSpec = { name: 'orders', minIsr: 2, partitions: [{ r: [0, 1, 2] }, { r: [1, 2, 0] }, { r: [2, 0, 1] }] };

function input(topics: TopicSpec[], over: Partial<MaintenanceInput> = {}, brokers = [0, 1, 2]): MaintenanceInput {
  return {
    index: indexCluster(clusterOf(brokers, topics)),
    brokers: [2],
    down: [],
    pending: { brokers: [], unknown: null },
    policy,
    maxMovesPerBroker: 5,
    ...over,
  };
}

describe('planMaintenance', () => {
  test('moves only what would break (the RF1 partition) where a drain has nowhere to go, and takes leadership away', () => {
    const plan = planMaintenance(input([RF1, RF3]));
    assert.deepEqual(plan.atRisk, [{ topic: 'single', partition: 0 }]);
    assert.deepEqual(plan.drain.plan.moves.map((m) => [m.topic, m.partition, m.from, m.to.length, m.to.includes(2)]), [['single', 0, [2], 1, false]]);
    assert.equal(plan.staying, 3, 'the RF3 partitions stay and catch up');
    // Broker 2 leads orders-2 (preferred) and single-0 (which moves with its data).
    assert.deepEqual(plan.leadership.changes.map((c) => `${c.topic}-${c.partition}`), ['orders-2']);
    assert.ok(plan.leadership.changes.every((c) => c.leader !== 2));
  });

  test('after its moves, the verdict lets the brokers go', () => {
    const plan = planMaintenance(input([RF1, RF3]));
    const after = clusterOf([0, 1, 2], [{ name: 'single', partitions: [{ r: plan.drain.plan.moves[0]?.to ?? [] }] }, RF3]);
    const verdict = disruptionVerdict({ index: indexCluster(after), brokers: [2], kind: 'disrupt', down: [], pending: { brokers: [], unknown: null }, policy });
    assert.equal(verdict.allowed, true, JSON.stringify(verdict.reasons));
  });

  test('moves nothing when the brokers may already go', () => {
    const plan = planMaintenance(input([RF3]));
    assert.deepEqual([plan.atRisk, plan.drain.plan.moves], [[], []]);
    assert.equal(plan.staying, 3);
  });

  test('never moves a replica onto a broker that is down or has a disruption pending', () => {
    const topics: TopicSpec[] = [{ name: 't', minIsr: 2, partitions: [{ r: [2, 0] }] }];
    for (const over of [{ down: [1] }, { pending: { brokers: [1], unknown: null } }]) {
      const plan = planMaintenance(input(topics, over, [0, 1, 2, 3]));
      assert.deepEqual(plan.drain.plan.moves.map((m) => m.to.sort()), [[0, 3]], JSON.stringify(over));
    }
  });

  test('refuses, naming the partitions and the way out, when an at-risk partition has no up broker to go to', () => {
    // Broker 0 is down: every RF3 partition keeps one in-sync replica without 2, and all three brokers hold one already.
    assert.throws(() => planMaintenance(input([RF3], { down: [0] })), (error: unknown) => {
      assert.ok(error instanceof PlanError);
      assert.match(error.message, /broker\(s\) 2 cannot go down for maintenance now: 3 partition\(s\) would go offline or under min\.insync\.replicas \(orders-0, orders-1, orders-2\)/);
      assert.match(error.message, /Bring back the brokers that are down, or add a broker/);
      return true;
    });
  });

  test('refuses a broker Kafka does not know', () => {
    assert.throws(() => planMaintenance(input([RF3], { brokers: [7] })), PlanError);
  });

  test('picks up an interrupted run: a reassignment already taking the broker out is waited for, not planned twice', () => {
    const topics: TopicSpec[] = [{ name: 'single', partitions: [{ r: [0, 2], adding: [0], removing: [2], isr: [2] }] }, RF3];
    const plan = planMaintenance(input(topics));
    assert.deepEqual(plan.drain.resumed.map((m) => [m.topic, m.partition, m.to]), [['single', 0, [0]]]);
    assert.deepEqual(plan.drain.plan.moves, []);
  });
});

describe('the maintenance record', () => {
  test('a rerun keeps the replicas a partition had before the first run moved it, and the first leader order', () => {
    const first = planMaintenance(input([RF1, RF3]));
    const record = mergeRecord(null, first, '2026-12-03T05:00:00Z', 'node-a2');
    assert.deepEqual(record.moves.map((m) => m.from), [[2]]);
    const rerun = mergeRecord(record, { ...first, drain: { ...first.drain, plan: { ...first.drain.plan, moves: [{ topic: 'single', partition: 0, from: [0], to: [1] }] } }, leadership: { changes: [], original: [{ topic: 'orders', partition: 2, replicas: [0, 2, 1] }], stuck: [] } }, 'later', null);
    assert.deepEqual(rerun.moves, [{ topic: 'single', partition: 0, from: [2], to: [1] }]);
    assert.deepEqual(rerun.leaders, record.leaders, 'the first run\'s order is what gets restored');
    assert.equal(rerun.startedAt, '2026-12-03T05:00:00Z');
    assert.equal(rerun.cordoned, 'node-a2');
  });

  test('round-trips as JSON, and anything else reads as no record', () => {
    const record = mergeRecord(null, planMaintenance(input([RF1, RF3])), 'now', null);
    assert.deepEqual(parseRecord(JSON.stringify(record)), record);
    for (const bad of ['', '{', 'null', '[]', '{"brokers":[2]}', JSON.stringify({ ...record, brokers: [-1] }), JSON.stringify({ ...record, moves: [{ topic: 1 }] })]) {
      assert.equal(parseRecord(bad), null, bad);
    }
  });

  test('moves back only partitions still exactly where maintenance put them', () => {
    const index = indexCluster(clusterOf([0, 1, 2], [
      { name: 'a', partitions: [{ r: [0] }] }, // where maintenance put it
      { name: 'b', partitions: [{ r: [1] }] }, // reassigned by someone since
      { name: 'c', partitions: [{ r: [0, 2], adding: [0], removing: [2] }] }, // reassigning
    ]));
    const moves = ['a', 'b', 'c', 'gone'].map((topic) => ({ topic, partition: 0, from: [2], to: [0] }));
    assert.deepEqual(movesBack(index, moves), [{ topic: 'a', partition: 0, from: [0], to: [2] }]);
  });
});
