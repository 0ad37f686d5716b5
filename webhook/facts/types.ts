/**
 * The interfaces rules gather facts through, and the effects the engine
 * performs after a decision. Production implementations sit on informer
 * caches (policies, pods, StatefulSets, PVCs), the kafkajs cluster view and a
 * ConfigMap ledger; unit tests use webhook/facts/fake.ts. Nothing here decides
 * anything: rules decide, from what these return.
 *
 * Kubernetes objects are described structurally with only the fields the rules
 * read, so an informer's V1Pod and an AdmissionReview's plain JSON both fit.
 */
import type { ClusterFeatures } from '../../shared/kafka/features.js';
import type { ReplicaSizesResult } from '../../shared/kafka/replica-sizes.js';
import type { PendingDisruptions } from '../../shared/k8s/ledger.js';
import type { BrokerPodLike } from '../../shared/k8s/pods.js';
import type { ClusterIndex } from '../../shared/safety/cluster-index.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { StorageClassFact } from '../defaults/types.js';
import type { BreakGlassSetting } from '../admission/verdict.js';

export type { StorageClassFact };

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** A string in AdmissionReview JSON, a Date in client-node objects; only its presence matters here. */
  deletionTimestamp?: string | Date | null;
  ownerReferences?: OwnerReference[];
}

/** The shared broker pod shape, with the metadata the webhook reads besides. */
export interface PodFact extends BrokerPodLike {
  metadata?: ObjectMeta;
}

export interface ResourceRequirementsFact {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}

export interface PersistentVolumeClaimFact {
  metadata?: ObjectMeta;
  spec?: { resources?: ResourceRequirementsFact; storageClassName?: string; volumeName?: string };
  status?: { phase?: string; capacity?: Record<string, string | number> };
}

export interface StatefulSetFact {
  metadata?: ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };
    volumeClaimTemplates?: PersistentVolumeClaimFact[];
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
    ordinals?: { start?: number };
  };
  status?: { replicas?: number; readyReplicas?: number };
}

/** A reference for Events (`involvedObject`). */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** Empty when not known (e.g. the pod behind an Eviction that was not looked up). */
  uid: string;
}

/**
 * A point in time by which a decision must be made. Facts that may block
 * (the Kafka view) must give up at `at` and report themselves unreachable.
 */
export interface Deadline {
  /** Epoch milliseconds. */
  readonly at: number;
  /** Aborted when the deadline passes. */
  readonly signal: AbortSignal;
  remainingMs(): number;
}

export interface KafkaViewOptions {
  /**
   * Epoch ms: only a view whose fetch started at or after this will do. The
   * engine passes the request's arrival, so no decision rests on facts older
   * than the request (a topic created or an ISR shrunk a moment before).
   */
  notBefore: number;
  deadline: Deadline;
}

export type KafkaIndexResult =
  | { ok: true; index: ClusterIndex; /** When the underlying view was fetched (epoch ms). */ fetchedAt: number }
  | { ok: false; /** Why Kafka could not be asked, for the refusal message and logs. */ error: string };

/** The ledger as one admission read it: the pending disruptions, and the version a reservation compare-and-swaps against. */
export interface LedgerReading extends PendingDisruptions {
  /** Opaque version of the ledger read. */
  version: string;
  /** Pods whose pending disruption a break-glass annotation admitted: a retry of it is admitted again. */
  breakGlassPods: string[];
}

/** Read-only lookups. All are expected to answer from caches, except kafkaIndex. */
export type KafkaFeaturesResult = { ok: true; features: ClusterFeatures } | { ok: false; reason: string };

export interface FactsSource {
  /** The policy whose spec.brokers.selector matches these labels in this namespace, or null. */
  policyFor(namespace: string, labels: Readonly<Record<string, string>>): Promise<KafkaGuardPolicy | null>;
  /** Every policy in the namespace (for objects that carry no broker labels, e.g. Strimzi node pools). */
  policiesIn(namespace: string): Promise<KafkaGuardPolicy[]>;
  pod(namespace: string, name: string): Promise<PodFact | null>;
  /** Pods in the policy's namespace matching its broker selector, including Terminating ones. */
  brokerPods(policy: KafkaGuardPolicy): Promise<PodFact[]>;
  statefulSet(namespace: string, name: string): Promise<StatefulSetFact | null>;
  statefulSets(namespace: string): Promise<StatefulSetFact[]>;
  pvcs(namespace: string): Promise<PersistentVolumeClaimFact[]>;
  /**
   * The Kafka cluster behind the policy, read by a fetch that started at or
   * after `notBefore` (one already under way may be shared); fetched anew
   * otherwise. Never throws: a Kafka that cannot be reached before the
   * deadline is `{ ok: false }`.
   */
  kafkaIndex(policy: KafkaGuardPolicy, options: KafkaViewOptions): Promise<KafkaIndexResult>;
  /** The ledger: disruptions admitted for this policy that have not happened or expired yet. */
  pendingDisruptions(policyKey: string): Promise<LedgerReading>;
  /**
   * Replica sizes and log dir space of `brokers` (DescribeLogDirs), read fresh
   * and only for scale-downs; never throws, gives up at the deadline. A source
   * without it gives no disk warnings.
   */
  replicaSizes?(policy: KafkaGuardPolicy, brokers: readonly number[], deadline: Deadline): Promise<ReplicaSizesResult>;
  /**
   * Whether a PodDisruptionBudget selects the policy's broker pods; null when
   * unknown. With no broker pod yet, `newPodLabels` (the labels of the pods
   * being admitted) stand in for them.
   */
  /**
   * The cluster's finalized feature levels (metadata.version), read fresh;
   * never throws, gives up at the deadline. A source without it gives the
   * version guard nothing to check (it warns).
   */
  kafkaFeatures?(policy: KafkaGuardPolicy, deadline: Deadline): Promise<KafkaFeaturesResult>;
  /**
   * Who set `value` of the break-glass annotation on the pod with `uid`, as the
   * ledger recorded it when the webhook admitted that edit; null when it was
   * never seen set (set at the pod's creation, or while no policy governed it).
   */
  breakGlassSetter(pod: { namespace: string; uid: string }, value: string): Promise<BreakGlassSetter | null>;
  pdbCoversBrokers(policy: KafkaGuardPolicy, newPodLabels: Record<string, string> | null): Promise<boolean | null>;
  storageClasses(): Promise<StorageClassFact[] | null>;
  /** Nodes a broker could be scheduled on (Ready, not cordoned); null when unknown. */
  schedulableNodeCount(): Promise<number | null>;
}

export interface Reservation {
  policyKey: string;
  brokerId: number;
  podUid: string;
  ttlMs: number;
  /** The LedgerReading.version the decision was based on. */
  expectedVersion: string;
  /** Admitted by break-glass: recorded so that a retry of this same disruption stands (LedgerEntry.breakGlass). */
  breakGlass: boolean;
}

export interface BreakGlassConsumption {
  pod: { namespace: string; name: string; uid: string };
  /** The annotation value that was seen; a later, different value on the same pod is a new break-glass. */
  expectedValue: string;
}

/** Who set a break-glass annotation (shared/k8s/ledger.ts BreakGlassSetting). */
export interface BreakGlassSetter {
  user: string;
  groups: readonly string[];
  /** When the edit was admitted (epoch ms). */
  at: number;
}

/** What the engine does after deciding. None of these run for dry-run requests. */
export interface Effects {
  /**
   * Records an admitted disruption. Compare-and-swap: false when the ledger
   * changed since `expectedVersion` was read (another replica admitted
   * something), in which case the decision must not stand.
   */
  reserveDisruption(reservation: Reservation): Promise<boolean>;
  /**
   * Uses up the pod's break-glass annotation `expectedValue`: recorded in the
   * ledger by pod uid (the pod is not written to). False when that annotation
   * was used before: that is how "exactly one disruption" holds across
   * concurrent requests and webhook replicas.
   */
  consumeBreakGlass(consumption: BreakGlassConsumption): Promise<boolean>;
  /** Records who set a pod's break-glass annotation (in the ledger; the pod is not written to). Throws when it cannot. */
  recordBreakGlassSetting(setting: BreakGlassSetting): Promise<void>;
  /** Records a Kubernetes Event; failures are the implementation's to log, never the request's to fail. */
  recordEvent(involvedObject: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export { policyKey } from '../../shared/policy/types.js';
