import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import type { AdmissionVerdict } from '../admission/verdict.js';
import { makePod, makePolicy, makeView, standardCluster, type TopicSpec } from '../facts/fake.js';
import { startDeadline } from './engine.js';
import type { PodDisruptionFacts } from './pod-disruption.js';
import { podEviction } from './pod-eviction.js';

/** orders: RF 3, min ISR 2, one partition led by each broker. */
const ORDERS: TopicSpec = {
  name: 'orders',
  minIsr: 2,
  partitions: [{ replicas: [0, 1, 2] }, { replicas: [1, 2, 0] }, { replicas: [2, 0, 1] }],
};

function facts(over: Partial<PodDisruptionFacts> & { topics?: TopicSpec[]; brokers?: number[] } = {}): PodDisruptionFacts {
  const { topics = [ORDERS], brokers = [0, 1, 2], ...rest } = over;
  return {
    policy: makePolicy(),
    namespace: 'kafka',
    podName: 'kafka-1',
    podUid: 'uid-kafka-1',
    terminating: false,
    brokerId: { ok: true, id: 1 },
    statefulSet: 'kafka',
    alreadyDown: [],
    pending: { brokers: [], unknown: null, version: '7', breakGlassPods: [] },
    kafka: { ok: true, index: indexCluster(makeView(brokers, topics)), fetchedAt: 0 },
    maxPartitionsNamed: 5,
    ...rest,
  };
}

const request = loadRequest('eviction');

function decide(f: PodDisruptionFacts): AdmissionVerdict {
  return podEviction.decide(request, f);
}

function denial(verdict: AdmissionVerdict) {
  if (verdict.outcome.kind !== 'deny') assert.fail(`expected a refusal, got ${verdict.outcome.kind}`);
  return verdict.outcome;
}

describe('pod-eviction decide', () => {
  it('allows evicting a broker when every partition keeps min ISR, and marks the disruption for the ledger', () => {
    const verdict = decide(facts());
    assert.equal(verdict.outcome.kind, 'allow');
    assert.deepEqual(verdict.disruption, {
      policyKey: 'kafka/kafka',
      brokerId: 1,
      pod: { namespace: 'kafka', name: 'kafka-1', uid: 'uid-kafka-1' },
      ledgerVersion: '7',
    });
  });

  it('admits a retry of a disruption break-glass admitted, on that pod only, without recording it again', () => {
    const unsafe = { alreadyDown: [0] };
    const retried = decide(facts({ ...unsafe, pending: { brokers: [1], unknown: null, version: '7', breakGlassPods: ['uid-kafka-1'] } }));
    assert.equal(retried.outcome.kind, 'allow');
    assert.equal(retried.disruption, null, 'recorded twice: the entry would be renewed by every retry');
    assert.match(retried.warnings.join('\n'), /break-glass already used on pod kafka\/kafka-1/);
    const otherPod = decide(facts({ ...unsafe, pending: { brokers: [2], unknown: null, version: '7', breakGlassPods: ['uid-kafka-2'] } }));
    assert.equal(otherPod.allowed, false, 'the break-glass of another pod let this one through');
  });

  const refusals: Array<[string, Partial<PodDisruptionFacts> & { topics?: TopicSpec[] }, string, string[]]> = [
    ['another broker is already down', { alreadyDown: [0] }, 'under-min-isr', ['orders-0', 'orders-1', 'orders-2']],
    ['another broker has a disruption pending', { pending: { brokers: [2], unknown: null, version: '7', breakGlassPods: [] } }, 'under-min-isr', ['orders-0', 'orders-1', 'orders-2']],
    [
      'it is a retry of its own admitted eviction and another broker went down meanwhile',
      { alreadyDown: [0], pending: { brokers: [1], unknown: null, version: '7', breakGlassPods: [] } },
      'under-min-isr',
      ['orders-0', 'orders-1', 'orders-2'],
    ],
    [
      'a partition already lost a follower',
      { topics: [{ name: 'orders', minIsr: 2, partitions: [{ replicas: [0, 1, 2], isr: [0, 1] }, { replicas: [2, 0, 1] }] }] },
      'under-min-isr',
      ['orders-0'],
    ],
    [
      'the broker holds the last in-sync replica',
      { topics: [{ name: 'payments', minIsr: 1, partitions: [{ replicas: [1, 2], isr: [1] }] }] },
      'offline',
      ['payments-0'],
    ],
    [
      'the topic has replication factor 1',
      { topics: [{ name: 'scratch', minIsr: 1, partitions: [{ replicas: [1] }] }] },
      'offline',
      ['scratch-0'],
    ],
  ];
  for (const [name, over, rule, partitions] of refusals) {
    it(`refuses with 429 when ${name}`, () => {
      const outcome = denial(decide(facts(over)));
      assert.equal(outcome.code, 429);
      assert.equal(outcome.statusReason, 'TooManyRequests');
      assert.equal(outcome.summary, 'kafka-guard refused to evict pod kafka/kafka-1 (Kafka broker 1).');
      const reason = outcome.reasons.find((r) => r.rule === rule);
      assert.ok(reason, `no ${rule} reason in ${outcome.reasons.map((r) => r.rule).join(', ')}`);
      assert.deepEqual(reason.partitions.map((p) => `${p.topic}-${p.partition}`), partitions);
      for (const partition of partitions) assert.ok(reason.message.includes(partition), `message names ${partition}`);
      assert.match(reason.remediation, /kubectl kafka maintenance start kafka-1 -n kafka$/);
      assert.match(outcome.hints.join('\n'), /kubectl annotate pod kafka-1 -n kafka kafkaguard.io\/allow-disruption="<reason>"/);
    });
  }

  it('names the first partitions and counts the rest', () => {
    const many: TopicSpec = { name: 'events', minIsr: 2, partitions: Array.from({ length: 12 }, () => ({ replicas: [0, 1, 2], isr: [0, 1] })) };
    const outcome = denial(decide(facts({ topics: [many], maxPartitionsNamed: 3 })));
    assert.match(outcome.reasons[0]?.message ?? '', /12 partitions .*events-0, events-1, events-2 and 9 more/);
    assert.equal(outcome.reasons[0]?.partitions.length, 12);
  });

  it('admits with a warning when only expendable topics go offline', () => {
    const verdict = decide(
      facts({
        policy: makePolicy({ expendableTopics: ['scratch*'] }),
        topics: [{ name: 'scratch-tmp', minIsr: 1, partitions: [{ replicas: [1] }] }],
      }),
    );
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /expendable .*scratch-tmp-0/);
  });

  it('allows a pod that is already terminating without looking at Kafka', () => {
    assert.equal(decide(facts({ terminating: true, kafka: null, alreadyDown: [0] })).outcome.kind, 'allow');
  });

  it('allows when the broker itself is already down (not Ready)', () => {
    assert.equal(decide(facts({ alreadyDown: [1] })).outcome.kind, 'allow');
  });

  it('allows a crashed broker that never registered with Kafka', () => {
    assert.equal(decide(facts({ brokerId: { ok: true, id: 7 }, alreadyDown: [7] })).outcome.kind, 'allow');
  });

  it('refuses a Ready pod whose broker id Kafka does not know (the id mapping is wrong)', () => {
    const outcome = denial(decide(facts({ brokerId: { ok: true, id: 7 } })));
    assert.deepEqual(outcome.reasons.map((r) => r.rule), ['unknown-broker']);
  });

  it('refuses when the pod yields no broker id, saying why and what to fix', () => {
    const outcome = denial(decide(facts({ brokerId: { ok: false, error: 'pod kafka-1 has no broker id: label "broker.id" is not set' }, kafka: null })));
    assert.equal(outcome.reasons[0]?.rule, 'broker-identity');
    assert.equal(outcome.code, 403, 'a retry cannot fix a policy, so drain should stop and show the message');
    assert.match(outcome.reasons[0]?.message ?? '', /label "broker.id" is not set/);
    assert.match(outcome.reasons[0]?.remediation ?? '', /fix spec.brokers of KafkaGuardPolicy kafka\/kafka/);
  });

  it('is undecided when Kafka cannot be asked', () => {
    const verdict = decide(facts({ kafka: { ok: false, error: 'connect ECONNREFUSED 10.0.0.5:9092' } }));
    assert.deepEqual(verdict.outcome, { kind: 'undecided', message: 'connect ECONNREFUSED 10.0.0.5:9092' });
  });
});

describe('pod-eviction matches and gathers', () => {
  it('matches only pods/eviction CREATE', () => {
    assert.equal(podEviction.matches(request), true);
    assert.equal(podEviction.matches(loadRequest('pod-delete')), false);
    assert.equal(podEviction.matches(loadRequest('eviction', (r) => (r.request.operation = 'UPDATE'))), false);
  });

  it('looks the pod up by the eviction name and gathers what decide needs', async () => {
    const cluster = standardCluster({ pods: [makePod('kafka-0', { ready: false }), makePod('kafka-1', { annotations: { 'kafkaguard.io/allow-disruption': 'disk swap' } }), makePod('kafka-2')] });
    const located = await podEviction.locate(request, cluster);
    assert.ok(located);
    assert.equal(located.policy?.metadata.name, 'kafka');
    assert.deepEqual(located.breakGlass, { pod: { namespace: 'kafka', name: 'kafka-1', uid: 'uid-kafka-1' }, reason: 'disk swap' });
    const deadline = startDeadline(1000);
    try {
      const gathered = await podEviction.gather(request, located, cluster, { deadline, requestArrivedAt: 0, maxPartitionsNamed: 5 });
      assert.deepEqual(gathered.brokerId, { ok: true, id: 1 });
      assert.deepEqual(gathered.alreadyDown, [0]);
      assert.equal(gathered.kafka?.ok, true);
    } finally {
      deadline.clear();
    }
  });

  it('is not concerned with pods of no policy or pods that do not exist', async () => {
    const cluster = standardCluster({ pods: [makePod('kafka-1', { labels: { app: 'zookeeper' } })] });
    assert.equal(await podEviction.locate(request, cluster), null);
    assert.equal(await podEviction.locate(request, standardCluster({ pods: [] })), null);
  });
});
