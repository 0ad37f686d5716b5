/**
 * `kubectl kafka status` as data: per broker where it runs, what it holds and
 * whether it may go down now (the webhook's verdict), cluster totals,
 * in-flight reassignments and throttles. Pure: built from ClusterFacts.
 */
import { maintenanceProgress, type MaintenanceRecord } from '../../shared/plan/maintenance.js';
import type { MaintenanceStatus } from '../../shared/policy/types.js';
import type { BrokerVolume } from '../../shared/k8s/volumes.js';
import type { ThrottleState } from '../../shared/kafka/types.js';
import { bytesPerBroker } from '../../shared/kafka/replica-sizes.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { VerdictReason } from '../../shared/safety/types.js';
import { countPartitions } from '../../shared/safety/partition-counts.js';
import { zoneOf, type ClusterFacts } from '../../shared/ops/snapshot.js';
import { brokerSafety } from '../../shared/safety/disruption.js';
import { brokerCapacity } from '../../shared/safety/disk.js';
import { quantityBytes } from './units.js';
import { replicaSizesUnknownNote } from '../messages.js';

export interface BrokerStatusRow {
  id: number;
  pod: string | null;
  node: string | null;
  zone: string | null;
  /** `broker.rack` as Kafka reports it. */
  rack: string | null;
  volume: BrokerVolume | null;
  ready: boolean;
  /** Registered with Kafka (a stopped or fenced broker is not). */
  registered: boolean;
  controller: boolean;
  replicas: number;
  leaders: number;
  underReplicated: number;
  underMinIsr: number;
  /** Partitions whose only in-sync replica is on this broker. */
  soleReplicas: number;
  /** Bytes of replica data on the broker, when DescribeLogDirs answered. */
  dataBytes: number | null;
  /** Disk capacity: the smaller of the volume claim and the log dirs' file system (Kafka 3.3+); null when neither is known. */
  capacityBytes: number | null;
  capacitySource: 'claim' | 'log-dir' | null;
  safeToDisrupt: boolean;
  /** One line: why it is (not) safe. */
  reason: string;
  reasons: VerdictReason[];
  warnings: string[];
}

export interface ReassignmentRow {
  topic: string;
  partition: number;
  replicas: number[];
  adding: number[];
  removing: number[];
}

export interface StatusResult {
  namespace: string;
  policy: string;
  clusterId: string;
  /** The active controller, -1 when unknown. */
  controller: number;
  brokers: BrokerStatusRow[];
  totals: {
    brokers: number;
    registeredBrokers: number;
    topics: number;
    partitions: number;
    replicas: number;
    underReplicated: number;
    underMinIsr: number;
    offline: number;
    dataBytes: number | null;
  };
  reassignments: ReassignmentRow[];
  throttles: ThrottleState;
  /** Maintenances in progress (kubectl kafka maintenance start, or an evacuation), measured against Kafka now. */
  maintenance: MaintenanceStatus[];
  /** Pods without a broker id, sizes unknown, and the like. */
  notes: string[];
}

function capacityOf(facts: ClusterFacts, id: number, pod: string | null): Pick<BrokerStatusRow, 'capacityBytes' | 'capacitySource'> {
  const space = facts.sizes?.ok ? facts.sizes.space.get(id) : undefined;
  const claim = pod === null ? null : quantityBytes(facts.volumes.get(pod)?.volume.size ?? null);
  const capacity = brokerCapacity(space, claim);
  return { capacityBytes: capacity?.bytes ?? null, capacitySource: capacity?.source ?? null };
}

export function buildStatus(facts: ClusterFacts, policy: KafkaGuardPolicy, namespace: string, records: readonly MaintenanceRecord[] = []): StatusResult {
  const { index, view, directory } = facts;
  const counts = countPartitions(index);
  const bytes = facts.sizes?.ok ? bytesPerBroker(facts.sizes.sizes) : null;
  const rows: BrokerStatusRow[] = brokerSafety({ index, directory, pods: facts.pods, pending: facts.pending, policy, namespace, counts }).map(
    (broker) => {
      const { id, pod, node, counts: c, verdict: decided } = broker;
      return {
        id,
        pod,
        node,
        zone: zoneOf(facts.nodes, node),
        rack: index.rackByBroker.get(id) ?? null,
        volume: pod === null ? null : facts.volumes.get(pod)?.volume ?? null,
        ready: broker.ready,
        registered: broker.registered,
        controller: view.controllerId === id,
        replicas: c.replicas,
        leaders: c.leaders,
        underReplicated: c.underReplicated,
        underMinIsr: c.underMinIsr,
        soleReplicas: c.soleReplicas,
        dataBytes: bytes?.get(id) ?? null,
        ...capacityOf(facts, id, pod),
        safeToDisrupt: decided.allowed,
        reason: broker.reason,
        reasons: decided.reasons,
        warnings: decided.warnings,
      };
    });

  const notes = [...directory.errors];
  if (facts.sizes !== null && !facts.sizes.ok) notes.push(replicaSizesUnknownNote(facts.sizes.reason));
  const reassignments: ReassignmentRow[] = [];
  for (const state of index.partitions) {
    if (state.addingReplicas.length === 0 && state.removingReplicas.length === 0) continue;
    reassignments.push({
      topic: state.topic,
      partition: state.partition,
      replicas: [...state.replicas],
      adding: [...state.addingReplicas],
      removing: [...state.removingReplicas],
    });
  }
  return {
    namespace,
    policy: `${policy.metadata.namespace}/${policy.metadata.name}`,
    clusterId: view.clusterId,
    controller: view.controllerId,
    brokers: rows,
    totals: {
      brokers: rows.length,
      registeredBrokers: index.brokerIds.length,
      topics: index.topics.length,
      partitions: index.partitions.length,
      replicas: counts.replicas,
      underReplicated: counts.underReplicated,
      underMinIsr: counts.underMinIsr,
      offline: counts.offline,
      dataBytes: bytes === null ? null : [...bytes.values()].reduce((a, b) => a + b, 0),
    },
    reassignments,
    throttles: view.throttles,
    maintenance: records.map((record) => maintenanceProgress(record, index, facts.down)),
    notes,
  };
}
