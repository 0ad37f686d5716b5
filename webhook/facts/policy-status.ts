/**
 * A KafkaGuardPolicy's `status`, as the webhook observes the cluster: per
 * broker where it runs, what it holds and whether it may be disrupted now (the
 * same verdict as the guards), and three conditions:
 *
 *   KafkaReachable     the webhook can read the cluster (False: the error)
 *   PartitionsHealthy  no partition offline or under min.insync.replicas
 *   BrokersIdentified  every selected pod yields a broker id Kafka knows (False:
 *                      which not, why; or the ids on both sides when a running
 *                      pod's id is unknown to Kafka: the mapping is wrong)
 *
 * and, per maintenance in progress (its record in the kafka-guard-maintenance
 * ConfigMap), how far its data moves have come and whether its brokers may go
 * down now.
 *
 * Pure: status-writer.ts gathers the inputs on each background refresh and writes the
 * result only when it differs from what is stored. A condition keeps its
 * lastTransitionTime while its status stays the same; when Kafka cannot be read,
 * the brokers last observed are kept.
 */
import { buildBrokerDirectory, type BrokerDirectory, type PodLike } from '../../shared/k8s/identity.js';
import type { PendingDisruptions } from '../../shared/k8s/ledger.js';
import { podIsReady, podIsTerminating, type PodStateLike } from '../../shared/k8s/pods.js';
import type { BrokerStatus, KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { ClusterIndex } from '../../shared/safety/cluster-index.js';
import { brokerSafety, downBrokers } from '../../shared/safety/disruption.js';
import { countPartitions } from '../../shared/safety/partition-counts.js';
import { maintenanceProgress, type MaintenanceRecord } from '../../shared/plan/maintenance.js';

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
  /** The policy's maintenance records (unreadable ones left out: `kubectl kafka maintenance list` names them). */
  maintenance: readonly MaintenanceRecord[];
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
      maintenance: input.maintenance.length === 0 ? [] : input.previous?.maintenance ?? [],
    };
  }

  const { index } = kafka;
  const counts = countPartitions(index);
  const mismatch = directory.errors.length === 0 ? idsUnknownToKafka(directory, pods, index) : null;
  const health =
    counts.offline > 0 ? ['False', 'PartitionsOffline'] as const
      : counts.underMinIsr > 0 ? ['False', 'PartitionsUnderMinIsr'] as const
        // Kafka's partitions may be fine, but no pod can be tied to a broker: not healthy as far as the guards can tell.
        : mismatch !== null ? ['Unknown', 'IdsUnknownToKafka'] as const
          : ['True', 'AllPartitionsAtMinIsr'] as const;
  const partitionCounts =
    `${counts.offline} offline, ${counts.underMinIsr} under min.insync.replicas, ` +
    `${counts.underReplicated} under-replicated, of ${counts.partitions} partition(s)`;
  const conditions = [
    condition('KafkaReachable', 'True', 'ClusterRead', `${index.brokerIds.length} broker(s) registered, ${counts.partitions} partition(s)`),
    condition(
      'PartitionsHealthy',
      health[0],
      health[1],
      mismatch === null ? partitionCounts : `${partitionCounts}; but the guards cannot tell which pod runs which broker: ${mismatch}`,
    ),
    mismatch === null ? identified : condition('BrokersIdentified', 'False', 'IdsUnknownToKafka', mismatch),
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
  const down = downBrokers(pods, directory);
  const maintenance = input.maintenance.map((record) => maintenanceProgress(record, index, down));
  return { conditions, brokers, maintenance };
}

/**
 * Why the policy's pods and Kafka's brokers do not line up, or null when they
 * do: a Ready pod whose broker id Kafka neither has registered nor lists as a
 * replica is running under another id, so the idFrom mapping is wrong (e.g.
 * `ordinal.offset: 7` on brokers 0-2). A pod that is starting or stopped may
 * be unknown to Kafka for a while, and is not counted.
 */
export function idsUnknownToKafka(directory: BrokerDirectory, pods: readonly (PodLike & PodStateLike)[], index: ClusterIndex): string | null {
  const running = new Set(pods.filter((pod) => podIsReady(pod) && !podIsTerminating(pod)).map((pod) => pod.metadata?.name ?? ''));
  const mapped = [...directory.byPod].filter(([name]) => running.has(name)).sort(([, a], [, b]) => a - b);
  const unknown = mapped.filter(([, id]) => !index.registered.has(id) && (index.partitionsByBroker.get(id)?.length ?? 0) === 0);
  if (unknown.length === 0) return null;
  const shown = (list: readonly string[]) => (list.length > 10 ? `${list.slice(0, 10).join(', ')} and ${list.length - 10} more` : list.join(', '));
  const known = index.brokerIds.map(String);
  return (
    `running pods map to broker ids Kafka does not know: ${shown(unknown.map(([name, id]) => `${name} -> ${id}`))}; ` +
    `Kafka knows ${known.length === 0 ? 'no broker' : `broker id(s) ${shown(known)}`}. ` +
    `Fix spec.brokers.idFrom so that each pod maps to the id its broker registers with ` +
    `(check with: kubectl kafka status)`
  );
}
