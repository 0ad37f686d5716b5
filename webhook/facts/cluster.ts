/**
 * The production facts and effects, composed of one part per job:
 *
 *   kube-caches.ts        informers on the apiserver, scoped to the namespaces that hold policies
 *   kafka-views.ts        one Kafka client and a cached, background-refreshed cluster view per policy
 *   disruption-ledger.ts  admitted disruptions, in a ConfigMap shared by every webhook replica
 *   status-writer.ts      the KafkaGuardPolicy status, written after each background refresh
 *   api-effects.ts        break-glass consumption and Events
 *
 * ClusterFacts only wires them together and drives the background refresh.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import type { ReplicaSizesResult } from '../../shared/kafka/replica-sizes.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { WebhookConfig } from '../config.js';
import type { BreakGlassSetting } from '../admission/verdict.js';
import type { WebhookMetrics } from '../metrics.js';
import { ApiEffects } from './api-effects.js';
import { DisruptionLedger } from './disruption-ledger.js';
import { KafkaViews } from './kafka-views.js';
import { KubeCaches } from './kube-caches.js';
import { PolicyStatusWriter } from './status-writer.js';
import type {
  BreakGlassConsumption, BreakGlassSetter, Effects, FactsSource, KafkaIndexResult, KafkaViewOptions, LedgerReading, ObjectReference,
  PersistentVolumeClaimFact, PodFact, Reservation, StatefulSetFact, StorageClassFact,
  Deadline, KafkaFeaturesResult,
} from './types.js';

export class ClusterFacts implements FactsSource, Effects {
  readonly caches: KubeCaches;
  readonly kafka: KafkaViews;
  readonly ledger: DisruptionLedger;
  readonly status: PolicyStatusWriter;
  readonly apiEffects: ApiEffects;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(
    kc: KubeConfig,
    private readonly config: WebhookConfig,
    metrics: WebhookMetrics,
    log: FastifyBaseLogger,
    /** Names this replica in Events it records (the pod name in a cluster). */
    instanceName: string,
  ) {
    const core = kc.makeApiClient(CoreV1Api);
    this.caches = new KubeCaches(kc, log);
    this.kafka = new KafkaViews(core, metrics, log, config.kafkaViewRefreshCpuPercent);
    this.ledger = new DisruptionLedger(core, config.ledger, (namespace) => this.caches.livePodUids(namespace));
    this.status = new PolicyStatusWriter(kc.makeApiClient(CustomObjectsApi), core, this.caches, this.ledger, log);
    this.apiEffects = new ApiEffects(core, log, instanceName);
  }

  /** Starts the caches and the background refresh of every policy's Kafka view and status. */
  async start(): Promise<void> {
    this.caches.start();
    this.refreshTimer = setInterval(() => this.refreshAll(), this.config.kafkaViewRefreshMs);
    this.refreshTimer.unref();
  }

  /** Ready when every cache has listed once (readyz). */
  readiness(): { ready: boolean; reason: string } {
    return this.caches.readiness();
  }

  async close(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.caches.stop();
    await this.kafka.close();
  }

  private refreshAll(): void {
    this.kafka.refreshAll(this.caches.allPolicies(), (policy, kafka) => this.status.publish(policy, kafka));
  }

  // ------------------------------------------------------------------ FactsSource

  policyFor(namespace: string, labels: Readonly<Record<string, string>>): Promise<KafkaGuardPolicy | null> {
    return this.caches.policyFor(namespace, labels);
  }

  policiesIn(namespace: string): Promise<KafkaGuardPolicy[]> {
    return this.caches.policiesIn(namespace);
  }

  pod(namespace: string, name: string): Promise<PodFact | null> {
    return this.caches.pod(namespace, name);
  }

  brokerPods(policy: KafkaGuardPolicy): Promise<PodFact[]> {
    return this.caches.brokerPods(policy);
  }

  statefulSet(namespace: string, name: string): Promise<StatefulSetFact | null> {
    return this.caches.statefulSet(namespace, name);
  }

  statefulSets(namespace: string): Promise<StatefulSetFact[]> {
    return this.caches.statefulSets(namespace);
  }

  pvcs(namespace: string): Promise<PersistentVolumeClaimFact[]> {
    return this.caches.pvcs(namespace);
  }

  pdbCoversBrokers(policy: KafkaGuardPolicy, newPodLabels: Record<string, string> | null): Promise<boolean | null> {
    return this.caches.pdbCoversBrokers(policy, newPodLabels);
  }

  storageClasses(): Promise<StorageClassFact[] | null> {
    return this.caches.storageClasses();
  }

  schedulableNodeCount(): Promise<number | null> {
    return this.caches.schedulableNodeCount();
  }

  kafkaIndex(policy: KafkaGuardPolicy, options: KafkaViewOptions): Promise<KafkaIndexResult> {
    return this.kafka.kafkaIndex(policy, options);
  }

  pendingDisruptions(policyKey: string): Promise<LedgerReading> {
    return this.ledger.pendingDisruptions(policyKey);
  }

  breakGlassSetter(pod: { namespace: string; uid: string }, value: string): Promise<BreakGlassSetter | null> {
    return this.ledger.breakGlassSetter(pod, value);
  }

  replicaSizes(policy: KafkaGuardPolicy, brokers: readonly number[], deadline: Deadline): Promise<ReplicaSizesResult> {
    return this.kafka.replicaSizes(policy, brokers, deadline);
  }

  kafkaFeatures(policy: KafkaGuardPolicy, deadline: Deadline): Promise<KafkaFeaturesResult> {
    return this.kafka.kafkaFeatures(policy, deadline);
  }

  // ------------------------------------------------------------------ Effects

  reserveDisruption(reservation: Reservation): Promise<boolean> {
    return this.ledger.reserveDisruption(reservation);
  }

  consumeBreakGlass(consumption: BreakGlassConsumption): Promise<boolean> {
    return this.ledger.consumeBreakGlass(consumption);
  }

  recordBreakGlassSetting(setting: BreakGlassSetting): Promise<void> {
    return this.ledger.recordBreakGlassSetting(setting);
  }

  recordEvent(involvedObject: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.apiEffects.recordEvent(involvedObject, type, reason, message);
  }
}
