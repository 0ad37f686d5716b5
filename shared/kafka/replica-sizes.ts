/**
 * Replica sizes on disk, from DescribeLogDirs (API 35, which kafkajs lacks;
 * the codec is in protocol.ts). Sizes turn "12 of 40 partitions moved" into
 * bytes moved, a throughput and a time left. The request goes to each broker
 * about its own log directories (that is the only broker that knows).
 */
import { partitionKey, type PartitionRef } from '../safety/types.js';
import type { KafkaApi } from './client.js';
import { errorName } from './errors.js';
import { DescribeLogDirs } from './protocol.js';


/** Sizes of the replicas each broker holds: broker id -> partition key -> bytes. */
export type ReplicaSizes = Map<number, Map<string, number>>;

/**
 * The file systems under one broker's log dirs (DescribeLogDirs v4, KIP-827,
 * Kafka 3.3+), summed over its online log dirs. -1 when unknown: an older
 * broker, or one log dir that did not say.
 */
export interface LogDirSpace {
  totalBytes: number;
  usableBytes: number;
}

export type ReplicaSizesResult =
  | { ok: true; sizes: ReplicaSizes; /** Per broker asked. */ space: Map<number, LogDirSpace> }
  /** Why sizes are unknown (old broker, missing permission, broker down): say so and show partitions. */
  | { ok: false; reason: string };

/**
 * Asks each broker for the sizes of its replicas of `partitions` (null: all).
 * Sizes of several log dirs of one broker add up; future (intra-broker) logs
 * are left out. Never throws: a failure comes back as the reason sizes are unknown.
 */
export async function fetchReplicaSizes(
  api: KafkaApi,
  brokers: readonly number[],
  partitions: readonly PartitionRef[] | null,
): Promise<ReplicaSizesResult> {
  const sizes: ReplicaSizes = new Map();
  const space = new Map<number, LogDirSpace>();
  try {
    const answers = await Promise.all(
      [...new Set(brokers)].map(async (broker) => {
        const response = await api.call({ broker }, DescribeLogDirs, { partitions: partitions === null ? null : [...partitions] });
        return { broker, response };
      }),
    );
    for (const { broker, response } of answers) {
      if (response.errorCode !== 0) return { ok: false, reason: `broker ${broker} answered DescribeLogDirs with ${errorName(response.errorCode)}` };
      const mine = new Map<string, number>();
      let totalBytes = 0;
      let usableBytes = 0;
      for (const dir of response.results) {
        if (dir.errorCode !== 0) continue; // an offline log dir holds nothing readable
        totalBytes = totalBytes < 0 || dir.totalBytes < 0 ? -1 : totalBytes + dir.totalBytes;
        usableBytes = usableBytes < 0 || dir.usableBytes < 0 ? -1 : usableBytes + dir.usableBytes;
        for (const p of dir.partitions) {
          if (p.future) continue;
          const key = partitionKey(p);
          mine.set(key, (mine.get(key) ?? 0) + p.sizeBytes);
        }
      }
      sizes.set(broker, mine);
      const online = response.results.some((dir) => dir.errorCode === 0);
      space.set(broker, online ? { totalBytes, usableBytes } : { totalBytes: -1, usableBytes: -1 });
    }
    return { ok: true, sizes, space };
  } catch (error) {
    return { ok: false, reason: `DescribeLogDirs failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Total bytes per broker (for status). */
export function bytesPerBroker(sizes: ReplicaSizes): Map<number, number> {
  const totals = new Map<number, number>();
  for (const [broker, partitions] of sizes) {
    let sum = 0;
    for (const size of partitions.values()) sum += size;
    totals.set(broker, sum);
  }
  return totals;
}
