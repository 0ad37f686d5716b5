import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import type { LabelSelector } from '../../shared/policy/types.js';
import type { AdmissionRequest } from '../admission/types.js';
import { standardCluster, makePod, type PolicyOptions } from '../facts/fake.js';
import { createMetrics } from '../metrics.js';
import { classify, decide, type EngineDeps, type RouteRules } from './engine.js';
import { VALIDATING_RULES } from './index.js';
import { brokenSelectorLabels, podSelectorLabels } from './pod-selector-labels.js';

const BREAK_GLASS = 'kafkaguard.io/allow-disruption';
const NAME = 'app.kubernetes.io/name';

/** A pod UPDATE of kafka-1 from the pod-delete fixture; `edit` changes the new object's labels. */
function labelEdit(edit: (labels: Record<string, string>) => void, old: (pod: Record<string, any>) => void = () => undefined): AdmissionRequest {
  return loadRequest('pod-delete', (review) => {
    const r = review.request;
    r.operation = 'UPDATE';
    old(r.oldObject);
    r.object = structuredClone(r.oldObject);
    edit(r.object.metadata.labels);
  });
}

async function judge(request: AdmissionRequest, policy: PolicyOptions = {}, podAnnotations: Record<string, string> = {}) {
  const cluster = standardCluster({ policy, pods: [makePod('kafka-0'), makePod('kafka-1', { annotations: podAnnotations }), makePod('kafka-2')] });
  const deps: EngineDeps = {
    facts: cluster,
    effects: cluster,
    metrics: createMetrics({ processMetrics: false }),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    settings: { maxPartitionsNamed: 5, ledgerTtlMs: 60_000 },
  };
  const routeRules: RouteRules = { route: 'validate', rules: VALIDATING_RULES, onError: 'deny' };
  const classified = classify(routeRules, request);
  assert.equal(classified.kind, 'rules');
  if (classified.kind !== 'rules') throw new Error('unreachable');
  return { verdict: await decide(routeRules, classified.rules, request, deps, 1000), cluster };
}

describe('brokenSelectorLabels', () => {
  const selector: LabelSelector = {
    matchLabels: { [NAME]: 'kafka' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['broker', 'combined'] },
      { key: 'canary', operator: 'DoesNotExist' },
    ],
  };
  const before = { [NAME]: 'kafka', tier: 'broker', other: 'x' };
  const table: Array<[string, Record<string, string>, Array<[string, string | null, string | null]>]> = [
    ['nothing changed', { ...before }, []],
    ['an unrelated label removed', { [NAME]: 'kafka', tier: 'broker' }, []],
    ['the name label removed', { tier: 'broker', other: 'x' }, [[NAME, 'kafka', null]]],
    ['the name label changed', { ...before, [NAME]: 'zookeeper' }, [[NAME, 'kafka', 'zookeeper']]],
    ['tier changed within the In values', { ...before, tier: 'combined' }, []],
    ['tier changed out of the In values', { ...before, tier: 'controller' }, [['tier', 'broker', 'controller']]],
    ['a canary label added', { ...before, canary: 'true' }, [['canary', null, 'true']]],
    ['every label removed', {}, [[NAME, 'kafka', null], ['tier', 'broker', null]]],
  ];
  for (const [name, after, expected] of table) {
    it(name, () => {
      assert.deepEqual(
        brokenSelectorLabels(selector, before, after).map((b) => [b.key, b.before, b.after]),
        expected,
      );
    });
  }

  it('never reads inherited properties for keys such as constructor', () => {
    const sel = { matchLabels: { constructor: 'x' } };
    assert.deepEqual(brokenSelectorLabels(sel, { constructor: 'x' }, {}).map((b) => b.key), ['constructor']);
    assert.deepEqual(brokenSelectorLabels(sel, {}, {}), []);
  });
});

describe('pod-selector-labels through the engine', () => {
  it('refuses removing a live broker pod\'s selector label, naming the label and the safe ways', async () => {
    const { verdict } = await judge(labelEdit((labels) => delete labels[NAME]));
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.code, 403);
    assert.equal(verdict.outcome.summary, 'kafka-guard refused to change the labels of pod kafka/kafka-1 (Kafka broker 1).');
    const reason = verdict.outcome.reasons.find((r) => r.rule === 'selector-labels');
    assert.ok(reason);
    assert.match(reason.message, /removes label app\.kubernetes\.io\/name \(was "kafka"\)/);
    assert.match(reason.message, /kubectl kafka drain kafka-1 -n kafka/);
    assert.match(reason.message, /kubectl kafka scale/);
    assert.equal(reason.remediation, 'keep the label: kubectl label pod kafka-1 app.kubernetes.io/name=kafka --overwrite -n kafka');
  });

  it('refuses changing the label value too', async () => {
    const { verdict } = await judge(labelEdit((labels) => (labels[NAME] = 'kafka-old')));
    assert.equal(verdict.allowed, false);
  });

  const allowed: Array<[string, AdmissionRequest]> = [
    ['adding an unrelated label', labelEdit((labels) => (labels['team'] = 'data'))],
    ['removing an unrelated label', labelEdit((labels) => delete labels['app.kubernetes.io/instance'])],
    ['relabelling a pod that is not Ready', labelEdit((labels) => delete labels[NAME], (pod) => (pod.status.conditions = [{ type: 'Ready', status: 'False' }]))],
    ['relabelling a terminating pod', labelEdit((labels) => delete labels[NAME], (pod) => (pod.metadata.deletionTimestamp = '2024-01-01T00:00:00Z'))],
    ['relabelling a pod no policy selects', labelEdit((labels) => delete labels[NAME], (pod) => (pod.metadata.labels = { [NAME]: 'zookeeper' }))],
  ];
  for (const [name, request] of allowed) {
    it(`allows ${name}`, async () => {
      assert.equal((await judge(request)).verdict.allowed, true);
    });
  }

  it('mode Warn admits with a warning; mode Off and guards.podDelete false admit silently', async () => {
    const remove = labelEdit((labels) => delete labels[NAME]);
    const warn = (await judge(remove, { mode: 'Warn' })).verdict;
    assert.equal(warn.allowed, true);
    assert.match(warn.warnings.join('\n'), /app\.kubernetes\.io\/name/);
    for (const policy of [{ mode: 'Off' as const }, { guards: { podDelete: false } }]) {
      const verdict = (await judge(remove, policy)).verdict;
      assert.equal(verdict.allowed, true);
      assert.deepEqual(verdict.warnings, []);
    }
  });

  it('break-glass on the pod admits with a warning, and is left in place (consuming it would make the apiserver retry the update)', async () => {
    const remove = labelEdit(
      (labels) => delete labels[NAME],
      (pod) => (pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [BREAK_GLASS]: 'retiring by hand, ticket 42' }),
    );
    const { verdict, cluster } = await judge(remove, {}, { [BREAK_GLASS]: 'retiring by hand, ticket 42' });
    assert.equal(verdict.allowed, true);
    assert.match(verdict.warnings.join('\n'), /break-glass annotation kafkaguard\.io\/allow-disruption on pod kafka\/kafka-1 \("retiring by hand, ticket 42"\)/);
    assert.equal(cluster.consumed.length, 0);
  });

  it('matches pod UPDATEs only', () => {
    assert.equal(podSelectorLabels.matches(labelEdit(() => undefined)), true);
    assert.equal(podSelectorLabels.matches(loadRequest('pod-delete')), false);
    assert.equal(podSelectorLabels.matches(loadRequest('eviction')), false);
  });
});
