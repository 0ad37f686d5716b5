/**
 * `kubectl kafka status` as data: per broker where it runs, what it holds and
 * whether it may go down now (the webhook's verdict), cluster totals,
 * in-flight reassignments and throttles. Pure: built from ClusterFacts.
 */
import { podIsReady, podIsTerminating } from '../../shared/k8s/pods.js';
import type { BrokerVolume } from '../../shared/k8s/volumes.js';
import type { ThrottleState } from '../../shared/kafka/types.js';
import { statefulSetNameOfPod } from '../../shared/k8s/identity.js';
import { bytesPerBroker } from '../../shared/kafka/replica-sizes.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { VerdictReason } from '../../shared/safety/types.js';
import { zoneOf, type ClusterFacts } from './facts.js';
import { disruptionVerdict } from './verdict.js';

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
  /** Pods without a broker id, sizes unknown, and the like. */
  notes: string[];
}

export function buildStatus(facts: ClusterFacts, policy: KafkaGuardPolicy, namespace: string): StatusResult {
  const { index, view, directory } = facts;
  const podsByName = new Map(facts.pods.map((p) => [p.metadata?.name ?? '', p]));
  const ids = new Set<number>([...index.brokerIds, ...directory.byId.keys(), ...index.partitionsByBroker.keys()]);
  const counts = new Map<number, { replicas: number; leaders: number; under: number; underMin: number; sole: number }>();
  const countOf = (id: number) => {
    let c = counts.get(id);
    if (c === undefined) {
      c = { replicas: 0, leaders: 0, under: 0, underMin: 0, sole: 0 };
      counts.set(id, c);
    }
    return c;
  };
  let replicasTotal = 0;
  let underReplicated = 0;
  let underMinIsr = 0;
  let offline = 0;
  index.partitions.forEach((state, ordinal) => {
    const minIsr = index.minIsr[ordinal] ?? 1;
    const under = state.isr.length < state.replicas.length;
    const belowMin = state.isr.length < minIsr;
    if (under) underReplicated += 1;
    if (belowMin) underMinIsr += 1;
    if (state.leader < 0 || state.isr.length === 0) offline += 1;
    replicasTotal += state.replicas.length;
    for (const broker of state.replicas) {
      const c = countOf(broker);
      c.replicas += 1;
      if (under) c.under += 1;
      if (belowMin) c.underMin += 1;
    }
    if (state.leader >= 0) countOf(state.leader).leaders += 1;
    const [only, ...others] = state.isr;
    if (only !== undefined && others.length === 0) countOf(only).sole += 1;
  });

  const bytes = facts.sizes?.ok ? bytesPerBroker(facts.sizes.sizes) : null;
  const rows: BrokerStatusRow[] = [...ids]
    .sort((a, b) => a - b)
    .map((id) => {
      const pod = directory.byId.get(id);
      const podName = pod?.metadata?.name ?? null;
      const fullPod = podName === null ? undefined : podsByName.get(podName);
      const node = fullPod?.spec?.nodeName ?? null;
      const c = countOf(id);
      const ready = fullPod !== undefined && podIsReady(fullPod) && !podIsTerminating(fullPod);
      const statefulSet = fullPod === undefined ? undefined : statefulSetNameOfPod(fullPod);
      const decided = disruptionVerdict({
        index,
        brokers: [id],
        kind: 'disrupt',
        down: facts.down,
        pending: facts.pending,
        policy,
        target: { namespace, ...(podName === null ? {} : { pod: podName }), ...(statefulSet === undefined ? {} : { statefulSet }) },
      });
      return {
        id,
        pod: podName,
        node,
        zone: zoneOf(facts.nodes, node),
        rack: index.rackByBroker.get(id) ?? null,
        volume: podName === null ? null : facts.volumes.get(podName)?.volume ?? null,
        ready,
        registered: index.registered.has(id),
        controller: view.controllerId === id,
        replicas: c.replicas,
        leaders: c.leaders,
        underReplicated: c.under,
        underMinIsr: c.underMin,
        soleReplicas: c.sole,
        dataBytes: bytes?.get(id) ?? null,
        safeToDisrupt: decided.allowed,
        reason: verdictSummary(decided.allowed, decided.reasons, ready, index.registered.has(id), podName),
        reasons: decided.reasons,
        warnings: decided.warnings,
      };
    });

  const notes = [...directory.errors];
  if (facts.sizes !== null && !facts.sizes.ok) notes.push(`replica sizes unknown: ${facts.sizes.reason}`);
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
      replicas: replicasTotal,
      underReplicated,
      underMinIsr,
      offline,
      dataBytes: bytes === null ? null : [...bytes.values()].reduce((a, b) => a + b, 0),
    },
    reassignments,
    throttles: view.throttles,
    notes,
  };
}

function verdictSummary(allowed: boolean, reasons: readonly VerdictReason[], ready: boolean, registered: boolean, pod: string | null): string {
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
