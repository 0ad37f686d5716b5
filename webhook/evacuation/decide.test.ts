import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideEvacuation, EVACUATION, type EvacuationState, type NodeState } from './decide.js';

const up: NodeState = { unschedulable: false, taints: [] };
const cordoned: NodeState = { unschedulable: true, taints: [] };
const retiring: NodeState = { unschedulable: false, taints: ['ToBeDeletedByClusterAutoscaler'] };

function state(over: Partial<EvacuationState> = {}): EvacuationState {
  return {
    brokers: [
      { id: 0, pod: 'kafka-0', node: 'a', ready: true },
      { id: 1, pod: 'kafka-1', node: 'b', ready: true },
      { id: 2, pod: 'kafka-2', node: 'c', ready: true },
    ],
    nodes: new Map([['a', up], ['b', up], ['c', up]]),
    taints: ['ToBeDeletedByClusterAutoscaler'],
    records: [],
    running: new Set(),
    ending: new Set(),
    ...over,
  };
}

describe('decideEvacuation', () => {
  it('does nothing while no node is going away', () => {
    assert.deepEqual(decideEvacuation(state()), []);
  });

  it('starts a maintenance for the broker on a cordoned node, and for one on a node with a listed taint', () => {
    assert.deepEqual(decideEvacuation(state({ nodes: new Map([['a', up], ['b', up], ['c', cordoned]]) })), [
      { kind: 'start', broker: 2, pod: 'kafka-2', node: 'c', why: 'cordoned' },
    ]);
    assert.deepEqual(decideEvacuation(state({ nodes: new Map([['a', retiring], ['b', up], ['c', up]]) })).map((a) => a.kind === 'start' && a.why), ['tainted ToBeDeletedByClusterAutoscaler']);
    assert.deepEqual(decideEvacuation(state({ nodes: new Map([['a', { unschedulable: false, taints: ['other'] }], ['b', up], ['c', up]]) })), [], 'an unlisted taint is not a reason');
  });

  it('never starts twice: not while one runs, not when a maintenance (anyone\'s) covers the broker', () => {
    const nodes = new Map([['a', up], ['b', up], ['c', cordoned]]);
    assert.deepEqual(decideEvacuation(state({ nodes, running: new Set([2]) })), []);
    assert.deepEqual(decideEvacuation(state({ nodes, records: [{ key: 'kafka.2', brokers: [2], startedBy: 'kubectl kafka' }] })), []);
  });

  it('stops a running start when its node is uncordoned, or the pod has left it', () => {
    assert.deepEqual(decideEvacuation(state({ running: new Set([2]) })).map((a) => a.kind), ['stop']);
    const moved = state({ running: new Set([2]), brokers: [{ id: 2, pod: 'kafka-2', node: null, ready: false }] });
    assert.deepEqual(decideEvacuation(moved), [{ kind: 'stop', broker: 2, why: 'its pod left the node' }]);
  });

  it('ends its own maintenance once the broker is back on a node that stays, and leaves others\' alone', () => {
    const own = { key: 'kafka.2', brokers: [2], startedBy: EVACUATION };
    assert.deepEqual(decideEvacuation(state({ records: [own] })), [{ kind: 'end', key: 'kafka.2', brokers: [2] }]);
    assert.deepEqual(decideEvacuation(state({ records: [{ ...own, startedBy: 'kubectl kafka' }] })), []);
    const notReady = state({ records: [own], brokers: [{ id: 2, pod: 'kafka-2', node: 'c', ready: false }] });
    assert.deepEqual(decideEvacuation(notReady), [], 'ended before the broker is back');
    assert.deepEqual(decideEvacuation(state({ records: [own], nodes: new Map([['a', up], ['b', up], ['c', cordoned]]) })), [], 'ended while the node is still going away');
    assert.deepEqual(decideEvacuation(state({ records: [own], ending: new Set(['kafka.2']) })), [], 'ended twice');
  });
});
