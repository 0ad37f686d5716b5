/**
 * A data-moving plan as the user sees it (`--dry-run`, the confirmation, and
 * `-o json`): what moves, how much data, how long at the throttle at best.
 */
import type { KafkaApi } from '../../shared/kafka/client.js';
import { fetchReplicaSizes } from '../../shared/kafka/replica-sizes.js';
import { bytesToCopy } from '../../shared/plan/reassign.js';
import type { MoveEndpoints } from '../../shared/plan/throttles.js';
import type { DiskCheck } from '../../shared/safety/disk.js';
import type { ReassignmentPlan } from '../../shared/safety/planner.js';
import type { PartitionRef } from '../../shared/safety/types.js';
import { renderTable } from '../output/table.js';
import { formatBytes, formatDuration, formatRate } from './units.js';

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
    bytesNote: sizes !== null && !sizes.ok ? `sizes unknown: ${sizes.reason}` : null,
    throttleBytesPerSecond: throttle,
    minimumDurationMs: bytes !== null && throttle !== null ? Math.round((bytes / throttle) * 1000) : null,
    unplaceable: input.unplaceable ?? [],
    disk: input.plan.disk ?? null,
    diskNotes: input.diskNotes ?? [],
  };
}

/** Per receiving broker: what it holds, what arrives, what it may hold. */
export function renderDiskCheck(disk: DiskCheck | null, notes: readonly string[]): string[] {
  const lines: string[] = [];
  if (disk !== null) {
    const receiving = disk.brokers.filter((b) => b.arrivingBytes > 0);
    lines.push(
      receiving.length === 0
        ? `disk:       no broker receives data (limit ${disk.maxUsagePercent}% of capacity)`
        : `disk:       within ${disk.maxUsagePercent}% of capacity on every receiving broker:`,
    );
    for (const b of receiving) {
      const after = b.usedBytes + b.arrivingBytes;
      lines.push(
        `              broker ${b.broker}: ${formatBytes(b.usedBytes)} + ${formatBytes(b.arrivingBytes)} = ${formatBytes(after)}` +
          (b.allowedBytes === null || b.capacityBytes === null
            ? ' (capacity unknown: no limit)'
            : ` of ${formatBytes(b.allowedBytes)} allowed (${formatBytes(b.capacityBytes)} ${b.capacitySource === 'claim' ? 'claim' : 'log dir'})`),
      );
    }
  }
  for (const note of notes) lines.push(`disk:       ${note}`);
  return lines;
}

/** The plan in words and a table of moves (first `maxRows`). */
export function renderMovePlan(view: MovePlanView, maxRows = 20): string[] {
  const lines: string[] = [];
  if (view.leadershipFirst > 0) lines.push(`leadership: ${view.leadershipFirst} partition(s) get another leader first (no data moves for that)`);
  if (view.leadersStaying.length > 0) {
    lines.push(`leadership: ${view.leadersStaying.length} partition(s) have no other in-sync replica; their leader moves with their data`);
  }
  if (view.resumed.length > 0) lines.push(`resumed:    ${view.resumed.length} reassignment(s) already in flight are picked up, not restarted`);
  lines.push(
    view.moves.length === 0
      ? 'moves:      nothing left to move'
      : `moves:      ${view.moves.length} partition(s), ${view.replicasMoved} replica(s) (fewest possible: ${view.lowerBound}), in ${view.batches} batch(es)`,
  );
  if (view.unplaceable.length > 0) {
    lines.push(`stay:       ${view.unplaceable.length} partition(s) have a replica on every other broker already and stay (rebuilt from their leader)`);
  }
  const data = view.bytes === null ? `unknown (${view.bytesNote ?? 'no sizes'}); progress is shown in partitions` : formatBytes(view.bytes);
  lines.push(`data:       ${data}`);
  lines.push(...renderDiskCheck(view.disk, view.diskNotes));
  lines.push(
    view.throttleBytesPerSecond === null
      ? 'throttle:   none (set one with --throttle, e.g. 50MiB/s)'
      : `throttle:   ${formatRate(view.throttleBytesPerSecond)} on the brokers and replicas of each batch` +
          (view.minimumDurationMs === null ? '' : `; at least ${formatDuration(view.minimumDurationMs)}`),
  );
  const rows = [...view.resumed.map((m) => ({ ...m, note: 'in flight' })), ...view.moves.map((m) => ({ ...m, note: '' }))];
  if (rows.length > 0) {
    lines.push('');
    lines.push(
      renderTable(
        ['partition', 'from', 'to', ''],
        rows.slice(0, maxRows).map((m) => [`${m.topic}-${m.partition}`, m.from.join(','), m.to.join(','), m.note]),
      ),
    );
    if (rows.length > maxRows) lines.push(`... and ${rows.length - maxRows} more (-o json lists all)`);
  }
  return lines;
}
