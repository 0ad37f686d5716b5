/**
 * Runs a reassignment plan against Kafka: batch by batch, each batch
 * throttled on exactly the brokers and replicas it moves, started, and waited
 * for until every moved partition has its full replica set in sync. The
 * throttle of a batch is removed when the batch ends, whether it completed,
 * failed or was interrupted (AbortSignal), so an interrupted run leaves at most
 * the throttle of one batch behind, and only when the process is killed
 * outright; throttleSweep() finds that one.
 *
 * Reassignments already in flight when the run starts (an earlier run that was
 * interrupted) are passed as `resumed`: they are throttled and waited for
 * first, never started again.
 */
import type { KafkaApi } from '../kafka/client.js';
import { sleep } from '../sleep.js';
import { alterReassignments, clearThrottles, setThrottles, waitForInSync } from '../kafka/operations.js';
import { partitionKey, type PartitionRef } from '../safety/types.js';
import { fetchReplicaSizes, type ReplicaSizes } from '../kafka/replica-sizes.js';
import { RateMeter, timeLeftMs } from './rate.js';
import { throttlePlanFor, type MoveEndpoints } from './throttles.js';

export interface ReassignmentProgress {
  /** 1-based; the resumed in-flight reassignments, when any, are batch 1. */
  batch: number;
  batches: number;
  partitionsDone: number;
  partitionsTotal: number;
  /** Bytes copied so far and in all, over the whole run; null when sizes are unknown. */
  bytesDone: number | null;
  bytesTotal: number | null;
  /** Why bytes are unknown (DescribeLogDirs refused or unsupported), else null. */
  bytesUnknownReason: string | null;
  bytesPerSecond: number | null;
  partitionsPerSecond: number | null;
  /** Estimated time left, null while unknown. */
  etaMs: number | null;
  elapsedMs: number;
}

/** How data moves run, whatever planned them: drains, rebalances, moves back. */
export interface ReassignmentSettings {
  /** Replication throttle in bytes/s, or null for none. */
  throttleBytesPerSecond: number | null;
  /** How long one batch may take to get in sync. */
  batchTimeoutMs: number;
  /** Default 1000 ms. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ReassignmentProgress) => void;
  /** One line per notable step (throttle set, batch started, ...). */
  onEvent?: (line: string) => void;
}

export interface ReassignmentRunOptions extends ReassignmentSettings {
  /** Reassignments already in flight to wait for first. */
  resumed: readonly MoveEndpoints[];
  /** New reassignments, in batches run one after another. */
  batches: ReadonlyArray<readonly MoveEndpoints[]>;
  now?: () => number;
}

export interface ReassignmentReport {
  partitions: number;
  /** Replicas created on new brokers. */
  replicasAdded: number;
  /** Bytes copied, when sizes were known. */
  bytes: number | null;
  bytesUnknownReason: string | null;
  durationMs: number;
  /** Every broker and topic this run throttled (all cleared again unless an error said otherwise). */
  throttled: { brokers: number[]; topics: string[] };
}

const refOf = ({ topic, partition }: MoveEndpoints): PartitionRef => ({ topic, partition });
const added = (move: MoveEndpoints): number[] => move.to.filter((b) => !move.from.includes(b));

/** Bytes one partition's data occupies: the largest copy among its current replicas. */
function partitionBytes(sizes: ReplicaSizes, move: MoveEndpoints): number {
  const key = partitionKey(move);
  let largest = 0;
  for (const broker of move.from) largest = Math.max(largest, sizes.get(broker)?.get(key) ?? 0);
  return largest;
}

/** Pure: bytes a set of moves copies (each new replica copies its partition's data once). */
export function bytesToCopy(sizes: ReplicaSizes, moves: readonly MoveEndpoints[]): number {
  return moves.reduce((sum, move) => sum + partitionBytes(sizes, move) * added(move).length, 0);
}

/** Runs the batches (see the module comment); resolves when every moved partition is in sync. */
export async function runReassignment(api: KafkaApi, options: ReassignmentRunOptions): Promise<ReassignmentReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const groups = [...(options.resumed.length > 0 ? [{ moves: options.resumed, resumed: true }] : [])];
  for (const batch of options.batches) if (batch.length > 0) groups.push({ moves: batch, resumed: false });
  const all = groups.flatMap((g) => [...g.moves]);
  const report: ReassignmentReport = {
    partitions: all.length,
    replicasAdded: all.reduce((sum, m) => sum + added(m).length, 0),
    bytes: null,
    bytesUnknownReason: null,
    durationMs: 0,
    throttled: { brokers: [], topics: [] },
  };
  if (all.length === 0) return report;

  // Sizes of the data to copy, read once from the brokers that hold it now.
  const sources = [...new Set(all.flatMap((m) => [...m.from]))];
  const initial = await fetchReplicaSizes(api, sources, all.map(refOf));
  const bytesOf = new Map<string, number>();
  if (initial.ok) for (const move of all) bytesOf.set(partitionKey(move), partitionBytes(initial.sizes, move) * added(move).length);
  const bytesTotal = initial.ok ? [...bytesOf.values()].reduce((a, b) => a + b, 0) : null;
  const bytesUnknownReason = initial.ok ? null : initial.reason;

  const byteRate = new RateMeter();
  const partitionRate = new RateMeter();
  const throttledBrokers = new Set<number>();
  const throttledTopics = new Set<string>();
  let finishedPartitions = 0;
  let finishedBytes = 0;

  for (const [index, group] of groups.entries()) {
    options.signal?.throwIfAborted();
    const label = group.resumed ? `in-flight reassignments (${group.moves.length})` : `batch ${index + 1} of ${groups.length} (${group.moves.length} partitions)`;
    const throttle = options.throttleBytesPerSecond === null ? null : throttlePlanFor(group.moves, options.throttleBytesPerSecond);
    const groupTopics = [...new Set(throttle?.replicas.map((r) => r.topic) ?? [])];
    try {
      if (throttle !== null && throttle.replicas.length > 0) {
        for (const b of throttle.brokers) throttledBrokers.add(b);
        for (const t of groupTopics) throttledTopics.add(t);
        await setThrottles(api, throttle);
        options.onEvent?.(`${label}: throttle ${rateText(throttle.rateBytesPerSec)} on brokers ${throttle.brokers.join(', ')}`);
      }
      if (group.resumed) options.onEvent?.(`${label}: picked up, not started again`);
      else {
        await alterReassignments(api, group.moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: [...m.to] })));
        options.onEvent?.(`${label}: started`);
      }

      // Bytes on the new replicas, polled beside the in-sync wait (a failed poll keeps the last values).
      const destinations = [...new Set(group.moves.flatMap(added))];
      const copied = new Map<string, number>();
      let polling = true;
      const pollBytes = async () => {
        while (polling && initial.ok && destinations.length > 0) {
          const current = await fetchReplicaSizes(api, destinations, group.moves.map(refOf));
          if (current.ok) {
            for (const move of group.moves) {
              const full = partitionBytes(initial.sizes, move);
              let done = 0;
              for (const b of added(move)) done += Math.min(full, current.sizes.get(b)?.get(partitionKey(move)) ?? 0);
              const key = partitionKey(move);
              copied.set(key, Math.max(copied.get(key) ?? 0, done));
            }
          }
          await sleep(Math.max(500, (options.pollIntervalMs ?? 1000) * 2), options.signal).catch(() => undefined);
        }
      };
      const poller = pollBytes();
      try {
        await waitForInSync(api, group.moves.map(refOf), {
          timeoutMs: options.batchTimeoutMs,
          pollIntervalMs: options.pollIntervalMs ?? 1000,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          onProgress: (sync) => {
            const at = now();
            const pending = new Set(sync.pending.map(partitionKey));
            const partitionsDone = finishedPartitions + group.moves.length - pending.size;
            let groupBytesDone = 0;
            for (const move of group.moves) {
              const key = partitionKey(move);
              groupBytesDone += pending.has(key) ? copied.get(key) ?? 0 : bytesOf.get(key) ?? 0;
            }
            const bytesDone = bytesTotal === null ? null : finishedBytes + groupBytesDone;
            partitionRate.add({ at, done: partitionsDone });
            if (bytesDone !== null) byteRate.add({ at, done: bytesDone });
            const bytesPerSecond = byteRate.perSecond();
            const partitionsPerSecond = partitionRate.perSecond();
            // By bytes when sizes are known (partitions differ in size by orders of magnitude).
            const etaMs =
              bytesTotal !== null && bytesDone !== null && bytesPerSecond !== null && bytesPerSecond > 0
                ? timeLeftMs(bytesTotal - bytesDone, bytesPerSecond)
                : timeLeftMs(all.length - partitionsDone, partitionsPerSecond);
            options.onProgress?.({
              batch: index + 1,
              batches: groups.length,
              partitionsDone,
              partitionsTotal: all.length,
              bytesDone,
              bytesTotal,
              bytesUnknownReason,
              bytesPerSecond,
              partitionsPerSecond,
              etaMs,
              elapsedMs: at - started,
            });
          },
        });
      } finally {
        polling = false;
        await poller.catch(() => undefined);
      }
      finishedPartitions += group.moves.length;
      finishedBytes += group.moves.reduce((sum, m) => sum + (bytesOf.get(partitionKey(m)) ?? 0), 0);
      options.onEvent?.(`${label}: every moved partition is in sync`);
    } finally {
      if (throttle !== null && throttle.replicas.length > 0) {
        // Cleared on every way out of the batch; an error here must not hide the batch's own error.
        await clearThrottles(api, { brokers: throttle.brokers, topics: groupTopics }).catch((error: unknown) => {
          options.onEvent?.(`${label}: clearing its throttle failed (${error instanceof Error ? error.message : String(error)}); it is swept up at the end`);
        });
      }
    }
  }
  report.bytes = bytesTotal;
  report.bytesUnknownReason = bytesUnknownReason;
  report.durationMs = now() - started;
  report.throttled = { brokers: [...throttledBrokers].sort((a, b) => a - b), topics: [...throttledTopics].sort() };
  return report;
}


function rateText(bytesPerSecond: number): string {
  if (bytesPerSecond >= 2 ** 20) return `${(bytesPerSecond / 2 ** 20).toFixed(1)} MiB/s`;
  if (bytesPerSecond >= 2 ** 10) return `${(bytesPerSecond / 2 ** 10).toFixed(1)} KiB/s`;
  return `${bytesPerSecond} B/s`;
}
