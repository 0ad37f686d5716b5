import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { loadReview, type FixtureName, type Review } from '../test/fixtures/admission/load.js';
import { buildApp, type AppDeps, type WebhookApp } from './app.js';
import { parseConfig, type WebhookConfig } from './config.js';
import { FakeCluster, makePod, standardCluster } from './facts/fake.js';
import { createMetrics } from './metrics.js';

function testConfig(argv: string[] = []): WebhookConfig {
  const parsed = parseConfig(['--body-limit-bytes', String(64 * 1024), ...argv], {});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

const apps: WebhookApp[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

function appFor(cluster: FakeCluster, over: Partial<AppDeps> = {}, config = testConfig()): WebhookApp {
  const app = buildApp(config, { facts: cluster, effects: cluster, readiness: () => ({ ready: true }), logger: false, ...over });
  apps.push(app);
  return app;
}

async function post(app: WebhookApp, url: string, payload: unknown, headers: Record<string, string> = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const response = await app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.statusCode, json: response.body === '' ? null : (JSON.parse(response.body) as Review), raw: response.body };
}

function unsafe(mode: 'Enforce' | 'Warn' | 'Off' = 'Enforce', annotations: Record<string, string> = {}): FakeCluster {
  return standardCluster({
    policy: { mode },
    isr: [[1, 2], [1, 2], [2, 1]],
    pods: [makePod('kafka-0'), makePod('kafka-1', { annotations }), makePod('kafka-2')],
  });
}

describe('POST /validate: requests that are not AdmissionReviews', () => {
  const app = appFor(standardCluster());

  const bad: Array<[string, () => { payload: unknown; headers?: Record<string, string> }, number, RegExp]> = [
    ['a body that is not JSON', () => ({ payload: '{"apiVersion": "admission.k8s.io/v1",' }), 400, /the request body is not JSON \(.*\); expected an admission.k8s.io\/v1 AdmissionReview/],
    ['an empty body', () => ({ payload: '' }), 400, /the request body is empty/],
    ['a JSON object with only __proto__', () => ({ payload: '{"__proto__": {"polluted": true}}' }), 400, /not a valid AdmissionReview: apiVersion is nothing/],
    ['a content-type that is no media type', () => ({ payload: loadReview('eviction'), headers: { 'content-type': ';;' } }), 400, /^the content-type header ";;" is not a media type; send the AdmissionReview as application\/json$/],
    ['an empty content-type', () => ({ payload: loadReview('eviction'), headers: { 'content-type': '' } }), 400, /^the content-type header "" is not a media type/],
    ['admission.k8s.io/v1beta1', () => ({ payload: { ...loadReview('eviction'), apiVersion: 'admission.k8s.io/v1beta1' } }), 400, /kafka-guard accepts only admission.k8s.io\/v1/],
    ['a review without a uid', () => { const r = loadReview('eviction'); delete r.request.uid; return { payload: r }; }, 400, /request.uid is nothing; expected a non-empty string/],
    ['a kind no rule handles', () => { const r = loadReview('pod-delete'); r.request.resource = { group: 'apps', version: 'v1', resource: 'deployments' }; r.request.kind = { group: 'apps', version: 'v1', kind: 'Deployment' }; return { payload: r }; }, 400, /no kafka-guard rule on \/validate handles apps\/v1 deployments \(kind Deployment\)/],
  ];
  for (const [name, build, status, message] of bad) {
    it(`answers ${status} with a clear message for ${name}, and keeps serving`, async () => {
      const { payload, headers } = build();
      const response = await post(app, '/validate', payload, headers);
      assert.equal(response.status, status, response.raw);
      assert.equal(response.json?.error, 'BadRequest');
      assert.match(String(response.json?.message), message);
      const next = await post(app, '/validate', loadReview('eviction'));
      assert.equal(next.status, 200, 'the next request is served normally');
    });
  }

  it('answers 413 with a JSON message for a body over the limit, and keeps serving', async () => {
    const review = loadReview('eviction');
    review.request.object.metadata.annotations = { filler: 'x'.repeat(70 * 1024) };
    const response = await post(app, '/validate', review);
    assert.equal(response.status, 413);
    assert.deepEqual(response.json, {
      error: 'PayloadTooLarge',
      message:
        'the AdmissionReview body is larger than the 65536-byte limit; raise --body-limit-bytes (KAFKAGUARD_BODY_LIMIT_BYTES) if such objects are expected',
    });
    assert.equal((await post(app, '/validate', loadReview('eviction'))).status, 200);
  });

  it('parses JSON whatever the content type says', async () => {
    const response = await post(app, '/validate', loadReview('eviction'), { 'content-type': 'text/plain' });
    assert.equal(response.status, 200);
  });
});

describe('POST /validate: decisions', () => {
  const fixtures: FixtureName[] = ['eviction', 'pod-delete', 'sts-scale', 'scale-subresource', 'pvc-delete', 'policy-create'];
  for (const name of fixtures) {
    it(`answers the ${name} fixture with an AdmissionReview carrying its uid`, async () => {
      const review = loadReview(name);
      const response = await post(appFor(standardCluster()), '/validate', review);
      assert.equal(response.status, 200);
      assert.equal(response.json?.apiVersion, 'admission.k8s.io/v1');
      assert.equal(response.json?.kind, 'AdmissionReview');
      assert.equal(response.json?.response.uid, review.request.uid);
    });
  }

  it('refuses the scale-down of a broker holding replicas, naming partitions and the safe command', async () => {
    const response = await post(appFor(standardCluster()), '/validate', loadReview('scale-subresource'));
    const answer = response.json?.response;
    assert.equal(answer.allowed, false);
    assert.equal(answer.status.code, 403);
    assert.match(answer.status.message, /^kafka-guard refused to scale StatefulSet kafka\/kafka from 3 to 2 replicas\./);
    assert.match(answer.status.message, /\[holds-replicas\] broker 2 still holds replicas of 3 partitions.*orders-0, orders-1, orders-2/);
    assert.match(answer.status.message, /Safe way: kubectl kafka scale kafka --replicas 2 -n kafka/);
  });

  it('Enforce refuses an unsafe eviction with 429', async () => {
    const answer = (await post(appFor(unsafe('Enforce')), '/validate', loadReview('eviction'))).json?.response;
    assert.equal(answer.allowed, false);
    assert.equal(answer.status.code, 429);
    assert.equal(answer.status.reason, 'TooManyRequests');
  });

  it('Warn admits it with warnings', async () => {
    const answer = (await post(appFor(unsafe('Warn')), '/validate', loadReview('eviction'))).json?.response;
    assert.equal(answer.allowed, true);
    assert.equal(answer.status, undefined);
    assert.match(answer.warnings[0], /Warn mode/);
  });

  it('Off admits it silently', async () => {
    const answer = (await post(appFor(unsafe('Off')), '/validate', loadReview('eviction'))).json?.response;
    assert.deepEqual(answer, { uid: loadReview('eviction').request.uid, allowed: true });
  });

  it('break-glass admits exactly one refused eviction', async () => {
    const cluster = unsafe('Enforce', { 'kafkaguard.io/allow-disruption': 'OPS-1234' });
    const app = appFor(cluster);
    const first = (await post(app, '/validate', loadReview('eviction'))).json?.response;
    assert.equal(first.allowed, true);
    assert.match(first.warnings.join('\n'), /break-glass .* used by kubernetes-admin/);
    // The ledger entry of the admitted eviction expires (or the pod is gone); without it the annotation is what counts.
    cluster.expireLedger();
    const second = (await post(app, '/validate', loadReview('eviction'))).json?.response;
    assert.equal(second.allowed, false, 'the annotation was consumed by the first');
  });

  it('onKafkaUnreachable Deny refuses when Kafka cannot be asked', async () => {
    const answer = (await post(appFor(standardCluster({ kafka: { unreachable: 'ETIMEDOUT' } })), '/validate', loadReview('pod-delete'))).json?.response;
    assert.equal(answer.allowed, false);
    assert.match(answer.status.message, /could not be asked in time \(ETIMEDOUT\), and its onKafkaUnreachable is Deny/);
  });

  it('honours the apiserver timeout parameter as the decision budget', async () => {
    const app = appFor(standardCluster({ kafka: { hang: true } }));
    const started = Date.now();
    const response = await post(app, '/validate?timeout=1s', loadReview('eviction'));
    const elapsed = Date.now() - started;
    assert.equal(response.json?.response.allowed, false);
    assert.ok(elapsed < 1500, `answered within the apiserver timeout (${elapsed} ms)`);
    assert.match(response.json?.response.status.message, /667 ms deadline/);
  });

  it('turns a throwing rule into an errored response with the uid (HTTP 200, allowed false, code 500), and keeps serving', async () => {
    const cluster = standardCluster();
    cluster.failing.pod = new Error('pod informer not synced');
    const app = appFor(cluster);
    const review = loadReview('eviction');
    const response = await post(app, '/validate', review);
    assert.equal(response.status, 200);
    assert.deepEqual(response.json?.response, {
      uid: review.request.uid,
      allowed: false,
      status: { code: 500, reason: 'InternalError', message: 'kafka-guard rule pod-eviction failed: pod informer not synced' },
    });
    cluster.failing = {};
    assert.equal((await post(app, '/validate', loadReview('eviction'))).json?.response.allowed, true);
  });
});

describe('POST /mutate', () => {
  function stsCreate(): Review {
    const review = loadReview('sts-scale');
    review.request.operation = 'CREATE';
    review.request.oldObject = null;
    return review;
  }

  it('answers a broker StatefulSet CREATE with a JSON Patch of defaults', async () => {
    const answer = (await post(appFor(standardCluster()), '/mutate', stsCreate())).json?.response;
    assert.equal(answer.allowed, true);
    assert.equal(answer.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8')) as Operation[];
    const review = stsCreate();
    const patched = jsonPatch.applyPatch(review.request.object, ops, true).newDocument as Review;
    assert.match(patched.metadata.annotations['kafkaguard.io/applied-defaults'], /antiAffinity/);
    assert.match(answer.warnings.join('\n'), /kafka-guard applied defaults/);
  });

  it('admits without a patch (fail open) when a mutating rule throws', async () => {
    const cluster = standardCluster();
    cluster.failing.policyFor = new Error('policy cache unavailable');
    const answer = (await post(appFor(cluster), '/mutate', stsCreate())).json?.response;
    assert.equal(answer.allowed, true);
    assert.equal(answer.patch, undefined);
    assert.match(answer.warnings[0], /defaults were not applied: kafka-guard rule statefulset-defaults failed: policy cache unavailable/);
  });

  it('admits a malformed broker StatefulSet unchanged, with a warning naming the field and what it must be', async () => {
    const review = stsCreate();
    review.request.object.spec.template.spec.containers[0].env = { name: 'KAFKA_HEAP_OPTS' };
    const answer = (await post(appFor(standardCluster()), '/mutate', review)).json?.response;
    assert.equal(answer.allowed, true);
    assert.equal(answer.patch, undefined, 'a malformed object must get no patch at all, not a partial one');
    assert.equal(answer.warnings.length, 1);
    assert.match(answer.warnings[0], /^kafka-guard defaults were not applied: .*spec\.template\.spec\.containers\[0\]\.env .*(list|array)/);
  });

  it('refuses kinds it does not mutate with 400', async () => {
    const response = await post(appFor(standardCluster()), '/mutate', loadReview('pvc-delete'));
    assert.equal(response.status, 400);
  });
});

describe('GET endpoints', () => {
  it('/healthz answers while /readyz waits for the caches', async () => {
    let ready = false;
    const app = appFor(standardCluster(), { readiness: () => (ready ? { ready: true } : { ready: false, reason: 'pod informer not synced' }) });
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const waiting = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(waiting.statusCode, 503);
    assert.deepEqual(JSON.parse(waiting.body), { status: 'not ready', reason: 'pod informer not synced' });
    ready = true;
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  });

  it('/metrics exposes requests, verdicts, latency and errors from its own registry', async () => {
    const metrics = createMetrics({ processMetrics: false, now: () => 11_500 });
    const app = appFor(unsafe(), { metrics });
    await post(app, '/validate', loadReview('eviction'));
    await post(app, '/validate', 'not json');
    metrics.reportKafkaViews(() => [['kafka/kafka', 10_000]]);
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    const text = response.body;
    assert.match(text, /kafkaguard_admission_requests_total\{route="validate",kind="Eviction",operation="CREATE"\} 1/);
    assert.match(text, /kafkaguard_admission_verdicts_total\{rule="pod-eviction",outcome="denied"\} 1/);
    assert.match(text, /kafkaguard_admission_duration_seconds_count\{route="validate"\} 2/);
    assert.match(text, /kafkaguard_errors_total\{route="validate",type="decode"\} 1/);
    assert.match(text, /kafkaguard_kafka_view_age_seconds\{policy="kafka\/kafka"\} 1.5/);
  });

  it('keeps every metric label in a fixed set, whatever kinds and paths requests carry (issue 10)', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const app = appFor(standardCluster(), { metrics });
    for (let i = 0; i < 300; i += 1) {
      const review = loadReview('pod-delete');
      review.request.kind = { group: '', version: 'v1', kind: `Made${i}Up` };
      review.request.uid = `uid-${i}`;
      assert.equal((await post(app, '/validate', review)).status, 200);
      await post(app, `/validate/extra-${i}`, review);
    }
    const text = await metrics.registry.metrics();
    const series = text.split('\n').filter((line) => line.startsWith('kafkaguard_') && line.includes('{'));
    const requests = series.filter((line) => line.startsWith('kafkaguard_admission_requests_total{'));
    assert.deepEqual(requests, ['kafkaguard_admission_requests_total{route="validate",kind="other",operation="DELETE"} 300']);
    assert.ok(series.length < 40, `${series.length} series`);
    assert.ok(!series.some((line) => /Made\d+Up|extra-/.test(line)));
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await appFor(standardCluster()).inject({ method: 'GET', url: '/validate' });
    assert.equal(response.statusCode, 404);
    assert.match(JSON.parse(response.body).message, /see \/validate, \/mutate/);
  });
});

/** A review's JSON text with `extra` (raw JSON members) inserted right after the first occurrence of `anchor`. */
function withRawKeys(review: Review, anchor: string, extra: string): string {
  const text = JSON.stringify(review);
  const at = text.indexOf(anchor);
  assert.ok(at >= 0, `anchor ${anchor} not in the review`);
  return `${text.slice(0, at + anchor.length)}${extra},${text.slice(at + anchor.length)}`;
}

/** Label or annotation members with the keys that poison prototypes when assigned. */
const POISON = '"__proto__":"yes","constructor":"yes","prototype":"x"';
/** The same keys with object values, as a hand-made request could send anywhere. */
const POISON_OBJECTS = '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}';

function assertNotPolluted(): void {
  const probe: Record<string, unknown> = {};
  assert.equal(probe['polluted'], undefined, 'Object.prototype was polluted');
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
}

describe('__proto__, constructor and prototype keys in a valid review get a decision, never a 400 (issue 10)', () => {
  it('a policy whose matchLabels has a __proto__ key is refused by policy validation, naming the key', async () => {
    const body = withRawKeys(loadReview('policy-create'), '"matchLabels":{', '"__proto__":"kafka"');
    const response = await post(appFor(standardCluster()), '/validate', body);
    assert.equal(response.status, 200, response.raw);
    assert.equal(response.json?.response.allowed, false);
    assert.match(response.json?.response.status.message, /__proto__/);
    assertNotPolluted();
  });

  it('a broker pod delete whose labels and annotations carry such keys is decided as without them', async () => {
    const app = appFor(unsafe());
    const plain = await post(app, '/validate', loadReview('pod-delete'));
    let body = withRawKeys(loadReview('pod-delete'), '"labels":{', POISON);
    body = body.replace('"metadata":{', `"metadata":{"annotations":{${POISON}},`);
    body = body.replace('"oldObject":{', `"oldObject":{${POISON_OBJECTS},`);
    assert.match(body, /"oldObject":\{"__proto__"/);
    const poisoned = await post(app, '/validate', body);
    assert.equal(poisoned.status, 200, poisoned.raw);
    assert.equal(plain.json?.response.allowed, false);
    assert.equal(poisoned.json?.response.allowed, plain.json?.response.allowed);
    assertNotPolluted();
  });

  it('/mutate patches a StatefulSet whose template labels carry such keys, and the patch leaves them alone', async () => {
    const review = loadReview('sts-scale');
    review.request.operation = 'CREATE';
    review.request.oldObject = null;
    const body = withRawKeys(review, '"template":{"metadata":{"labels":{', POISON);
    const response = await post(appFor(standardCluster()), '/mutate', body);
    assert.equal(response.status, 200, response.raw);
    const answer = response.json?.response;
    assert.equal(answer.allowed, true);
    assert.equal(answer.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8')) as Operation[];
    assert.ok(ops.length > 0);
    assert.ok(!ops.some((op) => /__proto__|constructor|prototype/.test(op.path)), JSON.stringify(ops));
    assert.ok(!JSON.stringify(ops).includes('polluted'));
    assertNotPolluted();
  });
});
