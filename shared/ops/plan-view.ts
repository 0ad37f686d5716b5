/**
 * A data-moving plan as the user sees it, the same for every operation (`--dry-run`, the confirmation, and
 * `-o json`): what moves, how much data, how long at the throttle at best.
 */
import type { KafkaApi } from '../kafka/client.js';
import { fetchReplicaSizes } from '../kafka/replica-sizes.js';
import { bytesToCopy } from '../plan/reassign.js';
import type { MoveEndpoints } from '../plan/throttles.js';
import type { DiskCheck } from '../safety/disk.js';
import type { ReassignmentPlan } from '../safety/planner.js';
import type { PartitionRef } from '../safety/types.js';
import { replicaSizesUnknown } from './messages.js';

export interface MoveRow {
  topic: string;
  partition: number;
  from: number[];
  to: number[];
}

export interface MovePlanView {
  /** Partitions whose leadership moves before any data. */
  leadershipFirst: number;
  /** Partitions the drained brokers lead that keep their leader until their data moves (no other in-sync replica). */
  leadersStaying: PartitionRef[];
  /** In-flight reassignments picked up. */
  resumed: MoveRow[];
  moves: MoveRow[];
  batches: number;
  replicasMoved: number;
  /** The fewest replica moves that can do the job. */
  lowerBound: number;
  /** Bytes to copy; null when sizes are unknown (bytesNote says why). */
  bytes: number | null;
  bytesNote: string | null;
  throttleBytesPerSecond: number | null;
  /** bytes / throttle: the least time the copy can take; null without throttle or sizes. */
  minimumDurationMs: number | null;
  /** Partitions left where they are (nowhere to go), when the operation allows that. */
  unplaceable: PartitionRef[];
  /** Bytes per broker the plan balanced over (used, arriving, allowed); null when sizes were not read. */
  disk: DiskCheck | null;
  /** Why the headroom was not checked, or for which brokers it has no limit. */
  diskNotes: string[];
}

const row = (m: MoveEndpoints): MoveRow => ({ topic: m.topic, partition: m.partition, from: [...m.from], to: [...m.to] });

export async function describeMovePlan(
  api: KafkaApi,
  input: {
    plan: ReassignmentPlan;
    resumed?: readonly MoveEndpoints[];
    leadershipFirst?: number;
    leadersStaying?: PartitionRef[];
    unplaceable?: PartitionRef[];
    throttleBytesPerSecond: number | null;
    diskNotes?: string[];
  },
): Promise<MovePlanView> {
  const resumed = [...(input.resumed ?? [])];
  const all: MoveEndpoints[] = [...resumed, ...input.plan.moves];
  const sources = [...new Set(all.flatMap((m) => m.from))];
  const sizes = all.length === 0 ? null : await fetchReplicaSizes(api, sources, all.map(({ topic, partition }) => ({ topic, partition })));
  const bytes = sizes === null ? 0 : sizes.ok ? bytesToCopy(sizes.sizes, all) : null;
  const throttle = input.throttleBytesPerSecond;
  return {
    leadershipFirst: input.leadershipFirst ?? 0,
    leadersStaying: input.leadersStaying ?? [],
    resumed: resumed.map(row),
    moves: input.plan.moves.map(row),
    batches: input.plan.batches.length + (resumed.length > 0 ? 1 : 0),
    replicasMoved: input.plan.summary.movedReplicas,
    lowerBound: input.plan.summary.lowerBound,
    bytes,
    bytesNote: sizes !== null && !sizes.ok ? replicaSizesUnknown(sizes.reason) : null,
    throttleBytesPerSecond: throttle,
    minimumDurationMs: bytes !== null && throttle !== null ? Math.round((bytes / throttle) * 1000) : null,
    unplaceable: input.unplaceable ?? [],
    disk: input.plan.disk ?? null,
    diskNotes: input.diskNotes ?? [],
  };
}

