/**
 * Partition health counted per broker and for the cluster, from the index:
 * what `kubectl kafka status` shows and the webhook writes into a policy's
 * status. Pure.
 */
import type { ClusterIndex } from './cluster-index.js';

export interface BrokerCounts {
  replicas: number;
  /** Partitions it currently leads. */
  leaders: number;
  /** Its partitions with fewer in-sync replicas than replicas. */
  underReplicated: number;
  /** Its partitions below their min.insync.replicas. */
  underMinIsr: number;
  /** Partitions whose only in-sync replica it holds. */
  soleReplicas: number;
}

export interface PartitionCounts {
  partitions: number;
  replicas: number;
  underReplicated: number;
  underMinIsr: number;
  /** No leader, or no in-sync replica. */
  offline: number;
  /** Every broker that holds or leads something; others count as all zero (see brokerCounts). */
  byBroker: ReadonlyMap<number, BrokerCounts>;
}

const ZERO: BrokerCounts = { replicas: 0, leaders: 0, underReplicated: 0, underMinIsr: 0, soleReplicas: 0 };

export function countPartitions(index: ClusterIndex): PartitionCounts {
  const byBroker = new Map<number, BrokerCounts>();
  const of = (id: number): BrokerCounts => {
    let counts = byBroker.get(id);
    if (counts === undefined) {
      counts = { ...ZERO };
      byBroker.set(id, counts);
    }
    return counts;
  };
  const totals = { partitions: index.partitions.length, replicas: 0, underReplicated: 0, underMinIsr: 0, offline: 0 };
  index.partitions.forEach((state, ordinal) => {
    const under = state.isr.length < state.replicas.length;
    const belowMin = state.isr.length < (index.minIsr[ordinal] ?? 1);
    if (under) totals.underReplicated += 1;
    if (belowMin) totals.underMinIsr += 1;
    if (state.leader < 0 || state.isr.length === 0) totals.offline += 1;
    totals.replicas += state.replicas.length;
    for (const broker of state.replicas) {
      const counts = of(broker);
      counts.replicas += 1;
      if (under) counts.underReplicated += 1;
      if (belowMin) counts.underMinIsr += 1;
    }
    if (state.leader >= 0) of(state.leader).leaders += 1;
    const [only, ...others] = state.isr;
    if (only !== undefined && others.length === 0) of(only).soleReplicas += 1;
  });
  return { ...totals, byBroker };
}

/** A broker's counts; all zero for one that holds nothing. */
export function brokerCounts(counts: PartitionCounts, id: number): BrokerCounts {
  return counts.byBroker.get(id) ?? ZERO;
}
