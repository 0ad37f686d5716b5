/**
 * Terse ClusterView literals for table tests. Test support only: product code
 * never imports this module.
 */

import type { BrokerInfo, ClusterView, PartitionState, TopicState } from '../../kafka/types.js';

export interface PartitionSpec {
  /** Replicas, preferred leader first. */
  r: number[];
  /** ISR; default all replicas. */
  isr?: number[];
  /** Current leader; default the first ISR member, -1 when the ISR is empty. */
  leader?: number;
  adding?: number[];
  removing?: number[];
}

export interface TopicSpec {
  name: string;
  /** Default 1. */
  minIsr?: number;
  /** Partition i is partitions[i] unless `numbers` says otherwise. */
  partitions: PartitionSpec[];
  numbers?: number[];
}

/** A broker id, or [id, rack]. */
export type BrokerSpec = number | [number, string | null];

export function clusterOf(brokers: BrokerSpec[], topics: TopicSpec[]): ClusterView {
  const brokerInfos: BrokerInfo[] = brokers.map((spec) => {
    const [id, rack] = typeof spec === 'number' ? [spec, null] : spec;
    return { id, host: `kafka-${id}`, port: 9092, rack };
  });
  const topicStates: TopicState[] = topics.map((topic) => ({
    name: topic.name,
    internal: false,
    minInsyncReplicas: topic.minIsr ?? 1,
    partitions: topic.partitions.map((p, i): PartitionState => {
      const isr = p.isr ?? [...p.r];
      return {
        topic: topic.name,
        partition: topic.numbers?.[i] ?? i,
        replicas: [...p.r],
        isr,
        leader: p.leader ?? isr[0] ?? -1,
        offlineReplicas: [],
        addingReplicas: p.adding ?? [],
        removingReplicas: p.removing ?? [],
      };
    }),
  }));
  return {
    clusterId: 'test',
    controllerId: 1,
    brokers: brokerInfos,
    topics: topicStates,
    throttles: { brokers: [], topics: [] },
    defaultMinInsyncReplicas: 1,
    fetchedAt: 0,
  };
}

/** `count` partitions with the same spec. */
export function repeat(count: number, spec: PartitionSpec): PartitionSpec[] {
  return Array.from({ length: count }, () => ({ ...spec, r: [...spec.r] }));
}
