/**
 * What lowering a broker StatefulSet's replicas means, shared by the two ways
 * to do it (an UPDATE of the StatefulSet, and the scale subresource used by
 * `kubectl scale` and autoscalers): the brokers with the highest ordinals are
 * removed for good ('remove'), so each must hold no replica any more.
 */
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, undecided, type AdmissionVerdict } from '../admission/verdict.js';
import type { FactsSource, KafkaIndexResult, LedgerReading, StatefulSetFact } from '../facts/types.js';
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
  /** The brokers behind the ordinals that go away, highest ordinals last. */
  removed: OrdinalBroker[];
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
  const podsByName = new Map(brokerPods.map((pod) => [pod.metadata?.name ?? '', pod]));
  const start = startOrdinalOf(statefulSet);
  const removed: OrdinalBroker[] = [];
  for (let ordinal = start + to; ordinal < start + from; ordinal += 1) {
    removed.push(brokerOfOrdinal(statefulSetName, ordinal, podsByName.get(`${statefulSetName}-${ordinal}`) ?? null, idFrom));
  }
  const needsKafka = removed.every((broker) => broker.id.ok);
  const [pending, kafka] = await Promise.all([
    needsKafka ? facts.pendingDisruptions(policyKey(policy)) : Promise.resolve(NOTHING_READ),
    needsKafka
      ? kafkaIndexFor(facts, policy, context)
      : Promise.resolve(null),
  ]);
  const ids = removed.flatMap((b) => (b.id.ok ? [b.id.id] : []));
  const disk = kafka?.ok ? await gatherScaleDownDisk(facts, policy, kafka.index, ids, brokerPods, context) : null;
  return {
    policy,
    namespace,
    statefulSetName,
    from,
    to,
    removed,
    alreadyDown: brokersDown(brokerPods, idFrom),
    pending,
    kafka,
    maxPartitionsNamed: context.maxPartitionsNamed,
    disk,
  };
}

/** Pure: may these brokers be removed for good? */
export function decideScaleDown(facts: ScaleDownFacts): AdmissionVerdict {
  if (facts.removed.length === 0) return allow();
  const summary = scaleDownSummary(facts.namespace, facts.statefulSetName, facts.from, facts.to);
  const key = policyKey(facts.policy);
  const ids: number[] = [];
  const identityErrors: string[] = [];
  for (const broker of facts.removed) {
    if (broker.id.ok) ids.push(broker.id.id);
    else identityErrors.push(broker.id.error);
  }
  if (identityErrors.length > 0) {
    return deny(identityErrors.map((error) => identityReason(error, key, facts.namespace)), { summary });
  }
  if (facts.kafka === null || !facts.kafka.ok) {
    return undecided(facts.kafka === null ? 'no Kafka view was gathered' : facts.kafka.error);
  }
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
