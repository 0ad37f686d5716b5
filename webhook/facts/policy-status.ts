/**
 * A KafkaGuardPolicy's `status`, as the webhook observes the cluster: per
 * broker where it runs, what it holds and whether it may be disrupted now (the
 * same verdict as the guards), and three conditions:
 *
 *   KafkaReachable     the webhook can read the cluster (False: the error)
 *   PartitionsHealthy  no partition offline or under min.insync.replicas
 *   BrokersIdentified  every selected pod yields a broker id (False: which not, why)
 *
 * Pure: cluster.ts gathers the inputs on each background refresh and writes the
 * result only when it differs from what is stored. A condition keeps its
 * lastTransitionTime while its status stays the same; when Kafka cannot be read,
 * the brokers last observed are kept.
 */
import { buildBrokerDirectory, type PodLike } from '../../shared/k8s/identity.js';
import type { PendingDisruptions } from '../../shared/k8s/ledger.js';
import type { PodStateLike } from '../../shared/k8s/pods.js';
import type { BrokerStatus, KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { ClusterIndex } from '../../shared/safety/cluster-index.js';
import { brokerSafety } from '../../shared/safety/disruption.js';
import { countPartitions } from '../../shared/safety/partition-counts.js';

export type PolicyStatus = NonNullable<KafkaGuardPolicy['status']>;
type Condition = NonNullable<PolicyStatus['conditions']>[number];

export interface PolicyStatusInput {
  policy: KafkaGuardPolicy;
  /** The status stored now (for lastTransitionTime and the last brokers seen). */
  previous: PolicyStatus | undefined;
  kafka: { ok: true; index: ClusterIndex } | { ok: false; error: string };
  /** The pods the policy's selector matches. */
  pods: ReadonlyArray<PodLike & PodStateLike & { spec?: { nodeName?: string } }>;
  pending: PendingDisruptions;
  now: Date;
}

export function buildPolicyStatus(input: PolicyStatusInput): PolicyStatus {
  const { policy, kafka, pods } = input;
  const stamp = input.now.toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, status: Condition['status'], reason: string, message: string): Condition => {
    const before = input.previous?.conditions?.find((c) => c.type === type);
    const lastTransitionTime = before !== undefined && before.status === status ? before.lastTransitionTime : stamp;
    return { type, status, reason, message: message.slice(0, 32_768), lastTransitionTime };
  };
  const directory = buildBrokerDirectory(pods, policy.spec.brokers.idFrom);
  const identified = directory.errors.length === 0
    ? condition('BrokersIdentified', 'True', 'AllPodsIdentified', `${directory.byId.size} broker pod(s), each with a broker id`)
    : condition('BrokersIdentified', 'False', 'PodsWithoutBrokerId', directory.errors.join('; '));
  if (!kafka.ok) {
    return {
      conditions: [
        condition('KafkaReachable', 'False', 'KafkaUnreachable', kafka.error),
        condition('PartitionsHealthy', 'Unknown', 'KafkaUnreachable', 'Kafka cannot be read; the brokers listed are the last observed'),
        identified,
      ],
      brokers: input.previous?.brokers ?? [],
    };
  }

  const { index } = kafka;
  const counts = countPartitions(index);
  const health =
    counts.offline > 0 ? ['False', 'PartitionsOffline'] as const
      : counts.underMinIsr > 0 ? ['False', 'PartitionsUnderMinIsr'] as const
        : ['True', 'AllPartitionsAtMinIsr'] as const;
  const conditions = [
    condition('KafkaReachable', 'True', 'ClusterRead', `${index.brokerIds.length} broker(s) registered, ${counts.partitions} partition(s)`),
    condition(
      'PartitionsHealthy',
      health[0],
      health[1],
      `${counts.offline} offline, ${counts.underMinIsr} under min.insync.replicas, ` +
        `${counts.underReplicated} under-replicated, of ${counts.partitions} partition(s)`,
    ),
    identified,
  ];

  const safety = brokerSafety({ index, directory, pods, pending: input.pending, policy, namespace: policy.metadata.namespace, counts });
  const brokers = safety.map(({ id, pod, node, ready, counts: c, verdict, reason }): BrokerStatus => ({
    id,
    pod,
    node,
    ready,
    replicas: c.replicas,
    leaders: c.leaders,
    soleReplicas: c.soleReplicas,
    safeToDisrupt: verdict.allowed,
    reason,
  }));
  return { conditions, brokers };
}
