/**
 * A data-moving plan on the terminal (`--dry-run` and the confirmation).
 */
import type { DiskCheck } from '../../shared/safety/disk.js';
import type { MovePlanView } from '../../shared/ops/plan-view.js';
import { renderTable } from '../output/table.js';
import { formatBytes, formatDuration, formatRate } from './units.js';

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
