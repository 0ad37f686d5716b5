/**
 * One snapshot for an operation run outside the plugin (the evacuation
 * controller): the policy's broker pods and their ids, the brokers down, the
 * webhook's ledger and the Kafka view. The plugin gathers more (nodes,
 * volumes, sizes) in plugin/lib/facts.ts, reading the ledger the same way.
 */
import type { KafkaApi } from '../kafka/client.js';
import { fetchClusterView } from '../kafka/cluster-view.js';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeApiError, type KubeCluster } from '../k8s/cluster.js';
import { buildBrokerDirectory } from '../k8s/identity.js';
import { ledgerKey, parseLedger, pendingBrokers, type LedgerEntry, type LedgerLocation, type PendingDisruptions } from '../k8s/ledger.js';
import { selectorToString } from '../k8s/selector.js';
import { policyKey, type KafkaGuardPolicy } from '../policy/types.js';
import { indexCluster } from '../safety/cluster-index.js';
import { downBrokers } from '../safety/disruption.js';
import type { OperationFacts } from './operation.js';

export async function takeSnapshot(kube: KubeCluster, policy: KafkaGuardPolicy, admin: KafkaApi, ledger: LedgerLocation): Promise<OperationFacts> {
  const [pods, view, entries] = await Promise.all([
    kube.listPods(policy.metadata.namespace, selectorToString(policy.spec.brokers.selector)),
    fetchClusterView(admin),
    readLedgerEntries(kube, ledger, policy),
  ]);
  const directory = buildBrokerDirectory(pods, policy.spec.brokers.idFrom);
  return { pods, directory, down: downBrokers(pods, directory), pending: pendingOf(entries, pods), view, index: indexCluster(view) };
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
    return {
      ok: false,
      reason:
        `cannot read the webhook's disruption ledger, ConfigMap ${namespace}/${name} (forbidden), so disruptions it admitted ` +
        'that the pods do not show yet are not counted; grant get on it to see the same verdict as the webhook',
    };
  }
}

/** The disruptions still pending: entries whose pod still exists (see pendingBrokers). */
export function pendingOf(ledger: LedgerEntries, pods: readonly V1Pod[]): PendingDisruptions {
  if (!ledger.ok) return { brokers: [], unknown: ledger.reason };
  return { brokers: pendingBrokers(ledger.entries, new Set(pods.map((p) => p.metadata?.uid ?? ''))), unknown: null };
}
