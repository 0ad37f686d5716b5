/**
 * One-request helpers shared by the cluster view and the operations. Each sends
 * one kind of request and turns per-item Kafka errors into a KafkaRequestError
 * that names every refused item.
 */
import type { PartitionRef } from '../safety/types.js';
import type { BrokerTarget, KafkaApi } from './client.js';
import { ErrorCode, failure, KafkaRequestError, KafkaUnsupportedError, type KafkaFailure } from './errors.js';
import {
  ConfigResourceType,
  DescribeConfigs,
  DescribeQuorum,
  ListPartitionReassignments,
  type ConfigEntry,
  type MetadataResponse,
  type OngoingReassignment,
} from './protocol.js';

/** Dynamic configs kafka-guard reads and writes. */
export const MIN_INSYNC_REPLICAS = 'min.insync.replicas';
export const LEADER_THROTTLED_RATE = 'leader.replication.throttled.rate';
export const FOLLOWER_THROTTLED_RATE = 'follower.replication.throttled.rate';
export const LEADER_THROTTLED_REPLICAS = 'leader.replication.throttled.replicas';
export const FOLLOWER_THROTTLED_REPLICAS = 'follower.replication.throttled.replicas';

export interface BatchOptions {
  /** Resources per request (default 500). */
  batchSize?: number;
  /** Requests in flight at once, spread over the brokers (default 4). */
  concurrency?: number;
}

/**
 * The server-side timeout for requests that carry one (reassignments, elections):
 * shorter than the client's, so Kafka answers "timed out" before the client gives up.
 */
export function serverTimeoutMs(api: KafkaApi): number {
  return Math.max(100, Math.floor(api.requestTimeoutMs * 0.8));
}

/** `orders-3`, the way Kafka tools name a partition. */
export function partitionName({ topic, partition }: PartitionRef): string {
  return `${topic}-${partition}`;
}

/** Each broker's configs, asked of the broker itself (Kafka answers per-broker configs nowhere else). */
export async function describeBrokerConfigs(
  api: KafkaApi,
  brokerIds: readonly number[],
  keys: string[],
): Promise<Map<number, ConfigEntry[]>> {
  const results = await Promise.all(
    brokerIds.map((id) =>
      api.call({ broker: id }, DescribeConfigs, { resources: [{ type: ConfigResourceType.BROKER, name: String(id), keys }] }),
    ),
  );
  const configs = new Map<number, ConfigEntry[]>();
  const failures: KafkaFailure[] = [];
  results.flat().forEach((result) => {
    if (result.errorCode !== ErrorCode.NONE) failures.push(failure(`broker ${result.name}`, result.errorCode, result.errorMessage));
    else configs.set(Number(result.name), result.configs);
  });
  if (failures.length > 0) {
    throw new KafkaRequestError('DescribeConfigs on brokers', failures, 'The Kafka principal needs DescribeConfigs on the cluster');
  }
  return configs;
}

/**
 * Topic configs in batches, spread over the brokers.
 *
 * UNKNOWN_TOPIC_OR_PARTITION is not taken at its word: a broker whose metadata lags
 * (seen for several seconds on a busy cluster) answers it for topics that exist, and
 * reading that as "no override" would under-report min.insync.replicas. Such topics
 * are asked again of each other broker in `brokerIds`; only a topic no broker knows
 * is taken as deleted and left out. Other errors throw.
 */
export async function describeTopicConfigs(
  api: KafkaApi,
  topics: readonly string[],
  keys: string[],
  options: BatchOptions & { brokerIds?: readonly number[] } = {},
): Promise<Map<string, ConfigEntry[]>> {
  const batchSize = options.batchSize ?? 500;
  const configs = new Map<string, ConfigEntry[]>();
  const failures: KafkaFailure[] = [];
  const ask = async (target: BrokerTarget, names: readonly string[]): Promise<string[]> => {
    const unknown: string[] = [];
    const batches: string[][] = [];
    for (let i = 0; i < names.length; i += batchSize) batches.push(names.slice(i, i + batchSize));
    await mapWithConcurrency(batches, options.concurrency ?? 4, async (batch) => {
      const resources = batch.map((name) => ({ type: ConfigResourceType.TOPIC, name, keys }));
      for (const result of await api.call(target, DescribeConfigs, { resources })) {
        if (result.errorCode === ErrorCode.NONE) configs.set(result.name, result.configs);
        else if (result.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) unknown.push(result.name);
        else failures.push(failure(`topic ${result.name}`, result.errorCode, result.errorMessage));
      }
    });
    return unknown;
  };

  let unknown = await ask('any', topics);
  for (const broker of options.brokerIds ?? []) {
    if (unknown.length === 0) break;
    unknown = await ask({ broker }, unknown);
  }
  if (failures.length > 0) {
    throw new KafkaRequestError(
      'DescribeConfigs on topics',
      failures,
      'kafka-guard needs DescribeConfigs on every topic to know its min.insync.replicas',
    );
  }
  return configs;
}

/** In-flight reassignments: all of them, or those of the given partitions. */
export async function listReassignments(
  api: KafkaApi,
  partitions: readonly PartitionRef[] | null = null,
): Promise<OngoingReassignment[]> {
  const response = await api.call('controller', ListPartitionReassignments, {
    timeoutMs: serverTimeoutMs(api),
    partitions: partitions === null ? null : [...partitions],
  });
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaRequestError('ListPartitionReassignments', [failure('cluster', response.errorCode, response.errorMessage)]);
  }
  return response.items;
}

/** The active controller: the KRaft quorum leader, else (ZooKeeper mode) Metadata's controller; -1 when unknown. */
export async function activeControllerId(api: KafkaApi, metadata: MetadataResponse): Promise<number> {
  try {
    const quorum = await api.call('any', DescribeQuorum, {});
    return quorum.errorCode === ErrorCode.NONE ? quorum.leaderId : -1;
  } catch (error) {
    // No KRaft quorum API: a ZooKeeper-mode cluster, where Metadata names the real controller.
    if (error instanceof KafkaUnsupportedError) return metadata.controllerId;
    throw error;
  }
}

/** Runs `run` over items with at most `limit` in flight; the first failure rejects. */
export async function mapWithConcurrency<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  // One iterator shared by the workers: each next() is synchronous, so no item runs twice.
  const pending = items.values();
  const worker = async () => {
    for (const item of pending) await run(item);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}

