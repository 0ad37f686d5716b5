import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run as runCel, type CelInput } from '@bufbuild/cel';
import { loadReview, type FixtureName, type Review } from '../test/fixtures/admission/load.js';
import { buildApp } from './app.js';
import { parseConfig } from './config.js';
import { standardCluster } from './facts/fake.js';
import {
  NODEPOOL_MATCH_CONDITION, POD_LABELS_MATCH_CONDITION, POD_MATCH_CONDITION, PVC_MATCH_CONDITION, STATEFULSET_MATCH_CONDITION, webhookConfigurations,
} from './registration.js';

/** JSON as the apiserver hands it to CEL: objects are maps, whole numbers are ints. */
function toCel(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'object' && value !== null) return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return (typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value) as CelInput;
}

/**
 * Evaluates a matchCondition with a conformance-tested CEL evaluator. An
 * expression that errors (a missing field read without has()) fails the test:
 * in the apiserver it would fall back to failurePolicy Fail and refuse. The
 * real apiserver evaluates them in test/e2e/webhook-scoping.e2e.test.ts.
 */
function evaluate(expression: string, variables: { request: unknown; object: unknown; oldObject: unknown }): boolean {
  const result = runCel(expression, { request: toCel(variables.request), object: toCel(variables.object), oldObject: toCel(variables.oldObject) });
  assert.equal(typeof result, 'boolean', `${expression} gave ${result instanceof Error ? result.message : String(result)}`);
  return result as boolean;
}

/** A fixture's review after `edit`, and what its matchCondition variables are. */
function variant(name: FixtureName, edit: (request: Review) => void = () => undefined) {
  const review = loadReview(name);
  edit(review.request);
  return { review, variables: { request: review.request, object: review.request.object ?? null, oldObject: review.request.oldObject ?? null } };
}

const BREAK_GLASS = 'kafkaguard.io/allow-disruption';
const registrations = webhookConfigurations({ clientConfig: (path) => ({ url: `https://127.0.0.1:8443${path}` }), ownNamespace: 'kafka-guard' });
type Hook = { name: string; rules: Array<{ operations: string[]; resources: string[] }>; matchConditions?: Array<{ name: string; expression: string }> };
const [mutating, validating] = registrations.map((c) => c.webhooks as Hook[]) as [Hook[], Hook[]];
const hook = (hooks: Hook[], name: string) => {
  const found = hooks.find((h) => h.name === name);
  assert.ok(found, `no webhook ${name}`);
  return found;
};

describe('webhook registrations: matchConditions', () => {
  it('puts each condition on its webhook, and none on the mutating webhook or policy validation', () => {
    assert.deepEqual(hook(validating, 'pods.validate.kafkaguard.io').matchConditions, [POD_MATCH_CONDITION, POD_LABELS_MATCH_CONDITION]);
    assert.deepEqual(hook(validating, 'statefulsets.validate.kafkaguard.io').matchConditions, [STATEFULSET_MATCH_CONDITION]);
    assert.deepEqual(hook(validating, 'pvcs.validate.kafkaguard.io').matchConditions, [PVC_MATCH_CONDITION]);
    assert.deepEqual(hook(validating, 'nodepools.validate.kafkaguard.io').matchConditions, [NODEPOOL_MATCH_CONDITION]);
    assert.equal(hook(validating, 'policies.validate.kafkaguard.io').matchConditions, undefined);
    // The defaults are injected on every StatefulSet CREATE and UPDATE: nothing may be filtered there.
    assert.equal(hook(mutating, 'defaults.mutate.kafkaguard.io').matchConditions, undefined);
  });

  it('has no objectSelector: policies choose brokers by their own selectors (docs/adr/0001)', () => {
    for (const h of [...mutating, ...validating]) assert.equal((h as { objectSelector?: unknown }).objectSelector, undefined, h.name);
  });

  const statefulSets: Array<[string, FixtureName, (r: Review) => void, boolean]> = [
    ['a replicas decrease', 'sts-scale', () => undefined, true],
    ['a replicas increase', 'sts-scale', (r) => (r.object.spec.replicas = 4), false],
    ['a label added', 'sts-scale', (r) => { r.object.spec.replicas = 3; r.object.metadata.labels = { team: 'data' }; }, false],
    // The image may name another Kafka release: statefulset-kafka-version looks at it.
    ['an image bump', 'sts-scale', (r) => { r.object.spec.replicas = 3; r.object.spec.template.spec.containers[0].image = 'apache/kafka:4.1.1'; }, true],
    ['an annotation on the StatefulSet itself', 'sts-scale', (r) => { r.object.spec.replicas = 3; r.object.metadata.annotations = { note: 'x' }; }, false],
    ['a volumeClaimTemplate resized', 'sts-scale', (r) => { r.object.spec.replicas = 3; r.object.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '50Gi'; }, true],
    ['a volumeClaimTemplate added', 'sts-scale', (r) => { r.object.spec.replicas = 3; r.object.spec.volumeClaimTemplates.push({ metadata: { name: 'logs' } }); }, true],
    ['volumeClaimTemplates removed', 'sts-scale', (r) => { r.object.spec.replicas = 3; delete r.object.spec.volumeClaimTemplates; }, true],
    ['the retention policy set to Delete', 'sts-scale', (r) => { r.object.spec.replicas = 3; r.object.spec.persistentVolumeClaimRetentionPolicy.whenScaled = 'Delete'; }, true],
    ['no replicas, volumeClaimTemplates or retention policy at all', 'sts-scale', (r) => {
      for (const o of [r.object, r.oldObject]) { delete o.spec.replicas; delete o.spec.volumeClaimTemplates; delete o.spec.persistentVolumeClaimRetentionPolicy; }
    }, false],
    ['replicas dropped (defaults to 1) from 3', 'sts-scale', (r) => delete r.object.spec.replicas, true],
    ['an update without spec', 'sts-scale', (r) => { delete r.object.spec; delete r.oldObject.spec; }, false],
    ['a CREATE', 'sts-scale', (r) => { r.operation = 'CREATE'; r.oldObject = null; }, true],
    ['a scale subresource decrease', 'scale-subresource', () => undefined, true],
    ['a scale subresource to 0 (replicas omitted)', 'scale-subresource', (r) => delete r.object.spec.replicas, true],
    ['a scale subresource increase', 'scale-subresource', (r) => (r.object.spec.replicas = 5), false],
    ['a scale subresource with the same count', 'scale-subresource', (r) => (r.object.spec.replicas = 3), false],
  ];
  for (const [name, fixture, edit, expected] of statefulSets) {
    it(`StatefulSet: ${expected ? 'sends' : 'skips'} ${name}`, () => {
      assert.equal(evaluate(STATEFULSET_MATCH_CONDITION.expression, variant(fixture, edit).variables), expected);
    });
  }

  const pvcUpdate = (r: Review) => {
    r.operation = 'UPDATE';
    r.object = structuredClone(r.oldObject);
  };
  const pvcs: Array<[string, (r: Review) => void, boolean]> = [
    ['a DELETE', () => undefined, true],
    ['a label added', (r) => { pvcUpdate(r); r.object.metadata.labels.team = 'data'; }, false],
    ['the binder setting volumeName', (r) => { pvcUpdate(r); delete r.oldObject.spec.volumeName; }, false],
    ['a storage request lowered', (r) => { pvcUpdate(r); r.object.spec.resources.requests.storage = '50Gi'; }, true],
    ['a storage request raised', (r) => { pvcUpdate(r); r.object.spec.resources.requests.storage = '200Gi'; }, true],
    ['a storage request removed', (r) => { pvcUpdate(r); delete r.object.spec.resources.requests; }, true],
    ['no storage request before or after', (r) => { pvcUpdate(r); delete r.object.spec.resources; delete r.oldObject.spec.resources; }, false],
  ];
  for (const [name, edit, expected] of pvcs) {
    it(`PVC: ${expected ? 'sends' : 'skips'} ${name}`, () => {
      assert.equal(evaluate(PVC_MATCH_CONDITION.expression, variant('pvc-delete', edit).variables), expected);
    });
  }

  it('KafkaNodePool: sends storage changes only, and never errors on missing fields', () => {
    const pool = (storage: unknown) => ({ metadata: { name: 'brokers' }, spec: storage === undefined ? {} : { replicas: 3, storage } });
    const request = { operation: 'UPDATE' };
    const size = (s: string) => ({ type: 'persistent-claim', size: s });
    assert.equal(evaluate(NODEPOOL_MATCH_CONDITION.expression, { request, object: pool(size('50Gi')), oldObject: pool(size('100Gi')) }), true);
    assert.equal(evaluate(NODEPOOL_MATCH_CONDITION.expression, { request, object: { ...pool(size('100Gi')), metadata: { name: 'brokers', labels: { a: 'b' } } }, oldObject: pool(size('100Gi')) }), false);
    assert.equal(evaluate(NODEPOOL_MATCH_CONDITION.expression, { request, object: pool(undefined), oldObject: pool(undefined) }), false);
    assert.equal(evaluate(NODEPOOL_MATCH_CONDITION.expression, { request, object: { metadata: {} }, oldObject: { metadata: {} } }), false);
  });

  it('pods: sends evictions and deletes, skips the final delete of a terminating pod', () => {
    assert.equal(evaluate(POD_MATCH_CONDITION.expression, variant('eviction').variables), true);
    assert.equal(evaluate(POD_MATCH_CONDITION.expression, variant('pod-delete').variables), true);
    assert.equal(evaluate(POD_MATCH_CONDITION.expression, variant('pod-delete', (r) => (r.oldObject.metadata.deletionTimestamp = '2024-01-01T00:00:00Z')).variables), false);
  });
});

/** A pod UPDATE made from the pod-delete fixture: object starts as a copy of oldObject. */
const podUpdate = (r: Review) => {
  r.operation = 'UPDATE';
  r.object = structuredClone(r.oldObject);
};
const podUpdates: Array<[string, (r: Review) => void, boolean]> = [
  ['a selector label removed', (r) => { podUpdate(r); delete r.object.metadata.labels['app.kubernetes.io/name']; }, true],
  ['a selector label changed', (r) => { podUpdate(r); r.object.metadata.labels['app.kubernetes.io/name'] = 'zookeeper'; }, true],
  ['an unrelated label added', (r) => { podUpdate(r); r.object.metadata.labels.team = 'data'; }, true],
  ['all labels removed', (r) => { podUpdate(r); delete r.object.metadata.labels; }, true],
  ['an annotation added', (r) => { podUpdate(r); r.object.metadata.annotations = { note: 'x' }; }, false],
  ['an image bump', (r) => { podUpdate(r); r.object.spec.containers[0].image = 'apache/kafka:4.1.1'; }, false],
  ['nothing changed', (r) => podUpdate(r), false],
  ['no labels before or after', (r) => { podUpdate(r); delete r.object.metadata.labels; delete r.oldObject.metadata.labels; }, false],
  // pod-break-glass: setting or changing the break-glass annotation reaches it; removing it does not.
  ['the break-glass annotation set', (r) => { podUpdate(r); r.object.metadata.annotations = { [BREAK_GLASS]: 'disk swap' }; }, true],
  ['the break-glass annotation set beside others', (r) => {
    r.oldObject.metadata.annotations = { note: 'x' };
    podUpdate(r);
    r.object.metadata.annotations[BREAK_GLASS] = 'disk swap';
  }, true],
  ['the break-glass value changed', (r) => {
    r.oldObject.metadata.annotations = { [BREAK_GLASS]: 'first' };
    podUpdate(r);
    r.object.metadata.annotations[BREAK_GLASS] = 'second';
  }, true],
  ['the break-glass annotation removed', (r) => {
    r.oldObject.metadata.annotations = { [BREAK_GLASS]: 'first' };
    podUpdate(r);
    delete r.object.metadata.annotations[BREAK_GLASS];
  }, false],
  ['the break-glass annotation emptied', (r) => {
    r.oldObject.metadata.annotations = { [BREAK_GLASS]: 'first' };
    podUpdate(r);
    r.object.metadata.annotations[BREAK_GLASS] = '';
  }, false],
  ['another annotation changed beside an unchanged break-glass', (r) => {
    r.oldObject.metadata.annotations = { [BREAK_GLASS]: 'first', note: 'a' };
    podUpdate(r);
    r.object.metadata.annotations.note = 'b';
  }, false],
  ['all annotations removed, break-glass among them', (r) => {
    r.oldObject.metadata.annotations = { [BREAK_GLASS]: 'first' };
    podUpdate(r);
    delete r.object.metadata.annotations;
  }, false],
];

describe('webhook registrations: pod UPDATE reaches the webhook only when labels change or break-glass is set', () => {
  for (const [name, edit, expected] of podUpdates) {
    it(`pods: ${expected ? 'sends' : 'skips'} ${name}`, () => {
      const { variables } = variant('pod-delete', edit);
      assert.equal(evaluate(POD_LABELS_MATCH_CONDITION.expression, variables), expected);
      // The delete condition lets every UPDATE through; the label condition decides.
      assert.equal(evaluate(POD_MATCH_CONDITION.expression, variables), true);
    });
  }

  it('pods: the label condition lets deletes and evictions through', () => {
    assert.equal(evaluate(POD_LABELS_MATCH_CONDITION.expression, variant('eviction').variables), true);
    assert.equal(evaluate(POD_LABELS_MATCH_CONDITION.expression, variant('pod-delete').variables), true);
  });

  it('registers pods UPDATE on the validating pods webhook', () => {
    const rules = hook(validating, 'pods.validate.kafkaguard.io').rules;
    assert.ok(rules.some((r) => r.resources.includes('pods') && r.operations.includes('UPDATE')));
  });
});

describe('webhook registrations: nothing a rule refuses is filtered out', () => {
  const config = parseConfig([], {});
  if (!config.ok) throw new Error(config.errors.join('; '));
  // The fake cluster's broker volumes are 100Gi, the StatefulSet's template too.
  const updates: Array<[string, (r: Review) => void]> = [
    ['a replicas decrease', () => undefined],
    ['a label added', (r) => { r.object.spec.replicas = 3; r.object.metadata.labels = { team: 'data' }; }],
    ['an annotation on the StatefulSet itself', (r) => { r.object.spec.replicas = 3; r.object.metadata.annotations = { note: 'x' }; }],
    ['a volumeClaimTemplate shrunk', (r) => { r.object.spec.replicas = 3; r.object.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '50Gi'; }],
    ['whenScaled set to Delete', (r) => { r.object.spec.replicas = 3; r.object.spec.persistentVolumeClaimRetentionPolicy.whenScaled = 'Delete'; }],
    ['a label added while whenDeleted already was Delete', (r) => {
      r.object.spec.replicas = 3;
      r.object.metadata.labels = { team: 'data' };
      for (const o of [r.object, r.oldObject]) o.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = 'Delete';
    }],
    ['an old template mismatch kept while relabelling', (r) => {
      r.object.spec.replicas = 3;
      r.object.metadata.labels = { team: 'data' };
      for (const o of [r.object, r.oldObject]) o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '50Gi';
    }],
    ['a replicas increase', (r) => (r.object.spec.replicas = 4)],
  ];
  for (const [name, edit] of updates) {
    it(`StatefulSet UPDATE: ${name}`, async () => {
      const app = buildApp(config.config, { facts: standardCluster(), effects: standardCluster(), readiness: () => ({ ready: true }), logger: false });
      try {
        const { review, variables } = variant('sts-scale', edit);
        const response = await app.inject({ method: 'POST', url: '/validate', payload: review });
        const allowed = (JSON.parse(response.body) as Review).response.allowed as boolean;
        const sent = evaluate(STATEFULSET_MATCH_CONDITION.expression, variables);
        assert.ok(sent || allowed, 'the webhook would refuse an update its matchCondition keeps away from it');
        // And the condition is not wider than needed: what it sends, some rule refuses here.
        assert.equal(sent, !allowed);
      } finally {
        await app.close();
      }
    });
  }
});

describe('webhook registrations: a pod UPDATE a rule refuses is never filtered out', () => {
  const config = parseConfig([], {});
  if (!config.ok) throw new Error(config.errors.join('; '));
  // Nobody may set break-glass here, so every edit that sets it is refused and must be sent.
  const cluster = () => standardCluster({ policy: { breakGlass: { allowedUsers: [] } } });
  for (const [name, edit] of podUpdates) {
    it(`pods UPDATE: ${name}`, async () => {
      const app = buildApp(config.config, { facts: cluster(), effects: cluster(), readiness: () => ({ ready: true }), logger: false });
      try {
        const { review, variables } = variant('pod-delete', edit);
        const response = await app.inject({ method: 'POST', url: '/validate', payload: review });
        assert.equal(response.statusCode, 200, response.body);
        const allowed = (JSON.parse(response.body) as Review).response.allowed as boolean;
        assert.ok(evaluate(POD_LABELS_MATCH_CONDITION.expression, variables) || allowed, 'refused but filtered out');
        if (name.startsWith('the break-glass annotation set') || name === 'the break-glass value changed') assert.equal(allowed, false, 'a set nobody may make was admitted');
      } finally {
        await app.close();
      }
    });
  }
});
