/**
 * Every sentence `kubectl kafka` itself shows a person: the plans printed
 * before a change (`--dry-run` and the confirmation), the summaries after it,
 * questions, usage errors raised by the commands and plugin/lib, and what is
 * left after Ctrl-C. The operations' own refusals and progress lines come from
 * shared/ops/messages.ts (the webhook's evacuation controller shows those too).
 * Callers pass facts; these functions only word them. Table column headers
 * and field labels stay beside their tables: they are data-like, as in
 * `-o json`. Flag help text stays with the flags.
 */
import type { ClearedThrottles } from '../shared/kafka/operations.js';
import type { ThrottleState } from '../shared/kafka/types.js';
import type { FinalizePlan } from '../shared/plan/upgrade.js';
import type { MovePlan } from '../shared/ops/move.js';
import type { EvictionOutcome } from '../shared/ops/pods.js';
import type { MovePlanView } from '../shared/ops/plan-view.js';
import type { ResizeOutcome } from '../shared/ops/resize.js';
import { RESIZE_CONFIGMAP } from '../shared/ops/resize.js';
import type { ScalePlan, ScaleResult } from '../shared/ops/scale.js';
import type { TargetBroker } from '../shared/ops/target.js';
import type { ReassignmentReport } from '../shared/plan/reassign.js';
import type { ClaimPlan } from '../shared/plan/resize.js';
import type { DiskCheck } from '../shared/safety/disk.js';
import type { Verdict } from '../shared/safety/types.js';
import { levelName } from '../shared/kafka/features.js';
import type { UpgradePlan } from '../shared/ops/upgrade.js';
import type { ConfigDiffRow, ConfigRow, ConfigTarget, KeyPlan } from '../shared/plan/config.js';
import type { LiveOutcome, RollOutcome } from '../shared/ops/config.js';
import type { DoctorResult } from '../shared/ops/doctor.js';
import type { CanDisruptResult } from './commands/can-disrupt.js';
import type { DrainResult } from './commands/drain.js';
import type { MaintenanceEndResult } from './commands/maintenance/end.js';
import type { MaintenanceStartResult } from './commands/maintenance/start.js';
import type { MoveResult } from './commands/move.js';
import type { RebalanceResult } from './commands/rebalance.js';
import type { RestartResult } from './commands/restart.js';
import { renderTable } from './output/table.js';
import { formatBytes, formatDuration, formatRate } from './lib/units.js';

const reasonsOf = (verdict: Verdict): string => verdict.reasons.map((r) => r.message).join(' ');
const partitionList = (parts: ReadonlyArray<{ topic: string; partition: number }>, max = 5): string =>
  parts.slice(0, max).map((p) => `${p.topic}-${p.partition}`).join(', ') + (parts.length > max ? ', ...' : '');

// ---- shared by the commands ----

/** The first word of a printed plan. */
export function planHeading(dryRun: boolean): string {
  return dryRun ? 'plan (dry run, nothing changes)' : 'plan';
}

/** `broker 2 (pod kafka-2 on node-a2), broker 3 (...)`. */
export function brokersNamed(brokers: readonly TargetBroker[]): string {
  return brokers.map((b) => `broker ${b.id}${b.pod ? ` (pod ${b.pod}${b.node ? ` on ${b.node}` : ''})` : ''}`).join(', ');
}

/** A flag whose value did not parse; `error` says why and what to write. */
export function flagInvalid(flag: string, error: string): string {
  return `${flag}: ${error}`;
}

export function nodeCordoned(node: string): string {
  return `node ${node} cordoned`;
}

export function firstCordon(node: string): string {
  return `first:      cordon node ${node}`;
}

export function thenEvict(brokers: readonly TargetBroker[]): string {
  return `then:       evict ${brokers.map((b) => b.pod ?? `broker ${b.id}`).join(', ')} through the Eviction API`;
}

export function evicted(e: EvictionOutcome): string {
  return `evicted pod ${e.pod} (${e.attempts} attempt(s), ${formatDuration(e.durationMs)})`;
}

export const questions = {
  drain: 'Proceed with this drain?',
  maintenanceStart: 'Proceed with this maintenance?',
  maintenanceEnd: 'End this maintenance?',
  rebalance: 'Proceed with this rebalance?',
  restart: 'Proceed with the restart?',
  throttlesClear: 'Remove all of these throttles?',
  move: (pod: string, node: string): string => `Move ${pod} to ${node}?`,
  scale: (statefulSet: string, from: number, to: number): string => `Scale ${statefulSet} from ${from} to ${to}?`,
};

export function notConfirmed(): string {
  return 'not confirmed; nothing was changed';
}

// ---- Ctrl-C ----

export function interruptReceived(): string {
  return 'interrupted: stopping and clearing replication throttles (Ctrl-C again to quit at once)';
}

/** The abort reason running steps see. */
export function interruptReason(): string {
  return 'interrupted';
}

export function drainInterrupted(target: string): string {
  return (
    'interrupted: replication throttles cleared. Reassignments already started keep running (unthrottled) in Kafka; ' +
    `run the same command again to pick them up and finish the drain of ${target}`
  );
}

export function maintenanceStartInterrupted(endArgs: string): string {
  return (
    `interrupted: replication throttles cleared; what was changed so far is recorded. Run the same command again to finish, ` +
    `or kubectl kafka maintenance end ${endArgs} to put it back`
  );
}

export function maintenanceEndInterrupted(): string {
  return 'interrupted: replication throttles cleared; the record is kept. Run the same command again to finish';
}

export function moveInterrupted(): string {
  return `interrupted: throttles cleared and the StatefulSet pin removed. Check \`kubectl kafka status\`; run the same move again to finish it`;
}

export function rebalanceInterrupted(): string {
  return 'interrupted: replication throttles cleared; reassignments already started keep running in Kafka';
}

export function restartInterrupted(): string {
  return 'interrupted: the broker being restarted comes back on its own; check `kubectl kafka status` before restarting the rest';
}

export function scaleInterrupted(statefulSet: string, replicas: number): string {
  return (
    'interrupted: replication throttles cleared. Reassignments already started keep running in Kafka; ' +
    `run the same command again to finish scaling ${statefulSet} to ${replicas}`
  );
}

/** What a failed command prints on stderr. */
export function errorLine(message: string): string {
  return `error: ${message}\n`;
}

// ---- a data-moving plan (drain, maintenance, move, rebalance, scale) ----

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

/** `drained kafka-2: 12 partition(s), 1.2 GiB in 3m` (no `drained`: the caller says what was done). */
function movedSummary(moved: ReassignmentReport): string {
  return `${moved.partitions} partition(s)` + (moved.bytes === null ? '' : `, ${formatBytes(moved.bytes)}`) + ` in ${formatDuration(moved.durationMs)}`;
}

// ---- can-disrupt ----

export function renderCanDisrupt(result: CanDisruptResult): string {
  const lines = [`${result.verdict.allowed ? 'SAFE' : 'UNSAFE'}: taking down ${brokersNamed(result.brokers)}`];
  if (result.alreadyDown.length > 0) lines.push(`already down: broker(s) ${result.alreadyDown.join(', ')}`);
  if (result.pending.length > 0) lines.push(`admitted by the webhook, not yet visible in the pods: broker(s) ${result.pending.join(', ')}`);
  for (const reason of result.verdict.reasons) {
    lines.push(`- ${reason.message}`);
    if (reason.remediation) lines.push(`  do instead: ${reason.remediation}`);
  }
  for (const warning of result.verdict.warnings) lines.push(`warning: ${warning}`);
  if (result.verdict.allowed && result.verdict.reasons.length === 0) {
    lines.push('every partition keeps at least min.insync.replicas in-sync replicas');
  }
  return lines.join('\n');
}

// ---- drain ----

/**
 * A drain that cannot fit, with the way that works when the brokers come
 * back: maintenance moves only what would break without them.
 */
export function drainRefused(planMessage: string, brokers: number, maintenanceArgs: string): string {
  return (
    `${planMessage.replace(/\.+$/, '')}. Nothing was changed. If the broker${brokers === 1 ? '' : 's'} will come back ` +
    `(a node reboot or upgrade), only what would break without ${brokers === 1 ? 'it' : 'them'} has to move: ` +
    `kubectl kafka maintenance start ${maintenanceArgs}`
  );
}

export function drainHeader(result: DrainResult, evict: boolean, node: string | null): string[] {
  const lines = [`${planHeading(result.dryRun)}: drain ${brokersNamed(result.brokers)}`];
  if (node !== null) lines.push(firstCordon(node));
  if (evict) lines.push(thenEvict(result.brokers));
  return lines;
}

export function drainLeftReplicas(target: string, remaining: ReadonlyArray<{ topic: string; partition: number }>): string {
  return (
    `${target} still holds ${remaining.length} replica(s) after the drain (${partitionList(remaining)}); ` +
    'something else reassigned them meanwhile. Run the command again'
  );
}

export function drained(target: string, moved: ReassignmentReport): string {
  return `drained ${target}: ${movedSummary(moved)}; throttles cleared`;
}

export function notEvicting(verdict: Verdict): string {
  return `not evicting: ${reasonsOf(verdict)}`;
}

export function renderDrainResult(result: DrainResult): string {
  const report = result.report;
  if (report === null) return '';
  const lines = [
    `drained ${result.target}: ${report.reassignment.partitions} partition(s) moved, ${report.reassignment.replicasAdded} replica(s) created` +
      (report.reassignment.bytes === null ? ` (bytes unknown: ${report.reassignment.bytesUnknownReason ?? ''})` : `, ${formatBytes(report.reassignment.bytes)}`) +
      ` in ${formatDuration(report.reassignment.durationMs)}`,
    `leadership moved first: ${report.leadershipMoved.elected + report.leadershipMoved.alreadyPreferred} partition(s); preferred leaders elected after: ${report.leadersElected.elected}`,
    `throttles cleared: ${report.throttlesCleared.brokers.length} broker(s), ${report.throttlesCleared.topics.length} topic(s)`,
  ];
  if (result.cordoned !== null) lines.push(`node ${result.cordoned} is cordoned (kubectl uncordon ${result.cordoned} when done)`);
  for (const e of result.evicted) lines.push(evicted(e));
  return lines.join('\n');
}

// ---- maintenance start / end / list ----

export function maintenanceStartHeader(result: MaintenanceStartResult, evict: boolean, node: string | null, resumed: boolean): string[] {
  const lines = [`${planHeading(result.dryRun)}: maintenance of ${brokersNamed(result.brokers)}${resumed ? ' (picking up the one recorded)' : ''}`];
  if (node !== null) lines.push(firstCordon(node));
  lines.push(
    result.atRisk.length === 0
      ? 'at risk:    nothing would go offline or under min.insync.replicas without them; no data moves'
      : `at risk:    ${result.atRisk.length} partition(s) would go offline or under min.insync.replicas without them; their replicas move: ` +
          partitionList(result.atRisk),
  );
  lines.push(`stay:       ${result.staying} partition(s) stay on them and catch up from their leaders when they return`);
  if (evict) lines.push(thenEvict(result.brokers));
  return lines;
}

export function stillNotSafeAfterMoves(target: string, verdict: Verdict): string {
  return `${target} is still not safe to take down after the moves: ${reasonsOf(verdict)} The cluster changed meanwhile; run the same command again`;
}

/** `endArgs`: what to give `maintenance end` to name the same brokers. */
export function renderMaintenanceStartResult(result: MaintenanceStartResult, endArgs: string): string {
  const outcome = result.outcome;
  if (outcome === null) return '';
  const moved = outcome.reassignment;
  const lines = [
    `${result.target} may go down now: ${moved.partitions} partition(s) moved` +
      (moved.bytes === null ? '' : ` (${formatBytes(moved.bytes)})`) +
      ` in ${formatDuration(moved.durationMs)}, leadership of ${outcome.leadershipMoved} partition(s) moved away`,
  ];
  for (const e of result.evicted) lines.push(evicted(e));
  if (result.evicted.length === 0) lines.push('take them down now (kubectl drain, a reboot, an upgrade); the webhook admits it');
  lines.push(`when they are back: kubectl kafka maintenance end ${endArgs}`);
  return lines.join('\n');
}

export function maintenanceEndHeader(result: MaintenanceEndResult, notBack: readonly string[]): string[] {
  const lines = [`${planHeading(result.dryRun)}: end the maintenance of broker(s) ${result.brokers.join(', ')}`];
  if (result.uncordon !== null) lines.push(`first:      uncordon node ${result.uncordon}`);
  if (notBack.length > 0) lines.push(`wait:       until they are back (${notBack.join('; ')})`);
  lines.push(
    result.keepPlacement
      ? 'moves:      none (--keep-placement: the moved partitions stay where they are)'
      : `moves:      ${result.back.length} partition(s) back to their replicas before the maintenance` +
          (result.back.length > 0 ? `: ${result.back.slice(0, 5).map((m) => `${m.topic}-${m.partition} -> ${m.to.join(',')}`).join(', ')}${result.back.length > 5 ? ', ...' : ''}` : ''),
  );
  if (result.leftAlone.length > 0 && !result.keepPlacement) lines.push(`left:       ${result.leftAlone.length} partition(s) were reassigned or deleted since and stay as they are`);
  lines.push(`leaders:    ${result.leadersToRestore} replica order(s) restored, then preferred leaders elected`);
  return lines;
}

export function renderMaintenanceEndResult(result: MaintenanceEndResult): string {
  const o = result.outcome;
  if (o === null) return '';
  return [
    `maintenance of ${result.target} ended: ${o.movedBack?.partitions ?? 0} partition(s) moved back` +
      (o.movedBack === null ? '' : ` in ${formatDuration(o.movedBack.durationMs)}`) +
      `, ${o.leadersRestored} preferred leader(s) restored` + (o.uncordoned === null ? '' : `, node ${o.uncordoned} uncordoned`),
    ...(result.leftAlone.length > 0 ? [`left where they are now: ${result.leftAlone.map((p) => `${p.topic}-${p.partition}`).join(', ')}`] : []),
  ].join('\n');
}

export function maintenanceRecordUnreadable(): string {
  return 'unreadable: fix or remove this key of the ConfigMap';
}

/** `3/5 in place`: of the partitions a maintenance moves, how many are where it put them now. */
export function maintenanceInPlace(inPlace: number | null, moved: number): string {
  return `${inPlace ?? '?'}/${moved} in place`;
}

/** The heading of status's maintenance section. */
export function maintenanceInProgress(count: number): string {
  return `maintenance in progress: ${count}`;
}

export function noMaintenanceInProgress(): string {
  return 'no maintenance in progress';
}

// ---- move ----

/** A move the verdict refuses before anything changed, with each reason's safe way. */
export function moveRefused(pod: string, verdict: Verdict): string {
  return `not moving ${pod}: ${verdict.reasons.map((r) => `${r.message} ${r.remediation ? `(${r.remediation})` : ''}`).join(' ')} Nothing was changed`;
}

export function renderMovePlanText(plan: MovePlan, dryRun: boolean): string[] {
  const lines = [
    `${planHeading(dryRun)}: move ${plan.pod} (broker ${plan.broker}) from ${plan.fromNode} to ${plan.toNode}`,
    `path:       ${plan.path} volume (${plan.volume.size ?? '?'} ${plan.volume.storageClass ?? ''}): ${plan.why}`,
    ...plan.steps.map((s, i) => `step ${i + 1}:     ${s}`),
  ];
  if (!plan.verdict.allowed) lines.push(`UNSAFE now: ${reasonsOf(plan.verdict)}`);
  if (plan.evacuation !== null) lines.push('', 'drain before the move:', ...renderMovePlan(plan.evacuation, 10));
  return lines;
}

export function renderMoveResult(result: MoveResult): string {
  const { plan, outcome } = result;
  if (outcome === null) return '';
  return (
    `moved ${plan.pod} (broker ${plan.broker}) from ${plan.fromNode} to ${outcome.nodeAfter}: pod back after ${formatDuration(outcome.podDownMs)}, ` +
    `in sync after ${formatDuration(outcome.inSyncMs)}; ${outcome.leadersRestored} preferred leader(s) restored`
  );
}

// ---- rebalance ----

export function brokersNotRegistered(unknown: readonly number[], registered: readonly number[]): string {
  return `--brokers: ${unknown.join(', ')} not registered with Kafka; registered brokers: ${registered.join(', ')}`;
}

export function notABrokerList(text: string): string {
  return `--brokers ${JSON.stringify(text)} is not a list of broker ids; write e.g. 0,1,2`;
}

export function rebalanceHeader(
  result: RebalanceResult,
  summary: { replicaSpread: { before: number; after: number }; leaderSpread: { before: number; after: number } },
): string[] {
  return [
    `${planHeading(result.dryRun)}: rebalance brokers ${result.brokers.join(', ')}`,
    `replicas:   spread ${summary.replicaSpread.before} -> ${summary.replicaSpread.after}; preferred leaders: spread ${summary.leaderSpread.before} -> ${summary.leaderSpread.after} (${result.leadershipChanges} change(s))`,
  ];
}

export function renderRebalanceResult(result: RebalanceResult): string {
  const moved = result.report?.reassignment;
  return moved === undefined ? '' : `rebalanced: ${movedSummary(moved)}; ${result.report?.leaders.elected ?? 0} leader(s) elected; throttles cleared`;
}

// ---- restart ----

export function restartAllAndOne(): string {
  return 'give either --all or one broker (POD or --broker), not both';
}

export function restartNoBroker(): string {
  return 'name the broker to restart (POD or --broker ID), or --all';
}

export function restartPlan(result: RestartResult): string[] {
  const first = result.order[0];
  return [
    `${planHeading(result.dryRun)}: restart ${result.order.map((b) => `${b.pod ?? '?'} (broker ${b.id}${b.id === result.controller ? ', active controller' : ''})`).join(', then ')}`,
    result.firstAllowed ? `${first?.pod ?? ''} may go down now` : `${first?.pod ?? ''} may NOT go down now: ${result.firstReasons.join(' ')}`,
  ];
}

// ---- scale ----

export function replicasTooFew(): string {
  return '--replicas must be at least 1: scaling a Kafka cluster to 0 brokers is not a guarded operation';
}

export function scaleNothingToDo(statefulSet: string, replicas: number): string {
  return `StatefulSet ${statefulSet} already has ${replicas} replicas; nothing to do`;
}

export function renderScalePlan(plan: ScalePlan, dryRun: boolean): string[] {
  const who = plan.brokers.map((b) => `${b.pod} (broker ${b.id ?? '?'})`).join(', ');
  const lines = [`${planHeading(dryRun)}: scale StatefulSet ${plan.statefulSet} from ${plan.from} to ${plan.to}`];
  if (plan.direction === 'down') {
    lines.push(`first:      drain ${who}`);
    if (plan.moves !== null) lines.push(...renderMovePlan(plan.moves, 10));
    lines.push(`then:       scale to ${plan.to}, and unregister the removed broker(s) from Kafka once their pods are gone`);
    lines.push(
      plan.deleteVolumes
        ? `then:       delete PersistentVolumeClaims ${plan.claims.join(', ') || '(none)'}`
        : `volumes:    kept (${plan.claims.join(', ') || 'none'}); --delete-volumes deletes them`,
    );
  } else {
    lines.push(`first:      scale to ${plan.to} and wait for ${who} to register with Kafka`);
    lines.push('then:       rebalance replicas onto them' + (plan.moves === null ? '' : ' (estimate; planned again once they run):'));
    if (plan.moves !== null) lines.push(...renderMovePlan(plan.moves, 10));
  }
  return lines;
}

export function renderScaleResult(result: ScaleResult): string {
  const lines = [`StatefulSet ${result.statefulSet} scaled from ${result.from} to ${result.to}`];
  const moved = result.drain?.reassignment ?? result.rebalance?.reassignment;
  if (moved !== undefined) lines.push(`${result.direction === 'down' ? 'drained' : 'rebalanced'}: ${movedSummary(moved)}; throttles cleared`);
  if (result.deletedClaims.length > 0) lines.push(`deleted PersistentVolumeClaims: ${result.deletedClaims.join(', ')}`);
  else if (result.direction === 'down' && result.claims.length > 0) lines.push(`kept PersistentVolumeClaims: ${result.claims.join(', ')}`);
  return lines.join('\n');
}

// ---- status ----

export function reassignmentsInFlight(count: number): string {
  return count === 0 ? 'reassignments in flight: none' : `reassignments in flight: ${count}`;
}

export function throttlesSummary(throttles: ThrottleState): string {
  return throttles.brokers.length === 0 && throttles.topics.length === 0
    ? 'replication throttles: none'
    : `replication throttles: ${throttles.brokers.length} broker(s), ${throttles.topics.length} topic(s) (kubectl kafka throttles)`;
}

export function statusNote(note: string): string {
  return `note: ${note}`;
}

export function replicaSizesUnknownNote(reason: string): string {
  return `replica sizes unknown: ${reason}`;
}

// ---- throttles ----

export function noThrottles(): string {
  return 'no replication throttles';
}

export function throttlesRemoved(cleared: ClearedThrottles): string {
  return `removed throttles from ${cleared.brokers.length} broker(s)${cleared.clusterDefault ? ' and the cluster-wide default' : ''} and ${cleared.topics.length} topic(s)`;
}

export function throttlesDryRun(listed: string): string {
  return `${listed}\n(dry run: --clear would remove all of these)`;
}

// ---- the session: policy, Kafka addresses, units ----

export function bootstrapServersInvalid(value: string): string {
  return `--bootstrap-server ${JSON.stringify(value)} is not a list of host:port; write e.g. kafka-0.kafka-headless.kafka.svc:9092,127.0.0.1:9093`;
}

/** A --bootstrap-server entry the Kafka client settings refused; `error` names the entry. */
export function bootstrapServerRefused(error: string): string {
  return `--bootstrap-server: ${error.replace(/spec\.kafka\.bootstrapServers\[\d+\] is /, '')}`;
}

export function kafkaSettingsInvalid(error: string, namespace: string, policy: string): string {
  return `${error} (KafkaGuardPolicy ${namespace}/${policy}, spec.kafka)`;
}

export function kafkaClientLog(level: string, namespace: string, message: string): string {
  return `kafka ${level}: ${namespace}: ${message}`;
}

export function policyNotFound(wanted: string, kind: string, namespace: string, names: readonly string[]): string {
  return (
    `--policy ${wanted}: no ${kind} of that name in namespace ${namespace}` +
    (names.length > 0 ? `; there: ${names.join(', ')}` : '; the namespace has none (choose the namespace with -n)')
  );
}

export function noPolicy(kind: string, namespace: string): string {
  return (
    `no ${kind} in namespace ${namespace}: kubectl kafka finds the Kafka cluster through it. ` +
    'Choose the namespace with -n, or create a policy (docs/policy.md)'
  );
}

export function severalPolicies(kind: string, namespace: string, names: readonly string[]): string {
  return `namespace ${namespace} has ${names.length} ${kind}s (${names.join(', ')}); choose one with --policy NAME`;
}

export const RATE_FORMS = 'a number and a unit per second: e.g. 50MiB/s, 500KiB/s, 1.5GB/s, 1048576B/s (units B, kB/KB, MB, GB, KiB, MiB, GiB)';

export function notARate(text: string): string {
  return `throttle ${JSON.stringify(text)} is not a rate; write ${RATE_FORMS}`;
}

export function rateOutOfRange(text: string, belowOne: boolean): string {
  return `throttle ${JSON.stringify(text)} is ${belowOne ? 'below 1 byte per second' : 'too large'}; write ${RATE_FORMS}`;
}

export function notADuration(text: string): string {
  return `duration ${JSON.stringify(text)} is not a duration; write e.g. 90s, 30m, 2h or 1h30m`;
}

export function durationNotPositive(text: string): string {
  return `duration ${JSON.stringify(text)} must be longer than zero`;
}

// ---- resize ----

export const RESIZE_HELP = {
  summary: 'Grow the volumes of a broker StatefulSet: claims, template and file systems, restarting only the brokers that need it.',
  description: `A StatefulSet's volumeClaimTemplates cannot be changed in place (kubernetes#69041). resize:

1. checks that the StorageClass of every broker claim allows expansion (allowVolumeExpansion), and refuses a smaller size (Kubernetes never shrinks a volume);
2. grows every broker claim's spec.resources.requests.storage;
3. re-creates the StatefulSet with the larger volumeClaimTemplate: its manifest is recorded in the ConfigMap ${RESIZE_CONFIGMAP} first, then it is deleted with --cascade=orphan (no pod is touched) and created again with the same pod template, so its pods are adopted as they are;
4. waits for each claim: its capacity reaches the new size, or it shows FileSystemResizePending (the volume grew, its file system grows on the node) for longer than --online-resize-wait;
5. restarts, guarded (one at a time, active controller last, full ISR before the next), only the brokers whose claims are still pending, and waits for their file systems.

Interrupted at any point, the same command again picks up where it stopped; killed between the delete and the create, it creates the StatefulSet again from the record. The size it has now is nothing to do (exit 0); a smaller one is refused (exit 1). Afterwards put the new size in your manifests or Helm values too.`,
  examples: [
    { description: 'Grow every broker volume to 20Gi', command: 'kubectl kafka resize kafka --storage 20Gi' },
    { description: 'Show the claims, sizes and what may restart; change nothing', command: 'kubectl kafka resize kafka --storage 20Gi --dry-run' },
    { description: 'A StatefulSet with several volumeClaimTemplates (JBOD): one at a time', command: 'kubectl kafka resize kafka --storage 500Gi --template logs-1 --yes' },
    { description: 'A driver that cannot grow a mounted file system: restart at once', command: 'kubectl kafka resize kafka --storage 20Gi --online-resize-wait 1s --yes -o json' },
  ],
  flags: {
    storage: 'The new size of every broker volume, a Kubernetes quantity (e.g. 20Gi); larger than now.',
    template: 'The volumeClaimTemplate to grow (default: the only one).',
    onlineResizeWait: 'How long a claim may wait with FileSystemResizePending while its pod runs (kubelets grow mounted file systems online when the driver can) before its broker is restarted for it.',
    timeout: 'How long each wait (a claim, a broker restart, the StatefulSet deletion) may take.',
  },
  confirm: (statefulSet: string, storage: string) => `Resize the volumes of StatefulSet ${statefulSet} to ${storage}?`,
};

export interface ResizePlanView {
  statefulSet: string;
  template: string;
  storage: string;
  templateFrom: string | null;
  templateTo: string;
  templateStep: 'recreate' | 'create-from-record' | 'unchanged';
  claims: ClaimPlan[];
  /** Pods that restart only if their claim still shows FileSystemResizePending after --online-resize-wait. */
  mayRestart: string[];
  /** Pods whose claims already wait for a restart (an earlier run). */
  restartPending: string[];
}

const ACTION_TEXT: Record<ClaimPlan['action'], string> = {
  expand: 'grows',
  resizing: 'growing (asked for before)',
  done: 'done',
  absent: 'no claim yet: made at the new size',
};

export function renderResizePlan(view: ResizePlanView, dryRun: boolean, onlineResizeWaitMs: number): string {
  const lines = [`${planHeading(dryRun)}: grow the volumes of StatefulSet ${view.statefulSet} (template ${view.template}) to ${view.storage}`];
  lines.push(
    renderTable(
      ['claim', 'pod', 'broker', 'class', 'now', 'to', ''],
      view.claims.map((c) => [c.claim, c.pod, c.broker === null ? '?' : String(c.broker), c.storageClass ?? '-', c.from ?? '-', c.to, ACTION_TEXT[c.action]]),
    ),
  );
  const step = {
    recreate: `re-create StatefulSet ${view.statefulSet} with template ${view.template} at ${view.templateTo} (now ${view.templateFrom ?? '?'}): recorded in ConfigMap ${RESIZE_CONFIGMAP}, deleted with --cascade=orphan, created again; no pod restarts for this`,
    'create-from-record': `create StatefulSet ${view.statefulSet} again from ConfigMap ${RESIZE_CONFIGMAP} (an earlier run deleted it and was stopped)`,
    unchanged: `StatefulSet ${view.statefulSet}: template ${view.template} is ${view.templateTo} already`,
  }[view.templateStep];
  lines.push(`statefulset: ${step}`);
  if (view.restartPending.length > 0) lines.push(`restart:     ${view.restartPending.join(', ')} (their claims wait for it), guarded, one at a time, controller last`);
  const others = view.mayRestart.filter((p) => !view.restartPending.includes(p));
  if (others.length > 0) {
    lines.push(
      `restart:     ${view.restartPending.length > 0 ? 'also ' : ''}those of ${others.join(', ')} whose claim still shows FileSystemResizePending ` +
        `${formatDuration(onlineResizeWaitMs)} after its volume grew (the node could not grow the mounted file system); guarded, one at a time`,
    );
  }
  return lines.join('\n');
}

export function renderResizeResult(statefulSet: string, storage: string, outcome: ResizeOutcome): string {
  const lines = [`StatefulSet ${statefulSet}: volumes at ${storage} in ${formatDuration(outcome.durationMs)}${outcome.recreated ? ' (StatefulSet re-created, no pod restarted for it)' : ''}`];
  const how = { already: 'already', online: 'online, pod untouched', restart: 'after a guarded restart' };
  lines.push(renderTable(['claim', 'pod', 'capacity', 'file system grown'], outcome.claims.map((c) => [c.claim, c.pod, c.capacity ?? '?', how[c.finished]])));
  if (outcome.restarted.length > 0) {
    lines.push(`restarted: ${outcome.restarted.map((s) => `${s.pod} (back in sync after ${formatDuration(s.totalMs)})`).join(', ')}`);
  }
  lines.push(`next: put ${storage} in the StatefulSet's manifest or Helm values too, or the next apply asks for the old size`);
  return lines.join('\n');
}

export const RESIZE_INTERRUPTED =
  `interrupted: run the same command again to finish; it picks up where this stopped (a StatefulSet deleted ` +
  `and not yet created again is created from ConfigMap ${RESIZE_CONFIGMAP})`;

export function templateNameInvalid(template: string): string {
  return `--template ${JSON.stringify(template)} is not a volumeClaimTemplate name (lower-case letters, digits and '-')`;
}

// ---- upgrade ----

export function upgradeModeMissing(): string {
  return 'give either --image IMAGE (roll the brokers onto it) or --finalize (raise metadata.version afterwards)';
}

export function imageInvalid(image: string): string {
  return `--image ${JSON.stringify(image.slice(0, 80))} is not an image reference`;
}

/** The plan of a roll: what changes, which brokers restart, the preflight. */
export function upgradePlanLines(statefulSet: string, plan: UpgradePlan, dryRun: boolean): string[] {
  return [
    `${planHeading(dryRun)}: ${plan.resuming ? 'resume the upgrade of' : 'upgrade'} ${statefulSet} from ${plan.fromImage} to ${plan.toImage} (Kafka ${plan.toVersion}); ` +
      `metadata.version ${plan.metadataVersion === null ? 'none (ZooKeeper mode)' : levelName(plan.metadataVersion)}`,
    plan.restart.length === 0 ? 'no broker to restart' : `restart ${plan.restart.map((b) => `${b.pod ?? '?'} (broker ${b.id})`).join(', then ')}`,
    plan.problems.length === 0 ? 'preflight: passed' : `preflight: ${plan.problems.join('; ')}`,
  ];
}

export function upgradeConfirm(): string {
  return 'Proceed with the upgrade?';
}

export function upgradeInterrupted(statefulSet: string): string {
  return `interrupted: run the same command again to finish the upgrade (recorded on StatefulSet ${statefulSet})`;
}

export function finalizeWarning(from: number, to: number): string {
  return `finalize: metadata.version ${levelName(from)} -> ${levelName(to)}; this cannot be undone`;
}

export function finalizeConfirm(): string {
  return 'Finalize?';
}

export function describeFinalize(plan: FinalizePlan, dryRun: boolean): string {
  if (plan.action === 'none') return `nothing to finalize: ${plan.reason}`;
  if (plan.action === 'refuse') return `not finalizing: ${plan.reason}`;
  return `${dryRun ? 'Kafka accepts (dry run, nothing changed)' : 'finalized'}: metadata.version ${levelName(plan.from)} -> ${levelName(plan.to)}`;
}

// ---- config ----

export const TARGET_FLAG_TEXT = {
  broker: 'One broker, by id: its own (per-broker) value.',
  clusterDefault: 'The cluster-wide default every broker takes unless it has its own value (static keys: the StatefulSet, for every broker).',
};

export const GET_TEXT = {
  summary: "Show broker settings: each broker's value in force, where it comes from, and whether Kafka changes it live.",
  description: `Asks every running broker (DescribeConfigs with synonyms). Without KEYs, shows the settings that are not Kafka's defaults. SOURCE says which level the value comes from: broker (dynamic), cluster default (dynamic), server.properties (static, e.g. from the StatefulSet's env) or Kafka default. MODE dynamic: \`config set\` changes it live; static: a change restarts the brokers, one at a time.`,
  examples: [
    { description: 'Settings that are not defaults, on every broker', command: 'kubectl kafka config get' },
    { description: 'Two keys on broker 1', command: 'kubectl kafka config get log.retention.ms num.partitions --broker 1' },
    { description: 'The cluster-wide dynamic defaults', command: 'kubectl kafka config get --cluster-default' },
  ],
};

export const DIFF_TEXT = {
  summary: 'Show what differs between brokers, and between each broker and the cluster default or the StatefulSet.',
  description: `Lists the keys whose value differs between running brokers, a broker whose own dynamic value overrides the cluster default, and a value in the StatefulSet's broker env that a broker does not run (it takes it at its next restart, or a dynamic value wins over it). Exit 0 whether or not anything differs.`,
  examples: [
    { description: 'Everything that differs', command: 'kubectl kafka config diff' },
    { description: 'As JSON', command: 'kubectl kafka config diff -o json' },
  ],
};

export const SET_TEXT = {
  summary: 'Change broker settings: live where Kafka allows, by a guarded rolling restart of only the affected brokers where it does not.',
  description: `Each KEY=VALUE is checked against what the running brokers say about it:
- Dynamic keys are applied live with IncrementalAlterConfigs, after Kafka checked them (ValidateOnly): a value Kafka rejects changes nothing and prints Kafka's message. No pod restarts.
- Static (read-only) keys are set in the StatefulSet's broker container env (by the policy's spec.defaults.kafkaSettings.envConvention: KAFKA_<KEY> for apache/kafka, KAFKA_CFG_<KEY> for Bitnami). Only the brokers whose value changes are restarted, one at a time, active controller last, each fully back in sync before the next (the guarded restart) and checked to run the new value. Static keys take --cluster-default: one pod template serves every broker.

Refused, with nothing changed: unknown keys (close names are suggested), values of the wrong type, passwords, and keys kafka-guard never changes (identity, listeners, log dirs, quorum, rack, security; docs/plugin.md lists them). --dry-run prints, per key, live or restart and which brokers. An interrupted restart is finished by running the same command again.

Exit codes: 0 done (or nothing to change), 1 refused, 2 usage error, 3 Kafka or the apiserver unreachable.`,
  examples: [
    { description: 'Show how a change would be made, and change nothing', command: 'kubectl kafka config set log.retention.ms=259200000 --cluster-default --dry-run' },
    { description: 'A dynamic key for every broker, live', command: 'kubectl kafka config set log.retention.ms=259200000 --cluster-default --yes' },
    { description: 'A dynamic key on one broker', command: 'kubectl kafka config set num.io.threads=16 --broker 2' },
    { description: 'Remove a per-broker value (the cluster default applies again)', command: 'kubectl kafka config set --unset num.io.threads --broker 2' },
    { description: 'A static key: StatefulSet env, then a guarded roll', command: 'kubectl kafka config set queued.max.requests=1000 --cluster-default --yes' },
  ],
};

export function renderConfigRows(rows: readonly ConfigRow[]): string {
  if (rows.length === 0) return 'no such settings';
  return renderTable(['KEY', 'BROKER', 'VALUE', 'SOURCE', 'MODE'], rows.map((r) => [r.key, r.scope, r.value ?? '-', r.source, r.mode]));
}

export function renderDiffRows(rows: readonly ConfigDiffRow[]): string {
  if (rows.length === 0) return 'no differences: every broker runs the same settings, and the StatefulSet agrees';
  const lines: string[] = [];
  for (const row of rows) {
    lines.push(`${row.key}:`);
    for (const d of row.differences) lines.push(`  ${d}`);
  }
  return lines.join('\n');
}

const valueText = (k: KeyPlan) => (k.value === null ? '(unset)' : k.value);

const howText = (k: KeyPlan) => (k.mode === 'live' ? 'live' : k.mode === 'restart' ? 'restart' : 'unchanged');

export function renderSetPlan(target: string, dryRun: boolean, keys: readonly KeyPlan[], restartBrokers: readonly number[], statefulSet: string | null): string {
  const lines = [`${planHeading(dryRun)}: ${target}`];
  lines.push(
    renderTable(
      ['KEY', 'VALUE', 'HOW', 'BROKERS', 'NOW'],
      keys.map((k) => [
        k.key,
        valueText(k),
        howText(k),
        k.brokers.length > 0 ? k.brokers.join(',') : '-',
        [...new Set(Object.values(k.before).map((v) => v ?? '-'))].join(' / '),
      ]),
    ),
  );
  for (const k of keys) for (const w of k.warnings) lines.push(`warning: ${w}`);
  const restart = keys.filter((k) => k.mode === 'restart');
  if (restart.length > 0) {
    lines.push(
      `static: ${restart.map((k) => `${k.envName ?? ''}=${k.value ?? ''}`).join(', ')} in StatefulSet ${statefulSet ?? '?'}; ` +
        (restartBrokers.length === 0
          ? 'every broker already runs it: no restart'
          : `then a guarded restart of broker(s) ${restartBrokers.join(', ')}, one at a time, active controller last, full ISR before the next`),
    );
  }
  if (keys.every((k) => k.mode === 'unchanged')) lines.push('nothing to change');
  return lines.join('\n');
}

export function renderSetOutcome(live: LiveOutcome | null, roll: RollOutcome | null): string {
  const lines: string[] = [];
  if (live && live.keys.length > 0) lines.push(`live: ${live.keys.join(', ')} in force on every broker after ${formatDuration(live.durationMs)}; no pod restarted`);
  if (roll && (roll.steps.length > 0 || roll.relabelled.length > 0)) {
    lines.push(`StatefulSet ${roll.statefulSet}: ${roll.steps.length} broker(s) restarted in ${formatDuration(roll.durationMs)}`);
    if (roll.steps.length > 0) {
      lines.push(
        renderTable(
          ['BROKER', 'POD', 'POD DOWN', 'BACK IN SYNC'],
          roll.steps.map((s) => [String(s.broker), s.pod, formatDuration(s.podDownMs), formatDuration(s.totalMs)]),
        ),
      );
    }
    if (roll.relabelled.length > 0) lines.push(`not restarted (already running the value): ${roll.relabelled.join(', ')}`);
  }
  return lines.join('\n');
}

export function brokerNotRunning(broker: number, running: readonly number[]): string {
  return `broker ${broker} is not running (running: ${running.join(', ') || 'none'})`;
}

export function configKeysUnknown(keys: readonly string[]): string {
  return `${keys.join(', ')}: not a broker config of this Kafka; kubectl kafka config get lists the set ones`;
}

export function configTargetMissing(): string {
  return 'say where: --cluster-default (every broker) or --broker ID (one broker)';
}

export function configTargetBoth(): string {
  return 'give either --broker ID or --cluster-default, not both';
}

export function timeoutInvalid(error: string): string {
  return `--timeout: ${error}`;
}

export function configChangesMissing(): string {
  return 'give at least one KEY=VALUE (or --unset KEY), e.g. kubectl kafka config set log.retention.ms=259200000 --cluster-default';
}

export function configRefused(refusals: readonly string[]): string {
  return `nothing was changed: ${refusals.join('; ')}`;
}

export function configTargetText(target: ConfigTarget): string {
  return target.kind === 'broker' ? `broker ${target.broker}` : 'cluster default (every broker)';
}

export function configSetConfirm(restartBrokers: readonly number[]): string {
  return restartBrokers.length > 0 ? `Apply, restarting broker(s) ${restartBrokers.join(', ')} one at a time?` : 'Apply live?';
}

export const CONFIG_SET_INTERRUPTED =
  'interrupted: live changes made so far stay; the broker being restarted comes back on its own. Run the same command again to finish';

// ---- doctor ----

/** Findings, worst first: severity, check and subject, the finding, then its fix; a count line last. */
export function renderDoctor(result: DoctorResult): string {
  const order = { critical: 0, warning: 1, ok: 2 } as const;
  const findings = [...result.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${f.severity.toUpperCase().padEnd(8)}  ${f.check}  ${f.subject}: ${f.finding}`);
    if (f.fix !== null) lines.push(`${' '.repeat(10)}fix: ${f.fix}`);
  }
  const okCount = result.findings.length - result.critical - result.warnings;
  lines.push('', `${result.critical} critical, ${result.warnings} warning${result.warnings === 1 ? '' : 's'}, ${okCount} ok`);
  return lines.join('\n');
}

export function doctorScope(namespace: string | null, policy: string | undefined): string {
  const where = namespace === null ? 'in any namespace' : `in namespace ${namespace}`;
  return policy === undefined ? where : `named ${policy} ${where}`;
}

export function allNamespacesWithNamespace(): string {
  return '--all-namespaces and --namespace cannot be combined: give one';
}

export const reportMessages = {
  outputExists: (path: string) => `--output ${path} exists already: give a new file name, or remove it first`,
  outputDirMissing: (dir: string) => `--output: directory ${dir} does not exist: create it or give another path`,
  written: (path: string, files: number) => `wrote ${path} (${files} files; Secret values left out)\n`,
  partsFailed: (parts: readonly string[]) => `warning: not collected: ${parts.join(', ')} (see errors/ in the bundle)`,
};
