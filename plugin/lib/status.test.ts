import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { buildBrokerDirectory } from '../../shared/k8s/identity.js';
import { describeBrokerVolume } from '../../shared/k8s/volumes.js';
import { testPolicy } from '../../shared/safety/testing/policy.js';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { clusterOf } from '../../shared/safety/testing/cluster-builder.js';
import type { ClusterFacts } from '../../shared/ops/snapshot.js';
import { buildStatus } from './status.js';
import { diskCell } from '../commands/status.js';
import { downBrokers } from '../../shared/safety/disruption.js';

const policy = testPolicy();

const pod = (ordinal: number, node: string, ready = true): V1Pod => ({
  metadata: { name: `kafka-${ordinal}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'kafka', uid: 'u', controller: true }] },
  spec: { nodeName: node, containers: [] },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

function facts(pods: V1Pod[], view = clusterOf([0, 1, 2], [
  { name: 'rf3', minIsr: 2, partitions: [{ r: [0, 1, 2] }, { r: [1, 2, 0], isr: [1, 2] }] },
  { name: 'rf1', partitions: [{ r: [2] }] },
])): ClusterFacts {
  const directory = buildBrokerDirectory(pods, policy.spec.brokers.idFrom);
  const nodes = new Map<string, V1Node>([
    ['a1', { metadata: { name: 'a1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } }],
    ['b1', { metadata: { name: 'b1', labels: { 'topology.kubernetes.io/zone': 'zone-b' } } }],
  ]);
  const volumes = new Map([
    ['kafka-0', { volume: describeBrokerVolume('data-kafka-0', { spec: { storageClassName: 'net' }, status: { capacity: { storage: '10Gi' } } }, { metadata: { name: 'pv0' }, spec: {} }), pvc: null, pv: null }],
  ]);
  return { pods, directory, down: downBrokers(pods, directory), pending: { brokers: [], unknown: null }, nodes, volumes, view, index: indexCluster(view), sizes: { ok: true, sizes: new Map([[2, new Map([['rf1\u00000', 2048]])]]), space: new Map([[1, { totalBytes: 4 * 2 ** 30, usableBytes: 2 ** 30 }]]) } };
}

describe('buildStatus', () => {
  test('per broker: placement, volume, counts, and the verdict with its reason', () => {
    const status = buildStatus(facts([pod(0, 'a1'), pod(1, 'b1'), pod(2, 'b1')]), policy, 'kafka');
    const [b0, b1, b2] = status.brokers;
    assert.equal(b0?.zone, 'zone-a');
    assert.equal(b0?.volume?.kind, 'network');
    assert.equal(b0?.volume?.size, '10Gi');
    assert.deepEqual([b0?.replicas, b0?.leaders, b0?.underReplicated, b0?.underMinIsr], [2, 1, 1, 0]);
    // rf3-1 has ISR [1, 2] with min ISR 2: taking 1 or 2 down drops it under; 2 also holds the only copy of rf1-0.
    assert.equal(b0?.safeToDisrupt, true);
    assert.equal(b1?.safeToDisrupt, false);
    assert.match(b1?.reason ?? '', /under min.insync.replicas \(1 partition\)/);
    assert.equal(b2?.soleReplicas, 1);
    assert.match(b2?.reason ?? '', /offline \(1 partition\).*under min/);
    assert.equal(b2?.dataBytes, 2048);
    // Capacity: the claim (10Gi), or the log dir's file system (broker 1: 4 GiB, no claim); broker 2 has neither.
    assert.deepEqual([b0?.capacityBytes, b0?.capacitySource], [10 * 2 ** 30, 'claim']);
    assert.deepEqual([b1?.capacityBytes, b1?.capacitySource], [4 * 2 ** 30, 'log-dir']);
    assert.deepEqual([b2?.capacityBytes, b2?.capacitySource], [null, null]);
    assert.equal(diskCell(b2?.dataBytes ?? null, b2?.capacityBytes ?? null), '2.00 KiB / ?');
    assert.equal(diskCell(b0?.dataBytes ?? null, b0?.capacityBytes ?? null), '? / 10.0 GiB');
    assert.equal(diskCell(null, null), '? / ?');
    assert.equal(diskCell(512 * 2 ** 20, 2 ** 30), '512 MiB / 1.00 GiB (50%)');
    assert.deepEqual(status.totals, { brokers: 3, registeredBrokers: 3, topics: 2, partitions: 3, replicas: 7, underReplicated: 1, underMinIsr: 0, offline: 0, dataBytes: 2048 });
  });

  test('a broker whose pod is down is reported as already down, and others are judged with it down', () => {
    const status = buildStatus(facts([pod(0, 'a1'), pod(1, 'b1', false), pod(2, 'b1')]), policy, 'kafka');
    assert.equal(status.brokers[1]?.ready, false);
    assert.equal(status.brokers[1]?.reason, 'already down (pod not Ready)');
    // With 1 down, rf3-0 (ISR 0,1,2, min 2) cannot lose 0 as well.
    assert.equal(status.brokers[0]?.safeToDisrupt, false);
  });

  test('lists in-flight reassignments and throttles', () => {
    const view = clusterOf([0, 1, 2, 3], [{ name: 't', partitions: [{ r: [3, 0, 2], adding: [3], removing: [2] }] }]);
    view.throttles = { brokers: [{ id: 3, leaderRate: 100, followerRate: 100 }], topics: [] };
    const status = buildStatus(facts([pod(0, 'a1')], view), policy, 'kafka');
    assert.deepEqual(status.reassignments, [{ topic: 't', partition: 0, replicas: [3, 0, 2], adding: [3], removing: [2] }]);
    assert.equal(status.throttles.brokers[0]?.id, 3);
  });
});
