import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { standardCluster } from '../facts/fake.js';
import { startDeadline } from './engine.js';
import { scaleReplicas, statefulSetScaleSubresource } from './statefulset-scale-subresource.js';

describe('statefulset-scale-subresource', () => {
  const request = loadRequest('scale-subresource');

  it('matches statefulsets/scale UPDATE only', () => {
    assert.equal(statefulSetScaleSubresource.matches(request), true);
    assert.equal(statefulSetScaleSubresource.matches(loadRequest('sts-scale')), false);
  });

  it('reads replicas from the Scale (omitted means 0)', () => {
    assert.equal(scaleReplicas({ spec: { replicas: 2 } }), 2);
    assert.equal(scaleReplicas({ spec: {} }), 0);
    assert.equal(scaleReplicas({ spec: { replicas: -1 } }), null);
    assert.equal(scaleReplicas({}), null);
  });

  it('looks the StatefulSet up for its template and refuses removing a broker with replicas', async () => {
    const cluster = standardCluster();
    const located = await statefulSetScaleSubresource.locate(request, cluster);
    assert.ok(located);
    assert.deepEqual([located.subject.from, located.subject.to], [3, 2]);
    assert.ok(cluster.calls.includes('statefulSet'));
    const deadline = startDeadline(1000);
    try {
      const gathered = await statefulSetScaleSubresource.gather(request, located, cluster, { deadline, requestArrivedAt: 0, maxPartitionsNamed: 5 });
      const verdict = statefulSetScaleSubresource.decide(request, gathered);
      assert.equal(verdict.outcome.kind, 'deny');
      if (verdict.outcome.kind !== 'deny') return;
      assert.ok(verdict.outcome.reasons.some((r) => r.rule === 'holds-replicas' && r.remediation === 'kubectl kafka scale kafka --replicas 2 -n kafka'));
    } finally {
      deadline.clear();
    }
  });

  it('uses the StatefulSet replicas when the old Scale is missing', async () => {
    const located = await statefulSetScaleSubresource.locate(loadRequest('scale-subresource', (r) => delete r.request.oldObject), standardCluster());
    assert.equal(located?.subject.from, 3);
  });

  it('ignores StatefulSets that do not exist or scale up', async () => {
    assert.equal(await statefulSetScaleSubresource.locate(loadRequest('scale-subresource', (r) => (r.request.name = 'zk')), standardCluster()), null);
    assert.equal(await statefulSetScaleSubresource.locate(loadRequest('scale-subresource', (r) => (r.request.object.spec.replicas = 5)), standardCluster()), null);
  });

  it('judges a Scale from int32 max to 2 in milliseconds, by the brokers that exist (issue 10)', async () => {
    const huge = loadRequest('scale-subresource', (r) => (r.request.oldObject.spec.replicas = 2 ** 31 - 1));
    const cluster = standardCluster();
    const started = performance.now();
    const located = await statefulSetScaleSubresource.locate(huge, cluster);
    assert.ok(located);
    const deadline = startDeadline(1000);
    try {
      const gathered = await statefulSetScaleSubresource.gather(huge, located, cluster, { deadline, requestArrivedAt: 0, maxPartitionsNamed: 5 });
      assert.deepEqual(gathered.removed.map((b) => b.podName), ['kafka-2']);
      assert.equal(statefulSetScaleSubresource.decide(huge, gathered).allowed, false);
    } finally {
      deadline.clear();
    }
    assert.ok(performance.now() - started < 200);
  });
});
