/**
 * The snapshot an operation decides from, whoever runs it: the policy's
 * broker pods and their ids, the brokers down, the webhook's ledger (pending
 * disruptions) and the Kafka view; on request the nodes, the broker volumes
 * and the replica sizes on disk.
 */
import type { V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { fetchClusterView } from '../kafka/cluster-view.js';
import { fetchReplicaSizes, type ReplicaSizesResult } from '../kafka/replica-sizes.js';
import { KubeApiError, type KubeCluster } from '../k8s/cluster.js';
import { buildBrokerDirectory } from '../k8s/identity.js';
import { ledgerKey, parseLedger, pendingBrokers, type LedgerEntry, type LedgerLocation, type PendingDisruptions } from '../k8s/ledger.js';
import { brokerClaimName } from '../k8s/pods.js';
import { selectorToString } from '../k8s/selector.js';
import { describeBrokerVolume, type BrokerVolume } from '../k8s/volumes.js';
import { policyKey, type KafkaGuardPolicy } from '../policy/types.js';
import { indexCluster } from '../safety/cluster-index.js';
import { downBrokers } from '../safety/disruption.js';
import type { OperationFacts, OperationSession } from './operation.js';
import { ledgerForbidden } from './messages.js';

export interface BrokerVolumeFacts {
  volume: BrokerVolume;
  pvc: V1PersistentVolumeClaim | null;
  pv: V1PersistentVolume | null;
}

/** The shared operations' snapshot, with what the plugin's commands also show. */
export interface ClusterFacts extends OperationFacts {
  nodes: Map<string, V1Node>;
  /** By pod name. */
  volumes: Map<string, BrokerVolumeFacts>;
  /** Replica sizes on disk, when asked for. */
  sizes: ReplicaSizesResult | null;
}

export interface GatherOptions {
  volumes?: boolean;
  nodes?: boolean;
  sizes?: boolean;
}

export async function gatherFacts(session: OperationSession, options: GatherOptions = {}): Promise<ClusterFacts> {
  const admin = await session.kafka();
  const [pods, nodeList, view, ledger] = await Promise.all([
    session.kube.listPods(session.namespace, selectorToString(session.policy.spec.brokers.selector)),
    options.nodes === false ? Promise.resolve([]) : session.kube.listNodes(),
    fetchClusterView(admin),
    readLedgerEntries(session.kube, session.ledger, session.policy),
  ]);
  pods.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));
  const directory = buildBrokerDirectory(pods, session.policy.spec.brokers.idFrom);
  const nodes = new Map(nodeList.map((n) => [n.metadata?.name ?? '', n]));
  const volumes = options.volumes === true ? await gatherVolumes(session, pods) : new Map<string, BrokerVolumeFacts>();
  const sizes = options.sizes === true ? await fetchReplicaSizes(admin, view.brokers.map((b) => b.id), null) : null;
  return { pods, directory, down: downBrokers(pods, directory), pending: pendingOf(ledger, pods), nodes, volumes, view, index: indexCluster(view), sizes };
}

export async function gatherVolumes(session: OperationSession, pods: readonly V1Pod[]): Promise<Map<string, BrokerVolumeFacts>> {
  const claims = new Map((await session.kube.listPvcs(session.namespace)).map((c) => [c.metadata?.name ?? '', c]));
  const volumes = new Map<string, BrokerVolumeFacts>();
  await Promise.all(
    pods.map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      const claim = brokerClaimName(pod, session.policy.spec.brokers.containerName);
      const pvc = claim === null ? null : claims.get(claim) ?? null;
      const volumeName = pvc?.spec?.volumeName;
      const pv = volumeName ? await session.kube.readPv(volumeName) : null;
      volumes.set(name, { volume: describeBrokerVolume(claim, pvc, pv), pvc, pv });
    }),
  );
  return volumes;
}

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export function zoneOf(nodes: ReadonlyMap<string, V1Node>, nodeName: string | null | undefined): string | null {
  if (!nodeName) return null;
  return nodes.get(nodeName)?.metadata?.labels?.[ZONE_LABEL] ?? null;
}

export type LedgerEntries = { ok: true; entries: LedgerEntry[] } | { ok: false; reason: string };

/**
 * The policy's entries in the webhook's ledger. No ConfigMap: nothing
 * pending (no webhook, or nothing admitted yet). Not allowed to read it:
 * said, not fatal.
 */
export async function readLedgerEntries(kube: KubeCluster, ledger: LedgerLocation, policy: KafkaGuardPolicy): Promise<LedgerEntries> {
  const { namespace, name } = ledger;
  try {
    const configMap = await kube.readConfigMap(namespace, name);
    return { ok: true, entries: parseLedger(configMap?.data?.[ledgerKey(policyKey(policy))], Date.now()) };
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 403) throw error;
    return { ok: false, reason: ledgerForbidden(namespace, name) };
  }
}

/** The disruptions still pending: entries whose pod still exists (see pendingBrokers). */
export function pendingOf(ledger: LedgerEntries, pods: readonly V1Pod[]): PendingDisruptions {
  if (!ledger.ok) return { brokers: [], unknown: ledger.reason };
  return { brokers: pendingBrokers(ledger.entries, new Set(pods.map((p) => p.metadata?.uid ?? ''))), unknown: null };
}
