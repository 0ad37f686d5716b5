/**
 * In-memory FactsSource and Effects for unit tests, plus builders for the
 * objects they hold. Not used by the webhook process. It behaves like the real
 * thing where rules depend on it: selectors match, the ledger is a
 * compare-and-swap, consuming break-glass removes the annotation (so a second
 * consumption fails), and a Kafka view can be unreachable or hang.
 */
import { matchesSelector } from '../../shared/k8s/selector.js';
import { parsePolicy } from '../../shared/policy/parse.js';
import type { BreakGlassSpec, BrokerIdSource, KafkaGuardPolicy, LabelSelector } from '../../shared/policy/types.js';
import type { ClusterView, PartitionState, TopicState } from '../../shared/kafka/types.js';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { ANNOTATIONS } from '../../shared/policy/types.js';
import type { BreakGlassSetting } from '../admission/verdict.js';
import type {
  BreakGlassConsumption,
  BreakGlassSetter,
  Deadline,
  Effects,
  FactsSource,
  KafkaIndexResult,
  KafkaViewOptions,
  ObjectReference,
  LedgerReading,
  PersistentVolumeClaimFact,
  PodFact,
  Reservation,
  StatefulSetFact,
  StorageClassFact,
} from './types.js';
import { policyKey } from './types.js';

export type FakeKafka =
  | { view: ClusterView }
  | { unreachable: string }
  /** Never answers: exercises the engine's deadline. */
  | { hang: true };

export interface FakeClusterInit {
  policies?: KafkaGuardPolicy[];
  pods?: PodFact[];
  statefulSets?: StatefulSetFact[];
  pvcs?: PersistentVolumeClaimFact[];
  /** By policy key (`namespace/name`). */
  kafka?: Record<string, FakeKafka>;
  /** Pending broker ids by policy key. */
  pending?: Record<string, number[]>;
  pdbCoversBrokers?: boolean | null;
  storageClasses?: StorageClassFact[] | null;
  schedulableNodeCount?: number | null;
}

export interface RecordedEvent {
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class FakeCluster implements FactsSource, Effects {
  policies: KafkaGuardPolicy[];
  pods: PodFact[];
  statefulSetList: StatefulSetFact[];
  pvcList: PersistentVolumeClaimFact[];
  kafka: Record<string, FakeKafka>;
  pending: Record<string, number[]>;
  /** Pod uids per policy key whose pending disruption break-glass admitted (LedgerReading.breakGlassPods). */
  breakGlassPods: Record<string, string[]> = {};
  ledgerVersion = 1;
  pdbCovers: boolean | null;
  classes: StorageClassFact[] | null;
  nodes: number | null;

  /** Every lookup made, by method name, to assert what a rule did (not) ask. */
  readonly calls: string[] = [];
  /** The `notBefore` of every Kafka view read, in order. */
  readonly kafkaReadsNotBefore: number[] = [];
  readonly events: RecordedEvent[] = [];
  readonly reservations: Reservation[] = [];
  readonly consumed: BreakGlassConsumption[] = [];
  /** Who set which break-glass annotation, as the ledger records it (recordBreakGlassSetting; newest last). */
  readonly settings: BreakGlassSetting[] = [];
  /** Makes a lookup throw, to test error handling. */
  failing: Partial<Record<keyof FactsSource, Error>> = {};
  /** Makes a lookup never answer, as the ledger read does while etcd is paused; exercises the engine's deadline. */
  hanging: Partial<Record<keyof FactsSource, true>> = {};
  /** Makes the next reservations lose the compare-and-swap, as if another replica got there first. */
  loseReservations = false;
  /** Makes reservations throw, as a ledger write the apiserver fails does. */
  reservationFailure: Error | null = null;
  /** Makes reservations never answer, as a ledger write does while etcd is paused. */
  reservationHangs = false;

  constructor(init: FakeClusterInit = {}) {
    this.policies = init.policies ?? [];
    this.pods = init.pods ?? [];
    this.statefulSetList = init.statefulSets ?? [];
    this.pvcList = init.pvcs ?? [];
    this.kafka = init.kafka ?? {};
    this.pending = init.pending ?? {};
    this.pdbCovers = init.pdbCoversBrokers ?? null;
    this.classes = init.storageClasses ?? null;
    this.nodes = init.schedulableNodeCount ?? null;
  }

  private async lookup<T>(method: keyof FactsSource, answer: () => T): Promise<T> {
    this.calls.push(method);
    const failure = this.failing[method];
    if (failure !== undefined) throw failure;
    if (this.hanging[method]) return new Promise<never>(() => undefined);
    return answer();
  }

  policyFor(namespace: string, labels: Readonly<Record<string, string>>): Promise<KafkaGuardPolicy | null> {
    return this.lookup('policyFor', () =>
      this.policies.find((p) => p.metadata.namespace === namespace && matchesSelector({ ...labels }, p.spec.brokers.selector)) ?? null,
    );
  }

  policiesIn(namespace: string): Promise<KafkaGuardPolicy[]> {
    return this.lookup('policiesIn', () => this.policies.filter((p) => p.metadata.namespace === namespace));
  }

  pod(namespace: string, name: string): Promise<PodFact | null> {
    return this.lookup('pod', () => this.pods.find((p) => p.metadata?.namespace === namespace && p.metadata?.name === name) ?? null);
  }

  brokerPods(policy: KafkaGuardPolicy): Promise<PodFact[]> {
    return this.lookup('brokerPods', () =>
      this.pods.filter(
        (p) => p.metadata?.namespace === policy.metadata.namespace && matchesSelector(p.metadata?.labels, policy.spec.brokers.selector),
      ),
    );
  }

  statefulSet(namespace: string, name: string): Promise<StatefulSetFact | null> {
    return this.lookup('statefulSet', () =>
      this.statefulSetList.find((s) => s.metadata?.namespace === namespace && s.metadata?.name === name) ?? null,
    );
  }

  statefulSets(namespace: string): Promise<StatefulSetFact[]> {
    return this.lookup('statefulSets', () => this.statefulSetList.filter((s) => s.metadata?.namespace === namespace));
  }

  pvcs(namespace: string): Promise<PersistentVolumeClaimFact[]> {
    return this.lookup('pvcs', () => this.pvcList.filter((p) => p.metadata?.namespace === namespace));
  }

  async kafkaIndex(policy: KafkaGuardPolicy, options: KafkaViewOptions): Promise<KafkaIndexResult> {
    const kafka = await this.lookup('kafkaIndex', () => this.kafka[policyKey(policy)]);
    if (kafka === undefined) return { ok: false, error: `no Kafka configured in the fake for ${policyKey(policy)}` };
    if ('unreachable' in kafka) return { ok: false, error: kafka.unreachable };
    if ('hang' in kafka) return new Promise<never>(() => undefined);
    this.kafkaReadsNotBefore.push(options.notBefore);
    return { ok: true, index: indexCluster(kafka.view), fetchedAt: kafka.view.fetchedAt };
  }

  pendingDisruptions(key: string): Promise<LedgerReading> {
    return this.lookup('pendingDisruptions', () => ({
      brokers: [...(this.pending[key] ?? [])],
      unknown: null,
      version: String(this.ledgerVersion),
      breakGlassPods: [...(this.breakGlassPods[key] ?? [])],
    }));
  }

  breakGlassSetter(pod: { namespace: string; uid: string }, value: string): Promise<BreakGlassSetter | null> {
    return this.lookup('breakGlassSetter', () => {
      const setting = this.settings.find((s) => s.pod.uid === pod.uid && s.value === value);
      return setting === undefined ? null : { user: setting.user, groups: setting.groups, at: 0 };
    });
  }

  pdbCoversBrokers(_policy: KafkaGuardPolicy, _newPodLabels: Record<string, string> | null): Promise<boolean | null> {
    return this.lookup('pdbCoversBrokers', () => this.pdbCovers);
  }

  storageClasses(): Promise<StorageClassFact[] | null> {
    return this.lookup('storageClasses', () => this.classes);
  }

  schedulableNodeCount(): Promise<number | null> {
    return this.lookup('schedulableNodeCount', () => this.nodes);
  }

  /** Every ledger entry expires. */
  expireLedger(): void {
    this.pending = {};
    this.breakGlassPods = {};
  }

  async reserveDisruption(reservation: Reservation): Promise<boolean> {
    if (this.reservationFailure !== null) throw this.reservationFailure;
    if (this.reservationHangs) return new Promise<boolean>(() => undefined);
    if (this.loseReservations || reservation.expectedVersion !== String(this.ledgerVersion)) return false;
    this.reservations.push(reservation);
    this.pending[reservation.policyKey] = [...(this.pending[reservation.policyKey] ?? []), reservation.brokerId];
    if (reservation.breakGlass) this.breakGlassPods[reservation.policyKey] = [...(this.breakGlassPods[reservation.policyKey] ?? []), reservation.podUid];
    this.ledgerVersion += 1;
    return true;
  }

  async consumeBreakGlass(consumption: BreakGlassConsumption): Promise<boolean> {
    // As the ledger does (DisruptionLedger.consumeBreakGlass): a (pod uid, value) is used once; the pod is left alone.
    if (this.consumed.some((c) => c.pod.uid === consumption.pod.uid && c.expectedValue === consumption.expectedValue)) return false;
    this.consumed.push(consumption);
    return true;
  }

  async recordBreakGlassSetting(setting: BreakGlassSetting): Promise<void> {
    // As the ledger does: one record per (pod uid, value), the latest setter's.
    const earlier = this.settings.findIndex((s) => s.pod.uid === setting.pod.uid && s.value === setting.value);
    if (earlier >= 0) this.settings.splice(earlier, 1);
    this.settings.push(setting);
  }

  async recordEvent(involvedObject: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    this.events.push({ involvedObject, type, reason, message });
  }
}

// ---- builders ----

export interface PolicyOptions {
  name?: string;
  namespace?: string;
  selector?: LabelSelector;
  idFrom?: BrokerIdSource;
  mode?: 'Enforce' | 'Warn' | 'Off';
  onKafkaUnreachable?: 'Deny' | 'Allow';
  guards?: Partial<Record<'eviction' | 'podDelete' | 'scaleDown' | 'volumes', boolean>>;
  expendableTopics?: string[];
  breakGlass?: BreakGlassSpec;
}

export const BROKER_LABELS = { 'app.kubernetes.io/name': 'kafka' };

/** A complete policy, defaults filled by parsePolicy exactly as the webhook would see it. */
export function makePolicy(options: PolicyOptions = {}): KafkaGuardPolicy {
  const parsed = parsePolicy({
    apiVersion: 'kafkaguard.io/v1alpha1',
    kind: 'KafkaGuardPolicy',
    metadata: { name: options.name ?? 'kafka', namespace: options.namespace ?? 'kafka' },
    spec: {
      brokers: { selector: options.selector ?? { matchLabels: BROKER_LABELS }, idFrom: options.idFrom ?? { ordinal: { offset: 0 } } },
      kafka: { bootstrapServers: ['kafka-0.kafka-headless.kafka.svc:9092'] },
      mode: options.mode ?? 'Enforce',
      onKafkaUnreachable: options.onKafkaUnreachable ?? 'Deny',
      guards: { eviction: true, podDelete: true, scaleDown: true, volumes: true, ...options.guards },
      expendableTopics: options.expendableTopics ?? [],
      ...(options.breakGlass === undefined ? {} : { breakGlass: options.breakGlass }),
    },
  });
  if (!parsed.ok) throw new Error(`test policy is invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.policy;
}

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  ready?: boolean;
  terminating?: boolean;
  annotations?: Record<string, string>;
  statefulSet?: string | null;
}

export function makePod(name: string, options: PodOptions = {}): PodFact {
  const statefulSet = options.statefulSet === undefined ? name.replace(/-\d+$/, '') : options.statefulSet;
  return {
    metadata: {
      name,
      namespace: options.namespace ?? 'kafka',
      uid: `uid-${name}`,
      labels: { ...(options.labels ?? BROKER_LABELS) },
      annotations: { ...(options.annotations ?? {}) },
      ...(options.terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
      ...(statefulSet === null ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: statefulSet, controller: true }] }),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

export interface StatefulSetOptions {
  namespace?: string;
  replicas?: number;
  labels?: Record<string, string>;
  volumes?: Array<{ name: string; size: string }>;
  retention?: { whenDeleted?: string; whenScaled?: string };
}

export function makeStatefulSet(name: string, options: StatefulSetOptions = {}): StatefulSetFact {
  return {
    metadata: { name, namespace: options.namespace ?? 'kafka', uid: `uid-${name}` },
    spec: {
      replicas: options.replicas ?? 3,
      selector: { matchLabels: { ...(options.labels ?? BROKER_LABELS) } },
      template: { metadata: { labels: { ...(options.labels ?? BROKER_LABELS) } } },
      volumeClaimTemplates: (options.volumes ?? [{ name: 'data', size: '100Gi' }]).map((v) => ({
        metadata: { name: v.name },
        spec: { resources: { requests: { storage: v.size } } },
      })),
      ...(options.retention === undefined ? {} : { persistentVolumeClaimRetentionPolicy: options.retention }),
    },
  };
}

export function makePvc(name: string, options: { namespace?: string; size?: string; capacity?: string } = {}): PersistentVolumeClaimFact {
  return {
    metadata: { name, namespace: options.namespace ?? 'kafka', uid: `uid-${name}` },
    spec: { resources: { requests: { storage: options.size ?? '100Gi' } } },
    status: { phase: 'Bound', capacity: { storage: options.capacity ?? options.size ?? '100Gi' } },
  };
}

export interface TopicSpec {
  name: string;
  minIsr?: number;
  /** One entry per partition: replicas, the ISR (defaults to all replicas), and replicas being added by a reassignment. */
  partitions: Array<{ replicas: number[]; isr?: number[]; adding?: number[] }>;
}

/** A cluster view with the given registered brokers and topics. */
export function makeView(brokers: number[], topics: TopicSpec[], fetchedAt = Date.now()): ClusterView {
  return {
    clusterId: 'test-cluster',
    controllerId: brokers[0] ?? -1,
    brokers: brokers.map((id) => ({ id, host: `kafka-${id}`, port: 9092, rack: null })),
    topics: topics.map(
      (t): TopicState => ({
        name: t.name,
        internal: false,
        minInsyncReplicas: t.minIsr ?? 2,
        partitions: t.partitions.map(
          (p, partition): PartitionState => ({
            topic: t.name,
            partition,
            replicas: p.replicas,
            isr: p.isr ?? p.replicas,
            leader: (p.isr ?? p.replicas)[0] ?? -1,
            offlineReplicas: [],
            addingReplicas: p.adding ?? [],
            removingReplicas: (p.adding ?? []).length > 0 ? p.replicas.filter((b) => !(p.adding ?? []).includes(b)) : [],
          }),
        ),
      }),
    ),
    throttles: { brokers: [], topics: [] },
    defaultMinInsyncReplicas: 2,
    fetchedAt,
  };
}

/**
 * The standard test cluster: policy kafka/kafka over StatefulSet kafka with
 * pods kafka-0..2 (brokers 0..2), PVCs data-kafka-0..2, and a topic `orders`
 * with RF 3 / min ISR 2 whose partitions have the given ISRs.
 */
export function standardCluster(
  options: { policy?: PolicyOptions; isr?: number[][]; pods?: PodFact[]; pending?: number[]; kafka?: FakeKafka } = {},
): FakeCluster {
  const policy = makePolicy(options.policy);
  const isr = options.isr ?? [[0, 1, 2], [1, 2, 0], [2, 0, 1]];
  const view = makeView([0, 1, 2], [
    { name: 'orders', minIsr: 2, partitions: isr.map((partitionIsr, i) => ({ replicas: [i % 3, (i + 1) % 3, (i + 2) % 3], isr: partitionIsr })) },
  ]);
  return new FakeCluster({
    policies: [policy],
    pods: options.pods ?? [makePod('kafka-0'), makePod('kafka-1'), makePod('kafka-2')],
    statefulSets: [makeStatefulSet('kafka')],
    pvcs: [makePvc('data-kafka-0'), makePvc('data-kafka-1'), makePvc('data-kafka-2')],
    kafka: { [policyKey(policy)]: options.kafka ?? { view } },
    pending: { [policyKey(policy)]: options.pending ?? [] },
  });
}
