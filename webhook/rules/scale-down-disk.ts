/**
 * What a scale-down's disk warning reads (issue 10, item 4): replica sizes
 * and log dir space from DescribeLogDirs, and the claim size of each broker
 * pod. Read only for a scale-down whose removed brokers still hold replicas,
 * and never fatal: without sizes there is simply no warning.
 */
import { brokerIdOfPod } from '../../shared/k8s/identity.js';
import { brokerClaimName } from '../../shared/k8s/pods.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { ClusterIndex } from '../../shared/safety/cluster-index.js';
import { DEFAULT_MAX_DISK_USAGE_PERCENT, diskFactsFrom, type DiskFacts } from '../../shared/safety/disk.js';
import type { FactsSource, PodFact } from '../facts/types.js';
import { currentCapacity } from './brokers.js';
import type { GatherContext } from './rule.js';

export async function gatherScaleDownDisk(
  facts: FactsSource,
  policy: KafkaGuardPolicy,
  index: ClusterIndex,
  removed: readonly number[],
  brokerPods: readonly PodFact[],
  context: GatherContext,
): Promise<DiskFacts | null> {
  if (facts.replicaSizes === undefined || !removed.some((b) => (index.partitionsByBroker.get(b)?.length ?? 0) > 0)) return null;
  const [sizes, pvcs] = await Promise.all([facts.replicaSizes(policy, index.brokerIds, context.deadline), facts.pvcs(policy.metadata.namespace)]);
  if (!sizes.ok) return null;
  const claims = new Map(pvcs.map((pvc) => [pvc.metadata?.name ?? '', pvc]));
  const claimBytes = new Map<number, number | null>();
  for (const pod of brokerPods) {
    const identified = brokerIdOfPod(pod, policy.spec.brokers.idFrom);
    const claim = brokerClaimName(pod, policy.spec.brokers.containerName);
    const pvc = claim === null ? undefined : claims.get(claim);
    const bytes = pvc === undefined ? null : currentCapacity(pvc);
    if (identified.ok) claimBytes.set(identified.id, bytes === null ? null : Number(bytes));
  }
  return diskFactsFrom({ view: index.view, sizes: sizes.sizes, space: sizes.space, claimBytes, maxUsagePercent: DEFAULT_MAX_DISK_USAGE_PERCENT });
}
