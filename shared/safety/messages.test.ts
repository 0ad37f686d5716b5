import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionList, safeCommand } from './messages.js';

const refs = (n: number) => Array.from({ length: n }, (_, i) => ({ topic: 't', partition: i }));

describe('partitionList', () => {
  it('names up to max partitions, then counts the rest', () => {
    assert.equal(partitionList(refs(1), 5), 't-0');
    assert.equal(partitionList(refs(6), 5), 't-0, t-1, t-2, t-3, t-4 and 1 more');
    assert.equal(partitionList(refs(3), 0), '3 partitions');
  });
});

describe('safeCommand', () => {
  it('builds the kubectl kafka command from what the target names', () => {
    const disrupt = { brokers: [2], kind: 'disrupt' as const };
    const remove = { brokers: [2], kind: 'remove' as const };
    assert.equal(safeCommand(disrupt, [2], { namespace: 'kafka', pod: 'kafka-2' }), 'kubectl kafka maintenance start kafka-2 -n kafka');
    assert.equal(safeCommand(disrupt, [2], undefined), 'kubectl kafka maintenance start --broker 2');
    assert.equal(safeCommand(remove, [2], { namespace: 'kafka', statefulSet: 'kafka', replicas: 2 }), 'kubectl kafka scale kafka --replicas 2 -n kafka');
    // Gone for good with no scale-down to name: a drain, not a maintenance.
    assert.equal(safeCommand(remove, [2], { namespace: 'kafka', pod: 'kafka-2' }), 'kubectl kafka drain kafka-2 -n kafka');
    assert.equal(safeCommand(disrupt, [2, 3], { pod: 'kafka-2' }), 'kubectl kafka maintenance start --broker 2 --broker 3');
  });
});
