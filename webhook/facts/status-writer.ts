/**
 * The policy-status writer: after each background refresh, builds a policy's
 * status (policy-status.ts, pure) from the caches, the ledger and the Kafka
 * reading, and writes it only when it differs from the stored one. Every
 * webhook replica computes the same status from the same cluster, so replicas
 * write rarely and never disagree for long.
 */
import { isDeepStrictEqual } from 'node:util';
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import { MAINTENANCE_CONFIGMAP, recordsOfPolicy, type MaintenanceRecord } from '../../shared/plan/maintenance.js';
import type { FastifyBaseLogger } from 'fastify';
import { POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION, type KafkaGuardPolicy } from '../../shared/policy/types.js';
import { messageOf, statusCode } from './api-errors.js';
import type { DisruptionLedger } from './disruption-ledger.js';
import type { KafkaReading } from './kafka-views.js';
import type { KubeCaches } from './kube-caches.js';
import { buildPolicyStatus } from './policy-status.js';
import { policyKey } from './types.js';

export class PolicyStatusWriter {
  private readonly statusWarned = new Set<string>();

  constructor(
    private readonly custom: CustomObjectsApi,
    private readonly core: Pick<CoreV1Api, 'readNamespacedConfigMap'>,
    private readonly caches: Pick<KubeCaches, 'stopped' | 'podsSynced' | 'storedPolicy' | 'brokerPods'>,
    private readonly ledger: Pick<DisruptionLedger, 'pendingDisruptions'>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Writes the policy's status if it changed; never rejects (a failure is logged once per policy). */
  async publish(policy: KafkaGuardPolicy, kafka: KafkaReading): Promise<void> {
    try {
      await this.write(policy, kafka);
    } catch (error) {
      this.warnOnce(policyKey(policy), error);
    }
  }

  private async write(policy: KafkaGuardPolicy, kafka: KafkaReading): Promise<void> {
    const { namespace, name } = policy.metadata;
    if (this.caches.stopped || !this.caches.podsSynced(namespace)) return;
    const stored = this.caches.storedPolicy(namespace, name);
    if (stored === undefined) return;
    const [pending, maintenance] = await Promise.all([this.ledger.pendingDisruptions(policyKey(policy)), this.maintenanceRecords(policy)]);
    const status = buildPolicyStatus({
      policy,
      previous: stored.status,
      kafka,
      pods: await this.caches.brokerPods(policy),
      pending,
      maintenance,
      now: new Date(),
    });
    if (isDeepStrictEqual(status, stored.status)) return;
    // A JSON Patch, not a merge patch: in a merge patch the null of a broker without a pod would mean "remove".
    await this.custom.patchNamespacedCustomObjectStatus(
      { group: POLICY_GROUP, version: POLICY_VERSION, plural: POLICY_PLURAL, namespace, name, body: [{ op: 'add', path: '/status', value: status }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    this.statusWarned.delete(policyKey(policy));
  }

  /**
   * The policy's maintenance records, read from the apiserver on each refresh
   * (one small ConfigMap per namespace; the evacuation controller on another
   * replica may have just written it). None when it cannot be read.
   */
  private async maintenanceRecords(policy: KafkaGuardPolicy): Promise<MaintenanceRecord[]> {
    try {
      const configMap = await this.core.readNamespacedConfigMap({ namespace: policy.metadata.namespace, name: MAINTENANCE_CONFIGMAP });
      return recordsOfPolicy(configMap.data, policy.metadata.name).flatMap(({ record }) => (record === null ? [] : [record]));
    } catch (error) {
      if (statusCode(error) === 404) return [];
      throw error;
    }
  }

  /** A status that cannot be written (e.g. RBAC without kafkaguardpolicies/status) is logged once per policy, not every 4 s. */
  private warnOnce(key: string, error: unknown): void {
    if (this.statusWarned.has(key)) return;
    this.statusWarned.add(key);
    this.log.warn({ policy: key, error: messageOf(error) }, 'cannot write the KafkaGuardPolicy status');
  }
}
