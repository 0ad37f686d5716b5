import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import type { AdmissionRequest } from '../admission/types.js';
import { allow, deny, errored, patch, undecided, type AdmissionVerdict } from '../admission/verdict.js';
import { FakeCluster, makePod, makePolicy, makeView, standardCluster, type PolicyOptions } from '../facts/fake.js';
import type { BreakGlassConsumption } from '../facts/types.js';
import type { UserInfo } from '../admission/types.js';
import { createMetrics } from '../metrics.js';
import { applyPolicy, classify, combine, decide, effectsGraceMs, startDeadline, type EngineDeps, type RouteRules, type RuleRun } from './engine.js';
import { MUTATING_RULES, VALIDATING_RULES } from './index.js';
import { podEviction } from './pod-eviction.js';
import type { Rule } from './rule.js';

const BREAK_GLASS = 'kafkaguard.io/allow-disruption';
const validate: RouteRules = { route: 'validate', rules: VALIDATING_RULES, onError: 'deny' };
const mutate: RouteRules = { route: 'mutate', rules: MUTATING_RULES, onError: 'admit' };

interface Harness {
  cluster: FakeCluster;
  deps: EngineDeps;
  logs: Array<{ level: string; fields: unknown; message: unknown }>;
}

function harness(cluster: FakeCluster): Harness {
  const logs: Harness['logs'] = [];
  const record = (level: string) => (fields: unknown, message?: unknown) => void logs.push({ level, fields, message });
  return {
    cluster,
    logs,
    deps: {
      facts: cluster,
      effects: cluster,
      metrics: createMetrics({ processMetrics: false }),
      log: { info: record('info'), warn: record('warn'), error: record('error'), debug: record('debug') },
      settings: { maxPartitionsNamed: 5, ledgerTtlMs: 60_000 },
    },
  };
}

/** Broker 0 is out of every ISR, so taking broker 1 down drops all partitions under min ISR. */
function unsafeCluster(policy: PolicyOptions = {}, podAnnotations: Record<string, string> = {}): FakeCluster {
  return standardCluster({
    policy,
    isr: [[1, 2], [1, 2], [2, 1]],
    pods: [makePod('kafka-0'), makePod('kafka-1', { annotations: podAnnotations }), makePod('kafka-2')],
  });
}

async function run(h: Harness, request: AdmissionRequest, routeRules = validate, deadlineMs = 2000): Promise<AdmissionVerdict> {
  const classified = classify(routeRules, request);
  assert.equal(classified.kind, 'rules');
  if (classified.kind !== 'rules') throw new Error('unreachable');
  return decide(routeRules, classified.rules, request, h.deps, deadlineMs);
}

const eviction = () => loadRequest('eviction');

function refusal(verdict: AdmissionVerdict) {
  if (verdict.outcome.kind !== 'deny') assert.fail(`expected a refusal, got ${verdict.outcome.kind}: ${JSON.stringify(verdict.outcome)}`);
  return verdict.outcome;
}

describe('startDeadline', () => {
  it('aborts a signal taken before the deadline when it passes, with the reason', async () => {
    const deadline = startDeadline(20);
    const signal = deadline.signal;
    assert.equal(signal.aborted, false);
    await deadline.expired;
    assert.equal(signal.aborted, true);
    assert.match(String(signal.reason), /the 20 ms decision deadline passed/);
    assert.equal(deadline.signal, signal);
  });

  it('hands out an aborted signal when first asked after the deadline passed', async () => {
    const deadline = startDeadline(10);
    await deadline.expired;
    assert.equal(deadline.signal.aborted, true);
    assert.match(String(deadline.signal.reason), /the 10 ms decision deadline passed/);
    assert.equal(deadline.remainingMs(), 0);
  });

  it('never aborts once cleared', async () => {
    const deadline = startDeadline(10);
    const signal = deadline.signal;
    deadline.clear();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(signal.aborted, false);
  });
});

describe('classify', () => {
  it('refuses a resource no rule is registered for', () => {
    const configMap = loadRequest('pod-delete', (r) => {
      r.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
      r.request.resource = { group: '', version: 'v1', resource: 'configmaps' };
    });
    const classified = classify(validate, configMap);
    assert.equal(classified.kind, 'unknown-resource');
    assert.match(classified.kind === 'unknown-resource' ? classified.message : '', /no kafka-guard rule on \/validate handles core\/v1 configmaps \(kind ConfigMap\)/);
  });

  it('quotes at most 253 characters of each name from the request, however long they are', () => {
    const huge = loadRequest('pod-delete', (r) => {
      r.request.kind = { group: 'x'.repeat(10_000), version: 'v1', kind: 'K'.repeat(10_000) };
      r.request.resource = { group: 'g'.repeat(10_000), version: 'v'.repeat(10_000), resource: 'r'.repeat(10_000) };
      r.request.subResource = 's'.repeat(10_000);
    });
    const classified = classify(validate, huge);
    const message = classified.kind === 'unknown-resource' ? classified.message : '';
    assert.match(message, new RegExp(`handles g{253}…\\(10000 characters\\)/v{253}…\\(10000 characters\\) r{253}…\\(10000 characters\\)/s{253}…\\(10000 characters\\) \\(kind K{253}…\\(10000 characters\\)\\)`));
    assert.ok(message.length < 2_000, `${message.length} characters`);
  });

  it('gives a known resource with an unhandled operation no rules', () => {
    const classified = classify(validate, loadRequest('pod-delete', (r) => (r.request.operation = 'CONNECT')));
    assert.deepEqual(classified, { kind: 'rules', rules: [] });
  });

  it('picks every rule that looks at a StatefulSet update', () => {
    const classified = classify(validate, loadRequest('sts-scale'));
    assert.deepEqual(classified.kind === 'rules' ? classified.rules.map((r) => r.name) : [], [
      'statefulset-scale-down',
      'statefulset-volume-templates',
      'statefulset-retention-policy',
      'statefulset-kafka-version',
      'statefulset-broker-identity',
    ]);
  });
});

describe('engine: policy modes', () => {
  it('Enforce refuses, records a Warning Event on the pod, counts the refusal', async () => {
    const h = harness(unsafeCluster());
    const verdict = await run(h, eviction());
    const outcome = refusal(verdict);
    assert.equal(outcome.code, 429);
    assert.deepEqual(outcome.rules, ['pod-eviction']);
    assert.equal(h.cluster.events.length, 1);
    const [event] = h.cluster.events;
    assert.equal(event?.reason, 'KafkaGuardRefused');
    assert.deepEqual(event?.involvedObject, { apiVersion: 'v1', kind: 'Pod', namespace: 'kafka', name: 'kafka-1', uid: 'uid-kafka-1' });
    assert.match(event?.message ?? '', /^\[pod-eviction\] requested by kubernetes-admin: kafka-guard refused to evict pod kafka\/kafka-1/);
    assert.deepEqual(h.cluster.reservations, []);
    const metrics = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_admission_verdicts_total');
    assert.match(metrics, /rule="pod-eviction",outcome="denied"} 1/);
  });

  it('Warn admits with the refusal as warnings, records the would-be refusal and reserves the disruption', async () => {
    const h = harness(unsafeCluster({ mode: 'Warn' }));
    const verdict = await run(h, eviction());
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings[0] ?? '', /^kafka-guard \(Warn mode, kafka\/kafka\) would refuse: kafka-guard refused to evict pod kafka\/kafka-1/);
    assert.ok(verdict.warnings.some((w) => /safe way: .*kubectl kafka maintenance start kafka-1 -n kafka/.test(w)));
    assert.deepEqual(h.cluster.events.map((e) => e.reason), ['KafkaGuardWouldRefuse']);
    assert.deepEqual(h.cluster.reservations.map((r) => r.brokerId), [1]);
  });

  it('Off admits without asking Kafka', async () => {
    const h = harness(unsafeCluster({ mode: 'Off' }));
    const verdict = await run(h, eviction());
    assert.equal(verdict.outcome.kind, 'allow');
    assert.ok(!h.cluster.calls.includes('kafkaIndex'));
    assert.deepEqual(h.cluster.events, []);
  });

  it('a disabled guard admits without asking Kafka', async () => {
    const h = harness(unsafeCluster({ guards: { eviction: false } }));
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    assert.ok(!h.cluster.calls.includes('kafkaIndex'));
  });

  it('a pod of no policy is admitted without Kafka', async () => {
    const h = harness(new FakeCluster({ policies: [makePolicy()], pods: [makePod('kafka-1', { labels: { app: 'web' } })] }));
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    assert.deepEqual(h.cluster.calls, ['pod', 'policyFor']);
  });
});

describe('engine: admitted disruptions and the ledger', () => {
  it('reserves an admitted eviction with the ledger version it read and the configured TTL', async () => {
    const h = harness(standardCluster());
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    assert.deepEqual(h.cluster.reservations, [{ policyKey: 'kafka/kafka', brokerId: 1, podUid: 'uid-kafka-1', ttlMs: 60_000, expectedVersion: '1', breakGlass: false }]);
  });

  it('a second eviction sees the first as pending and is refused', async () => {
    const h = harness(standardCluster());
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    const second = loadRequest('eviction', (r) => (r.request.name = 'kafka-2'));
    const outcome = refusal(await run(h, second));
    assert.match(outcome.reasons[0]?.message ?? '', /broker 1 with a disruption already admitted/);
  });

  it('refuses with 429 when another replica changed the ledger meanwhile', async () => {
    const h = harness(standardCluster());
    h.cluster.loseReservations = true;
    const outcome = refusal(await run(h, eviction()));
    assert.equal(outcome.code, 429);
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['concurrent-disruption']);
    const counted = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_admission_verdicts_total');
    assert.match(counted, /outcome="denied"} 1/);
    assert.doesNotMatch(counted, /outcome="allowed"/, 'the request is counted once, as refused');
  });

  it('has no side effects on a dry run', async () => {
    const h = harness(standardCluster());
    const dryRun = loadRequest('eviction', (r) => (r.request.dryRun = true));
    assert.equal((await run(h, dryRun)).outcome.kind, 'allow');
    assert.deepEqual(h.cluster.reservations, []);
  });
});

describe('engine: onKafkaUnreachable and the deadline', () => {
  const unreachable = { unreachable: 'connect ECONNREFUSED 10.0.0.5:9092' };

  it('Deny refuses (429 for evictions, so drain retries) naming the error', async () => {
    const h = harness(standardCluster({ kafka: unreachable }));
    const outcome = refusal(await run(h, eviction()));
    assert.equal(outcome.code, 429);
    assert.equal(outcome.reasons[0]?.rule, 'kafka-unreachable');
    assert.match(outcome.reasons[0]?.message ?? '', /ECONNREFUSED 10.0.0.5:9092.*onKafkaUnreachable is Deny/);
    assert.deepEqual(h.cluster.events.map((e) => e.reason), ['KafkaGuardKafkaUnreachable']);
  });

  it('Deny uses 503 for rules whose clients do not retry 429', async () => {
    const h = harness(standardCluster({ kafka: unreachable }));
    assert.equal(refusal(await run(h, loadRequest('pod-delete'))).code, 503);
  });

  it('Allow admits with a warning and still records the disruption', async () => {
    const h = harness(standardCluster({ policy: { onKafkaUnreachable: 'Allow' }, kafka: unreachable }));
    const verdict = await run(h, eviction());
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /^kafka-guard: admitted unchecked because onKafkaUnreachable is Allow: Kafka of kafka\/kafka unreachable \(/);
    assert.equal(h.cluster.reservations.length, 1);
  });

  it('a Kafka view that does not come before the deadline counts as unreachable, and the message says it was the Kafka view', async () => {
    const h = harness(standardCluster({ kafka: { hang: true } }));
    const started = Date.now();
    const outcome = refusal(await run(h, eviction(), validate, 50));
    assert.ok(Date.now() - started < 1000, 'answered soon after the deadline');
    assert.equal(outcome.code, 429);
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['kafka-unreachable']);
    assert.match(
      outcome.reasons[0]?.message ?? '',
      /^Kafka of KafkaGuardPolicy kafka\/kafka could not be asked in time \(no decision within the 50 ms deadline \(still gathering facts, waiting for the Kafka cluster view read after the request arrived\)\)/,
    );
    assert.doesNotMatch(outcome.reasons[0]?.message ?? '', /ledger|apiserver/);
    assert.deepEqual(h.cluster.events.map((e) => e.reason), ['KafkaGuardKafkaUnreachable']);
  });

  it('with Allow, a deadline overrun while the Kafka view is awaited admits, and still records the disruption for other decisions', async () => {
    const h = harness(standardCluster({ policy: { onKafkaUnreachable: 'Allow' }, kafka: { hang: true } }));
    const verdict = await run(h, eviction(), validate, 50);
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /onKafkaUnreachable is Allow: Kafka of kafka\/kafka unreachable \(no decision within the 50 ms deadline/);
    // As when Kafka answers with an error: the broker counts as down for the next decision, against the ledger version read.
    assert.equal(h.cluster.reservations.length, 1);
    assert.equal(h.cluster.reservations[0]?.brokerId, 1);
    assert.equal(h.cluster.reservations[0]?.policyKey, 'kafka/kafka');
    const next = harness(h.cluster);
    const pending = await next.cluster.pendingDisruptions('kafka/kafka');
    assert.deepEqual(pending.brokers, [1]);
  });

  it('a dry run past the deadline with Allow records nothing', async () => {
    const h = harness(standardCluster({ policy: { onKafkaUnreachable: 'Allow' }, kafka: { hang: true } }));
    const request = { ...eviction(), dryRun: true };
    assert.equal((await run(h, request, validate, 50)).outcome.kind, 'allow');
    assert.deepEqual(h.cluster.reservations, []);
  });
});

describe('engine: the apiserver, not Kafka, does not answer (etcd paused)', () => {
  /** The ledger ConfigMap read never answers; Kafka answers at once. */
  const ledgerHangs = (policy: PolicyOptions = {}) => {
    const cluster = standardCluster({ policy });
    cluster.hanging.pendingDisruptions = true;
    return cluster;
  };

  it('a deadline passing while the ledger read hangs refuses naming the apiserver and the ledger, not Kafka', async () => {
    const h = harness(ledgerHangs());
    const started = Date.now();
    const verdict = await run(h, eviction(), validate, 50);
    assert.ok(Date.now() - started < 1000, 'answered soon after the deadline');
    const outcome = refusal(verdict);
    assert.equal(outcome.code, 429, 'an eviction refusal kubectl drain retries');
    assert.deepEqual(outcome.rules, ['pod-eviction']);
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
    const message = outcome.reasons[0]?.message ?? '';
    assert.match(message, /^kafka-guard could not read the disruption ledger from the Kubernetes apiserver in time \(no decision within the 50 ms deadline \(still gathering facts, waiting for the disruption ledger\)\)/);
    assert.doesNotMatch(message, /Kafka of KafkaGuardPolicy .* could not be asked/);
    assert.doesNotMatch(message, /Kafka cluster view/, 'Kafka answered: it is not named as awaited');
    assert.match(outcome.reasons[0]?.remediation ?? '', /kubectl get --raw '\/readyz\?verbose'/);
    assert.match(outcome.summary, /the Kubernetes apiserver did not answer in time \(rule pod-eviction\)/);
    assert.deepEqual(h.cluster.events.map((e) => e.reason), ['KafkaGuardApiserverUnavailable']);
    assert.match(h.cluster.events[0]?.message ?? '', /could not read the disruption ledger from the Kubernetes apiserver/);
    assert.deepEqual(h.cluster.reservations, []);
    const deadlineLog = h.logs.find((l) => l.message === 'admission decision deadline passed');
    assert.deepEqual((deadlineLog?.fields as { waitingFor?: string } | undefined)?.waitingFor, 'apiserver');
    const counted = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_admission_verdicts_total');
    assert.match(counted, /rule="pod-eviction",outcome="denied"} 1/);
  });

  it('with onKafkaUnreachable Allow, a hanging ledger read is still refused: nothing is admitted unchecked or unrecorded', async () => {
    const h = harness(ledgerHangs({ onKafkaUnreachable: 'Allow' }));
    const verdict = await run(h, eviction(), validate, 50);
    assert.equal(verdict.allowed, false);
    const outcome = refusal(verdict);
    assert.equal(outcome.code, 429);
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
    assert.match(outcome.reasons[0]?.message ?? '', /refused whatever onKafkaUnreachable of KafkaGuardPolicy kafka\/kafka says/);
    assert.ok(!verdict.warnings.some((w) => /admitted unchecked/.test(w)), verdict.warnings.join('\n'));
    assert.deepEqual(h.cluster.reservations, []);
    const counted = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_admission_verdicts_total');
    assert.doesNotMatch(counted, /kafka_unreachable_allowed/);
  });

  it('Warn mode admits it with the reasons as warnings, unrecorded: a policy on trial never blocks a drain because etcd is slow', async () => {
    const h = harness(ledgerHangs({ mode: 'Warn' }));
    const verdict = await run(h, eviction(), validate, 50);
    assert.equal(verdict.allowed, true);
    assert.match(verdict.warnings[0] ?? '', /^kafka-guard \(Warn mode, kafka\/kafka\) would refuse: kafka-guard could not check this request: the Kubernetes apiserver did not answer in time/);
    assert.ok(verdict.warnings.some((w) => /could not read the disruption ledger from the Kubernetes apiserver in time/.test(w)), verdict.warnings.join('\n'));
    assert.deepEqual(h.cluster.reservations, [], 'no ledger version to reserve against');
    assert.deepEqual(h.cluster.events.map((e) => e.reason), ['KafkaGuardApiserverUnavailable']);
    const counted = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_admission_verdicts_total');
    assert.match(counted, /rule="pod-eviction",outcome="warned"} 1/);
  });

  it('a break-glass annotation is not used while the ledger read hangs, and the refusal says it stays set for the retry', async () => {
    const cluster = unsafeCluster({}, { [BREAK_GLASS]: 'incident 42' });
    cluster.hanging.pendingDisruptions = true;
    const h = harness(cluster);
    const outcome = refusal(await run(h, eviction(), validate, 50));
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
    assert.ok(outcome.hints.some((hint) => /break-glass annotation on pod kafka-1 was not used: using it removes it on the apiserver, which did not answer/.test(hint)), outcome.hints.join('\n'));
    assert.deepEqual(h.cluster.consumed, []);
  });

  it('a pod delete is refused with 503, since its clients do not retry 429', async () => {
    const h = harness(ledgerHangs());
    const outcome = refusal(await run(h, loadRequest('pod-delete'), validate, 50));
    assert.equal(outcome.code, 503);
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
  });

  it('when both the ledger and Kafka hang, the apiserver decides the answer and both are named', async () => {
    const cluster = standardCluster({ policy: { onKafkaUnreachable: 'Allow' }, kafka: { hang: true } });
    cluster.hanging.pendingDisruptions = true;
    const h = harness(cluster);
    const outcome = refusal(await run(h, eviction(), validate, 50));
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
    assert.match(outcome.reasons[0]?.message ?? '', /waiting for the disruption ledger and the Kafka cluster view read after the request arrived/);
  });

  it('a pod lookup that hangs is the apiserver too', async () => {
    const cluster = standardCluster();
    cluster.hanging.brokerPods = true;
    const h = harness(cluster);
    const outcome = refusal(await run(h, eviction(), validate, 50));
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
    assert.match(outcome.reasons[0]?.message ?? '', /could not read the broker pods from the Kubernetes apiserver in time/);
  });

  it('a ledger write that never answers is refused before the apiserver would give up: within the deadline plus its grace', async () => {
    const h = harness(standardCluster());
    h.cluster.reservationHangs = true;
    const started = Date.now();
    const verdict = await run(h, eviction(), validate, 200);
    const took = Date.now() - started;
    assert.ok(took < 200 + effectsGraceMs(200) + 150, `answered after ${took} ms`);
    const outcome = refusal(verdict);
    assert.equal(outcome.code, 429);
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
    assert.match(outcome.reasons[0]?.message ?? '', /could not write its disruption ledger on the Kubernetes apiserver \(the apiserver did not answer the write within the \d+ ms left before its own timeout\)/);
  });

  it('effectsGraceMs: part of the reserve before the apiserver\'s timeout, never past it', () => {
    assert.equal(effectsGraceMs(2000), 500);
    // timeoutSeconds 1: the deadline is 667 ms, the reserve 333 ms; the grace stays inside it.
    assert.ok(667 + effectsGraceMs(667) < 1000);
    assert.equal(effectsGraceMs(1), 1);
  });

  it('in Warn mode a ledger write the apiserver fails admits the eviction with a warning that it is not recorded', async () => {
    const h = harness(standardCluster({ policy: { mode: 'Warn' } }));
    h.cluster.reservationFailure = new Error('etcdserver: request timed out');
    const verdict = await run(h, eviction());
    assert.equal(verdict.allowed, true);
    assert.ok(verdict.warnings.some((w) => /^kafka-guard \(Warn mode, kafka\/kafka\): this disruption is not in the disruption ledger: the apiserver failed the write \(etcdserver: request timed out\)/.test(w)), verdict.warnings.join('\n'));
    assert.deepEqual(h.cluster.reservations, []);
    const errors = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_errors_total');
    assert.match(errors, /type="effect"} 1/);
  });

  it('a ledger write the apiserver fails refuses the admitted eviction with 429, naming the ledger write, not a rule failure', async () => {
    const h = harness(standardCluster({ policy: { onKafkaUnreachable: 'Allow' } }));
    h.cluster.reservationFailure = new Error('etcdserver: request timed out');
    const verdict = await run(h, eviction());
    const outcome = refusal(verdict);
    assert.equal(outcome.code, 429);
    assert.deepEqual(outcome.rules, ['pod-eviction']);
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['apiserver-unavailable']);
    assert.match(outcome.reasons[0]?.message ?? '', /could not write its disruption ledger on the Kubernetes apiserver \(etcdserver: request timed out\)/);
    const counted = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_admission_verdicts_total');
    assert.match(counted, /outcome="denied"} 1/);
    assert.doesNotMatch(counted, /outcome="allowed"/);
    const errors = await h.deps.metrics.registry.getSingleMetricAsString('kafkaguard_errors_total');
    assert.match(errors, /type="effect"} 1/);
    assert.doesNotMatch(errors, /type="internal"/);
  });
});

describe('engine: every Kafka view a decision reads was fetched after the request arrived', () => {
  const kafkaCalls = (h: Harness) => h.cluster.calls.filter((c) => c === 'kafkaIndex').length;

  it('an admitted eviction asks for a view read after its arrival, once', async () => {
    const h = harness(standardCluster());
    const before = Date.now();
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    assert.equal(kafkaCalls(h), 1);
    assert.equal(h.cluster.kafkaReadsNotBefore.length, 1);
    assert.ok((h.cluster.kafkaReadsNotBefore[0] ?? 0) >= before, 'notBefore is the arrival, not 0 or a cached view\'s time');
  });

  it('a refusal is decided on the same kind of view, with no second read', async () => {
    const h = harness(unsafeCluster({}, {}));
    const before = Date.now();
    assert.equal(refusal(await run(h, eviction())).code, 429);
    assert.equal(kafkaCalls(h), 1);
    assert.ok((h.cluster.kafkaReadsNotBefore[0] ?? 0) >= before);
  });

  it('a dry run reads a view after its arrival too: its verdict is the real one', async () => {
    const h = harness(standardCluster());
    const before = Date.now();
    assert.equal((await run(h, loadRequest('eviction', (r) => (r.request.dryRun = true)))).outcome.kind, 'allow');
    assert.ok((h.cluster.kafkaReadsNotBefore[0] ?? 0) >= before);
  });
});

describe('engine: a dry run inside the Eviction (kubectl drain --dry-run=server) changes nothing', () => {
  const dryEviction = () => loadRequest('eviction', (r) => (r.request.object.deleteOptions = { dryRun: ['All'] }));

  it('an admitted one is not recorded in the ledger', async () => {
    const h = harness(standardCluster());
    assert.equal((await run(h, dryEviction())).outcome.kind, 'allow');
    assert.deepEqual(h.cluster.reservations, []);
  });

  it('a refused one records no Event, and its verdict is still the real one', async () => {
    const h = harness(unsafeCluster());
    assert.equal(refusal(await run(h, dryEviction())).code, 429);
    assert.deepEqual(h.cluster.events, []);
  });

  it('break-glass is not consumed', async () => {
    const h = harness(unsafeCluster({}, { [BREAK_GLASS]: 'reboot' }));
    assert.equal((await run(h, dryEviction())).outcome.kind, 'allow');
    assert.deepEqual(h.cluster.consumed, []);
    assert.deepEqual(h.cluster.events, []);
    assert.deepEqual(h.cluster.reservations, []);
  });
});

describe('engine: break-glass', () => {
  const reason = 'replacing the disk of node-b, ticket OPS-1234';

  it('admits one refused disruption, logs the user, records an Event and consumes the annotation', async () => {
    const h = harness(unsafeCluster({}, { [BREAK_GLASS]: reason }));
    const verdict = await run(h, eviction());
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /break-glass on pod kafka\/kafka-1 set by an unknown user \(not recorded: .*\), used by kubernetes-admin/);
    assert.deepEqual(h.cluster.consumed, [{ pod: { namespace: 'kafka', name: 'kafka-1', uid: 'uid-kafka-1' }, expectedValue: reason }]);
    assert.deepEqual(h.cluster.events.map((e) => e.reason), ['KafkaGuardBreakGlass']);
    assert.match(h.cluster.events[0]?.message ?? '', /requested by kubernetes-admin.*Overrode: kafka-guard refused to evict/);
    assert.ok(h.logs.some((l) => l.level === 'warn' && (l.fields as { user?: string }).user === 'kubernetes-admin'));
    assert.equal(h.cluster.reservations.length, 1, 'the bypassed disruption is still counted for others');

    assert.equal(h.cluster.reservations[0]?.breakGlass, true, 'recorded as a break-glass admission');

    // A retry of that same disruption (the apiserver re-running a DELETE's admission after the
    // annotation's removal changed the pod, or drain retrying after a PodDisruptionBudget's 429)
    // stands without the annotation, and is not recorded twice.
    const again = await run(h, loadRequest('eviction'));
    assert.equal(again.outcome.kind, 'allow', 'the retry of the bypassed disruption was refused');
    assert.match(again.warnings.join('\n'), /break-glass already used on pod kafka\/kafka-1 .* same disruption retried/);
    assert.equal(h.cluster.reservations.length, 1);
    assert.equal(h.cluster.consumed.length, 1);
  });

  it('a retry stands only for the pod it was used on, not for a new pod of the same broker', async () => {
    const h = harness(unsafeCluster({}, { [BREAK_GLASS]: reason }));
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    const replacement = h.cluster.pods.find((p) => p.metadata?.name === 'kafka-1');
    assert.ok(replacement?.metadata);
    // A recreated pod comes from the StatefulSet's template: a new uid, no annotation.
    replacement.metadata.uid = 'uid-kafka-1-recreated';
    replacement.metadata.annotations = {};
    assert.equal((await run(h, loadRequest('eviction'))).allowed, false, 'a recreated pod got the old pod\'s break-glass');
  });

  it('is used up by its pod uid and value: the annotation stays on the pod but lets no second disruption through; a new reason does', async () => {
    const h = harness(unsafeCluster({}, { [BREAK_GLASS]: reason }));
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    // The first disruption's ledger entry has expired (or the pod stayed): only the used-up annotation is left.
    h.cluster.breakGlassPods = {};
    const second = await run(h, loadRequest('eviction'));
    assert.equal(second.allowed, false, 'a used break-glass annotation let a second disruption through');
    assert.match(JSON.stringify(second.outcome), /was already used .*give it a new reason/);
    const pod = h.cluster.pods.find((p) => p.metadata?.name === 'kafka-1');
    assert.ok(pod?.metadata?.annotations);
    pod.metadata.annotations[BREAK_GLASS] = 'second window, ticket OPS-1235';
    h.cluster.breakGlassPods = {};
    assert.equal((await run(h, loadRequest('eviction'))).outcome.kind, 'allow', 'a new reason is a new break-glass');
    assert.equal(h.cluster.consumed.length, 2);
  });

  it('is not consumed when the request would be admitted anyway', async () => {
    const h = harness(standardCluster({ pods: [makePod('kafka-0'), makePod('kafka-1', { annotations: { [BREAK_GLASS]: reason } }), makePod('kafka-2')] }));
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    assert.deepEqual(h.cluster.consumed, []);
  });

  it('on a dry run admits without consuming or recording', async () => {
    const h = harness(unsafeCluster({}, { [BREAK_GLASS]: reason }));
    const verdict = await run(h, loadRequest('eviction', (r) => (r.request.dryRun = true)));
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /\(dry run\)/);
    assert.deepEqual([h.cluster.consumed, h.cluster.events, h.cluster.reservations], [[], [], []]);
  });

  it('on the broker pod lets one deletion of its live volume through, consumed from the pod', async () => {
    const pods = [makePod('kafka-0'), makePod('kafka-1', { annotations: { [BREAK_GLASS]: reason } }), makePod('kafka-2')];
    const h = harness(standardCluster({ pods }));
    const deletion = loadRequest('pvc-delete', (r) => (r.request.name = 'data-kafka-1'));
    const verdict = await run(h, deletion);
    assert.equal(verdict.outcome.kind, 'allow');
    assert.deepEqual(h.cluster.consumed, [{ pod: { namespace: 'kafka', name: 'kafka-1', uid: 'uid-kafka-1' }, expectedValue: reason }]);
    assert.deepEqual(h.cluster.events.map((e) => [e.reason, e.involvedObject.kind]), [['KafkaGuardBreakGlass', 'PersistentVolumeClaim']]);
    const other = refusal(await run(h, loadRequest('pvc-delete', (r) => (r.request.name = 'data-kafka-2'))));
    assert.deepEqual(other.rules, ['pvc-delete'], 'another broker\'s volume is still guarded');
    assert.match(other.hints.join('\n'), /kubectl annotate pod kafka-2 -n kafka kafkaguard.io\/allow-disruption="<reason>"/);
  });

  it('lets only one of two racing requests through', async () => {
    class RacedCluster extends FakeCluster {
      override async consumeBreakGlass(_consumption: BreakGlassConsumption): Promise<boolean> {
        return false; // another request removed the annotation between our read and our write
      }
    }
    const base = unsafeCluster({}, { [BREAK_GLASS]: reason });
    const raced = new RacedCluster({ policies: base.policies, pods: base.pods, statefulSets: base.statefulSetList, kafka: base.kafka, pending: base.pending });
    const outcome = refusal(await run(harness(raced), eviction()));
    assert.match(outcome.hints.join('\n'), /was already used \(by another request, or earlier\)/);
  });
});

describe('engine: break-glass is governed (spec.breakGlass, issue 12)', () => {
  const reason = 'replacing the disk of node-b, ticket OPS-1234';
  const alice: UserInfo = { username: 'alice', uid: null, groups: ['oncall', 'system:authenticated'] };
  const bob: UserInfo = { username: 'bob', uid: null, groups: ['system:authenticated'] };
  /** kubectl annotate pod kafka-1 by `user`: a pod UPDATE from the pod-delete fixture, on the fake's kafka-1. */
  const annotate = (user: UserInfo, value: string, before: string | null = null) => loadRequest('pod-delete', (review) => {
    const r = review.request;
    r.operation = 'UPDATE';
    r.userInfo = user;
    r.oldObject.metadata.uid = 'uid-kafka-1';
    r.oldObject.metadata.annotations = before === null ? {} : { [BREAK_GLASS]: before };
    r.object = structuredClone(r.oldObject);
    r.object.metadata.annotations = { [BREAK_GLASS]: value };
  });
  /** What the pod UPDATE did to the pod, on the fake: the annotation now carries `value`. */
  const podNowHas = (h: Harness, value: string) => {
    const pod = h.cluster.pods.find((p) => p.metadata?.name === 'kafka-1');
    assert.ok(pod?.metadata);
    pod.metadata.annotations = { [BREAK_GLASS]: value };
  };
  const restrictTo = (h: Harness, breakGlass: { allowedUsers?: string[]; allowedGroups?: string[] } | undefined) => {
    const [policy] = h.cluster.policies;
    assert.ok(policy);
    h.cluster.policies = [{ ...policy, spec: { ...policy.spec, ...(breakGlass === undefined ? {} : { breakGlass }) } }];
    if (breakGlass === undefined) delete h.cluster.policies[0]?.spec.breakGlass;
  };

  it('the Event and the warning name who set the annotation and who disrupted', async () => {
    const h = harness(unsafeCluster());
    assert.equal((await run(h, annotate(alice, reason))).outcome.kind, 'allow');
    podNowHas(h, reason);
    const verdict = await run(h, eviction());
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /break-glass on pod kafka\/kafka-1 set by alice \(groups: oncall\), used by kubernetes-admin \("replacing/);
    const event = h.cluster.events.find((e) => e.reason === 'KafkaGuardBreakGlass');
    assert.match(event?.message ?? '', /^\[pod-eviction\] requested by kubernetes-admin: kafka-guard: break-glass on pod kafka\/kafka-1 set by alice \(groups: oncall\), used by kubernetes-admin/);
  });

  it('set at the pod\'s creation (no setter recorded): honoured when unrestricted, refused once a list is given, saying why', async () => {
    const open = harness(unsafeCluster({}, { [BREAK_GLASS]: reason }));
    assert.equal((await run(open, eviction())).outcome.kind, 'allow');
    const h = harness(unsafeCluster({ breakGlass: { allowedGroups: ['oncall'] } }, { [BREAK_GLASS]: reason }));
    const refused = refusal(await run(h, eviction()));
    assert.equal(refused.code, 429, 'still the guard\'s own refusal, which drain retries');
    assert.match(refused.hints.join('\n'), /set by an unknown user \(not recorded: set when the pod was created, or while no policy governed it\), and KafkaGuardPolicy kafka\/kafka \(spec.breakGlass\) now allows only group oncall to set it, so it was not used/);
    assert.match(refused.hints.join('\n'), /kubectl annotate pod kafka-1 -n kafka --overwrite kafkaguard.io\/allow-disruption="<new reason>"/);
    assert.deepEqual(h.cluster.consumed, [], 'not used up');
    assert.deepEqual(h.cluster.events.map((e) => e.reason), ['KafkaGuardRefused']);
    assert.match(h.cluster.events[0]?.message ?? '', /was set by an unknown user/);
  });

  it('set by a member of an allowed group: honoured and used up', async () => {
    const h = harness(unsafeCluster({ breakGlass: { allowedGroups: ['oncall'] } }));
    assert.equal((await run(h, annotate(alice, reason))).outcome.kind, 'allow');
    podNowHas(h, reason);
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    assert.equal(h.cluster.consumed.length, 1);
  });

  it('is checked again at use: the policy changed after it was set decides', async () => {
    const h = harness(unsafeCluster({ breakGlass: { allowedUsers: ['alice'] } }));
    assert.equal((await run(h, annotate(alice, reason))).outcome.kind, 'allow');
    podNowHas(h, reason);
    restrictTo(h, { allowedUsers: ['bob'] });
    const refused = refusal(await run(h, eviction()));
    assert.match(refused.hints.join('\n'), /set by alice \(groups: oncall\), and KafkaGuardPolicy kafka\/kafka \(spec.breakGlass\) now allows only user bob/);
    assert.deepEqual(h.cluster.consumed, []);
    // Restrictions lifted (spec.breakGlass removed): the recorded setter is honoured again.
    restrictTo(h, undefined);
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
  });

  it('set by anyone while unrestricted, then restricted: the recorded setter is checked, not grandfathered', async () => {
    const h = harness(unsafeCluster());
    assert.equal((await run(h, annotate(bob, reason))).outcome.kind, 'allow');
    podNowHas(h, reason);
    restrictTo(h, { allowedUsers: ['alice'] });
    assert.match(refusal(await run(h, eviction())).hints.join('\n'), /set by bob, and .* now allows only user alice/);
  });

  it('the value changed by an allowed user is theirs; the use looks up the value the pod carries now', async () => {
    const h = harness(unsafeCluster({ breakGlass: { allowedUsers: ['alice'] } }));
    podNowHas(h, 'old reason'); // set at creation: nobody recorded
    assert.equal(refusal(await run(h, eviction())).kind, 'deny');
    assert.equal((await run(h, annotate(alice, reason, 'old reason'))).outcome.kind, 'allow');
    podNowHas(h, reason);
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
  });

  it('a retried eviction after a governed use stands, without a second use or check', async () => {
    const h = harness(unsafeCluster({ breakGlass: { allowedUsers: ['alice'] } }));
    await run(h, annotate(alice, reason));
    podNowHas(h, reason);
    assert.equal((await run(h, eviction())).outcome.kind, 'allow');
    const again = await run(h, eviction());
    assert.equal(again.outcome.kind, 'allow');
    assert.match(again.warnings.join('\n'), /same disruption retried/);
    assert.equal(h.cluster.consumed.length, 1);
  });

  it('an annotation a restricted policy does not honour does not let a relabel through either', async () => {
    const h = harness(unsafeCluster({ breakGlass: { allowedUsers: ['alice'] } }, { [BREAK_GLASS]: reason }));
    const relabel = loadRequest('pod-delete', (review) => {
      const r = review.request;
      r.operation = 'UPDATE';
      r.oldObject.metadata.uid = 'uid-kafka-1';
      r.oldObject.metadata.annotations = { [BREAK_GLASS]: reason };
      r.object = structuredClone(r.oldObject);
      delete r.object.metadata.labels['app.kubernetes.io/name'];
    });
    const refused = refusal(await run(h, relabel));
    assert.match(refused.hints.join('\n'), /was set by an unknown user .* now allows only user alice/);
    h.cluster.settings.push({ pod: { namespace: 'kafka', name: 'kafka-1', uid: 'uid-kafka-1' }, value: reason, user: 'alice', groups: [] });
    assert.equal((await run(h, relabel)).outcome.kind, 'allow');
  });
});

describe('engine: failures', () => {
  it('turns a throwing rule into an errored verdict naming the rule (validate fails closed)', async () => {
    const h = harness(standardCluster());
    h.cluster.failing.policyFor = new Error('informer for kafkaguardpolicies is not synced');
    const verdict = await run(h, eviction());
    assert.equal(verdict.allowed, false);
    assert.deepEqual(verdict.outcome, {
      kind: 'errored',
      code: 500,
      message: 'kafka-guard rule pod-eviction failed: informer for kafkaguardpolicies is not synced',
    });
    assert.ok(h.logs.some((l) => l.level === 'error'));
  });

  it('admits without a patch when a mutating rule throws (mutate fails open)', async () => {
    const h = harness(standardCluster());
    h.cluster.failing.policyFor = new Error('boom');
    const request = loadRequest('sts-scale');
    const verdict = await run(h, request, mutate);
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /kafka-guard defaults were not applied: kafka-guard rule statefulset-defaults failed: boom/);
  });

  it('a deadline overrun before the policy is known is an error, not a decision', async () => {
    const slow: Rule = {
      ...podEviction,
      locate: () => new Promise(() => undefined),
    };
    const h = harness(standardCluster());
    const verdict = await decide({ route: 'validate', rules: [slow], onError: 'deny' }, [slow], eviction(), h.deps, 30);
    assert.equal(verdict.outcome.kind, 'errored');
    assert.match(verdict.outcome.kind === 'errored' ? verdict.outcome.message : '', /still looking up the governing policy/);
  });
});

describe('applyPolicy and combine (pure)', () => {
  const request = eviction();
  const located = {
    policy: makePolicy(),
    subject: null,
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'kafka', name: 'kafka-1', uid: 'u' },
    breakGlass: null,
  };
  const runOf = (verdict: AdmissionVerdict, over: Partial<RuleRun> = {}): RuleRun => ({ rule: podEviction, located, verdict, skipped: null, ...over });

  it('passes skipped rules through with their reason', () => {
    assert.equal(applyPolicy(runOf(allow(), { skipped: 'mode_off' }), request).outcome, 'mode_off');
  });

  it('maps outcomes', () => {
    const table: Array<[AdmissionVerdict, string]> = [
      [allow(), 'allowed'],
      [patch([{ op: 'add', path: '/x', value: 1 }]), 'patched'],
      [deny(['no']), 'denied'],
      [errored(new Error('x')), 'errored'],
      [undecided('kafka down'), 'denied'],
    ];
    for (const [verdict, outcome] of table) assert.equal(applyPolicy(runOf(verdict), request).outcome, outcome);
  });

  it('an undecided verdict the apiserver caused is refused even with onKafkaUnreachable Allow', () => {
    const allowing = { ...located, policy: makePolicy({ onKafkaUnreachable: 'Allow' }) };
    const applied = applyPolicy(runOf(undecided('slow', ['the disruption ledger']), { located: allowing }), request);
    assert.equal(applied.outcome, 'denied');
    assert.equal(applied.event?.reason, 'KafkaGuardApiserverUnavailable');
    const outcome = refusal(applied.verdict);
    assert.deepEqual(outcome.rules, ['pod-eviction']);
    assert.equal(outcome.reasons[0]?.rule, 'apiserver-unavailable');
    assert.equal(applyPolicy(runOf(undecided('slow'), { located: allowing }), request).outcome, 'kafka_unreachable_allowed');
  });

  it('an undecided verdict without a policy is an error', () => {
    const applied = applyPolicy(runOf(undecided('x'), { located: { ...located, policy: null } }), request);
    assert.equal(applied.verdict.outcome.kind, 'errored');
  });

  it('combines refusals of several rules into one, keeping every reason and warning', () => {
    const a = applyPolicy({ ...runOf(deny([{ rule: 'r1', message: 'one' }], { summary: 'A.' }).withWarnings('w1')) }, request);
    const b = applyPolicy({ ...runOf(deny([{ rule: 'r2', message: 'two' }], { summary: 'B.' })), rule: { ...podEviction, name: 'other' } }, request);
    const combined = combine([a, b], 'deny');
    const outcome = refusal(combined);
    assert.equal(outcome.summary, 'A. B.');
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['r1', 'r2']);
    assert.deepEqual(outcome.rules, ['pod-eviction', 'other']);
    assert.deepEqual(combined.warnings, ['w1']);
  });

  it('a refusal wins over an error, an error over an allow', () => {
    const denied = applyPolicy(runOf(deny(['no'])), request);
    const failed = applyPolicy(runOf(errored(new Error('x'))), request);
    const allowed = applyPolicy(runOf(allow()), request);
    assert.equal(combine([failed, denied], 'deny').outcome.kind, 'deny');
    assert.equal(combine([allowed, failed], 'deny').outcome.kind, 'errored');
    assert.equal(combine([allowed], 'deny').outcome.kind, 'allow');
  });

  it('concatenates patches', () => {
    const one = applyPolicy(runOf(patch([{ op: 'add', path: '/a', value: 1 }])), request);
    const two = applyPolicy(runOf(patch([{ op: 'add', path: '/b', value: 2 }])), request);
    const combined = combine([one, two], 'admit');
    assert.deepEqual(combined.outcome.kind === 'patch' ? combined.outcome.ops.map((o) => o.path) : [], ['/a', '/b']);
  });
});
