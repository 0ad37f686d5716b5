/**
 * One snapshot for an operation run outside the plugin (the evacuation
 * controller): the policy's broker pods and their ids, the brokers down, the
 * webhook's ledger and the Kafka view. The plugin gathers more (nodes,
 * volumes, sizes) in plugin/lib/facts.ts.
 */
import type { KafkaApi } from '../kafka/client.js';
import { fetchClusterView } from '../kafka/cluster-view.js';
import type { KubeCluster } from '../k8s/cluster.js';
import { buildBrokerDirectory } from '../k8s/identity.js';
import { ledgerKey, parseLedger, pendingBrokers, type LedgerLocation } from '../k8s/ledger.js';
import { selectorToString } from '../k8s/selector.js';
import { policyKey, type KafkaGuardPolicy } from '../policy/types.js';
import { indexCluster } from '../safety/cluster-index.js';
import { downBrokers } from '../safety/disruption.js';
import type { OperationFacts } from './operation.js';

export async function takeSnapshot(kube: KubeCluster, policy: KafkaGuardPolicy, admin: KafkaApi, ledger: LedgerLocation): Promise<OperationFacts> {
  const namespace = policy.metadata.namespace;
  const [pods, view, configMap] = await Promise.all([
    kube.listPods(namespace, selectorToString(policy.spec.brokers.selector)),
    fetchClusterView(admin),
    kube.readConfigMap(ledger.namespace, ledger.name),
  ]);
  const directory = buildBrokerDirectory(pods, policy.spec.brokers.idFrom);
  const live = new Set(pods.map((p) => p.metadata?.uid ?? ''));
  const entries = parseLedger(configMap?.data?.[ledgerKey(policyKey(policy))], Date.now());
  return { pods, directory, down: downBrokers(pods, directory), pending: { brokers: pendingBrokers(entries, live), unknown: null }, index: indexCluster(view) };
}
