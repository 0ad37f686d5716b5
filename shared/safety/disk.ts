/**
 * Bytes and capacity, as the planner and the scale-down warning see them
 * (issue 10, "Moves never overfill a disk"). Pure: the sizes come from
 * DescribeLogDirs (shared/kafka/replica-sizes.ts) and the claim sizes from
 * the apiserver, gathered by the caller.
 *
 * - A broker's capacity is the smaller of its log dirs' file system size
 *   (DescribeLogDirs v4, KIP-827, Kafka 3.3+) and its volume claim's size.
 *   Neither known (an older broker without a claim): no limit, and callers say so.
 * - What a broker holds counts everything on it now, including replicas that a
 *   move takes away: they leave only when their move completes. A replica an
 *   in-flight reassignment is still building counts at its full size. When the
 *   capacity is the log dirs' own file system, its used space counts too when
 *   larger (other files, or data Kafka has not reported).
 * - A broker that receives replicas may end with at most maxUsagePercent of its
 *   capacity (default 85%, as Cruise Control's DiskCapacityGoal uses 80%).
 */
import type { LogDirSpace, ReplicaSizes } from '../kafka/replica-sizes.js';
import type { ClusterView } from '../kafka/types.js';
import { assignmentOf, partitionRefOf, type ClusterIndex } from './cluster-index.js';
import { scaleDownDoesNotFitWarning } from './messages.js';
import { partitionKey } from './types.js';

export const DEFAULT_MAX_DISK_USAGE_PERCENT = 85;

export interface BrokerCapacity {
  bytes: number;
  /** Which of the two was smaller: the log dirs' file system, or the volume claim. */
  source: 'log-dir' | 'claim';
}

/** What the planner needs to keep brokers within their disk headroom. */
export interface DiskFacts {
  /** Bytes a new replica of each partition takes (its largest replica), by partitionKey. */
  partitionBytes: ReadonlyMap<string, number>;
  /** Bytes each broker holds now (see above: leaving replicas included). */
  usedBytes: ReadonlyMap<number, number>;
  /** Per broker; a broker missing here has unknown capacity, so no limit. */
  capacity: ReadonlyMap<number, BrokerCapacity>;
  /** 1..100. */
  maxUsagePercent: number;
}

/** One broker's bytes in a plan. */
export interface DiskUsageRow {
  broker: number;
  /** What it holds before the plan (leaving replicas included). */
  usedBytes: number;
  /** What the plan adds to it. */
  arrivingBytes: number;
  /** null: unknown, no limit. */
  capacityBytes: number | null;
  capacitySource: BrokerCapacity['source'] | null;
  /** capacity x maxUsagePercent; null: no limit. */
  allowedBytes: number | null;
}

/** The bytes of a plan, per broker it balances over (targets of a drain). */
export interface DiskCheck {
  maxUsagePercent: number;
  brokers: DiskUsageRow[];
}

/** The most a broker may hold after receiving replicas; Infinity when its capacity is unknown. */
export function allowedBytes(capacity: BrokerCapacity | undefined, maxUsagePercent: number): number {
  return capacity === undefined ? Infinity : Math.floor((capacity.bytes * maxUsagePercent) / 100);
}

/** The smaller of the log dirs' total bytes and the claim's size; null when neither is known. */
export function brokerCapacity(space: LogDirSpace | undefined, claimBytes: number | null): BrokerCapacity | null {
  const logDir = space !== undefined && space.totalBytes > 0 ? space.totalBytes : null;
  const claim = claimBytes !== null && Number.isFinite(claimBytes) && claimBytes > 0 ? claimBytes : null;
  if (logDir === null && claim === null) return null;
  if (claim === null || (logDir !== null && logDir <= claim)) return { bytes: logDir ?? 0, source: 'log-dir' };
  return { bytes: claim, source: 'claim' };
}

export interface DiskFactsInput {
  view: ClusterView;
  sizes: ReplicaSizes;
  /** Log dir space per broker (DescribeLogDirs v4); missing or -1 when unknown. */
  space: ReadonlyMap<number, LogDirSpace>;
  /** The broker's volume claim size in bytes, null or missing when it has none or it is unreadable. */
  claimBytes: ReadonlyMap<number, number | null>;
  maxUsagePercent: number;
}

/** DiskFacts from what DescribeLogDirs and the claims said. */
export function diskFactsFrom(input: DiskFactsInput): DiskFacts {
  const partitionBytes = new Map<string, number>();
  for (const replicas of input.sizes.values()) {
    for (const [key, size] of replicas) partitionBytes.set(key, Math.max(partitionBytes.get(key) ?? 0, size));
  }
  const usedBytes = new Map<number, number>();
  for (const [broker, replicas] of input.sizes) {
    let sum = 0;
    for (const size of replicas.values()) sum += size;
    usedBytes.set(broker, sum);
  }
  // A replica still being built will take its partition's full size.
  for (const topic of input.view.topics) {
    for (const state of topic.partitions) {
      if (state.addingReplicas.length === 0) continue;
      const key = partitionKey({ topic: topic.name, partition: state.partition });
      const full = partitionBytes.get(key) ?? 0;
      for (const broker of state.addingReplicas) {
        const there = input.sizes.get(broker)?.get(key) ?? 0;
        usedBytes.set(broker, (usedBytes.get(broker) ?? 0) + Math.max(0, full - there));
      }
    }
  }
  const capacity = new Map<number, BrokerCapacity>();
  const brokers = new Set([...input.view.brokers.map((b) => b.id), ...input.sizes.keys()]);
  for (const broker of brokers) {
    const space = input.space.get(broker);
    const found = brokerCapacity(space, input.claimBytes.get(broker) ?? null);
    if (found === null) continue;
    capacity.set(broker, found);
    if (found.source === 'log-dir' && space !== undefined && space.usableBytes >= 0) {
      usedBytes.set(broker, Math.max(usedBytes.get(broker) ?? 0, space.totalBytes - space.usableBytes));
    }
  }
  return { partitionBytes, usedBytes, capacity, maxUsagePercent: input.maxUsagePercent };
}

/** Brokers among `brokers` whose capacity is unknown, so no limit applies to them. */
export function unlimitedBrokers(disk: DiskFacts, brokers: readonly number[]): number[] {
  return brokers.filter((b) => !disk.capacity.has(b));
}

/** Checks a --max-disk-usage value: a number from 1 to 100 (percent of capacity). */
export function parseMaxDiskUsage(text: string): { ok: true; value: number } | { ok: false; error: string } {
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value < 1 || value > 100) {
    return {
      ok: false,
      error: `${JSON.stringify(text)} is not a percentage from 1 to 100; write e.g. 85 (a receiving broker may fill 85% of its disk)`,
    };
  }
  return { ok: true, value };
}

/**
 * Scale-down: the replicas on the removed brokers need room on the brokers
 * left. A warning (never a refusal: the scale-down guard decides) when
 * together the brokers left cannot hold them within their headroom. This is a
 * lower bound: silence does not promise that the drain will fit, which
 * `kubectl kafka scale` then checks replica by replica. Nothing is said when a
 * broker left has unknown capacity (no limit) or nothing needs to move.
 */
export function scaleDownDiskWarnings(index: ClusterIndex, removed: readonly number[], disk: DiskFacts): string[] {
  const leaving = new Set(removed);
  const left = index.brokerIds.filter((b) => !leaving.has(b));
  if (left.length === 0 || left.some((b) => !disk.capacity.has(b))) return [];
  let moving = 0;
  const seen = new Set<number>();
  for (const broker of leaving) {
    for (const ordinal of index.partitionsByBroker.get(broker) ?? []) {
      if (seen.has(ordinal)) continue;
      seen.add(ordinal);
      const copies = assignmentOf(index, ordinal).filter((b) => leaving.has(b)).length;
      moving += copies * (disk.partitionBytes.get(partitionKey(partitionRefOf(index, ordinal))) ?? 0);
    }
  }
  if (moving === 0) return [];
  let room = 0;
  for (const b of left) room += Math.max(0, allowedBytes(disk.capacity.get(b), disk.maxUsagePercent) - (disk.usedBytes.get(b) ?? 0));
  return moving > room ? [scaleDownDoesNotFitWarning([...leaving].sort((a, b) => a - b), left, moving, room, disk.maxUsagePercent)] : [];
}
