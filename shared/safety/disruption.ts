/**
 * "May these brokers go down?", answered once for everyone: the webhook's
 * rules (eviction, pod delete, scale-down, volume delete), the policy status
 * the webhook writes, and the plugin (`can-disrupt`, `status`, the checks
 * before each guarded step) all call `disruptionVerdict` with the same down
 * and pending brokers, so they cannot disagree.
 *
 * On top of the pure verdict (verdict.ts) it settles two things:
 * - the requested brokers are never also "pending": a retried eviction, or a
 *   delete of a pod whose eviction was admitted a moment ago, is judged afresh,
 *   not against its own earlier admission (which would make the partitions look
 *   already broken and the request blameless);
 * - a broker Kafka does not know is not refused when its pod is down anyway (a
 *   broker that crashed before registering is exactly what an operator needs to
 *   touch).
 */
import { statefulSetNameOfPod, type BrokerDirectory } from '../k8s/identity.js';
import type { PendingDisruptions } from '../k8s/ledger.js';
import { podIsReady, podIsTerminating, type BrokerPodLike } from '../k8s/pods.js';
import type { KafkaGuardPolicy } from '../policy/types.js';
import { holdsAnyReplica, type ClusterIndex } from './cluster-index.js';
import type { Verdict, VerdictPolicy, VerdictReason } from './types.js';
import { brokerCounts, countPartitions, type BrokerCounts, type PartitionCounts } from './partition-counts.js';
import { verdict } from './verdict.js';

/** Broker ids whose pod is not Ready or is being deleted. */
export function downBrokers(pods: readonly BrokerPodLike[], directory: BrokerDirectory): number[] {
  const down = new Set<number>();
  for (const pod of pods) {
    const id = directory.byPod.get(pod.metadata?.name ?? '');
    if (id !== undefined && (!podIsReady(pod) || podIsTerminating(pod))) down.add(id);
  }
  return [...down].sort((a, b) => a - b);
}

/** One question: may `brokers` go down ('disrupt': for a while; 'remove': for good)? */
export interface DisruptionQuestion {
  index: ClusterIndex;
  brokers: readonly number[];
  kind: 'disrupt' | 'remove';
  /** Brokers already down: pod not Ready, Terminating or missing (downBrokers, plus what the caller knows is gone). */
  down: readonly number[];
  /** Disruptions the webhook admitted (its ledger); the requested brokers among them are ignored. */
  pending: PendingDisruptions;
  policy: Pick<KafkaGuardPolicy, 'spec'>;
  target?: VerdictPolicy['target'];
  maxPartitionsNamed?: number;
}

/** The one decision every guard, the policy status and the plugin use. Pure. */
export function disruptionVerdict(input: DisruptionQuestion): Verdict {
  const { index, brokers, down } = input;
  const requested = new Set(brokers);
  const raw = verdict(
    index,
    { brokers: [...brokers], kind: input.kind },
    { alreadyDown: [...down], pending: input.pending.brokers.filter((id) => !requested.has(id)) },
    {
      expendableTopics: input.policy.spec.expendableTopics,
      ...(input.maxPartitionsNamed === undefined ? {} : { maxPartitionsNamed: input.maxPartitionsNamed }),
      ...(input.target === undefined ? {} : { target: input.target }),
    },
  );
  const result = input.pending.unknown === null ? raw : { ...raw, warnings: [...raw.warnings, input.pending.unknown] };
  return forgiveUnknownDownBrokers(result, index, brokers, down);
}

/**
 * The shared verdict refuses a broker id Kafka does not know (it usually means
 * the id mapping is wrong). That does not hold for a broker whose pod is
 * missing, not Ready or Terminating: a broker that crashes before registering
 * is exactly what an operator deletes or scales away. Such refusals are
 * dropped when every unknown requested broker is one of those.
 */
function forgiveUnknownDownBrokers(
  result: Verdict,
  index: ClusterIndex,
  requested: readonly number[],
  down: readonly number[],
): Verdict {
  const unknown = requested.filter((id) => !index.registered.has(id) && !holdsAnyReplica(index, id));
  if (unknown.length === 0 || !unknown.every((id) => down.includes(id))) return result;
  const reasons = result.reasons.filter((reason) => reason.rule !== 'unknown-broker');
  return { ...result, reasons, allowed: reasons.length === 0 };
}

/** One line for a broker: why it is, or is not, safe to disrupt. */
function disruptionSummary(allowed: boolean, reasons: readonly VerdictReason[], ready: boolean, registered: boolean, pod: string | null): string {
  if (!allowed) {
    return reasons
      .map((r) => `${RULE_WORDS[r.rule]}${r.partitions.length > 0 ? ` (${r.partitions.length} partition${r.partitions.length === 1 ? '' : 's'})` : ''}`)
      .join('; ');
  }
  if (pod === null) return 'no pod runs this broker';
  if (!ready) return 'already down (pod not Ready)';
  if (!registered) return 'not registered with Kafka';
  return 'every partition keeps min.insync.replicas';
}

const RULE_WORDS: Record<VerdictReason['rule'], string> = {
  offline: 'would take partitions offline',
  'under-min-isr': 'would drop partitions under min.insync.replicas',
  'holds-replicas': 'still holds replicas',
  'unknown-broker': 'unknown to Kafka',
};

/** One broker as `kubectl kafka status` and the policy status show it. */
export interface BrokerSafety {
  id: number;
  pod: string | null;
  node: string | null;
  /** Its pod is Ready and not being deleted. */
  ready: boolean;
  registered: boolean;
  counts: BrokerCounts;
  verdict: Verdict;
  /** One line: why it is, or is not, safe to disrupt. */
  reason: string;
}

/**
 * Every broker Kafka or the pods know of, in id order, with its placement,
 * its partition counts and whether it may be disrupted now (its eviction's
 * verdict, with brokers down or pending counted).
 */
export function brokerSafety(input: {
  index: ClusterIndex;
  directory: BrokerDirectory;
  pods: readonly BrokerPodLike[];
  pending: PendingDisruptions;
  policy: KafkaGuardPolicy;
  namespace: string;
  /** countPartitions(index), when the caller has it already. */
  counts?: PartitionCounts;
}): BrokerSafety[] {
  const { index, directory, policy, namespace } = input;
  const counts = input.counts ?? countPartitions(index);
  const down = downBrokers(input.pods, directory);
  const podsByName = new Map(input.pods.map((p) => [p.metadata?.name ?? '', p]));
  const ids = new Set<number>([...index.brokerIds, ...directory.byId.keys(), ...counts.byBroker.keys()]);
  return [...ids].sort((a, b) => a - b).map((id) => {
    const podName = directory.byId.get(id)?.metadata?.name ?? null;
    const pod = podName === null ? undefined : podsByName.get(podName);
    const ready = pod !== undefined && podIsReady(pod) && !podIsTerminating(pod);
    const statefulSet = pod === undefined ? undefined : statefulSetNameOfPod(pod);
    const decided = disruptionVerdict({
      index,
      brokers: [id],
      kind: 'disrupt',
      down,
      pending: input.pending,
      policy,
      target: { namespace, ...(podName === null ? {} : { pod: podName }), ...(statefulSet === undefined ? {} : { statefulSet }) },
    });
    const registered = index.registered.has(id);
    return {
      id,
      pod: podName,
      node: pod?.spec?.nodeName ?? null,
      ready,
      registered,
      counts: brokerCounts(counts, id),
      verdict: decided,
      reason: disruptionSummary(decided.allowed, decided.reasons, ready, registered, podName),
    };
  });
}
