import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterView } from '../kafka/types.js';
import { indexCluster } from './cluster-index.js';
import { clusterOf, repeat } from './testing/cluster-builder.js';
import type { DisruptionContext, DisruptionRequest, SafetyRule, VerdictPolicy } from './types.js';
import { expendableMatcher, verdict } from './verdict.js';

interface Case {
  name: string;
  view: ClusterView;
  request: DisruptionRequest;
  context?: Partial<DisruptionContext>;
  policy?: Partial<VerdictPolicy>;
  allowed: boolean;
  /** Rule -> partitions it names, as `topic-partition`. */
  rules?: Partial<Record<SafetyRule, string[]>>;
  /** Substrings that must appear in the warnings, in order of the warnings list. */
  warnings?: string[];
  /** Substrings of the reason messages (any reason). */
  messages?: string[];
  remediation?: string;
}

const rf3 = (minIsr: number, isr?: number[]) =>
  clusterOf([1, 2, 3], [{ name: 'orders', minIsr, partitions: [{ r: [1, 2, 3], ...(isr ? { isr } : {}) }] }]);

const cases: Case[] = [
  {
    name: 'healthy RF3 min ISR 2: one broker may go',
    view: rf3(2),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: true,
    warnings: [],
  },
  {
    name: 'RF1 partition goes offline with its only broker',
    view: clusterOf([1, 2], [{ name: 'single', partitions: [{ r: [1] }, { r: [2] }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { offline: ['single-0'] },
    messages: ['Taking down broker 1 would take 1 partition offline (no in-sync replica left): single-0.'],
  },
  {
    name: 'min ISR == RF: any broker drops it below min ISR',
    view: rf3(3),
    request: { brokers: [2], kind: 'disrupt' },
    allowed: false,
    rules: { 'under-min-isr': ['orders-0'] },
    messages: ['would drop 1 partition below min.insync.replicas'],
  },
  {
    name: 'a partition going offline is reported as offline only, not also under min ISR',
    view: clusterOf([1, 2, 3], [{ name: 't', minIsr: 2, partitions: [{ r: [1, 2], isr: [1] }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { offline: ['t-0'] },
  },
  {
    name: 'partition already offline (its only broker already down): warning, not blamed on the request',
    view: clusterOf([1, 2], [{ name: 'single', partitions: [{ r: [1] }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    context: { alreadyDown: [1] },
    allowed: true,
    warnings: ['1 partition on these brokers is already offline (no in-sync replica available) and this request does not change that: single-0.'],
  },
  {
    name: 'partition already offline because its ISR broker is unregistered; requested broker is an out-of-sync replica',
    view: clusterOf([1, 3], [{ name: 't', partitions: [{ r: [1, 2, 3], isr: [2], leader: -1 }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: true,
    warnings: ['already offline'],
  },
  {
    name: 'already below min ISR and the request removes another in-sync replica: refused (it worsens it)',
    view: rf3(3, [1, 2]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { 'under-min-isr': ['orders-0'] },
  },
  {
    name: 'already below min ISR, requested broker not in the ISR: allowed with a warning',
    view: rf3(3, [1, 2]),
    request: { brokers: [3], kind: 'disrupt' },
    allowed: true,
    warnings: ['already below min.insync.replicas; this request removes no in-sync replica from it: orders-0.'],
  },
  {
    name: 'a broker out of the ISR counts as down: the request leaves one in-sync replica of min 2',
    view: rf3(2, [1, 2]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { 'under-min-isr': ['orders-0'] },
  },
  {
    name: 'unknown broker id',
    view: rf3(2),
    request: { brokers: [9], kind: 'disrupt' },
    policy: { target: { namespace: 'kafka' } },
    allowed: false,
    rules: { 'unknown-broker': [] },
    messages: ['broker 9 is not registered with the Kafka cluster and holds no replicas', 'registered brokers: 1, 2, 3.'],
    remediation: 'kubectl kafka status -n kafka',
  },
  {
    name: 'unregistered broker holding replicas is already down, not unknown: disrupting it changes nothing',
    view: clusterOf([1, 2, 3], [{ name: 't', minIsr: 2, partitions: [{ r: [1, 2, 4], isr: [1, 2, 4] }] }]),
    request: { brokers: [4], kind: 'disrupt' },
    allowed: true,
    warnings: [],
  },
  {
    name: 'unregistered broker holding replicas cannot be removed for good',
    view: clusterOf([1, 2, 3], [{ name: 't', partitions: [{ r: [1, 4] }] }]),
    request: { brokers: [4], kind: 'remove' },
    allowed: false,
    rules: { 'holds-replicas': ['t-0'] },
  },
  {
    name: 'unregistered ISR member counts as down for other requests',
    view: clusterOf([1, 2, 3], [{ name: 't', minIsr: 2, partitions: [{ r: [1, 2, 4] }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { 'under-min-isr': ['t-0'] },
    messages: ['Counted as down too: broker 4 already down.'],
  },
  {
    name: 'empty cluster: any id is unknown',
    view: clusterOf([], []),
    request: { brokers: [0], kind: 'disrupt' },
    allowed: false,
    rules: { 'unknown-broker': [] },
    messages: ['registered brokers: none.'],
  },
  {
    name: 'empty request is allowed',
    view: rf3(3),
    request: { brokers: [], kind: 'remove' },
    allowed: true,
  },
  {
    name: 'broker that leads and holds nothing may be disrupted',
    view: clusterOf([1, 2, 3, 4], [{ name: 't', minIsr: 2, partitions: [{ r: [1, 2, 3] }] }]),
    request: { brokers: [4], kind: 'disrupt' },
    allowed: true,
    warnings: [],
  },
  {
    name: 'broker that holds nothing may be removed',
    view: clusterOf([1, 2, 3, 4], [{ name: 't', minIsr: 2, partitions: [{ r: [1, 2, 3] }] }]),
    request: { brokers: [4], kind: 'remove' },
    allowed: true,
  },
  {
    name: 'follower-only broker (leads nothing) is still judged on the ISR',
    view: clusterOf([1, 2, 3], [{ name: 't', minIsr: 3, partitions: [{ r: [1, 2, 3], leader: 1 }] }]),
    request: { brokers: [3], kind: 'disrupt' },
    allowed: false,
    rules: { 'under-min-isr': ['t-0'] },
  },
  {
    name: 'pending disruption counts as down',
    view: rf3(2),
    request: { brokers: [1], kind: 'disrupt' },
    context: { pending: [2] },
    allowed: false,
    rules: { 'under-min-isr': ['orders-0'] },
    messages: ['Counted as down too: broker 2 with a disruption already admitted.'],
  },
  {
    name: 'already-down broker counts as down',
    view: rf3(2),
    request: { brokers: [1], kind: 'disrupt' },
    context: { alreadyDown: [3] },
    allowed: false,
    rules: { 'under-min-isr': ['orders-0'] },
    messages: ['Counted as down too: broker 3 already down.'],
  },
  {
    name: 'the same disruption seen again (requested broker is pending) changes nothing',
    view: rf3(3),
    request: { brokers: [1], kind: 'disrupt' },
    context: { pending: [1] },
    allowed: true,
    warnings: ['already below min.insync.replicas'],
  },
  {
    name: 'two brokers requested together take an RF2 partition offline',
    view: clusterOf([1, 2, 3], [{ name: 't', partitions: [{ r: [1, 2] }, { r: [2, 3] }] }]),
    request: { brokers: [2, 1, 2], kind: 'disrupt' },
    allowed: false,
    rules: { offline: ['t-0'] },
    messages: ['Taking down brokers 1, 2 would take 1 partition offline'],
    // Only broker 3 is up to take t-0's two replicas: not even a maintenance can help.
    remediation:
      'none right now: every broker that is up already holds a replica of these partitions. First add a broker ' +
      '(kubectl kafka scale STS --replicas <one more>); then kubectl kafka maintenance start --broker 1 --broker 2',
  },
  {
    name: 'a broker already down and RF 3 on 3 brokers: the safe way says to bring it back first',
    view: clusterOf([0, 1, 2], [{ name: 'orders', minIsr: 2, partitions: [{ r: [0, 1, 2] }] }]),
    request: { brokers: [2], kind: 'disrupt' },
    context: { alreadyDown: [0], pending: [] },
    policy: { target: { namespace: 'kafka', pod: 'kafka-2', statefulSet: 'kafka' } },
    allowed: false,
    rules: { 'under-min-isr': ['orders-0'] },
    remediation:
      'none right now: every broker that is up already holds a replica of these partitions. First bring back broker 0 (down), ' +
      'or add a broker (kubectl kafka scale kafka --replicas <one more> -n kafka); then kubectl kafka maintenance start kafka-2 -n kafka',
  },
  {
    name: 'an RF1 partition on the broker, with another broker up to take it: maintenance is the safe way',
    view: clusterOf([0, 1, 2], [{ name: 'single', partitions: [{ r: [2] }] }, { name: 'orders', minIsr: 2, partitions: [{ r: [0, 1, 2] }] }]),
    request: { brokers: [2], kind: 'disrupt' },
    policy: { target: { namespace: 'kafka', pod: 'kafka-2' } },
    allowed: false,
    rules: { offline: ['single-0'] },
    remediation: 'kubectl kafka maintenance start kafka-2 -n kafka',
  },
  {
    name: 'several brokers: partitions named once each, in topic/partition order',
    view: clusterOf([1, 2, 3], [{ name: 'a', partitions: [{ r: [2] }, { r: [1] }, { r: [1, 2] }, { r: [2] }, { r: [3] }] }]),
    request: { brokers: [2, 1], kind: 'remove' },
    allowed: false,
    rules: { offline: ['a-0', 'a-1', 'a-2', 'a-3'], 'holds-replicas': ['a-0', 'a-1', 'a-2', 'a-3'] },
  },
  {
    name: 'in-flight reassignment: an adding replica is not in sync, so disrupting it is harmless',
    view: clusterOf([1, 2, 3, 4], [{ name: 't', minIsr: 2, partitions: [{ r: [2, 3, 4, 1], isr: [1, 2, 3], adding: [4], removing: [1] }] }]),
    request: { brokers: [4], kind: 'disrupt' },
    allowed: true,
  },
  {
    name: 'in-flight reassignment: the replica being removed is still in sync and counts',
    view: clusterOf([1, 2, 3, 4], [{ name: 't', minIsr: 3, partitions: [{ r: [2, 3, 4, 1], isr: [1, 2, 3], adding: [4], removing: [1] }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { 'under-min-isr': ['t-0'] },
  },
  {
    name: 'in-flight reassignment: a broker being added holds data being built',
    view: clusterOf([1, 2, 3, 4], [{ name: 't', partitions: [{ r: [2, 3, 1], isr: [1, 2, 3], adding: [4], removing: [1] }] }]),
    request: { brokers: [4], kind: 'remove' },
    allowed: false,
    rules: { 'holds-replicas': ['t-0'] },
  },
  {
    name: 'in-flight reassignment: a broker being removed holds data until it completes',
    view: clusterOf([1, 2, 3, 4], [{ name: 't', partitions: [{ r: [2, 3, 4], isr: [1, 2, 3], adding: [4], removing: [1] }] }]),
    request: { brokers: [1], kind: 'remove' },
    allowed: false,
    rules: { 'holds-replicas': ['t-0'] },
  },
  {
    name: 'expendable topic by exact name: offline is a warning',
    view: clusterOf([1, 2], [{ name: 'scratch', partitions: [{ r: [1] }] }, { name: 'scratch2', partitions: [{ r: [2] }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    policy: { expendableTopics: ['scratch'] },
    allowed: true,
    warnings: ['1 partition of expendable topics will go offline (allowed by expendableTopics): scratch-0.'],
  },
  {
    name: 'expendable exact name does not match a longer name',
    view: clusterOf([1, 2], [{ name: 'scratch2', partitions: [{ r: [1] }] }]),
    request: { brokers: [1], kind: 'disrupt' },
    policy: { expendableTopics: ['scratch'] },
    allowed: false,
    rules: { offline: ['scratch2-0'] },
  },
  {
    name: 'expendable prefix: under min ISR is a warning, other topics still refused',
    view: clusterOf(
      [1, 2, 3],
      [
        { name: 'tmp-a', minIsr: 3, partitions: [{ r: [1, 2, 3] }] },
        { name: 'tmpb', minIsr: 3, partitions: [{ r: [1, 2, 3] }] },
      ],
    ),
    request: { brokers: [1], kind: 'disrupt' },
    policy: { expendableTopics: ['tmp-*'] },
    allowed: false,
    rules: { 'under-min-isr': ['tmpb-0'] },
    warnings: ['1 partition of expendable topics will drop below min.insync.replicas (allowed by expendableTopics): tmp-a-0.'],
  },
  {
    name: 'expendable topics are not exempt from holds-replicas',
    view: clusterOf([1, 2], [{ name: 'scratch', partitions: [{ r: [1] }] }]),
    request: { brokers: [1], kind: 'remove' },
    policy: { expendableTopics: ['scratch'] },
    allowed: false,
    rules: { 'holds-replicas': ['scratch-0'] },
    warnings: ['expendable topics will go offline'],
  },
  {
    name: 'remove vs disrupt: disrupt of a healthy RF3 broker is fine',
    view: rf3(2),
    request: { brokers: [3], kind: 'disrupt' },
    policy: { target: { namespace: 'kafka', statefulSet: 'kafka', replicas: 2 } },
    allowed: true,
  },
  {
    name: 'remove vs disrupt: remove refuses while it holds replicas, remediation is a guarded scale-down',
    view: rf3(2),
    request: { brokers: [3], kind: 'remove' },
    policy: { target: { namespace: 'kafka', statefulSet: 'kafka', replicas: 2 } },
    allowed: false,
    rules: { 'holds-replicas': ['orders-0'] },
    messages: ['broker 3 still holds replicas of 1 partition, which would be lost with it: orders-0.'],
    remediation: 'kubectl kafka scale kafka --replicas 2 -n kafka',
  },
  {
    name: 'remove without a known replica count: remediation drains the broker',
    view: rf3(2),
    request: { brokers: [3], kind: 'remove' },
    policy: { target: { statefulSet: 'kafka' } },
    allowed: false,
    rules: { 'holds-replicas': ['orders-0'] },
    remediation: 'kubectl kafka drain --broker 3',
  },
  {
    name: 'remediation names the pod when known',
    view: rf3(3),
    request: { brokers: [2], kind: 'disrupt' },
    policy: { target: { namespace: 'kafka', pod: 'kafka-2' } },
    allowed: false,
    rules: { 'under-min-isr': ['orders-0'] },
    remediation:
      'none right now: every broker that is up already holds a replica of these partitions. First add a broker ' +
      '(kubectl kafka scale STS --replicas <one more> -n kafka); then kubectl kafka maintenance start kafka-2 -n kafka',
  },
  {
    name: 'partition lists are sorted by topic, then partition number',
    view: clusterOf(
      [1, 2],
      [
        { name: 'b', partitions: [{ r: [1] }, { r: [1] }], numbers: [10, 2] },
        { name: 'a', partitions: [{ r: [1] }] },
      ],
    ),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { offline: ['a-0', 'b-2', 'b-10'] },
    messages: [': a-0, b-2, b-10.'],
  },
  {
    name: 'partition list truncation: first 5 named, then "and K more"',
    view: clusterOf([1, 2], [{ name: 'logs', partitions: repeat(8, { r: [1] }) }]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { offline: ['logs-0', 'logs-1', 'logs-2', 'logs-3', 'logs-4', 'logs-5', 'logs-6', 'logs-7'] },
    messages: ['take 8 partitions offline (no in-sync replica left): logs-0, logs-1, logs-2, logs-3, logs-4 and 3 more.'],
  },
  {
    name: 'partition list truncation honours maxPartitionsNamed',
    view: clusterOf([1, 2], [{ name: 'logs', partitions: repeat(8, { r: [1] }) }]),
    request: { brokers: [1], kind: 'disrupt' },
    policy: { maxPartitionsNamed: 2 },
    allowed: false,
    rules: { offline: ['logs-0', 'logs-1', 'logs-2', 'logs-3', 'logs-4', 'logs-5', 'logs-6', 'logs-7'] },
    messages: [': logs-0, logs-1 and 6 more.'],
  },
  {
    name: 'exactly maxPartitionsNamed partitions: no "and 0 more"',
    view: clusterOf([1, 2], [{ name: 'logs', partitions: repeat(5, { r: [1] }) }]),
    request: { brokers: [1], kind: 'disrupt' },
    allowed: false,
    rules: { offline: ['logs-0', 'logs-1', 'logs-2', 'logs-3', 'logs-4'] },
    messages: [': logs-0, logs-1, logs-2, logs-3, logs-4.'],
  },
  {
    name: 'several rules at once, in rule order',
    view: clusterOf(
      [1, 2, 3],
      [
        { name: 'one', partitions: [{ r: [1] }] },
        { name: 'three', minIsr: 3, partitions: [{ r: [1, 2, 3] }] },
      ],
    ),
    request: { brokers: [1, 7], kind: 'remove' },
    allowed: false,
    rules: { offline: ['one-0'], 'under-min-isr': ['three-0'], 'holds-replicas': ['one-0', 'three-0'], 'unknown-broker': [] },
  },
];

describe('verdict', () => {
  for (const c of cases) {
    it(c.name, () => {
      const index = indexCluster(c.view);
      const context: DisruptionContext = { alreadyDown: [], pending: [], ...c.context };
      const policy: VerdictPolicy = { expendableTopics: [], ...c.policy };
      const result = verdict(index, c.request, context, policy);

      assert.equal(result.allowed, c.allowed, JSON.stringify(result, null, 2));
      assert.equal(result.allowed, result.reasons.length === 0);
      if (c.rules !== undefined) {
        const actual = Object.fromEntries(result.reasons.map((r) => [r.rule, r.partitions.map((p) => `${p.topic}-${p.partition}`)]));
        assert.deepEqual(actual, c.rules);
        const order: SafetyRule[] = ['offline', 'under-min-isr', 'holds-replicas', 'unknown-broker'];
        const ruleOrder = result.reasons.map((r) => order.indexOf(r.rule));
        assert.deepEqual(ruleOrder, [...ruleOrder].sort((a, b) => a - b));
      }
      if (c.warnings !== undefined) {
        assert.equal(result.warnings.length, c.warnings.length, JSON.stringify(result.warnings));
        c.warnings.forEach((w, i) => assert.ok(result.warnings[i]?.includes(w), `warning ${i}: ${result.warnings[i]} lacks ${w}`));
      }
      for (const m of c.messages ?? []) {
        assert.ok(
          result.reasons.some((r) => r.message.includes(m)),
          `no reason message contains ${JSON.stringify(m)}: ${JSON.stringify(result.reasons.map((r) => r.message))}`,
        );
      }
      if (c.remediation !== undefined) {
        for (const reason of result.reasons) assert.equal(reason.remediation, c.remediation);
      }
    });
  }

  it('does not read partitions that do not touch the requested brokers', () => {
    // A partition on other brokers that is offline must not turn up as a warning.
    const view = clusterOf([1, 2, 3], [{ name: 't', minIsr: 2, partitions: [{ r: [1, 2, 3] }, { r: [2], isr: [] }] }]);
    const result = verdict(indexCluster(view), { brokers: [1], kind: 'disrupt' }, { alreadyDown: [], pending: [] }, { expendableTopics: [] });
    assert.deepEqual(result, { allowed: true, reasons: [], warnings: [] });
  });
});

describe('expendableMatcher', () => {
  it('matches exact names and prefixes only', () => {
    const matches = expendableMatcher(['logs', 'tmp-*']);
    assert.equal(matches('logs'), true);
    assert.equal(matches('logs2'), false);
    assert.equal(matches('tmp-'), true);
    assert.equal(matches('tmp-x'), true);
    assert.equal(matches('tmpx'), false);
    assert.equal(matches('orders'), false);
  });

  it('a lone * matches every topic', () => {
    assert.equal(expendableMatcher(['*'])('anything'), true);
  });
});
