/**
 * One snapshot of everything a command decides from: the broker pods and
 * their identities, nodes, volumes, and the Kafka cluster view. Gathered
 * here, then handed to pure functions (status, target resolution, plans).
 */
import type { V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { fetchClusterView } from '../../shared/kafka/cluster-view.js';
import type { ClusterView } from '../../shared/kafka/types.js';
import type { BrokerDirectory } from '../../shared/k8s/identity.js';
import { brokerClaimName } from '../../shared/k8s/pods.js';
import { KubeApiError } from '../../shared/k8s/cluster.js';
import { ledgerKey, parseLedger, pendingBrokers, type PendingDisruptions } from '../../shared/k8s/ledger.js';
import { describeBrokerVolume, type BrokerVolume } from '../../shared/k8s/volumes.js';
import { policyKey } from '../../shared/policy/types.js';
import { fetchReplicaSizes, type ReplicaSizesResult } from '../../shared/kafka/replica-sizes.js';
import { indexCluster, type ClusterIndex } from '../../shared/safety/cluster-index.js';
import type { Session } from './session.js';
import { downBrokers } from '../../shared/safety/disruption.js';

export interface BrokerVolumeFacts {
  volume: BrokerVolume;
  pvc: V1PersistentVolumeClaim | null;
  pv: V1PersistentVolume | null;
}

export interface ClusterFacts {
  pods: V1Pod[];
  directory: BrokerDirectory;
  /** Brokers whose pod is not Ready or Terminating. */
  down: number[];
  /** Disruptions the webhook admitted that the pods may not show yet (its ledger). */
  pending: PendingDisruptions;
  nodes: Map<string, V1Node>;
  /** By pod name. */
  volumes: Map<string, BrokerVolumeFacts>;
  view: ClusterView;
  index: ClusterIndex;
  /** Replica sizes on disk, when asked for. */
  sizes: ReplicaSizesResult | null;
}

export interface GatherOptions {
  volumes?: boolean;
  nodes?: boolean;
  sizes?: boolean;
}

export async function gatherFacts(session: Session, options: GatherOptions = {}): Promise<ClusterFacts> {
  const admin = await session.kafka();
  const [pods, nodeList, view, ledger] = await Promise.all([
    session.brokerPods(),
    options.nodes === false ? Promise.resolve([]) : session.kube.listNodes(),
    fetchClusterView(admin),
    readLedger(session),
  ]);
  pods.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));
  const directory = session.directory(pods);
  const nodes = new Map(nodeList.map((n) => [n.metadata?.name ?? '', n]));
  const volumes = options.volumes === true ? await gatherVolumes(session, pods) : new Map<string, BrokerVolumeFacts>();
  const sizes = options.sizes === true ? await fetchReplicaSizes(admin, view.brokers.map((b) => b.id), null) : null;
  const live = new Set(pods.map((p) => p.metadata?.uid ?? ''));
  const pending = ledger.ok ? { brokers: pendingBrokers(ledger.entries, live), unknown: null } : { brokers: [], unknown: ledger.reason };
  return { pods, directory, down: downBrokers(pods, directory), pending, nodes, volumes, view, index: indexCluster(view), sizes };
}

/**
 * The webhook's ledger (shared/k8s/ledger.ts) where the session says. No
 * ConfigMap: nothing pending (no webhook, or nothing admitted yet). Not
 * allowed to read it: said, not fatal.
 */
async function readLedger(session: Session): Promise<{ ok: true; entries: ReturnType<typeof parseLedger> } | { ok: false; reason: string }> {
  const { namespace, name } = session.ledger;
  try {
    const configMap = await session.kube.readConfigMap(namespace, name);
    return { ok: true, entries: parseLedger(configMap?.data?.[ledgerKey(policyKey(session.policy))], Date.now()) };
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 403) throw error;
    return {
      ok: false,
      reason:
        `cannot read the webhook's disruption ledger, ConfigMap ${namespace}/${name} (forbidden), so disruptions it admitted ` +
        'that the pods do not show yet are not counted; grant get on it to see the same verdict as the webhook',
    };
  }
}

export async function gatherVolumes(session: Session, pods: readonly V1Pod[]): Promise<Map<string, BrokerVolumeFacts>> {
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
