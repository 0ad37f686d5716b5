/**
 * Maintenance: brokers go down for a while and come back (their node is
 * rebooted or upgraded). A drain would move everything they hold, and cannot
 * when a partition already has a replica on every other broker. Maintenance
 * moves only what would break while they are away: the partitions that
 * would go offline or under min.insync.replicas without them. Their other
 * replicas stay assigned and catch up from their leaders when the brokers
 * return. Leadership of every partition they lead moves first, so clients
 * leave them before they go.
 *
 * What was changed is kept in a record (a ConfigMap written before anything
 * changes, see shared/ops/maintenance.ts), so that `maintenance end` can put
 * the moved replicas and preferred leaders back, after any interruption.
 * planMaintenance, mergeRecord and movesBack are pure.
 */
import type { PendingDisruptions } from '../k8s/ledger.js';
import type { KafkaGuardPolicy, MaintenanceStatus } from '../policy/types.js';
import { indexCluster, oneOf, partitionRefOf, viewWithPartitions, type ClusterIndex } from '../safety/cluster-index.js';
import { disruptionVerdict } from '../safety/disruption.js';
import { PlanError, type PartitionMove } from '../safety/planner.js';
import { partitionKey, type PartitionRef } from '../safety/types.js';
import { prepareDrain, type DrainPreparation } from './drain.js';
export { movesBack } from './drain.js';
import { planLeadershipAway, type LeadershipPlan } from './leadership.js';

export interface MaintenanceInput {
  index: ClusterIndex;
  /** The brokers going away for a while. */
  brokers: readonly number[];
  /** Brokers already down (their pods not Ready, Terminating or missing). */
  down: readonly number[];
  pending: PendingDisruptions;
  policy: Pick<KafkaGuardPolicy, 'spec'>;
  maxMovesPerBroker: number;
}

export interface MaintenancePlan {
  brokers: number[];
  /** Partitions that would go offline or under min.insync.replicas while the brokers are away: these move. */
  atRisk: PartitionRef[];
  /** The moves for `atRisk` (and in-flight ones an interrupted run started, picked up). */
  drain: DrainPreparation;
  /** Leadership away from the brokers, for every partition they lead. */
  leadership: LeadershipPlan;
  /** Partitions the brokers host that stay assigned to them and catch up when they return. */
  staying: number;
}

/**
 * Pure: what must happen before `brokers` may go down for a while. Throws a
 * PlanError, naming the partitions, when no move can make it safe: a broker
 * Kafka does not know, or an at-risk partition with no up broker left to
 * take its replica.
 */
export function planMaintenance(input: MaintenanceInput): MaintenancePlan {
  const { index, brokers } = input;
  const away = new Set(brokers);
  const question = { index, brokers, kind: 'disrupt' as const, down: input.down, pending: input.pending, policy: input.policy };
  const now = disruptionVerdict(question);
  const unknown = now.reasons.find((r) => r.rule === 'unknown-broker');
  if (unknown !== undefined) throw new PlanError(unknown.message, []);

  const atRisk = dedupe(now.reasons.filter((r) => r.rule === 'offline' || r.rule === 'under-min-isr').flatMap((r) => r.partitions));
  // In-flight reassignments that take these brokers out of a partition (an interrupted run's) are waited for, not planned again.
  const inFlight: PartitionRef[] = [];
  index.partitions.forEach((state, ordinal) => {
    if (index.reassigning[ordinal] === 1 && state.removingReplicas.some((b) => away.has(b))) inFlight.push({ topic: state.topic, partition: state.partition });
  });
  const moving = dedupe([...atRisk, ...inFlight]);
  const restricted = indexCluster(viewWithPartitions(index.view, oneOf(moving)));
  const unavailable = new Set([...brokers, ...input.down, ...input.pending.brokers]);
  const targets = index.brokerIds.filter((b) => !unavailable.has(b) && index.registered.has(b));
  let drain: DrainPreparation;
  try {
    drain = prepareDrain(restricted, [...away], { maxMovesPerBroker: input.maxMovesPerBroker, targetBrokers: targets });
  } catch (error) {
    if (error instanceof PlanError) throw new PlanError(noRoomMessage(brokers, atRisk, targets, error.message), error.partitions);
    throw error;
  }
  const hosted = new Set<number>();
  for (const b of away) for (const o of index.partitionsByBroker.get(b) ?? []) hosted.add(o);
  return {
    brokers: [...away].sort((a, b) => a - b),
    atRisk,
    drain,
    leadership: planLeadershipAway(index, [...away]),
    staying: hosted.size - moving.length,
  };
}

function noRoomMessage(brokers: readonly number[], atRisk: readonly PartitionRef[], targets: readonly number[], why: string): string {
  const names = atRisk.slice(0, 5).map((p) => `${p.topic}-${p.partition}`).join(', ');
  return (
    `broker(s) ${brokers.join(', ')} cannot go down for maintenance now: ${atRisk.length} partition(s) would go offline or under ` +
    `min.insync.replicas (${names}${atRisk.length > 5 ? ', ...' : ''}) and cannot all be moved to the brokers that are up ` +
    `(${targets.join(', ') || 'none'}): ${why.replace(/\.+$/, '')}. Bring back the brokers that are down, or add a broker ` +
    '(kubectl kafka scale), then try again'
  );
}

function dedupe(refs: readonly PartitionRef[]): PartitionRef[] {
  const seen = new Map<string, PartitionRef>();
  for (const ref of refs) seen.set(partitionKey(ref), { topic: ref.topic, partition: ref.partition });
  return [...seen.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

// ------------------------------------------------------------------ the record

/** What a maintenance changed, to put back at its end. Stored as JSON. */
export interface MaintenanceRecord {
  brokers: number[];
  startedAt: string;
  /** Data moves, with the replicas each partition had before the maintenance first moved it. */
  moves: PartitionMove[];
  /** The replica order (preferred leader first) before the maintenance changed it. */
  leaders: Array<PartitionRef & { replicas: number[] }>;
  /** The node the maintenance cordoned, to uncordon at the end; null if it cordoned none. */
  cordoned: string | null;
  /** Who started it: `kubectl kafka` or `evacuation` (the controller ends only its own). */
  startedBy: string;
}

/**
 * Pure: the record after planning `plan`. A rerun after an interruption
 * keeps what the first run recorded for a partition (its replicas before
 * any change) and adds only what is new.
 */
export function mergeRecord(
  existing: MaintenanceRecord | null,
  plan: MaintenancePlan,
  startedAt: string,
  cordoned: string | null,
  startedBy: string,
): MaintenanceRecord {
  const moves = new Map((existing?.moves ?? []).map((m) => [partitionKey(m), m]));
  for (const m of plan.drain.plan.moves) {
    const earlier = moves.get(partitionKey(m));
    moves.set(partitionKey(m), { topic: m.topic, partition: m.partition, from: [...(earlier?.from ?? m.from)], to: [...m.to] });
  }
  const leaders = new Map((existing?.leaders ?? []).map((l) => [partitionKey(l), l]));
  for (const l of plan.leadership.original) if (!leaders.has(partitionKey(l))) leaders.set(partitionKey(l), { topic: l.topic, partition: l.partition, replicas: [...l.replicas] });
  return {
    brokers: [...new Set([...(existing?.brokers ?? []), ...plan.brokers])].sort((a, b) => a - b),
    startedAt: existing?.startedAt ?? startedAt,
    moves: [...moves.values()],
    leaders: [...leaders.values()],
    cordoned: existing?.cordoned ?? cordoned,
    startedBy: existing?.startedBy ?? startedBy,
  };
}

/** Pure: a stored record, checked; null for anything that is not one (it is then reported, never guessed at). */
export function parseRecord(raw: string | undefined): MaintenanceRecord | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const ids = (v: unknown): v is number[] => Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0);
  const ref = (v: unknown): v is PartitionRef => typeof v === 'object' && v !== null
    && typeof (v as PartitionRef).topic === 'string' && Number.isInteger((v as PartitionRef).partition);
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<MaintenanceRecord>;
  const movesOk = Array.isArray(r.moves) && r.moves.every((m) => ref(m) && ids(m.from) && ids(m.to));
  const leadersOk = Array.isArray(r.leaders) && r.leaders.every((l) => ref(l) && ids(l.replicas));
  if (!ids(r.brokers) || typeof r.startedAt !== 'string' || !movesOk || !leadersOk) return null;
  if (r.cordoned !== null && typeof r.cordoned !== 'string') return null;
  if (r.startedBy !== undefined && typeof r.startedBy !== 'string') return null;
  return {
    brokers: r.brokers,
    startedAt: r.startedAt,
    moves: r.moves ?? [],
    leaders: r.leaders ?? [],
    cordoned: r.cordoned ?? null,
    startedBy: r.startedBy ?? 'kubectl kafka',
  };
}

/** The ConfigMap, in the policy's namespace, that holds the maintenance records. */
export const MAINTENANCE_CONFIGMAP = 'kafka-guard-maintenance';

/** A maintenance record as it reads in a ConfigMap: its key, and the record or null when unreadable. */
export interface StoredRecord {
  key: string;
  record: MaintenanceRecord | null;
}

/** Pure: the records of one policy among a maintenance ConfigMap's keys (`<policy>.<ids>`). */
export function recordsOfPolicy(data: Readonly<Record<string, string>> | undefined, policyName: string): StoredRecord[] {
  const prefix = `${policyName}.`;
  return Object.entries(data ?? {})
    .filter(([key]) => key.startsWith(prefix))
    .map(([key, raw]) => ({ key, record: parseRecord(raw) }));
}

/**
 * Where a maintenance stands (MaintenanceStatus): `Moving` while some recorded move is not in
 * place in Kafka, `Ready` when everything is in place and the brokers still
 * run (their disruption is now safe: an eviction that waits goes through),
 * `BrokersDown` once a broker under maintenance is down.
 */
export type MaintenanceProgress = MaintenanceStatus;

/**
 * Pure: the progress of a record against the cluster now. A move is in place
 * when its partition's replicas are the planned ones and no reassignment runs
 * on it; a partition that no longer exists has nothing left to move.
 */
export function maintenanceProgress(record: MaintenanceRecord, index: ClusterIndex, down: readonly number[]): MaintenanceProgress {
  const current = new Map<string, { replicas: readonly number[]; moving: boolean }>();
  const wanted = oneOf(record.moves);
  index.partitions.forEach((state, ordinal) => {
    const ref = partitionRefOf(index, ordinal);
    if (!wanted(ref)) return;
    current.set(partitionKey(ref), { replicas: state.replicas, moving: state.addingReplicas.length > 0 || state.removingReplicas.length > 0 });
  });
  const inPlace = (move: PartitionMove): boolean => {
    const now = current.get(partitionKey(move));
    if (now === undefined) return true;
    return !now.moving && now.replicas.length === move.to.length && move.to.every((b) => now.replicas.includes(b));
  };
  const moved = record.moves.filter(inPlace).length;
  const phase: MaintenanceProgress['phase'] =
    moved < record.moves.length ? 'Moving' : record.brokers.some((b) => down.includes(b)) ? 'BrokersDown' : 'Ready';
  return {
    brokers: [...record.brokers],
    startedBy: record.startedBy,
    startedAt: record.startedAt,
    cordoned: record.cordoned,
    phase,
    partitionsToMove: record.moves.length,
    partitionsMoved: moved,
  };
}
