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
import type { PendingDisruptions } from '../../shared/k8s/ledger.js';
import type { OperationFacts } from '../../shared/ops/operation.js';
import { pendingOf, readLedgerEntries } from '../../shared/ops/snapshot.js';
import { describeBrokerVolume, type BrokerVolume } from '../../shared/k8s/volumes.js';
import { fetchReplicaSizes, type ReplicaSizesResult } from '../../shared/kafka/replica-sizes.js';
import { indexCluster, type ClusterIndex } from '../../shared/safety/cluster-index.js';
import type { Session } from './session.js';
import { downBrokers } from '../../shared/safety/disruption.js';

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

export async function gatherFacts(session: Session, options: GatherOptions = {}): Promise<ClusterFacts> {
  const admin = await session.kafka();
  const [pods, nodeList, view, ledger] = await Promise.all([
    session.brokerPods(),
    options.nodes === false ? Promise.resolve([]) : session.kube.listNodes(),
    fetchClusterView(admin),
    readLedgerEntries(session.kube, session.ledger, session.policy),
  ]);
  pods.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));
  const directory = session.directory(pods);
  const nodes = new Map(nodeList.map((n) => [n.metadata?.name ?? '', n]));
  const volumes = options.volumes === true ? await gatherVolumes(session, pods) : new Map<string, BrokerVolumeFacts>();
  const sizes = options.sizes === true ? await fetchReplicaSizes(admin, view.brokers.map((b) => b.id), null) : null;
  return { pods, directory, down: downBrokers(pods, directory), pending: pendingOf(ledger, pods), nodes, volumes, view, index: indexCluster(view), sizes };
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
