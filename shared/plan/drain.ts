/**
 * Draining brokers on the Kafka side: move leadership off, copy every replica
 * the brokers hold to the others (throttled, in batches), wait until all of it
 * is in sync, put the planned preferred leaders in charge, check nothing is
 * left, and sweep the throttles. prepareDrain is pure; executeDrain does it.
 *
 * Resuming: an interrupted drain leaves its reassignments running in Kafka.
 * Those that already take a drained broker out of a partition (it is in their
 * removingReplicas) are picked up and waited for; the planner is given the
 * cluster as it is headed (replicas minus those being removed), so it only
 * plans what is still on the drained brokers and never starts a move twice.
 */
import type { KafkaApi } from '../kafka/client.js';
import { fetchClusterView } from '../kafka/cluster-view.js';
import { clearThrottles } from '../kafka/operations.js';
import { assignmentOf, holdsAnyReplica, indexCluster, oneOf, partitionRefOf, viewWithPartitions, type ClusterIndex } from '../safety/cluster-index.js';
import type { DiskFacts } from '../safety/disk.js';
import { planDrain, type PartitionMove, type ReassignmentPlan } from '../safety/planner.js';
import { partitionKey, type PartitionRef } from '../safety/types.js';
import { applyReplicaOrder, electLeaders, type LeadershipOutcome } from './leadership.js';
import { runReassignment, type ReassignmentReport, type ReassignmentSettings } from './reassign.js';
import { throttleSweep, type MoveEndpoints, type ThrottleSweep } from './throttles.js';

export interface DrainPreparation {
  brokers: number[];
  /** What is left to move; its leadership list runs first. */
  plan: ReassignmentPlan;
  /** Reassignments already in flight that move data off the brokers (picked up, not restarted). */
  resumed: MoveEndpoints[];
  /** Partitions the brokers lead that cannot get another leader first (no other in-sync replica). */
  leadersStaying: PartitionRef[];
  /**
   * Partitions left out on purpose (`keepUnplaceable`): every other broker
   * already holds a replica, so there is nowhere to move theirs.
   */
  unplaceable: PartitionRef[];
}

export interface PrepareDrainOptions {
  maxMovesPerBroker: number;
  /**
   * Leave partitions with nowhere to go where they are instead of failing the
   * plan (node-local move: such replicas are rebuilt from the leader when the
   * broker comes back). Default false: planDrain throws a PlanError naming them.
   */
  keepUnplaceable?: boolean;
  /** Sizes and capacities (planDrain's `disk`): no target ends past its headroom, or a DiskFitError. */
  disk?: DiskFacts;
  /** Brokers that may receive replicas (planDrain's targetBrokers); default every registered broker not drained. */
  targetBrokers?: number[];
}

/** Pure: what a drain of `brokers` still has to do, given the in-flight reassignments in the view. */
export function prepareDrain(index: ClusterIndex, brokers: readonly number[], options: PrepareDrainOptions): DrainPreparation {
  const drained = new Set(brokers);
  const resumed: MoveEndpoints[] = [];
  index.partitions.forEach((state, ordinal) => {
    if (index.reassigning[ordinal] !== 1) return;
    if (!state.removingReplicas.some((b) => drained.has(b))) return;
    const from = state.replicas.filter((b) => !state.addingReplicas.includes(b));
    resumed.push({ ...partitionRefOf(index, ordinal), from, to: assignmentOf(index, ordinal) });
  });

  let planned = index;
  const unplaceable: PartitionRef[] = [];
  if (options.keepUnplaceable === true) {
    const survivors = index.brokerIds.filter((b) => !drained.has(b));
    const skip = new Set<string>();
    for (const broker of drained) {
      for (const ordinal of index.partitionsByBroker.get(broker) ?? []) {
        const assignment = assignmentOf(index, ordinal);
        const leaving = assignment.filter((b) => drained.has(b)).length;
        const free = survivors.filter((b) => !assignment.includes(b)).length;
        const ref = partitionRefOf(index, ordinal);
        if (leaving > 0 && free < leaving && !skip.has(partitionKey(ref))) {
          skip.add(partitionKey(ref));
          unplaceable.push(ref);
        }
      }
    }
    if (skip.size > 0) planned = indexCluster(viewWithPartitions(index.view, (p) => !skip.has(partitionKey(p))));
  }

  const plan = planDrain(planned, [...drained], {
    maxMovesPerBroker: options.maxMovesPerBroker,
    ...(options.disk === undefined ? {} : { disk: options.disk }),
    ...(options.targetBrokers === undefined ? {} : { targetBrokers: options.targetBrokers }),
  });
  const newLeader = oneOf(plan.leadership);
  const leadersStaying: PartitionRef[] = [];
  for (const broker of drained) {
    for (const ordinal of planned.leadersByBroker.get(broker) ?? []) {
      const ref = partitionRefOf(planned, ordinal);
      if (!newLeader(ref)) leadersStaying.push(ref);
    }
  }
  return { brokers: [...drained].sort((a, b) => a - b), plan, resumed, leadersStaying, unplaceable };
}

export type DrainExecutionOptions = ReassignmentSettings;

export interface DrainReport {
  brokers: number[];
  leadershipMoved: LeadershipOutcome;
  reassignment: ReassignmentReport;
  /** Preferred leaders elected after the moves. */
  leadersElected: LeadershipOutcome;
  /** Partitions still holding a replica on a drained broker afterwards (empty on success, unless unplaceable ones were kept). */
  remaining: PartitionRef[];
  throttlesCleared: ThrottleSweep;
}

/** Runs a prepared drain. Throws on Kafka errors and aborts; throttles are swept on every way out. */
export async function executeDrain(api: KafkaApi, preparation: DrainPreparation, options: DrainExecutionOptions): Promise<DrainReport> {
  const { plan, brokers } = preparation;
  const log = options.onEvent ?? (() => undefined);
  let reassignment: ReassignmentReport | null = null;
  try {
    // An earlier run of this drain that was killed left its last batch's throttle;
    // each batch sets its own, at this run's rate, so the old one goes first.
    const stale = await sweepThrottles(api, brokers, { brokers: [], topics: [] });
    if (stale.brokers.length > 0 || stale.topics.length > 0) {
      log(`removed throttles an earlier run left on broker(s) ${stale.brokers.join(', ') || '-'} and topic(s) ${stale.topics.join(', ') || '-'}`);
    }
    const leadershipMoved = await applyReplicaOrder(
      api,
      plan.leadership.map(({ topic, partition, replicas }) => ({ topic, partition, replicas })),
      { timeoutMs: options.batchTimeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) },
    );
    if (plan.leadership.length > 0) {
      log(`leadership of ${leadershipMoved.elected + leadershipMoved.alreadyPreferred} partition(s) moved off broker(s) ${brokers.join(', ')}` +
        (leadershipMoved.failed.length > 0 ? `; ${leadershipMoved.failed.length} election(s) failed (they move with their data)` : ''));
    }
    reassignment = await runReassignment(api, { ...options, onEvent: log, resumed: preparation.resumed, batches: plan.batches });
    const moved = [...preparation.resumed, ...plan.moves].map(({ topic, partition }) => ({ topic, partition }));
    const leadersElected = moved.length > 0 ? await electLeaders(api, moved) : { elected: 0, alreadyPreferred: 0, failed: [] };
    const after = indexCluster(await fetchClusterView(api));
    const kept = oneOf(preparation.unplaceable);
    const remaining: PartitionRef[] = [];
    for (const broker of brokers) {
      if (!holdsAnyReplica(after, broker)) continue;
      for (const ordinal of after.partitionsByBroker.get(broker) ?? []) {
        const ref = partitionRefOf(after, ordinal);
        if (!kept(ref)) remaining.push(ref);
      }
    }
    const throttlesCleared = await sweepThrottles(api, brokers, reassignment.throttled);
    return { brokers, leadershipMoved, reassignment, leadersElected, remaining, throttlesCleared };
  } catch (error) {
    await sweepThrottles(api, brokers, reassignment?.throttled ?? { brokers: [], topics: [] }).catch((sweepError: unknown) => {
      log(`sweeping throttles failed: ${sweepError instanceof Error ? sweepError.message : String(sweepError)}; run \`kubectl kafka throttles --clear\``);
    });
    throw error;
  }
}

/** Clears this run's throttles and any a killed earlier run of the same drain left (see throttleSweep). */
export async function sweepThrottles(api: KafkaApi, brokers: readonly number[], own: ThrottleSweep): Promise<ThrottleSweep> {
  const view = await fetchClusterView(api);
  const sweep = throttleSweep(view.throttles, brokers, own);
  const live = new Set(view.brokers.map((b) => b.id));
  // A broker that is not running keeps its rate until it is back; asking it would only fail.
  const target = { topics: sweep.topics, brokers: sweep.brokers.filter((b) => live.has(b)) };
  if (target.topics.length > 0 || target.brokers.length > 0) await clearThrottles(api, target);
  return target;
}

/**
 * Pure: the moves that put partitions back where `moves` took them from.
 * Only a partition still exactly where the move put it goes back; one
 * deleted, reassigned since or still reassigning is left alone. Used after a
 * node-local move and at the end of a maintenance.
 */
export function movesBack(index: ClusterIndex, moves: readonly MoveEndpoints[]): PartitionMove[] {
  const back: PartitionMove[] = [];
  for (const move of moves) {
    const ordinal = index.ordinalOf(move.topic, move.partition);
    if (ordinal < 0 || index.reassigning[ordinal] === 1) continue;
    const now = assignmentOf(index, ordinal);
    const samePlace = now.length === move.to.length && now.every((b) => move.to.includes(b));
    if (samePlace) back.push({ topic: move.topic, partition: move.partition, from: now, to: [...move.from] });
  }
  return back;
}
