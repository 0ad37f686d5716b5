/**
 * The admissions `kubectl kafka resize` causes, through the engine with every
 * rule registered: claims' requests raised, the StatefulSet deleted with
 * --cascade=orphan (no webhook sees a StatefulSet DELETE) and created again
 * with a larger volumeClaimTemplate and the same pod template. All admitted,
 * without a patch to the pod template (that would restart every broker); a
 * shrink on the way is still refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import type { AdmissionRequest } from '../admission/types.js';
import { FakeCluster, makePod, makePolicy, makePvc, makeStatefulSet } from '../facts/fake.js';
import { createMetrics } from '../metrics.js';
import { classify, decide, type EngineDeps, type RouteRules } from './engine.js';
import { MUTATING_RULES, VALIDATING_RULES } from './index.js';

const validate: RouteRules = { route: 'validate', rules: VALIDATING_RULES, onError: 'deny' };
const mutate: RouteRules = { route: 'mutate', rules: MUTATING_RULES, onError: 'admit' };

function deps(cluster: FakeCluster): EngineDeps {
  const quiet = () => undefined;
  return {
    facts: cluster,
    effects: cluster,
    metrics: createMetrics({ processMetrics: false }),
    log: { info: quiet, warn: quiet, error: quiet, debug: quiet },
    settings: { maxPartitionsNamed: 5, ledgerTtlMs: 60_000 },
  };
}

async function run(cluster: FakeCluster, request: AdmissionRequest, route: RouteRules) {
  const classified = classify(route, request);
  if (classified.kind !== 'rules') throw new Error(`not classified: ${classified.kind}`);
  return decide(route, classified.rules, request, deps(cluster), 2000);
}

/** Orphaned broker pods (the garbage collector removed their owner references) and claims mid-resize. */
function cluster(): FakeCluster {
  return new FakeCluster({
    policies: [makePolicy()],
    pods: ['kafka-0', 'kafka-1', 'kafka-2'].map((name) => makePod(name, { statefulSet: null })),
    pvcs: [0, 1, 2].map((i) => makePvc(`data-kafka-${i}`, { size: '2Gi', capacity: '1Gi' })),
    storageClasses: [{ name: 'fast', allowVolumeExpansion: true, isDefault: true }],
    pdbCoversBrokers: true,
    schedulableNodeCount: 4,
  });
}

/** The StatefulSet as kubectl kafka resize creates it again: the live one, template at `size`. */
function recreate(size: string): AdmissionRequest {
  return loadRequest('sts-scale', (review) => {
    const sts = review['request'].object;
    delete sts.status;
    delete sts.metadata.uid;
    delete sts.metadata.resourceVersion;
    sts.spec.replicas = 3;
    sts.spec.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { storageClassName: 'fast', resources: { requests: { storage: size } } } }];
    review['request'].operation = 'CREATE';
    review['request'].oldObject = null;
    review['request'].options = { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' };
  });
}

function growClaim(from: string, to: string): AdmissionRequest {
  return loadRequest('pvc-delete', (review) => {
    const request = review['request'];
    const pvc = (size: string) => ({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-kafka-1', namespace: 'kafka', labels: { 'app.kubernetes.io/name': 'kafka' } },
      spec: { storageClassName: 'fast', resources: { requests: { storage: size } } }, status: { phase: 'Bound', capacity: { storage: from } },
    });
    request.operation = 'UPDATE';
    request.name = 'data-kafka-1';
    request.object = pvc(to);
    request.oldObject = pvc(from);
    request.options = { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' };
  });
}

describe('kubectl kafka resize through the engine', () => {
  it('raising a broker claim is admitted; lowering it below its capacity is refused', async () => {
    // Step 2 runs while the StatefulSet is still there.
    const withStatefulSet = () => Object.assign(cluster(), { statefulSetList: [makeStatefulSet('kafka', { volumes: [{ name: 'data', size: '1Gi' }] })] });
    assert.equal((await run(withStatefulSet(), growClaim('1Gi', '2Gi'), validate)).allowed, true);
    const shrink = await run(withStatefulSet(), growClaim('2Gi', '1Gi'), validate);
    assert.equal(shrink.allowed, false, JSON.stringify(shrink.outcome));
  });

  it('the StatefulSet created again with the larger template is admitted', async () => {
    const verdict = await run(cluster(), recreate('2Gi'), validate);
    assert.equal(verdict.allowed, true, JSON.stringify(verdict.outcome));
  });

  it('created again at the old size while its claims grow is refused, naming them', async () => {
    const verdict = await run(cluster(), recreate('1Gi'), validate);
    assert.equal(verdict.allowed, false);
    assert.match(JSON.stringify(verdict.outcome), /volume-template-shrink.*data-kafka-0 \(2Gi\)/);
  });

  it('the mutating webhook leaves the pod template of a re-created StatefulSet alone (its running brokers would all restart)', async () => {
    const verdict = await run(cluster(), recreate('2Gi'), mutate);
    const ops = verdict.outcome.kind === 'patch' ? verdict.outcome.ops : [];
    assert.deepEqual(ops.map((o) => o.path).filter((p) => p.startsWith('/spec/template')), []);
    assert.ok(ops.length > 0, 'the workload defaults (retention, update strategy) are still applied');
    assert.match(verdict.warnings.join('\n'), /did not apply .* to spec\.template: this StatefulSet takes over broker pods that run already \(kafka-0, kafka-1, kafka-2/);
  });

  it('an ordinary CREATE (no broker pods yet) gets its template defaults', async () => {
    const empty = cluster();
    empty.pods = [];
    const verdict = await run(empty, recreate('2Gi'), mutate);
    const ops = verdict.outcome.kind === 'patch' ? verdict.outcome.ops : [];
    assert.ok(ops.some((o) => o.path.startsWith('/spec/template')), JSON.stringify(ops.map((o) => o.path)));
  });

  it('pods another controller owns do not make a CREATE a re-creation', async () => {
    const owned = cluster();
    owned.pods = owned.pods.map((p) => ({ ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'x', controller: true }] } }));
    const verdict = await run(owned, recreate('2Gi'), mutate);
    const ops = verdict.outcome.kind === 'patch' ? verdict.outcome.ops : [];
    assert.ok(ops.some((o) => o.path.startsWith('/spec/template')));
  });
});
