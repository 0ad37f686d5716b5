/**
 * What lowering a broker StatefulSet's replicas means, shared by the two ways
 * to do it (an UPDATE of the StatefulSet, and the scale subresource used by
 * `kubectl scale` and autoscalers): the brokers with the highest ordinals are
 * removed for good ('remove'), so each must hold no replica any more.
 */
import type { BrokerIdSource, KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { ClusterIndex } from '../../shared/safety/cluster-index.js';
import { allow, deny, undecided, type AdmissionVerdict } from '../admission/verdict.js';
import type { FactsSource, KafkaIndexResult, LedgerReading, PodFact, StatefulSetFact } from '../facts/types.js';
import { policyKey } from '../facts/types.js';
import { identityReason, scaleDownSummary } from '../messages.js';
import {
  brokersDown,
  brokerOfOrdinal,
  podTemplateLabels,
  startOrdinalOf,
  statefulSetReference,
  type OrdinalBroker,
} from './brokers.js';
import { disruptionVerdict } from '../../shared/safety/disruption.js';
import { NOTHING_READ, requirePolicy } from './pod-disruption.js';
import { kafkaIndexFor, type GatherContext, type Located } from './rule.js';
import { scaleDownDiskWarnings, type DiskFacts } from '../../shared/safety/disk.js';
import { gatherScaleDownDisk } from './scale-down-disk.js';

export interface ScaleDownSubject {
  namespace: string;
  statefulSet: StatefulSetFact;
  statefulSetName: string;
  from: number;
  to: number;
}

export interface ScaleDownFacts {
  policy: KafkaGuardPolicy;
  namespace: string;
  statefulSetName: string;
  from: number;
  to: number;
  /**
   * The brokers behind the ordinals that go away that can matter (a pod exists,
   * or Kafka knows the id), highest ordinals last. Never one per removed
   * ordinal: the count comes from the request.
   */
  removed: OrdinalBroker[];
  /** Removed ordinals without a pod that a label or annotation idFrom cannot identify, beyond those in `removed`. */
  podlessNotNamed: number;
  alreadyDown: number[];
  pending: LedgerReading;
  /** null when no Kafka view was needed (an unidentifiable broker refuses first). */
  kafka: KafkaIndexResult | null;
  maxPartitionsNamed: number;
  /** Sizes and capacities, read only when the removed brokers hold replicas (for a warning, never a refusal). */
  disk?: DiskFacts | null;
}

/** null when the replicas do not go down or the StatefulSet runs no brokers of any policy. */
export async function locateScaleDown(
  subject: ScaleDownSubject,
  facts: FactsSource,
): Promise<Located<ScaleDownSubject> | null> {
  if (subject.to >= subject.from) return null;
  const policy = await facts.policyFor(subject.namespace, podTemplateLabels(subject.statefulSet));
  if (policy === null) return null;
  return {
    policy,
    subject,
    involvedObject: statefulSetReference(subject.namespace, subject.statefulSetName, subject.statefulSet),
    breakGlass: null,
  };
}

export async function gatherScaleDown(
  located: Located<ScaleDownSubject>,
  facts: FactsSource,
  context: GatherContext,
): Promise<ScaleDownFacts> {
  const policy = requirePolicy(located);
  const { namespace, statefulSet, statefulSetName, from, to } = located.subject;
  const idFrom = policy.spec.brokers.idFrom;
  const brokerPods = await facts.brokerPods(policy);
  const start = startOrdinalOf(statefulSet);
  const range = { first: start + to, end: start + from };
  const withPods = removedBrokersWithPods(statefulSetName, range, brokerPods, idFrom);
  const podless = range.end - range.first - withPods.length;
  // Without a name-based idFrom, an ordinal without a pod cannot be identified: refused, no Kafka view needed.
  const namesGiveIds = 'ordinal' in idFrom || 'podNameSuffix' in idFrom;
  const needsKafka = withPods.every((broker) => broker.id.ok) && (podless === 0 || namesGiveIds);
  const [pending, kafka] = await Promise.all([
    needsKafka ? facts.pendingDisruptions(policyKey(policy)) : Promise.resolve(NOTHING_READ),
    needsKafka ? kafkaIndexFor(facts, policy, context) : Promise.resolve(null),
  ]);
  const podlessBrokers = namesGiveIds
    ? kafka !== null && kafka.ok
      ? removedBrokersKafkaKnows(statefulSetName, range, withPods, kafka.index, idFrom)
      : []
    : unidentifiablePodlessOrdinals(statefulSetName, range, withPods, idFrom, PODLESS_ORDINALS_NAMED);
  const removed = [...withPods, ...podlessBrokers].sort((a, b) => a.ordinal - b.ordinal);
  const ids = removed.flatMap((b) => (b.id.ok ? [b.id.id] : []));
  const disk = kafka?.ok ? await gatherScaleDownDisk(facts, policy, kafka.index, ids, brokerPods, context) : null;
  return {
    policy,
    namespace,
    statefulSetName,
    from,
    to,
    removed,
    podlessNotNamed: namesGiveIds ? 0 : podless - podlessBrokers.length,
    alreadyDown: brokersDown(brokerPods, idFrom),
    pending,
    kafka,
    maxPartitionsNamed: context.maxPartitionsNamed,
    disk,
  };
}

/** Ordinals without a pod named one by one in a refusal; the rest are counted. */
export const PODLESS_ORDINALS_NAMED = 3;

/** Removed ordinals, first inclusive, end exclusive. Both come from the request, so never walk it. */
export interface OrdinalRange {
  first: number;
  end: number;
}

/** The brokers of the pods that exist in the removed range: bounded by the pods, not by the range. */
export function removedBrokersWithPods(
  statefulSetName: string,
  range: OrdinalRange,
  pods: readonly PodFact[],
  idFrom: BrokerIdSource,
): OrdinalBroker[] {
  const prefix = `${statefulSetName}-`;
  const found = new Map<number, OrdinalBroker>();
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (!name.startsWith(prefix)) continue;
    const suffix = name.slice(prefix.length);
    if (!/^(0|[1-9][0-9]*)$/.test(suffix)) continue;
    const ordinal = Number(suffix);
    if (ordinal < range.first || ordinal >= range.end || found.has(ordinal)) continue;
    found.set(ordinal, brokerOfOrdinal(statefulSetName, ordinal, pod, idFrom));
  }
  return [...found.values()];
}

/**
 * Removed ordinals without a pod whose broker id (from the pod name) Kafka
 * knows, as registered or holding data. The others hold no pod and no data,
 * so removing them takes nothing down. Bounded by the brokers Kafka knows.
 */
export function removedBrokersKafkaKnows(
  statefulSetName: string,
  range: OrdinalRange,
  withPods: readonly OrdinalBroker[],
  index: ClusterIndex,
  idFrom: BrokerIdSource,
): OrdinalBroker[] {
  const offset = 'ordinal' in idFrom ? idFrom.ordinal.offset : 0;
  const taken = new Set(withPods.map((broker) => broker.ordinal));
  const known = new Set([...index.registered, ...index.partitionsByBroker.keys()]);
  const brokers: OrdinalBroker[] = [];
  for (const id of known) {
    const ordinal = id - offset;
    if (ordinal < range.first || ordinal >= range.end || taken.has(ordinal)) continue;
    const broker = brokerOfOrdinal(statefulSetName, ordinal, null, idFrom);
    // podNameSuffix reads the digits of `<name>-<ordinal>`, so the id is the ordinal; check rather than assume.
    if (broker.id.ok && broker.id.id === id) brokers.push(broker);
  }
  return brokers;
}

/** The first `limit` removed ordinals without a pod, each refusing: a label or annotation idFrom needs the pod. */
export function unidentifiablePodlessOrdinals(
  statefulSetName: string,
  range: OrdinalRange,
  withPods: readonly OrdinalBroker[],
  idFrom: BrokerIdSource,
  limit: number,
): OrdinalBroker[] {
  const taken = new Set(withPods.map((broker) => broker.ordinal));
  const brokers: OrdinalBroker[] = [];
  // At most `limit` + (pods in the range) steps: each skipped ordinal holds a pod. The step count is
  // bounded as well, since above 2^53 `ordinal += 1` no longer moves (a hand-made request can send 1e300).
  const maxSteps = limit + taken.size;
  for (let ordinal = range.first, steps = 0; ordinal < range.end && brokers.length < limit && steps < maxSteps; ordinal += 1, steps += 1) {
    if (!taken.has(ordinal)) brokers.push(brokerOfOrdinal(statefulSetName, ordinal, null, idFrom));
  }
  return brokers;
}

/** Pure: may these brokers be removed for good? */
export function decideScaleDown(facts: ScaleDownFacts): AdmissionVerdict {
  if (facts.to >= facts.from) return allow();
  const summary = scaleDownSummary(facts.namespace, facts.statefulSetName, facts.from, facts.to);
  const key = policyKey(facts.policy);
  const ids: number[] = [];
  const identityErrors: string[] = [];
  for (const broker of facts.removed) {
    if (broker.id.ok) ids.push(broker.id.id);
    else identityErrors.push(broker.id.error);
  }
  if (facts.podlessNotNamed > 0) {
    identityErrors.push(`${facts.podlessNotNamed} more removed ordinals have no pod either`);
  }
  if (identityErrors.length > 0) {
    return deny(identityErrors.map((error) => identityReason(error, key, facts.namespace)), { summary });
  }
  if (facts.kafka === null || !facts.kafka.ok) {
    return undecided(facts.kafka === null ? 'no Kafka view was gathered' : facts.kafka.error);
  }
  if (ids.length === 0) return allow();
  // A removed ordinal whose pod is gone is down already, whatever Kafka last heard from it.
  const missing = facts.removed.flatMap((broker) => (broker.id.ok && !broker.podExists ? [broker.id.id] : []));
  const result = disruptionVerdict({
    index: facts.kafka.index,
    brokers: ids,
    kind: 'remove',
    down: [...new Set([...facts.alreadyDown, ...missing])],
    pending: facts.pending,
    policy: facts.policy,
    maxPartitionsNamed: facts.maxPartitionsNamed,
    target: { namespace: facts.namespace, statefulSet: facts.statefulSetName, replicas: facts.to },
  });
  const diskWarnings = facts.disk ? scaleDownDiskWarnings(facts.kafka.index, ids, facts.disk) : [];
  return (result.allowed ? allow() : deny(result.reasons, { summary })).withWarnings(...result.warnings, ...diskWarnings);
}
