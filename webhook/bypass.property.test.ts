/**
 * Fuzz tests for "no way around the guard, and no way to stall it" (issue 10):
 * random label edits, random replica numbers (huge, negative, fractional, not
 * numbers), random kinds, and random keys such as __proto__ in labels,
 * annotations and matchLabels.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { matchesSelector } from '../shared/k8s/selector.js';
import type { LabelSelector } from '../shared/policy/types.js';
import { loadRequest, loadReview, type Review } from '../test/fixtures/admission/load.js';
import { buildApp, type WebhookApp } from './app.js';
import { parseConfig } from './config.js';
import { makePod, standardCluster } from './facts/fake.js';
import { createMetrics, KIND_LABELS, kindLabel } from './metrics.js';
import { startDeadline } from './rules/engine.js';
import { brokenSelectorLabels } from './rules/pod-selector-labels.js';
import { statefulSetScaleDown } from './rules/statefulset-scale-down.js';

const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const key = fc.oneof(fc.constantFrom('app.kubernetes.io/name', 'tier', 'canary', ...NASTY_KEYS), fc.string({ maxLength: 8 }));
const value = fc.constantFrom('kafka', 'broker', 'combined', 'x', '');
/** Own properties only, whatever the keys (Object.fromEntries never sets a prototype). */
const labels = fc.array(fc.tuple(key, value), { maxLength: 6 }).map((entries) => Object.fromEntries(entries) as Record<string, string>);

const config = (() => {
  const parsed = parseConfig([], {});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
})();
const apps: WebhookApp[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

function assertNotPolluted(): void {
  for (const nasty of ['polluted', 'x', 'kafka']) assert.equal(({} as Record<string, unknown>)[nasty], undefined);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
}

describe('fuzz: label edits of broker pods', () => {
  const selector = fc.record({
    matchLabels: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 2 }).map((e) => Object.fromEntries(e) as Record<string, string>),
    matchExpressions: fc.array(
      fc.record({ key, operator: fc.constantFrom('In' as const, 'NotIn' as const, 'Exists' as const, 'DoesNotExist' as const), values: fc.array(value, { maxLength: 2 }) }),
      { maxLength: 2 },
    ),
  });

  it('an edit of a matching pod breaks a requirement exactly when the pod no longer matches', () => {
    fc.assert(
      fc.property(selector, labels, labels, (sel: LabelSelector, before, after) => {
        const broken = brokenSelectorLabels(sel, before, after);
        if (matchesSelector(before, sel)) assert.equal(broken.length > 0, !matchesSelector(after, sel));
        for (const b of broken) {
          assert.equal(b.before, Object.hasOwn(before, b.key) ? before[b.key] : null);
          assert.equal(b.after, Object.hasOwn(after, b.key) ? after[b.key] : null);
        }
        assertNotPolluted();
      }),
      { numRuns: 2000 },
    );
  });

  it('the webhook refuses a live broker\'s edit exactly when it leaves the selector', async () => {
    const app = buildApp(config, { facts: standardCluster(), effects: standardCluster(), readiness: () => ({ ready: true }), logger: false });
    apps.push(app);
    await fc.assert(
      fc.asyncProperty(labels, fc.boolean(), async (extra, dropName) => {
        const review = loadReview('pod-delete');
        const r = review.request;
        r.operation = 'UPDATE';
        r.object = structuredClone(r.oldObject);
        const next: Record<string, string> = Object.fromEntries([...Object.entries(r.oldObject.metadata.labels as Record<string, string>), ...Object.entries(extra)]);
        if (dropName) delete next['app.kubernetes.io/name'];
        r.object.metadata.labels = next;
        const response = await app.inject({ method: 'POST', url: '/validate', payload: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
        assert.equal(response.statusCode, 200, response.body);
        const leaves = !matchesSelector(next, { matchLabels: { 'app.kubernetes.io/name': 'kafka' } });
        assert.equal((JSON.parse(response.body) as Review).response.allowed, !leaves);
        assertNotPolluted();
      }),
      { numRuns: 150 },
    );
  });
});

describe('fuzz: replica numbers from the request', () => {
  const replicas = fc.oneof(
    fc.integer({ min: 0, max: 6 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.constantFrom(2 ** 31 - 1, 2 ** 53 - 1, Number.MAX_SAFE_INTEGER, 1e300, -1, -(2 ** 31)),
    fc.integer({ min: -(2 ** 31), max: -1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom('3', null, true, {}, []),
  );
  /** What a StatefulSet's spec.replicas means: non-negative integers as they are, anything else 1. */
  const effective = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 1);

  it('every scale-down finishes in milliseconds and refuses exactly when broker 0, 1 or 2 (they hold replicas) goes', async () => {
    await fc.assert(
      fc.asyncProperty(replicas, replicas, async (from, to) => {
        const request = loadRequest('sts-scale', (review) => {
          review.request.oldObject.spec.replicas = from;
          review.request.object.spec.replicas = to;
        });
        const cluster = standardCluster();
        const started = performance.now();
        const located = await statefulSetScaleDown.locate(request, cluster);
        const [f, t] = [effective(from), effective(to)];
        let allowed = true;
        if (located !== null) {
          const deadline = startDeadline(1000);
          try {
            const gathered = await statefulSetScaleDown.gather(request, located, cluster, { deadline, requestArrivedAt: 0, maxPartitionsNamed: 5 });
            allowed = statefulSetScaleDown.decide(request, gathered).allowed;
          } finally {
            deadline.clear();
          }
        }
        assert.ok(performance.now() - started < 250, `from ${String(from)} to ${String(to)} took too long`);
        assert.equal(allowed, !(t < f && t < 3), `from ${String(from)} to ${String(to)}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: kinds from the request', () => {
  it('kindLabel only ever gives a registered kind or "other"', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...KIND_LABELS, ...NASTY_KEYS)), (kind) => {
        const label = kindLabel(kind);
        assert.ok(label === 'other' || (KIND_LABELS.has(label) && label === kind));
      }),
      { numRuns: 2000 },
    );
  });

  it('random kinds on the webhook add no series', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const app = buildApp(config, { facts: standardCluster(), effects: standardCluster(), readiness: () => ({ ready: true }), logger: false, metrics });
    apps.push(app);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30 }), async (kind) => {
        const review = loadReview('pod-delete');
        review.request.kind = { group: '', version: 'v1', kind };
        await app.inject({ method: 'POST', url: '/validate', payload: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
      }),
      { numRuns: 200 },
    );
    const text = await metrics.registry.metrics();
    const kinds = new Set([...text.matchAll(/kafkaguard_admission_requests_total\{[^}]*kind="([^"]*)"/g)].map((m) => m[1]));
    for (const kind of kinds) assert.ok(['other', 'Pod', 'invalid'].includes(kind ?? ''), `unexpected kind label ${kind}`);
  });
});

describe('fuzz: __proto__, constructor and prototype keys in labels, annotations and matchLabels', () => {
  it('every valid review gets a decision, the same as without the extra keys, and nothing is polluted', async () => {
    const app = buildApp(config, {
      facts: standardCluster({ isr: [[1, 2], [1, 2], [2, 1]], pods: [makePod('kafka-0'), makePod('kafka-1'), makePod('kafka-2')] }),
      effects: standardCluster(),
      readiness: () => ({ ready: true }),
      logger: false,
    });
    apps.push(app);
    const post = async (review: Review) => {
      const response = await app.inject({ method: 'POST', url: '/validate', payload: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
      assert.equal(response.statusCode, 200, response.body);
      return JSON.parse(response.body) as Review;
    };
    const plain = await post(loadReview('pod-delete'));
    const extras = fc.array(fc.tuple(fc.constantFrom(...NASTY_KEYS), fc.oneof(value, fc.constant({ polluted: 'yes' }))), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(extras, extras, async (labelExtras, annotationExtras) => {
        const review = loadReview('pod-delete');
        const meta = review.request.oldObject.metadata;
        meta.labels = Object.fromEntries([...Object.entries(meta.labels as Record<string, string>), ...labelExtras]);
        meta.annotations = Object.fromEntries(annotationExtras);
        assert.ok(JSON.stringify(review).includes(`"${labelExtras[0]?.[0]}"`));
        const answer = await post(review);
        assert.equal(answer.response.allowed, plain.response.allowed);
        assertNotPolluted();
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(extras, async (matchExtras) => {
        const review = loadReview('policy-create');
        const selector = review.request.object.spec.brokers.selector;
        selector.matchLabels = Object.fromEntries([...Object.entries(selector.matchLabels as Record<string, string>), ...matchExtras]);
        const answer = await post(review);
        // __proto__ is no valid label key; constructor etc. are. A decision either way, never a failed call.
        assert.equal(typeof answer.response.allowed, 'boolean');
        if (matchExtras.some(([k]) => k === '__proto__')) assert.equal(answer.response.allowed, false);
        assertNotPolluted();
      }),
      { numRuns: 100 },
    );
  });
});
