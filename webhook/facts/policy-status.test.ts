import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { makePod, makePolicy, makeView, type TopicSpec } from './fake.js';
import { buildPolicyStatus, type PolicyStatus, type PolicyStatusInput } from './policy-status.js';

const policy = makePolicy();
const pods = [makePod('kafka-0'), makePod('kafka-1'), makePod('kafka-2')];
const rf3: TopicSpec = { name: 'orders', minIsr: 2, partitions: [{ replicas: [0, 1, 2] }, { replicas: [1, 2, 0] }, { replicas: [2, 0, 1] }] };
const earlier = new Date('2026-11-26T07:00:00.000Z');
const later = new Date('2026-11-26T08:00:00.000Z');

function status(topics: TopicSpec[], overrides: Partial<PolicyStatusInput> = {}): PolicyStatus {
  return buildPolicyStatus({
    policy,
    previous: undefined,
    kafka: { ok: true, index: indexCluster(makeView([0, 1, 2], topics)) },
    pods,
    pending: { brokers: [], unknown: null },
    maintenance: [],
    now: earlier,
    ...overrides,
  });
}
const conditionsOf = (s: PolicyStatus) => Object.fromEntries((s.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));

describe('buildPolicyStatus', () => {
  it('a healthy cluster: every condition True, every broker placed, counted and safe', () => {
    const s = status([rf3]);
    assert.deepEqual(conditionsOf(s), {
      KafkaReachable: ['True', 'ClusterRead'],
      PartitionsHealthy: ['True', 'AllPartitionsAtMinIsr'],
      BrokersIdentified: ['True', 'AllPodsIdentified'],
    });
    assert.deepEqual(s.brokers?.map((b) => [b.id, b.pod, b.ready, b.replicas, b.leaders, b.soleReplicas, b.safeToDisrupt]), [
      [0, 'kafka-0', true, 3, 1, 0, true],
      [1, 'kafka-1', true, 3, 1, 0, true],
      [2, 'kafka-2', true, 3, 1, 0, true],
    ]);
    assert.match(s.conditions?.[0]?.lastTransitionTime ?? '', /^2026-11-26T07:00:00Z$/);
  });

  it('a broker holding the only replica of a partition is not safe to disrupt, and says why', () => {
    const s = status([rf3, { name: 'solo', minIsr: 1, partitions: [{ replicas: [2] }] }]);
    const b2 = s.brokers?.find((b) => b.id === 2);
    assert.equal(b2?.safeToDisrupt, false);
    assert.equal(b2?.soleReplicas, 1);
    assert.match(b2?.reason ?? '', /would take partitions offline \(1 partition\)/);
  });

  it('partitions under min ISR make PartitionsHealthy False, counted in the message', () => {
    const s = status([{ ...rf3, partitions: [{ replicas: [0, 1, 2], isr: [0] }, ...rf3.partitions.slice(1)] }]);
    const healthy = s.conditions?.find((c) => c.type === 'PartitionsHealthy');
    assert.deepEqual([healthy?.status, healthy?.reason], ['False', 'PartitionsUnderMinIsr']);
    assert.match(healthy?.message ?? '', /0 offline, 1 under min.insync.replicas, 1 under-replicated, of 3 partition/);
  });

  it('keeps lastTransitionTime while a condition holds, and moves it when it changes', () => {
    const first = status([rf3]);
    const same = status([rf3], { previous: first, now: later });
    assert.deepEqual(same, first, 'nothing changed: identical, so nothing is written');
    const changed = status([{ ...rf3, partitions: [{ replicas: [0, 1, 2], isr: [0] }] }], { previous: first, now: later });
    const byType = new Map(changed.conditions?.map((c) => [c.type, c.lastTransitionTime]));
    assert.equal(byType.get('PartitionsHealthy'), '2026-11-26T08:00:00Z');
    assert.equal(byType.get('KafkaReachable'), '2026-11-26T07:00:00Z');
  });

  it('Kafka unreachable: KafkaReachable False with the error, the last brokers kept', () => {
    const first = status([rf3]);
    const s = status([], { previous: first, kafka: { ok: false, error: 'connect ECONNREFUSED 10.0.0.5:9092' }, now: later });
    assert.deepEqual(conditionsOf(s).KafkaReachable, ['False', 'KafkaUnreachable']);
    assert.match(s.conditions?.[0]?.message ?? '', /ECONNREFUSED/);
    assert.deepEqual(conditionsOf(s).PartitionsHealthy, ['Unknown', 'KafkaUnreachable']);
    assert.deepEqual(s.brokers, first.brokers);
  });

  it('a pending disruption and a pod without a broker id show up', () => {
    const unnamed = makePod('kafka-x');
    const s = status([rf3], { pods: [...pods, unnamed], pending: { brokers: [0], unknown: null } });
    assert.deepEqual(conditionsOf(s).BrokersIdentified, ['False', 'PodsWithoutBrokerId']);
    assert.match(s.conditions?.find((c) => c.type === 'BrokersIdentified')?.message ?? '', /kafka-x/);
    assert.deepEqual(s.brokers?.map((b) => b.safeToDisrupt), [true, false, false], 'with broker 0 going, neither 1 nor 2 may');
  });
});

describe('buildPolicyStatus: pods mapped to ids Kafka does not know (issue 10)', () => {
  it('ordinal offset 7 on brokers 0-2: BrokersIdentified False naming both sides, Healthy not True', () => {
    const s = status([rf3], { policy: makePolicy({ idFrom: { ordinal: { offset: 7 } } }) });
    const identified = s.conditions?.find((c) => c.type === 'BrokersIdentified');
    assert.deepEqual([identified?.status, identified?.reason], ['False', 'IdsUnknownToKafka']);
    assert.match(identified?.message ?? '', /kafka-0 -> 7, kafka-1 -> 8, kafka-2 -> 9/);
    assert.match(identified?.message ?? '', /Kafka knows broker id\(s\) 0, 1, 2/);
    assert.match(identified?.message ?? '', /spec\.brokers\.idFrom/);
    const healthy = s.conditions?.find((c) => c.type === 'PartitionsHealthy');
    assert.deepEqual([healthy?.status, healthy?.reason], ['Unknown', 'IdsUnknownToKafka']);
  });

  it('a pod that is starting and not yet registered is no mapping error', () => {
    const starting = [...pods, makePod('kafka-3', { ready: false })];
    const s = status([rf3], { pods: starting });
    assert.deepEqual(conditionsOf(s).BrokersIdentified, ['True', 'AllPodsIdentified']);
    assert.deepEqual(conditionsOf(s).PartitionsHealthy, ['True', 'AllPartitionsAtMinIsr']);
  });

  it('a stopped broker that still holds replicas is known to Kafka', () => {
    const index = indexCluster(makeView([0, 1], [rf3]));
    const s = status([rf3], { kafka: { ok: true, index } });
    assert.equal(conditionsOf(s).BrokersIdentified?.[1], 'AllPodsIdentified');
  });
});

describe('buildPolicyStatus: maintenance in progress (issue 11, item 4)', () => {
  const record = {
    brokers: [2],
    startedAt: '2026-12-03T10:00:00Z',
    moves: [{ topic: 'solo', partition: 0, from: [2], to: [0] }],
    leaders: [],
    cordoned: 'node-a2',
    startedBy: 'evacuation',
  };
  const solo = (replicas: number[], adding: number[] = []): TopicSpec => ({ name: 'solo', minIsr: 1, partitions: [{ replicas, adding }] });

  it('Moving while the recorded move is not in place, with the counts', () => {
    const s = status([rf3, solo([2, 0], [0])], { maintenance: [record] });
    assert.deepEqual(s.maintenance, [
      { brokers: [2], startedBy: 'evacuation', startedAt: '2026-12-03T10:00:00Z', cordoned: 'node-a2', phase: 'Moving', partitionsToMove: 1, partitionsMoved: 0 },
    ]);
  });

  it('Ready once the data is in place and the broker still runs; BrokersDown once it is down', () => {
    assert.equal(status([rf3, solo([0])], { maintenance: [record] }).maintenance?.[0]?.phase, 'Ready');
    const down = [makePod('kafka-0'), makePod('kafka-1'), makePod('kafka-2', { ready: false })];
    const s = status([rf3, solo([0])], { maintenance: [record], pods: down });
    assert.equal(s.maintenance?.[0]?.phase, 'BrokersDown');
    assert.equal(s.maintenance?.[0]?.partitionsMoved, 1);
  });

  it('a partition deleted since the record was written has nothing left to move', () => {
    const s = status([rf3], { maintenance: [record] });
    assert.deepEqual([s.maintenance?.[0]?.phase, s.maintenance?.[0]?.partitionsMoved], ['Ready', 1]);
  });

  it('no record, no entry; Kafka unreachable keeps the last progress while a record exists', () => {
    assert.deepEqual(status([rf3]).maintenance, []);
    const before = status([rf3, solo([2, 0], [0])], { maintenance: [record] });
    const unreachable = status([rf3], { kafka: { ok: false, error: 'timeout' }, previous: before, maintenance: [record] });
    assert.deepEqual(unreachable.maintenance, before.maintenance);
    assert.deepEqual(status([rf3], { kafka: { ok: false, error: 'timeout' }, previous: before }).maintenance, []);
  });
});
