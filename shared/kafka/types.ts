/**
 * The Kafka cluster as kafka-guard sees it: a plain, serialisable snapshot.
 * Produced by the kafkajs adapter (shared/kafka/admin.ts), consumed by the pure
 * safety functions (shared/safety/). Nothing here does I/O.
 */

/** A broker registered with the cluster (fenced brokers are not listed by Kafka). */
export interface BrokerInfo {
  id: number;
  host: string;
  port: number;
  /** `broker.rack`, or null when the broker has none. */
  rack: string | null;
}

/** One partition's replica state. */
export interface PartitionState {
  topic: string;
  partition: number;
  /** Replica broker ids in preference order (first = preferred leader). */
  replicas: number[];
  /** In-sync replica broker ids. */
  isr: number[];
  /** Current leader broker id, -1 when the partition has no leader. */
  leader: number;
  /** Replicas Kafka reports as offline (their log dir or broker is unavailable). */
  offlineReplicas: number[];
  /** Replicas being added by an in-flight reassignment (empty when none). */
  addingReplicas: number[];
  /** Replicas being removed by an in-flight reassignment (empty when none). */
  removingReplicas: number[];
}

export interface TopicState {
  name: string;
  internal: boolean;
  /** Effective `min.insync.replicas`: the topic's own setting, else the broker default. */
  minInsyncReplicas: number;
  partitions: PartitionState[];
}

/** Replication throttles currently configured (KIP-73 dynamic configs). */
export interface ThrottleState {
  /** Brokers with `leader.replication.throttled.rate` / `follower.replication.throttled.rate` set (bytes/s). */
  brokers: Array<{ id: number; leaderRate: number | null; followerRate: number | null }>;
  /** Topics with `leader.replication.throttled.replicas` / `follower.replication.throttled.replicas` set (raw values). */
  topics: Array<{ topic: string; leaderReplicas: string | null; followerReplicas: string | null }>;
}

/** A snapshot of one Kafka cluster. */
export interface ClusterView {
  clusterId: string;
  /** Active controller id as Kafka reports it, -1 when unknown. */
  controllerId: number;
  brokers: BrokerInfo[];
  topics: TopicState[];
  throttles: ThrottleState;
  /** Broker-level default `min.insync.replicas`. */
  defaultMinInsyncReplicas: number;
  /** When the snapshot was taken (epoch ms). */
  fetchedAt: number;
}
