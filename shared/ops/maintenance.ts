/**
 * Maintenance, the operation: brokers that go down for a while and come back
 * (shared/plan/maintenance.ts says what moves and why). Run by `kubectl kafka
 * maintenance start|end|list` and by the evacuation controller.
 *
 * The record of what a maintenance changed lives in the ConfigMap
 * `kafka-guard-maintenance` of the policy's namespace, one key per policy and
 * set of brokers (`<policy>.<id>[-<id>...]`). It is written before anything
 * changes and updated as the run goes, so a killed run loses nothing: `start`
 * again picks the run up, `end` puts back whatever it had moved.
 */
import { fetchClusterView } from '../kafka/cluster-view.js';
import { waitForInSync } from '../kafka/operations.js';
import { podIsReady } from '../k8s/pods.js';
import { sweepThrottles } from '../plan/drain.js';
import { applyReplicaOrder, electLeaders, restorableOrders } from '../plan/leadership.js';
import { MAINTENANCE_CONFIGMAP, mergeRecord, movesBack, planMaintenance, recordsOfPolicy, type MaintenancePlan, type MaintenanceRecord, type StoredRecord } from '../plan/maintenance.js';

export type { StoredRecord } from '../plan/maintenance.js';
import { runReassignment, type ReassignmentReport } from '../plan/reassign.js';
import { indexCluster, partitionRefOf } from '../safety/cluster-index.js';
import { disruptionVerdict } from '../safety/disruption.js';
import { batchMoves, PlanError, type PartitionMove } from '../safety/planner.js';
import type { PartitionRef, Verdict } from '../safety/types.js';
import { RefusedError, UsageError } from './errors.js';
import {
  brokerHasNoPod,
  brokerNotRegistered,
  brokerPodNotReady,
  brokersBack,
  brokersInSync,
  brokersToBeBack,
  leadershipMovedOffBrokers,
  maintenanceRecorded,
  maintenanceRecordsInTheWay,
  maintenanceRecordUnreadable,
  movingBackBeforeMaintenance,
  noMaintenanceRecorded,
  nodeUncordoned,
  planRefused,
  throttleSweepFailed,
  waitingForBrokersBack,
} from './messages.js';
import { progressHooks, type OperationContext, type OperationFacts, type OperationSession } from './operation.js';
import { waitFor } from './wait.js';

/** The brokers an operation is about, and how they were named (for messages: `pod kafka-2`, `node node-a2`). */
export interface OperationTarget {
  label: string;
  brokers: ReadonlyArray<{ id: number }>;
}

export { MAINTENANCE_CONFIGMAP } from '../plan/maintenance.js';

/** The record's key: the policy and the sorted broker ids. */
export function recordKey(policyName: string, brokers: readonly number[]): string {
  return `${policyName}.${[...brokers].sort((a, b) => a - b).join('-')}`;
}

/** Every maintenance record of the session's policy; an unreadable one is listed with `record: null`. */
export async function readRecords(session: OperationSession): Promise<StoredRecord[]> {
  const configMap = await session.kube.readConfigMap(session.namespace, MAINTENANCE_CONFIGMAP);
  return recordsOfPolicy(configMap?.data, session.policy.metadata.name);
}

/** The record covering the target's brokers; a UsageError when several, or one that covers other brokers too, are in the way. */
export function recordFor(records: readonly StoredRecord[], brokers: readonly number[]): StoredRecord | null {
  const touching = records.filter((r) => r.record === null || r.record.brokers.some((b) => brokers.includes(b)));
  const unreadable = touching.find((r) => r.record === null);
  if (unreadable !== undefined) {
    throw new UsageError(maintenanceRecordUnreadable(unreadable.key, MAINTENANCE_CONFIGMAP));
  }
  if (touching.length === 0) return null;
  const exact = touching.find((r) => sameSet(r.record?.brokers ?? [], brokers));
  if (exact !== undefined && touching.length === 1) return exact;
  throw new UsageError(maintenanceRecordsInTheWay(touching.map((r) => r.record?.brokers ?? null)));
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

async function writeRecord(session: OperationSession, key: string, record: MaintenanceRecord | null): Promise<void> {
  await session.kube.setConfigMapKey(session.namespace, MAINTENANCE_CONFIGMAP, key, record === null ? null : JSON.stringify(record), {
    'app.kubernetes.io/name': 'kafka-guard',
  });
}

// ------------------------------------------------------------------ start

export interface StartPrepared {
  target: OperationTarget;
  facts: OperationFacts;
  plan: MaintenancePlan;
  key: string;
  existing: MaintenanceRecord | null;
}

export async function prepareStart(session: OperationSession, facts: OperationFacts, target: OperationTarget, maxMovesPerBroker: number): Promise<StartPrepared> {
  const brokers = target.brokers.map((b) => b.id);
  const stored = recordFor(await readRecords(session), brokers);
  let plan: MaintenancePlan;
  try {
    plan = planMaintenance({ index: facts.index, brokers, down: facts.down.filter((b) => !brokers.includes(b)), pending: facts.pending, policy: session.policy, maxMovesPerBroker });
  } catch (error) {
    if (error instanceof PlanError) throw new RefusedError(planRefused(error.message));
    throw error;
  }
  return { target, facts, plan, key: stored?.key ?? recordKey(session.policy.metadata.name, brokers), existing: stored?.record ?? null };
}

export interface StartOutcome {
  leadershipMoved: number;
  reassignment: ReassignmentReport;
  /** The verdict on a fresh view once everything moved: must allow the brokers to go. */
  verdict: Verdict;
}

/**
 * Records, then moves leadership away and the at-risk partitions off, and
 * checks on a fresh view that the brokers may now go down. Throttles are
 * swept on every way out; the record stays for `end`.
 */
export async function executeStart(context: OperationContext, prepared: StartPrepared, cordon: string | null, startedBy: string): Promise<StartOutcome> {
  const { session, reporter } = context;
  const admin = await session.kafka();
  const { plan } = prepared;
  const record = mergeRecord(prepared.existing, plan, new Date().toISOString(), cordon, startedBy);
  // Written before anything changes: whatever happens next, `end` knows what to put back.
  await writeRecord(session, prepared.key, record);
  reporter.event(maintenanceRecorded(MAINTENANCE_CONFIGMAP, prepared.key));

  const wait = { timeoutMs: context.timeoutMs, signal: context.signal };
  const leadership = await applyReplicaOrder(admin, plan.leadership.changes, wait);
  if (plan.leadership.changes.length > 0) {
    reporter.event(leadershipMovedOffBrokers(leadership.elected + leadership.alreadyPreferred, plan.brokers));
  }
  let reassignment: ReassignmentReport | null = null;
  try {
    reassignment = await runReassignment(admin, {
      resumed: plan.drain.resumed,
      batches: plan.drain.plan.batches,
      throttleBytesPerSecond: context.throttleBytesPerSecond,
      batchTimeoutMs: context.timeoutMs,
      ...progressHooks(context, 'maintenance'),
    });
    const moved = [...plan.drain.resumed, ...plan.drain.plan.moves].map(({ topic, partition }) => ({ topic, partition }));
    if (moved.length > 0) await electLeaders(admin, moved);
  } finally {
    await sweepThrottles(admin, plan.brokers, reassignment?.throttled ?? { brokers: [], topics: [] }).catch((error: unknown) => {
      reporter.event(throttleSweepFailed(error instanceof Error ? error.message : String(error)));
    });
  }
  const now = await session.snapshot();
  // As the brokers are now: once the moves made it safe, the eviction waiting for it (an
  // autoscaler's, kubectl drain's) may already be admitted and the brokers already down.
  const verdict = disruptionVerdict({
    index: now.index,
    brokers: plan.brokers,
    kind: 'disrupt',
    down: now.down,
    pending: now.pending,
    policy: session.policy,
  });
  return { leadershipMoved: leadership.elected + leadership.alreadyPreferred, reassignment, verdict };
}

// ------------------------------------------------------------------ end

export interface EndPrepared {
  key: string;
  record: MaintenanceRecord;
  /** The moves that put partitions back (only those still where maintenance put them). */
  back: PartitionMove[];
  /** Partitions maintenance moved that are not put back (reassigned or deleted since). */
  leftAlone: PartitionRef[];
  leaders: Array<PartitionRef & { replicas: number[] }>;
  /** Why the brokers are not back yet, one line each; empty when they are. */
  notBack: string[];
}

export async function prepareEnd(session: OperationSession, facts: OperationFacts, target: OperationTarget): Promise<EndPrepared> {
  const brokers = target.brokers.map((b) => b.id);
  const stored = recordFor(await readRecords(session), brokers);
  if (stored === null || stored.record === null) {
    throw new UsageError(noMaintenanceRecorded(target.label));
  }
  const record = stored.record;
  const back = movesBack(facts.index, record.moves);
  const going = new Set(back.map((m) => `${m.topic}-${m.partition}`));
  const leftAlone = record.moves.filter((m) => !going.has(`${m.topic}-${m.partition}`)).map(({ topic, partition }) => ({ topic, partition }));
  return { key: stored.key, record, back, leftAlone, leaders: restorableOrders(facts.index, record.leaders), notBack: notBack(facts, record.brokers) };
}

/** Why each of `brokers` is not back yet (no pod, pod not Ready, not registered); empty when all are. */
export function notBack(facts: Pick<OperationFacts, 'directory' | 'index'>, brokers: readonly number[]): string[] {
  const reasons: string[] = [];
  for (const id of brokers) {
    const pod = facts.directory.byId.get(id);
    if (pod === undefined) reasons.push(brokerHasNoPod(id));
    else if (!podIsReady(pod)) reasons.push(brokerPodNotReady(pod.metadata?.name ?? '?', id));
    else if (!facts.index.registered.has(id)) reasons.push(brokerNotRegistered(id));
  }
  return reasons;
}

export interface EndOutcome {
  movedBack: ReassignmentReport | null;
  leadersRestored: number;
  uncordoned: string | null;
}

/**
 * Uncordons the node maintenance cordoned (its brokers cannot come back
 * while it is), waits up to `backTimeoutMs` for every broker to be back, moves
 * the partitions back, waits for the brokers' partitions to be in sync,
 * restores leaders and forgets the record.
 */
export async function executeEnd(context: OperationContext, prepared: EndPrepared, keepPlacement: boolean, backTimeoutMs: number): Promise<EndOutcome> {
  const { session, reporter } = context;
  const admin = await session.kafka();
  const wait = { timeoutMs: context.timeoutMs, signal: context.signal };
  const { record } = prepared;
  let uncordoned: string | null = null;
  if (record.cordoned !== null) {
    await session.kube.setUnschedulable(record.cordoned, false);
    uncordoned = record.cordoned;
    reporter.event(nodeUncordoned(record.cordoned));
  }
  if (prepared.notBack.length > 0) {
    reporter.event(waitingForBrokersBack(prepared.notBack));
    await waitFor(
      brokersToBeBack(record.brokers),
      async () => (notBack(await session.snapshot(), record.brokers).length === 0 ? true : undefined),
      { timeoutMs: backTimeoutMs, signal: context.signal, intervalMs: 2_000 },
    );
    reporter.event(brokersBack(record.brokers));
  }
  let movedBack: ReassignmentReport | null = null;
  if (!keepPlacement && prepared.back.length > 0) {
    reporter.event(movingBackBeforeMaintenance(prepared.back.length));
    try {
      movedBack = await runReassignment(admin, {
        resumed: [],
        batches: batchMoves(prepared.back, context.maxMovesPerBroker),
        throttleBytesPerSecond: context.throttleBytesPerSecond,
        batchTimeoutMs: context.timeoutMs,
        ...progressHooks(context, 'maintenance end'),
      });
    } finally {
      await sweepThrottles(admin, record.brokers, movedBack?.throttled ?? { brokers: [], topics: [] }).catch(() => undefined);
    }
  }
  // Every partition the brokers host is caught up before their leaders come back.
  const index = indexCluster(await fetchClusterView(admin));
  const hosted = new Set<number>();
  for (const b of record.brokers) for (const o of index.partitionsByBroker.get(b) ?? []) hosted.add(o);
  if (hosted.size > 0) {
    await waitForInSync(admin, [...hosted].map((o) => partitionRefOf(index, o)), {
      ...wait,
      onProgress: (p) => {
        if (p.pending.length > 0) reporter.event(brokersInSync(record.brokers, p.inSync, p.total));
      },
    });
  }
  let leadersRestored = 0;
  if (!keepPlacement) {
    const now = indexCluster(await fetchClusterView(admin));
    const restored = await applyReplicaOrder(admin, restorableOrders(now, record.leaders), wait);
    const preferred = now.partitions.map((s, o) => ({ s, o })).filter(({ s }) => record.brokers.includes(s.replicas[0] ?? -1)).map(({ o }) => partitionRefOf(now, o));
    const elected = preferred.length > 0 ? await electLeaders(admin, preferred) : { elected: 0, alreadyPreferred: 0, failed: [] };
    leadersRestored = restored.elected + elected.elected;
  }
  await writeRecord(session, prepared.key, null);
  return { movedBack, leadersRestored, uncordoned };
}
