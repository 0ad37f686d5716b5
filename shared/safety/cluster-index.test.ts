import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignmentOf, holdersOf, holdsAnyReplica, indexCluster, isrOf, partitionRefOf } from './cluster-index.js';
import { clusterOf } from './testing/cluster-builder.js';

describe('indexCluster', () => {
  const view = clusterOf(
    [3, [1, 'a'], [2, 'b']],
    [
      { name: 'zeta', partitions: [{ r: [1, 2] }] },
      { name: 'alpha', minIsr: 2, partitions: [{ r: [2, 1] }, { r: [1, 3] }, { r: [2, 3, 4], isr: [2, 3], adding: [4], removing: [3] }], numbers: [10, 2, 5] },
    ],
  );
  const index = indexCluster(view);

  it('numbers partitions by topic name, then partition number', () => {
    assert.deepEqual(
      index.partitions.map((_, o) => partitionRefOf(index, o)),
      [
        { topic: 'alpha', partition: 2 },
        { topic: 'alpha', partition: 5 },
        { topic: 'alpha', partition: 10 },
        { topic: 'zeta', partition: 0 },
      ],
    );
    assert.deepEqual([...index.minIsr], [2, 2, 2, 1]);
  });

  it('finds partitions by topic and number, also when numbers are sparse', () => {
    assert.equal(index.ordinalOf('alpha', 10), 2);
    assert.equal(index.ordinalOf('alpha', 5), 1);
    assert.equal(index.ordinalOf('zeta', 0), 3);
    assert.equal(index.ordinalOf('alpha', 3), -1);
    assert.equal(index.ordinalOf('nope', 0), -1);
  });

  it('lists registered brokers and racks', () => {
    assert.deepEqual(index.brokerIds, [1, 2, 3]);
    assert.equal(index.rackByBroker.get(1), 'a');
    assert.equal(index.rackByBroker.get(3), null);
    assert.equal(index.registered.has(4), false);
  });

  it('separates where a reassigning partition is headed from who holds its data', () => {
    const o = index.ordinalOf('alpha', 5);
    assert.equal(index.reassigning[o], 1);
    assert.deepEqual(assignmentOf(index, o), [2, 4]);
    assert.deepEqual(holdersOf(index, o), [2, 3, 4]);
    assert.deepEqual(isrOf(index, o), [2, 3]);
  });

  it('indexes partitions by every holder, including unregistered and adding brokers', () => {
    assert.deepEqual([...(index.partitionsByBroker.get(3) ?? [])], [0, 1]);
    assert.deepEqual([...(index.partitionsByBroker.get(4) ?? [])], [1]);
    assert.deepEqual([...(index.partitionsByBroker.get(1) ?? [])], [0, 2, 3]);
    assert.equal(holdsAnyReplica(index, 4), true);
    assert.equal(holdsAnyReplica(index, 9), false);
  });

  it('indexes current leaders', () => {
    assert.deepEqual([...(index.leadersByBroker.get(2) ?? [])], [1, 2]);
    assert.deepEqual([...(index.leadersByBroker.get(1) ?? [])], [0, 3]);
  });

  it('counts an ISR member missing from the replica list as a holder', () => {
    const odd = indexCluster(clusterOf([1, 2], [{ name: 't', partitions: [{ r: [1], isr: [1, 2] }] }]));
    assert.deepEqual(holdersOf(odd, 0), [1, 2]);
  });

  it('rejects a partition listed twice', () => {
    assert.throws(
      () => indexCluster(clusterOf([1], [{ name: 't', partitions: [{ r: [1] }, { r: [1] }], numbers: [0, 0] }])),
      /lists partition t-0 twice/,
    );
  });

  it('indexes an empty cluster', () => {
    const empty = indexCluster(clusterOf([], []));
    assert.equal(empty.partitions.length, 0);
    assert.equal(empty.partitionsByBroker.size, 0);
  });
});
