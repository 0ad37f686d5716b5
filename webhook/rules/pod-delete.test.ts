import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { makePolicy, makeView, standardCluster } from '../facts/fake.js';
import type { PodDisruptionFacts } from './pod-disruption.js';
import { podDelete } from './pod-delete.js';

function facts(over: Partial<PodDisruptionFacts> = {}): PodDisruptionFacts {
  const view = makeView([0, 1, 2], [{ name: 'orders', minIsr: 2, partitions: [{ replicas: [0, 1, 2], isr: [1, 2] }] }]);
  return {
    policy: makePolicy(),
    namespace: 'kafka',
    podName: 'kafka-1',
    podUid: 'uid-kafka-1',
    terminating: false,
    brokerId: { ok: true, id: 1 },
    statefulSet: 'kafka',
    alreadyDown: [],
    pending: { brokers: [], unknown: null, version: '1', breakGlassPods: [] },
    kafka: { ok: true, index: indexCluster(view), fetchedAt: 0 },
    maxPartitionsNamed: 5,
    ...over,
  };
}

describe('pod-delete', () => {
  const byUser = loadRequest('pod-delete');
  const byController = loadRequest('pod-delete', (r) => {
    r.request.userInfo = { username: 'system:serviceaccount:kube-system:statefulset-controller', groups: [] };
  });

  it('refuses with 403 while the delete would drop a partition under min ISR', () => {
    const verdict = podDelete.decide(byUser, facts());
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.code, 403);
    assert.equal(verdict.outcome.summary, 'kafka-guard refused to delete pod kafka/kafka-1 (Kafka broker 1).');
    assert.deepEqual(verdict.outcome.reasons.map((r) => r.rule), ['under-min-isr']);
  });

  it('treats the StatefulSet controller the same, and says it will retry', () => {
    const verdict = podDelete.decide(byController, facts());
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.match(verdict.outcome.summary, /The StatefulSet controller retries the delete/);
  });

  it('allows once the ISR has recovered', () => {
    const healthy = makeView([0, 1, 2], [{ name: 'orders', minIsr: 2, partitions: [{ replicas: [0, 1, 2] }] }]);
    assert.equal(podDelete.decide(byController, facts({ kafka: { ok: true, index: indexCluster(healthy), fetchedAt: 0 } })).allowed, true);
  });

  it('allows deleting a pod that is already terminating (e.g. a force delete)', () => {
    assert.equal(podDelete.decide(byUser, facts({ terminating: true, kafka: null })).allowed, true);
  });

  it('matches pods DELETE only and reads the pod from oldObject without a lookup', async () => {
    assert.equal(podDelete.matches(byUser), true);
    assert.equal(podDelete.matches(loadRequest('eviction')), false);
    const cluster = standardCluster({ pods: [] });
    const located = await podDelete.locate(byUser, cluster);
    assert.equal(located?.subject.podName, 'kafka-1');
    assert.deepEqual(cluster.calls, ['policyFor']);
  });

  it('looks the pod up when oldObject is missing', async () => {
    const cluster = standardCluster();
    const located = await podDelete.locate(loadRequest('pod-delete', (r) => delete r.request.oldObject), cluster);
    assert.equal(located?.subject.podName, 'kafka-1');
    assert.ok(cluster.calls.includes('pod'));
  });
});
