/**
 * Reassignment planner: where replicas go when brokers are drained or added.
 * Pure and deterministic: no randomness, every choice has a total tie-break
 * (load, then broker id, then topic/partition order).
 *
 * Conventions shared by both planners:
 * - A partition's replica set is its `assignment` (replicas minus those an
 *   in-flight reassignment is removing): where it is headed. Loads count it.
 * - "Leaders" are preferred leaders (first replica), which is what an election
 *   makes the actual leaders.
 * - Racks: a broker without `broker.rack` (or not registered) counts as a rack
 *   of its own, so racks only constrain where they are known.
 * - `moves` only lists partitions whose replica set changes (data moves);
 *   leadership-only changes (same set, new order) are in `leadership`.
 */

import { assignmentOf, partitionRefOf, type ClusterIndex } from './cluster-index.js';
import { allowedBytes, type DiskCheck, type DiskFacts } from './disk.js';
import { fitUnits, type FitGroup, type FitOutcome, type FitUnit } from './disk-fit.js';
import { levelLoads, type LevelUnit } from './leveling.js';
import {
  DEFAULT_MAX_PARTITIONS_NAMED,
  drainDoesNotFitMessage,
  invalidMaxMovesMessage,
  noDestinationMessage,
  unregisteredTargetMessage,
} from './messages.js';
import { partitionKey, type PartitionRef } from './types.js';

/** One partition's reassignment. */
export interface PartitionMove {
  topic: string;
  partition: number;
  /** Current replicas, as the cluster reports them. */
  from: number[];
  /** Target replicas, preferred leader first. */
  to: number[];
}

/** A preferred-leader change that moves no data: put `replicas` in place, then elect `leader`. */
export interface LeadershipChange extends PartitionRef {
  leader: number;
  /** The partition's replica set in the order that makes `leader` preferred. */
  replicas: number[];
}

export interface Spread {
  before: number;
  after: number;
}

export interface PlanSummary {
  /** Replicas that change broker: over all moves, the brokers in `to` that were not in the partition's assignment. */
  movedReplicas: number;
  /** The fewest replica moves that can do the job (see each planner). */
  lowerBound: number;
  /** Max minus min replica count over the plan's brokers. */
  replicaSpread: Spread;
  /** Max minus min preferred-leader count over the plan's brokers. */
  leaderSpread: Spread;
  /**
   * The largest replica spread inside one rack (brokers without a rack form one
   * group). Keeping partitions rack-diverse fixes how much each rack holds, so
   * with uneven racks (34/33/33 brokers) or a drain (the drained broker's
   * replicas go to its own rack) this, not `replicaSpread`, is what can be <= 1.
   */
  replicaSpreadWithinRacks: Spread;
  /** The largest preferred-leader spread inside one rack. */
  leaderSpreadWithinRacks: Spread;
  /** Moved partitions whose target replicas share a rack (avoidable or not; brokers without a rack never share). */
  rackViolations: number;
}

export interface ReassignmentPlan {
  moves: PartitionMove[];
  /** `moves` split so that no broker gains or loses more than maxMovesPerBroker replicas per batch. */
  batches: PartitionMove[][];
  leadership: LeadershipChange[];
  summary: PlanSummary;
  /** Bytes per broker the plan balances over, when the planner was given DiskFacts. */
  disk?: DiskCheck;
}

/** A plan that cannot be made; `partitions` names the ones in the way. */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly partitions: PartitionRef[],
  ) {
    super(message);
    this.name = 'PlanError';
  }
}

/**
 * A drain whose replicas fit on no placement within the brokers' disk headroom.
 * `check` holds the figures of the best placement found.
 */
export class DiskFitError extends PlanError {
  constructor(
    message: string,
    readonly check: DiskCheck,
    /** Whether it is certain that nothing fits ('budget': only that nothing was found). */
    readonly why: Exclude<FitOutcome, { fits: true }>['why'],
  ) {
    super(message, []);
    this.name = 'DiskFitError';
  }
}

export interface DrainOptions {
  maxMovesPerBroker: number;
  /** Brokers that may receive replicas; default every registered broker not drained. Drained ones are left out. */
  targetBrokers?: number[];
  /** Sizes and capacities: no target then ends past its headroom, or the plan is refused (DiskFitError). Default: bytes are not looked at. */
  disk?: DiskFacts;
}

export interface RebalanceOptions {
  maxMovesPerBroker: number;
  /** Brokers to balance across; default every registered broker. */
  brokers?: number[];
  /** Sizes and capacities: no move goes to a broker it would push past its headroom. Default: bytes are not looked at. */
  disk?: DiskFacts;
}

/**
 * Plans moving every replica off `brokersToDrain`.
 *
 * - Moves: exactly the replicas the drained brokers hold (that count is the
 *   lower bound, and nothing else moves). A drained broker that an in-flight
 *   reassignment is already removing is left to that reassignment.
 * - Racks: a partition's new replicas go to racks it does not use yet whenever
 *   the remaining brokers offer enough such racks; otherwise as few racks as
 *   possible are shared.
 * - Balance (replica counts over the remaining brokers): only the moved
 *   replicas can change it, and each may only go where the rules above allow
 *   (a broker its partition does not use; a rack the partition does not use
 *   whenever it has one to go to: racks come before balance). "Achievable"
 *   means: some placement of the moved replicas that obeys those rules leaves
 *   every remaining broker within 1 of the others. If so, the plan's spread is
 *   <= 1. If not, the plan is still as level as the rules allow: the heaviest
 *   broker is as light, and the lightest as heavy, as any allowed placement
 *   could make them (no moved replica, nor chain of them, can go from a broker
 *   to one holding 2 or more fewer; see leveling.ts). This is exact when each
 *   partition loses one replica (draining one broker); when a partition loses
 *   several, its new replicas constrain each other and the result is a local
 *   optimum. Note that with racks, the drained broker's replicas mostly stay
 *   in its rack, so look at `replicaSpreadWithinRacks`.
 * - Leadership: a partition whose preferred leader is drained gets a surviving,
 *   in-sync, registered broker first: the one leading fewest (ties: the current
 *   leader, then the lowest id), then leveled the same way. Only these
 *   partitions' leaders change (no elections elsewhere), so leader counts
 *   even out among the brokers that can take them: with racks, not the drained
 *   broker's own rack. `leadership` lists the partitions whose current leader
 *   is drained and whose new preferred leader is an in-sync replica of the
 *   current assignment: run it BEFORE the data moves (apply `replicas`, a
 *   reorder that moves no data, then a preferred-leader election), so clients
 *   leave the drained brokers first.
 * - Disks (`options.disk`): bytes come before balance, racks before bytes. When
 *   the balanced placement would take a target past its headroom (what it holds,
 *   leaving replicas included, plus what arrives), replicas move to targets with
 *   room (see disk-fit.ts), keeping every partition's rack count; replica counts
 *   may then be less even. When no placement fits, it throws a DiskFitError with
 *   the figures per broker. A target whose capacity is unknown has no limit.
 */
export function planDrain(index: ClusterIndex, brokersToDrain: number[], options: DrainOptions): ReassignmentPlan {
  checkMaxMoves(options.maxMovesPerBroker);
  const drained = new Set(brokersToDrain);
  const targets = uniqueSorted(options.targetBrokers ?? index.brokerIds).filter((b) => !drained.has(b));
  checkRegistered(index, targets);
  const racks = new RackIds(index);
  const bins = new BinMap(targets, racks);
  const replicaLoads = bins.loads(index.replicaCount);
  const leaderLoads = bins.loads(index.preferredLeaderCount);
  const before = bins.spreads(replicaLoads, leaderLoads);

  // Partitions with a drained broker in their assignment, and their current assignment.
  const affected: number[] = [];
  const assignments = new Map<number, number[]>();
  for (const ordinal of partitionsOn(index, [...drained])) {
    const assignment = assignmentOf(index, ordinal);
    if (!assignment.some((b) => drained.has(b))) continue;
    affected.push(ordinal);
    assignments.set(ordinal, assignment);
  }
  const assignmentFor = (ordinal: number): number[] => assignments.get(ordinal) ?? [];

  // --- replicas: greedy (most constrained first, least loaded), then leveled along augmenting paths
  interface ReplicaUnit extends LevelUnit {
    readonly slot: number;
    /** The partition's target replicas and their racks, shared by its units. */
    readonly target: number[];
    readonly targetRacks: number[];
  }
  const binsInRack = new Map<number, number>();
  for (let bin = 0; bin < bins.size; bin += 1) binsInRack.set(bins.rack(bin), (binsInRack.get(bins.rack(bin)) ?? 0) + 1);
  const targetOf = new Map<number, number[]>();
  const pending: Array<{ ordinal: number; slot: number; target: number[]; targetRacks: number[]; choices: number }> = [];
  const unplaceable: number[] = [];
  for (const ordinal of affected) {
    const target = [...assignmentFor(ordinal)];
    const targetRacks = target.map((b) => racks.of(b));
    targetOf.set(ordinal, target);
    // Brokers left for the moved replicas, and how many of them sit in a rack the
    // partition does not use yet (counted per rack, not per broker: this runs per partition).
    let open = bins.size;
    let fresh = bins.size;
    const keptRacks: number[] = [];
    let moving = 0;
    target.forEach((broker, slot) => {
      if (drained.has(broker)) {
        moving += 1;
        return;
      }
      if (bins.has(broker)) open -= 1;
      const rack = targetRacks[slot] ?? 0;
      if (!keptRacks.includes(rack)) {
        keptRacks.push(rack);
        fresh -= binsInRack.get(rack) ?? 0;
      }
    });
    if (open < moving) unplaceable.push(ordinal);
    target.forEach((broker, slot) => {
      if (drained.has(broker)) pending.push({ ordinal, slot, target, targetRacks, choices: fresh > 0 ? fresh : open });
    });
  }
  if (unplaceable.length > 0) {
    const refs = unplaceable.map((o) => partitionRefOf(index, o));
    throw new PlanError(noDestinationMessage(uniqueSorted(brokersToDrain), refs, DEFAULT_MAX_PARTITIONS_NAMED), refs);
  }
  pending.sort((a, b) => a.choices - b.choices || a.ordinal - b.ordinal || a.slot - b.slot);

  const units: ReplicaUnit[] = [];
  const leastLoaded = (candidates: readonly number[], target: readonly number[]): number => {
    let best = -1;
    for (const bin of candidates) {
      if (target.includes(bins.broker(bin))) continue;
      if (best === -1 || load(replicaLoads, bin) < load(replicaLoads, best)) best = bin;
    }
    return best;
  };
  for (const { ordinal, slot, target, targetRacks } of pending) {
    const usedRacks: number[] = [];
    target.forEach((broker, i) => {
      if (!drained.has(broker)) usedRacks.push(targetRacks[i] ?? 0);
    });
    // A rack the partition does not use yet if there is one, else any broker.
    let best = leastLoaded(bins.outsideRacks(usedRacks), target);
    if (best === -1) best = leastLoaded(bins.all, target);
    // The feasibility check above guarantees a candidate for every slot.
    target[slot] = bins.broker(best);
    targetRacks[slot] = bins.rack(best);
    replicaLoads[best] = load(replicaLoads, best) + 1;
    units.push({ bin: best, group: ordinal, slot, target, targetRacks });
  }

  levelLoads(
    replicaLoads,
    units,
    (unit, bin) => mayTake(unit.target, unit.targetRacks, unit.slot, bins.broker(bin), bins.rack(bin)),
    (unit, _from, to) => {
      unit.target[unit.slot] = bins.broker(to);
      unit.targetRacks[unit.slot] = bins.rack(to);
    },
    // A replica in a rack of its own must stay out of its partition's other racks.
    (unit) => bins.inRacksOtherThan(unit.targetRacks, unit.slot),
  );
  const disk = options.disk === undefined ? undefined : fitDrainOnDisks(index, options.disk, bins, units, replicaLoads, uniqueSorted(brokersToDrain));

  // --- preferred leaders for partitions that lose theirs
  interface LeaderUnit extends LevelUnit {
    readonly options: readonly number[];
  }
  const leaderOf = new Map<number, number>();
  const leaderUnits: LeaderUnit[] = [];
  const leaderPending: Array<{ ordinal: number; currentLeader: number; options: number[] }> = [];
  for (const ordinal of affected) {
    const assignment = assignmentFor(ordinal);
    const first = assignment[0];
    if (first === undefined || !drained.has(first)) continue;
    const state = index.partitions[ordinal];
    const isr = state?.isr ?? [];
    const target = targetOf.get(ordinal) ?? [];
    const kept = assignment.filter((b) => !drained.has(b));
    const inSync = kept.filter((b) => index.registered.has(b) && isr.includes(b));
    const live = kept.filter((b) => index.registered.has(b));
    const tier = inSync.length > 0 ? inSync : live.length > 0 ? live : kept.length > 0 ? kept : target.filter((b) => !kept.includes(b));
    const options = tier.filter((b) => bins.has(b));
    if (options.length === 0) {
      // Every candidate sits outside the balanced brokers: nothing to balance, take the first.
      leaderOf.set(ordinal, tier[0] ?? -1);
      continue;
    }
    leaderPending.push({ ordinal, currentLeader: state?.leader ?? -1, options });
  }
  leaderPending.sort((a, b) => a.options.length - b.options.length || a.ordinal - b.ordinal);
  for (const { ordinal, currentLeader, options } of leaderPending) {
    let best = -1;
    for (const broker of options) {
      const bin = bins.index(broker);
      if (best === -1) best = bin;
      else {
        const diff = load(leaderLoads, bin) - load(leaderLoads, best);
        // Equal load: keep the current leader, which then needs no election.
        if (diff < 0 || (diff === 0 && broker === currentLeader)) best = bin;
      }
    }
    leaderLoads[best] = load(leaderLoads, best) + 1;
    leaderUnits.push({ bin: best, group: ordinal, options });
  }
  levelLoads(
    leaderLoads,
    leaderUnits,
    (unit, bin) => unit.options.includes(bins.broker(bin)),
    () => undefined,
    (unit) => unit.options.map((b) => bins.index(b)),
  );
  for (const unit of leaderUnits) leaderOf.set(unit.group, bins.broker(unit.bin));

  // --- assemble
  const moves: PartitionMove[] = [];
  const leadership: LeadershipChange[] = [];
  let movedReplicas = 0;
  let lowerBound = 0;
  let rackViolations = 0;
  for (const ordinal of affected) {
    const state = index.partitions[ordinal];
    const assignment = assignmentFor(ordinal);
    const target = targetOf.get(ordinal) ?? [...assignment];
    const leader = leaderOf.get(ordinal);
    const to = leader === undefined ? target : [leader, ...target.filter((b) => b !== leader)];
    const { topic, partition } = partitionRefOf(index, ordinal);
    moves.push({ topic, partition, from: [...(state?.replicas ?? assignment)], to });
    for (const b of assignment) if (drained.has(b)) lowerBound += 1;
    for (const b of to) if (!assignment.includes(b)) movedReplicas += 1;
    if (sharesRack(to, racks)) rackViolations += 1;
    const preferred = to[0];
    if (
      state !== undefined &&
      drained.has(state.leader) &&
      preferred !== undefined &&
      !drained.has(preferred) &&
      // Only a reorder of the current assignment moves no data: a new replica, or
      // one an in-flight reassignment is removing, would change the replica set.
      assignment.includes(preferred) &&
      index.registered.has(preferred) &&
      state.isr.includes(preferred)
    ) {
      leadership.push({ topic, partition, leader: preferred, replicas: [preferred, ...assignment.filter((b) => b !== preferred)] });
    }
  }

  const after = bins.spreads(replicaLoads, leaderLoads);
  return {
    moves,
    batches: batchMoves(moves, options.maxMovesPerBroker),
    leadership,
    summary: summaryOf(movedReplicas, lowerBound, rackViolations, before, after),
    ...(disk === undefined ? {} : { disk }),
  };
}

/**
 * Plans evening out replicas (and preferred leaders) across `brokers`, e.g.
 * after adding brokers.
 *
 * - Target: replica counts within 1 of even. The lower bound is the fewest moves
 *   that reach it ignoring racks: the most-loaded brokers keep one extra replica
 *   when the total does not divide evenly, every other excess replica moves.
 * - Moves go from brokers above their target to brokers below it, most-loaded to
 *   least-loaded, never onto a broker that already holds the partition and
 *   never lowering the number of racks a partition spans. Without racks such a
 *   move always exists (a fuller broker always holds a partition the emptier
 *   one lacks), so the result meets the target in exactly the lower bound.
 *   Racks can block them (a fully rack-diverse cluster cannot shift replicas
 *   between racks at all); then the brokers of each rack are evened out among
 *   themselves, which may cost moves beyond the lower bound, and
 *   `replicaSpreadWithinRacks` is the figure to read.
 * - Followers move before preferred leaders, so fewer leaders change.
 * - Partitions with an in-flight reassignment are not touched.
 * - Leaders: evened out by changing the preferred order (no data moves) towards
 *   in-sync replicas within `brokers`; `leadership` lists those changes. Apply
 *   them after the data moves, so new leaders do not also serve replication.
 * - Disks (`options.disk`): a move only goes to a broker that stays within its
 *   headroom with everything that arrives (a source keeps its bytes until the
 *   move completes, so they are not counted as freed). Moves that fit nowhere
 *   are left out: the result is as even as the disks allow, never refused.
 */
export function planRebalance(index: ClusterIndex, options: RebalanceOptions): ReassignmentPlan {
  checkMaxMoves(options.maxMovesPerBroker);
  const members = uniqueSorted(options.brokers ?? index.brokerIds);
  checkRegistered(index, members);
  const racks = new RackIds(index);
  const bins = new BinMap(members, racks);
  const replicaLoads = bins.loads(index.replicaCount);
  const leaderLoads = bins.loads(index.preferredLeaderCount);
  const before = bins.spreads(replicaLoads, leaderLoads);

  // Per-bin targets: the most-loaded keep the remainder (fewest moves).
  const total = replicaLoads.reduce((a, b) => a + b, 0);
  const even = bins.size === 0 ? 0 : Math.floor(total / bins.size);
  const remainder = bins.size === 0 ? 0 : total % bins.size;
  const targetLoads = new Array<number>(bins.size).fill(even);
  [...replicaLoads.keys()]
    .sort((a, b) => load(replicaLoads, b) - load(replicaLoads, a) || a - b)
    .slice(0, remainder)
    .forEach((bin) => {
      targetLoads[bin] = even + 1;
    });
  const lowerBound = replicaLoads.reduce((sum, l, bin) => sum + Math.max(0, l - load(targetLoads, bin)), 0);

  // Replica lists as planned so far; `current` holds the changed ones.
  const original: number[][] = index.partitions.map((_, ordinal) => assignmentOf(index, ordinal));
  const current = new Map<number, number[]>();
  const replicasOf = (ordinal: number): readonly number[] => current.get(ordinal) ?? original[ordinal] ?? [];
  const holdersByBin: Set<number>[] = Array.from({ length: bins.size }, () => new Set());
  original.forEach((assignment, ordinal) => {
    for (const broker of assignment) if (bins.has(broker)) holdersByBin[bins.index(broker)]?.add(ordinal);
  });
  const room = options.disk === undefined ? null : new DiskRoom(index, options.disk, bins);

  const tryMove = (from: number, to: number): boolean => {
    const source = bins.broker(from);
    const destination = bins.broker(to);
    let chosen: number | undefined;
    for (const ordinal of holdersByBin[from] ?? []) {
      if (index.reassigning[ordinal] === 1) continue;
      const replicas = replicasOf(ordinal);
      const slot = replicas.indexOf(source);
      if (!mayTake(replicas, replicas.map((b) => racks.of(b)), slot, destination, bins.rack(to))) continue;
      if (room !== null && !room.fits(to, ordinal)) continue;
      if (slot > 0) {
        chosen = ordinal;
        break;
      }
      chosen ??= ordinal;
    }
    if (chosen === undefined) return false;
    const replicas = [...replicasOf(chosen)];
    const slot = replicas.indexOf(source);
    replicas[slot] = destination;
    current.set(chosen, replicas);
    room?.add(to, chosen);
    holdersByBin[from]?.delete(chosen);
    holdersByBin[to]?.add(chosen);
    replicaLoads[from] = load(replicaLoads, from) - 1;
    replicaLoads[to] = load(replicaLoads, to) + 1;
    if (slot === 0) {
      leaderLoads[from] = load(leaderLoads, from) - 1;
      leaderLoads[to] = load(leaderLoads, to) + 1;
    }
    return true;
  };

  const byLoad = (direction: 1 | -1) => (a: number, b: number) =>
    direction * (load(replicaLoads, a) - load(replicaLoads, b)) || a - b;
  const allBins = [...replicaLoads.keys()];
  // A pair that had nothing to move is not asked again in the same phase: sources
  // only lose partitions and destinations only gain them, so it would almost
  // always fail again, and with racks blocking most pairs re-asking is quadratic.
  const moveOnce = (
    failed: Set<number>,
    sourceOk: (bin: number) => boolean,
    destinationOk: (bin: number) => boolean,
    pairOk: (from: number, to: number) => boolean,
  ): boolean => {
    const sources = allBins.filter(sourceOk).sort(byLoad(-1));
    const destinations = allBins.filter(destinationOk).sort(byLoad(1));
    for (const from of sources) {
      for (const to of destinations) {
        const pair = from * bins.size + to;
        if (from === to || failed.has(pair) || !pairOk(from, to)) continue;
        if (tryMove(from, to)) return true;
        failed.add(pair);
      }
    }
    return false;
  };
  const overTarget = (bin: number): boolean => load(replicaLoads, bin) > load(targetLoads, bin);
  const underTarget = (bin: number): boolean => load(replicaLoads, bin) < load(targetLoads, bin);
  const failedDirect = new Set<number>();
  while (moveOnce(failedDirect, overTarget, underTarget, () => true)) {
    // each pass moves one replica from above its target to below its target
  }
  // Racks can block the moves above (a fully rack-diverse cluster cannot shift
  // replicas between racks at all). What is left is evening out each rack's
  // brokers among themselves, which never changes a partition's racks.
  const failedWithinRack = new Set<number>();
  const sameRackApart = (from: number, to: number): boolean =>
    bins.sameRack(from, to) && load(replicaLoads, from) - load(replicaLoads, to) >= 2;
  while (moveOnce(failedWithinRack, () => true, () => true, sameRackApart)) {
    // only reached when racks blocked the direct moves above
  }

  // --- preferred leaders: reorder within the balanced brokers. The leadership
  // phase runs after the data moves, so a replica this plan adds (in sync by
  // then) may lead, as may any replica in the ISR now.
  interface LeaderUnit extends LevelUnit {
    readonly options: readonly number[];
  }
  const leaderUnits: LeaderUnit[] = [];
  index.partitions.forEach((state, ordinal) => {
    const replicas = replicasOf(ordinal);
    const first = replicas[0];
    if (first === undefined || !bins.has(first) || index.reassigning[ordinal] === 1) return;
    const before = original[ordinal] ?? [];
    const options = replicas.filter((b, i) => bins.has(b) && (i === 0 || state.isr.includes(b) || !before.includes(b)));
    if (options.length < 2) return;
    leaderUnits.push({ bin: bins.index(first), group: ordinal, options });
  });
  levelLoads(
    leaderLoads,
    leaderUnits,
    (unit, bin) => unit.options.includes(bins.broker(bin)),
    () => undefined,
    (unit) => unit.options.map((b) => bins.index(b)),
  );
  for (const unit of leaderUnits) {
    const leader = bins.broker(unit.bin);
    const replicas = replicasOf(unit.group);
    if (replicas[0] !== leader) current.set(unit.group, [leader, ...replicas.filter((b) => b !== leader)]);
  }

  // --- assemble
  const moves: PartitionMove[] = [];
  const leadership: LeadershipChange[] = [];
  let movedReplicas = 0;
  let rackViolations = 0;
  const changed = [...current.keys()].sort((a, b) => a - b);
  for (const ordinal of changed) {
    const state = index.partitions[ordinal];
    const assignment = original[ordinal] ?? [];
    const to = current.get(ordinal);
    if (state === undefined || to === undefined) continue;
    const { topic, partition } = partitionRefOf(index, ordinal);
    const added = to.filter((b) => !assignment.includes(b)).length;
    if (added > 0) {
      moves.push({ topic, partition, from: [...state.replicas], to });
      movedReplicas += added;
      if (sharesRack(to, racks)) rackViolations += 1;
    }
    const leader = to[0];
    if (leader !== undefined && leader !== assignment[0]) leadership.push({ topic, partition, leader, replicas: [...to] });
  }

  const after = bins.spreads(replicaLoads, leaderLoads);
  return {
    moves,
    batches: batchMoves(moves, options.maxMovesPerBroker),
    leadership,
    summary: summaryOf(movedReplicas, lowerBound, rackViolations, before, after),
    ...(room === null ? {} : { disk: room.check() }),
  };
}

/**
 * Splits moves, in order, into batches where every broker gains or loses at most
 * `maxMovesPerBroker` replicas (first fit). The brokers counted are the ones a
 * replica leaves or joins; the leader that serves the copy is not counted, as
 * leadership can change while the plan runs.
 */
export function batchMoves(moves: readonly PartitionMove[], maxMovesPerBroker: number): PartitionMove[][] {
  checkMaxMoves(maxMovesPerBroker);
  const batches: PartitionMove[][] = [];
  const counts: Map<number, number>[] = [];
  const firstOpen = new Map<number, number>();
  for (const move of moves) {
    const brokers = [...move.from.filter((b) => !move.to.includes(b)), ...move.to.filter((b) => !move.from.includes(b))];
    let batch = 0;
    for (const b of brokers) batch = Math.max(batch, firstOpen.get(b) ?? 0);
    for (; ; batch += 1) {
      const taken = counts[batch];
      if (taken === undefined || brokers.every((b) => (taken.get(b) ?? 0) < maxMovesPerBroker)) break;
    }
    if (batches[batch] === undefined) {
      batches[batch] = [];
      counts[batch] = new Map();
    }
    batches[batch]?.push(move);
    const taken = counts[batch] ?? new Map<number, number>();
    for (const b of brokers) {
      taken.set(b, (taken.get(b) ?? 0) + 1);
      let open = firstOpen.get(b) ?? 0;
      while ((counts[open]?.get(b) ?? 0) >= maxMovesPerBroker) open += 1;
      firstOpen.set(b, open);
    }
  }
  return batches;
}

// ---- disks

/** Bytes per bin as moves arrive (rebalance: sources keep theirs until the move completes). */
class DiskRoom {
  private readonly base: number[];
  private readonly bytes: number[];
  private readonly allowed: number[];
  private readonly sizes = new Map<number, number>();
  constructor(
    private readonly index: ClusterIndex,
    private readonly disk: DiskFacts,
    private readonly bins: BinMap,
  ) {
    this.base = Array.from({ length: bins.size }, (_, bin) => disk.usedBytes.get(bins.broker(bin)) ?? 0);
    this.bytes = [...this.base];
    this.allowed = Array.from({ length: bins.size }, (_, bin) => allowedBytes(disk.capacity.get(bins.broker(bin)), disk.maxUsagePercent));
  }
  sizeOf(ordinal: number): number {
    let size = this.sizes.get(ordinal);
    if (size === undefined) {
      size = this.disk.partitionBytes.get(partitionKey(partitionRefOf(this.index, ordinal))) ?? 0;
      this.sizes.set(ordinal, size);
    }
    return size;
  }
  fits(bin: number, ordinal: number): boolean {
    return (this.bytes[bin] ?? 0) + this.sizeOf(ordinal) <= (this.allowed[bin] ?? Infinity);
  }
  add(bin: number, ordinal: number): void {
    this.bytes[bin] = (this.bytes[bin] ?? 0) + this.sizeOf(ordinal);
  }
  check(): DiskCheck {
    return diskCheckOf(this.disk, this.bins, this.base, this.bytes);
  }
}

function diskCheckOf(disk: DiskFacts, bins: BinMap, base: readonly number[], bytes: readonly number[]): DiskCheck {
  return {
    maxUsagePercent: disk.maxUsagePercent,
    brokers: Array.from({ length: bins.size }, (_, bin) => {
      const broker = bins.broker(bin);
      const capacity = disk.capacity.get(broker);
      return {
        broker,
        usedBytes: base[bin] ?? 0,
        arrivingBytes: (bytes[bin] ?? 0) - (base[bin] ?? 0),
        capacityBytes: capacity?.bytes ?? null,
        capacitySource: capacity?.source ?? null,
        allowedBytes: capacity === undefined ? null : allowedBytes(capacity, disk.maxUsagePercent),
      };
    }),
  };
}

interface PlacedReplica extends LevelUnit {
  readonly slot: number;
  readonly target: number[];
  readonly targetRacks: number[];
}

/**
 * Drain: makes the placed replicas fit the targets' headroom (moving them,
 * racks kept), updating `units` and `replicaLoads`; throws a DiskFitError when
 * no placement fits. Costs one pass over the units when everything fits already.
 */
function fitDrainOnDisks(
  index: ClusterIndex,
  disk: DiskFacts,
  bins: BinMap,
  units: readonly PlacedReplica[],
  replicaLoads: number[],
  drained: readonly number[],
): DiskCheck {
  const room = new DiskRoom(index, disk, bins);
  const base = Array.from({ length: bins.size }, (_, bin) => disk.usedBytes.get(bins.broker(bin)) ?? 0);
  const allowed = Array.from({ length: bins.size }, (_, bin) => allowedBytes(disk.capacity.get(bins.broker(bin)), disk.maxUsagePercent));
  const bytes = [...base];
  const receives = new Uint8Array(bins.size);
  for (const unit of units) {
    bytes[unit.bin] = (bytes[unit.bin] ?? 0) + room.sizeOf(unit.group);
    receives[unit.bin] = 1;
  }
  if (bytes.every((b, bin) => receives[bin] === 0 || b <= (allowed[bin] ?? Infinity))) return diskCheckOf(disk, bins, base, bytes);

  // The fit works on partitions as groups: what each keeps, and its units.
  const groupOf = new Map<number, number>();
  const groups: Array<{ keptBins: number[]; keptRacks: number[]; units: number[]; requiredRacks: number }> = [];
  const fitting: FitUnit[] = units.map((unit, i) => {
    let group = groupOf.get(unit.group);
    if (group === undefined) {
      group = groups.length;
      groupOf.set(unit.group, group);
      groups.push({ keptBins: [], keptRacks: [], units: [], requiredRacks: 0 });
    }
    groups[group]?.units.push(i);
    return { bin: unit.bin, size: room.sizeOf(unit.group), group };
  });
  for (const group of groups) {
    const first = units[group.units[0] ?? 0];
    if (first === undefined) continue;
    const unitSlots = new Set(group.units.map((i) => units[i]?.slot ?? -1));
    first.target.forEach((broker, slot) => {
      if (unitSlots.has(slot)) return;
      if (bins.has(broker)) group.keptBins.push(bins.index(broker));
      group.keptRacks.push(first.targetRacks[slot] ?? 0);
    });
    group.requiredRacks = new Set(first.targetRacks).size;
  }
  const binRacks = Int32Array.from({ length: bins.size }, (_, bin) => bins.rack(bin));
  const outcome = fitUnits({ binRacks, base, allowed, units: fitting, groups: groups as FitGroup[] });

  if (!outcome.fits) {
    const check = diskCheckOf(disk, bins, base, outcome.bytes);
    const shortfalls = check.brokers.flatMap((row, bin) =>
      row.allowedBytes !== null && row.capacityBytes !== null && (outcome.bytes[bin] ?? 0) > row.allowedBytes && fitting.some((u) => u.bin === bin)
        ? [{ broker: row.broker, holdBytes: outcome.bytes[bin] ?? 0, allowedBytes: row.allowedBytes, capacityBytes: row.capacityBytes }]
        : [],
    );
    const message = drainDoesNotFitMessage(drained, shortfalls, disk.maxUsagePercent, { ...outcome, replicas: units.length });
    throw new DiskFitError(message, check, outcome.why);
  }
  const after = [...base];
  fitting.forEach((placed, i) => {
    const unit = units[i];
    if (unit === undefined) return;
    after[placed.bin] = (after[placed.bin] ?? 0) + placed.size;
    if (placed.bin === unit.bin) return;
    replicaLoads[unit.bin] = load(replicaLoads, unit.bin) - 1;
    replicaLoads[placed.bin] = load(replicaLoads, placed.bin) + 1;
    unit.bin = placed.bin;
    unit.target[unit.slot] = bins.broker(placed.bin);
    unit.targetRacks[unit.slot] = bins.rack(placed.bin);
  });
  return diskCheckOf(disk, bins, base, after);
}

// ---- helpers

interface Spreads {
  replica: number;
  leader: number;
  replicaInRacks: number;
  leaderInRacks: number;
}

function summaryOf(movedReplicas: number, lowerBound: number, rackViolations: number, before: Spreads, after: Spreads): PlanSummary {
  return {
    movedReplicas,
    lowerBound,
    replicaSpread: { before: before.replica, after: after.replica },
    leaderSpread: { before: before.leader, after: after.leader },
    replicaSpreadWithinRacks: { before: before.replicaInRacks, after: after.replicaInRacks },
    leaderSpreadWithinRacks: { before: before.leaderInRacks, after: after.leaderInRacks },
    rackViolations,
  };
}

/**
 * Racks as small integers, so the hot loops compare numbers. A broker without
 * `broker.rack` (or not registered) gets a rack of its own: racks then only
 * constrain where they are known.
 */
class RackIds {
  private readonly byBroker = new Map<number, number>();
  private readonly byName = new Map<string, number>();
  constructor(private readonly index: ClusterIndex) {}
  of(broker: number): number {
    let id = this.byBroker.get(broker);
    if (id === undefined) {
      const name = this.index.rackByBroker.get(broker) ?? null;
      if (name === null) id = -1 - this.byBroker.size;
      else {
        id = this.byName.get(name) ?? this.byName.size;
        this.byName.set(name, id);
      }
      this.byBroker.set(broker, id);
    }
    return id;
  }
}

/** Maps the plan's brokers to dense bin indexes (ascending broker id). */
class BinMap {
  private readonly indexOf = new Map<number, number>();
  private readonly racks: Int32Array;
  private readonly allBins: readonly number[];
  private readonly binsAvoiding = new Map<string, number[]>();
  constructor(
    private readonly brokers: readonly number[],
    rackIds: RackIds,
  ) {
    brokers.forEach((b, i) => this.indexOf.set(b, i));
    this.racks = Int32Array.from(brokers, (b) => rackIds.of(b));
    this.allBins = brokers.map((_, bin) => bin);
  }
  get size(): number {
    return this.brokers.length;
  }
  has(broker: number): boolean {
    return this.indexOf.has(broker);
  }
  index(broker: number): number {
    return this.indexOf.get(broker) ?? -1;
  }
  broker(bin: number): number {
    return this.brokers[bin] ?? -1;
  }
  rack(bin: number): number {
    return this.racks[bin] ?? 0;
  }
  /** Same known rack, or both without one (rackless brokers are one group for balancing). */
  sameRack(a: number, b: number): boolean {
    return Math.max(this.rack(a), -1) === Math.max(this.rack(b), -1);
  }
  get all(): readonly number[] {
    return this.allBins;
  }
  /** Bins whose rack is none of `racks` (cached: partitions repeat the same rack sets). */
  outsideRacks(racks: readonly number[]): readonly number[] {
    const key = [...new Set(racks)].sort((a, b) => a - b).join(',');
    let bins = this.binsAvoiding.get(key);
    if (bins === undefined) {
      bins = this.allBins.filter((bin) => !racks.includes(this.rack(bin)));
      this.binsAvoiding.set(key, bins);
    }
    return bins;
  }
  /**
   * Bins worth offering a replica in `racks[slot]`: if that rack is not shared
   * within the partition, only bins outside the partition's other racks can keep
   * its rack count; otherwise any bin.
   */
  inRacksOtherThan(racks: readonly number[], slot: number): readonly number[] {
    const others = racks.filter((_, i) => i !== slot);
    return others.includes(racks[slot] ?? 0) ? this.allBins : this.outsideRacks(others);
  }
  loads(counts: ReadonlyMap<number, number>): number[] {
    return this.brokers.map((b) => counts.get(b) ?? 0);
  }
  spreads(replicaLoads: readonly number[], leaderLoads: readonly number[]): Spreads {
    return {
      replica: spreadOf(replicaLoads),
      leader: spreadOf(leaderLoads),
      replicaInRacks: this.spreadWithinRacks(replicaLoads),
      leaderInRacks: this.spreadWithinRacks(leaderLoads),
    };
  }
  /** The largest max-min spread of `loads` among brokers of one rack (rackless brokers form one group). */
  private spreadWithinRacks(loads: readonly number[]): number {
    const byRack = new Map<number, number[]>();
    this.brokers.forEach((_, bin) => {
      const rack = Math.max(this.rack(bin), -1);
      const group = byRack.get(rack);
      if (group === undefined) byRack.set(rack, [load(loads, bin)]);
      else group.push(load(loads, bin));
    });
    let widest = 0;
    for (const group of byRack.values()) widest = Math.max(widest, spreadOf(group));
    return widest;
  }
}

/**
 * Whether `replicas[slot]` may become `destination` (in `destinationRack`; the
 * replicas' racks are `replicaRacks`): not already a replica, and the partition
 * spans no fewer racks afterwards.
 */
function mayTake(
  replicas: readonly number[],
  replicaRacks: readonly number[],
  slot: number,
  destination: number,
  destinationRack: number,
): boolean {
  if (replicas.includes(destination)) return false;
  const currentRack = replicaRacks[slot];
  if (currentRack === destinationRack) return true;
  let currentShared = false;
  let destinationShared = false;
  for (let i = 0; i < replicaRacks.length; i += 1) {
    if (i === slot) continue;
    const rack = replicaRacks[i];
    if (rack === currentRack) currentShared = true;
    if (rack === destinationRack) destinationShared = true;
  }
  return currentShared || !destinationShared;
}

function sharesRack(replicas: readonly number[], racks: RackIds): boolean {
  for (let i = 0; i < replicas.length; i += 1) {
    for (let j = i + 1; j < replicas.length; j += 1) if (racks.of(replicas[i] ?? -1) === racks.of(replicas[j] ?? -1)) return true;
  }
  return false;
}

/** Ordinals of the partitions the brokers hold, each once, ascending. */
function partitionsOn(index: ClusterIndex, brokers: readonly number[]): number[] {
  const seen = new Set<number>();
  for (const broker of brokers) {
    for (const ordinal of index.partitionsByBroker.get(broker) ?? []) seen.add(ordinal);
  }
  return [...seen].sort((a, b) => a - b);
}

function spreadOf(loads: readonly number[]): number {
  if (loads.length === 0) return 0;
  let max = -Infinity;
  let min = Infinity;
  for (const value of loads) {
    if (value > max) max = value;
    if (value < min) min = value;
  }
  return max - min;
}

function load(loads: readonly number[], bin: number): number {
  return loads[bin] ?? 0;
}

function uniqueSorted(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

function checkMaxMoves(value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(invalidMaxMovesMessage(value));
}

function checkRegistered(index: ClusterIndex, brokers: readonly number[]): void {
  const unknown = brokers.filter((b) => !index.registered.has(b));
  if (unknown.length > 0) throw new RangeError(unregisteredTargetMessage(unknown, index.brokerIds));
}
