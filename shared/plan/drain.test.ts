import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fetchClusterView } from '../kafka/cluster-view.js';
import { indexCluster } from '../safety/cluster-index.js';
import { PlanError } from '../safety/planner.js';
import { clusterOf } from '../safety/testing/cluster-builder.js';
import { executeDrain, prepareDrain } from './drain.js';
import { FakeKafka } from './testing/fake-kafka.js';

describe('prepareDrain', () => {
  test('picks up reassignments already taking the broker out and plans only what is still on it', () => {
    const index = indexCluster(
      clusterOf([0, 1, 2, 3], [
        {
          name: 't',
          partitions: [
            { r: [3, 0, 2], adding: [3], removing: [2] }, // an interrupted drain started this one
            { r: [2, 1] },
            { r: [0, 1] },
          ],
        },
      ]),
    );
    const prepared = prepareDrain(index, [2], { maxMovesPerBroker: 5 });
    assert.deepEqual(prepared.resumed, [{ topic: 't', partition: 0, from: [0, 2], to: [3, 0] }]);
    assert.deepEqual(prepared.plan.moves.map((m) => m.partition), [1]);
    assert.ok(!prepared.plan.moves.some((m) => m.to.includes(2)));
  });

  test('refuses (PlanError) when a partition has nowhere to go, unless asked to keep such partitions', () => {
    const index = indexCluster(clusterOf([0, 1, 2], [{ name: 't', partitions: [{ r: [0, 1, 2] }, { r: [2] }] }]));
    assert.throws(() => prepareDrain(index, [2], { maxMovesPerBroker: 5 }), PlanError);
    const kept = prepareDrain(index, [2], { maxMovesPerBroker: 5, keepUnplaceable: true });
    assert.deepEqual(kept.unplaceable, [{ topic: 't', partition: 0 }]);
    assert.deepEqual(kept.plan.moves.map((m) => [m.partition, m.to.length]), [[1, 1]]);
  });
});

describe('executeDrain', () => {
  test('leaves nothing on the drained broker, and no throttle behind (not even one an earlier run left)', async () => {
    const kafka = new FakeKafka([0, 1, 2, 3]).addTopic('t', [[2, 0], [1, 2], [0, 1]]);
    kafka.topicConfigs.get('t')?.set('leader.replication.throttled.replicas', '0:2,0:0');
    kafka.brokerConfigs.get(3)?.set('leader.replication.throttled.rate', '10');
    const index = indexCluster(await fetchClusterView(kafka));
    const prepared = prepareDrain(index, [2], { maxMovesPerBroker: 1 });
    const events: string[] = [];
    const report = await executeDrain(kafka, prepared, { throttleBytesPerSecond: 4096, batchTimeoutMs: 5000, pollIntervalMs: 1, onEvent: (l) => events.push(l) });
    assert.deepEqual(report.remaining, []);
    for (const [, p] of kafka.partitions) assert.ok(!p.replicas.includes(2), `${p.topic}-${p.partition}: ${p.replicas.join(',')}`);
    assert.equal(kafka.partitions.get('t-0')?.leader === 2, false);
    assert.deepEqual(kafka.throttlesLeft(), []);
    assert.ok(events.some((e) => e.startsWith('removed throttles an earlier run left')), events.join('\n'));
    assert.equal(report.reassignment.partitions, 2);
  });
});
