/**
 * DiskFacts for tests: every broker holds its replicas at the partition's
 * size, as DescribeLogDirs would report it. Test support only: product code
 * never imports this module.
 */
import type { ReplicaSizes } from '../../kafka/replica-sizes.js';
import type { ClusterView } from '../../kafka/types.js';
import { diskFactsFrom, type DiskFacts } from '../disk.js';
import { partitionKey } from '../types.js';

export function diskFactsOf(
  view: ClusterView,
  sizeOf: (topic: string, partition: number) => number,
  /** Capacity in bytes per broker (claim size); a broker left out has unknown capacity. */
  capacity: ReadonlyMap<number, number>,
  maxUsagePercent: number,
): DiskFacts {
  const sizes: ReplicaSizes = new Map(view.brokers.map((b) => [b.id, new Map<string, number>()]));
  for (const topic of view.topics) {
    for (const p of topic.partitions) {
      for (const broker of new Set([...p.replicas, ...p.removingReplicas])) {
        if (p.addingReplicas.includes(broker)) continue; // still being built: diskFactsFrom counts it in full
        let mine = sizes.get(broker);
        if (mine === undefined) sizes.set(broker, (mine = new Map()));
        mine.set(partitionKey({ topic: topic.name, partition: p.partition }), sizeOf(topic.name, p.partition));
      }
    }
  }
  return diskFactsFrom({ view, sizes, space: new Map(), claimBytes: capacity, maxUsagePercent });
}
