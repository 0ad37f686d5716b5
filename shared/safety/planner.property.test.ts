import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ClusterView } from '../kafka/types.js';
import { assignmentOf, indexCluster, type ClusterIndex } from './cluster-index.js';
import type { DiskFacts } from './disk.js';
import { DiskFitError, PlanError, planDrain, planRebalance, type ReassignmentPlan } from './planner.js';
import { diskFactsOf } from './testing/disk.js';
import { seededRandom, syntheticCluster } from './testing/synthetic.js';

// ---- random clusters

interface ClusterParams {
  brokers: number;
  racks: number;
  rf: number;
  partitions: number;
  perTopic: number;
  seed: number;
  placement: 'rack-aware' | 'random';
  /** Brokers at the end that hold nothing yet (just added). */
  added: number;
  /** Percent of partitions with one follower out of the ISR. */
  outOfSyncPercent: number;
  /** Percent of partitions with an in-flight reassignment. */
  reassigningPercent: number;
  /** A registered broker missing from the view (down), or -1. */
  unregistered: number;
  /** Some brokers have no rack. */
  someRackless: boolean;
}

const clusterParams = (options: { maxAdded: number; allowPerturbation: boolean }): fc.Arbitrary<ClusterParams> =>
  fc
    .record({
      brokers: fc.integer({ min: 3, max: 12 }),
      racks: fc.integer({ min: 2, max: 3 }),
      rf: fc.integer({ min: 1, max: 3 }),
      partitions: fc.integer({ min: 1, max: 300 }),
      perTopic: fc.integer({ min: 1, max: 40 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      placement: fc.constantFrom('rack-aware' as const, 'random' as const),
      added: fc.integer({ min: 0, max: options.maxAdded }),
      outOfSyncPercent: options.allowPerturbation ? fc.constantFrom(0, 0, 10, 40) : fc.constant(0),
      reassigningPercent: options.allowPerturbation ? fc.constantFrom(0, 0, 5) : fc.constant(0),
      unregistered: options.allowPerturbation ? fc.integer({ min: -3, max: 11 }) : fc.constant(-1),
      someRackless: options.allowPerturbation ? fc.boolean() : fc.constant(false),
    })
    .map((p) => ({
      ...p,
      added: Math.min(p.added, p.brokers - p.rf),
      unregistered: p.unregistered < p.brokers ? p.unregistered : -1,
    }));

function buildView(p: ClusterParams): ClusterView {
  const view = syntheticCluster({
    brokers: p.brokers,
    racks: p.racks,
    partitions: p.partitions,
    replicationFactor: p.rf,
    seed: p.seed,
    partitionsPerTopic: p.perTopic,
    placement: p.placement,
    populatedBrokers: p.brokers - p.added,
  });
  const random = seededRandom(p.seed ^ 0x5eed);
  for (const topic of view.topics) {
    for (const partition of topic.partitions) {
      if (partition.replicas.length > 1 && random() * 100 < p.outOfSyncPercent) {
        const follower = partition.replicas[1 + Math.floor(random() * (partition.replicas.length - 1))];
        partition.isr = partition.isr.filter((b) => b !== follower);
      }
      if (random() * 100 < p.reassigningPercent) {
        const newcomer = view.brokers.find((b) => !partition.replicas.includes(b.id))?.id;
        const leaving = partition.replicas[partition.replicas.length - 1];
        if (newcomer !== undefined && leaving !== undefined) {
          const target = partition.replicas.map((b) => (b === leaving ? newcomer : b));
          partition.replicas = [...target, leaving];
          partition.addingReplicas = [newcomer];
          partition.removingReplicas = [leaving];
        }
      }
    }
  }
  if (p.someRackless) {
    for (const broker of view.brokers) if (broker.id % 4 === 1) broker.rack = null;
  }
  if (p.unregistered >= 0) view.brokers = view.brokers.filter((b) => b.id !== p.unregistered);
  return view;
}

// ---- independent checks

const rackOf = (index: ClusterIndex, broker: number): string => index.rackByBroker.get(broker) ?? `none-${broker}`;

/**
 * Replica lists once the plan has run. Drain leadership changes apply before the
 * data moves (to the current set), rebalance ones after (to the final set).
 */
function finalAssignments(index: ClusterIndex, plan: ReassignmentPlan, leadershipPhase: 'before-moves' | 'after-moves'): number[][] {
  const current = index.partitions.map((_, o) => assignmentOf(index, o));
  const result = [...current];
  for (const move of plan.moves) result[index.ordinalOf(move.topic, move.partition)] = move.to;
  for (const change of plan.leadership) {
    const o = index.ordinalOf(change.topic, change.partition);
    const set = (leadershipPhase === 'before-moves' ? current : result)[o] ?? [];
    // A leadership change moves no data: same set, new order.
    assert.deepEqual([...change.replicas].sort(), [...set].sort(), 'leadership change alters the replica set');
    assert.equal(change.replicas[0], change.leader);
    // Before the moves, a move's `to` sets the final order; after them, the change does.
    if (leadershipPhase === 'after-moves') result[o] = [...change.replicas];
  }
  return result;
}

function loadsOver(brokers: readonly number[], assignments: readonly number[][]): number[] {
  const counts = new Map<number, number>();
  for (const a of assignments) for (const b of a) counts.set(b, (counts.get(b) ?? 0) + 1);
  return brokers.map((b) => counts.get(b) ?? 0);
}

const spread = (loads: readonly number[]): number => (loads.length === 0 ? 0 : Math.max(...loads) - Math.min(...loads));

function checkBatches(plan: ReassignmentPlan, maxMovesPerBroker: number): void {
  const flattened = plan.batches.flat();
  assert.equal(flattened.length, plan.moves.length);
  assert.deepEqual(new Set(flattened), new Set(plan.moves));
  for (const batch of plan.batches) {
    const counts = new Map<number, number>();
    for (const move of batch) {
      for (const b of [...move.from.filter((x) => !move.to.includes(x)), ...move.to.filter((x) => !move.from.includes(x))]) {
        counts.set(b, (counts.get(b) ?? 0) + 1);
      }
    }
    for (const [broker, count] of counts) assert.ok(count <= maxMovesPerBroker, `broker ${broker} in ${count} moves of one batch`);
  }
}

/**
 * Whether units (moved replicas, or leaderships to hand out) can each go to one of
 * their allowed bins so that every bin's load, fixed part included, ends within
 * `spread` of every other's. Decided exactly with a max-flow that has lower
 * bounds on bin loads, one band [t, t + spread] at a time.
 */
function levelingAchievable(preLoads: readonly number[], allowed: readonly number[][], maxSpread = 1): boolean {
  const bins = preLoads.length;
  if (bins === 0) return true;
  const total = preLoads.reduce((a, b) => a + b, 0) + allowed.length;
  const highest = Math.max(...preLoads);
  for (let t = Math.max(0, highest - maxSpread); t * bins <= total; t += 1) {
    const lower = preLoads.map((l) => Math.max(0, t - l));
    const upper = preLoads.map((l) => t + maxSpread - l);
    if (upper.some((u) => u < 0)) continue;
    if (feasible(lower, upper, allowed)) return true;
  }
  return false;
}

/**
 * Checks that a plan's leader counts are as even as the allowed choices can make
 * them: spread <= 1 whenever some allowed choice reaches it, and otherwise no
 * allowed choice does better than the plan. (Feasibility only grows with the
 * spread, so one band sweep at `spread - 1` decides it.)
 */
function assertLeadersLeveled(preLoads: readonly number[], allowed: readonly number[][], leaderLoads: readonly number[]): void {
  const achieved = spread(leaderLoads);
  if (achieved <= 1) return;
  assert.ok(
    !levelingAchievable(preLoads, allowed, 1),
    `leader spread ${achieved} (${leaderLoads.join(',')}) though an allowed choice of leaders reaches spread <= 1`,
  );
  assert.ok(!levelingAchievable(preLoads, allowed, achieved - 1), `leader spread ${achieved} though an allowed choice does better`);
}

/**
 * The fewest replica moves that bring replica counts within 1 of each other,
 * racks aside. With total T over n brokers, q = floor(T / n) and r = T mod n, the
 * only end states are r brokers at q + 1 and the rest at q. Each move takes one
 * replica off one broker, so reaching end state f costs sum(max(0, count - f)).
 * A broker above q that is given one of the r places at q + 1 saves one move; one
 * at or below q saves nothing. So the cheapest end state gives those places to
 * brokers above q first.
 */
function rebalanceLowerBound(loads: readonly number[]): number {
  if (loads.length === 0) return 0;
  const total = loads.reduce((a, b) => a + b, 0);
  const q = Math.floor(total / loads.length);
  const r = total % loads.length;
  let excess = 0;
  let above = 0;
  for (const l of loads) {
    if (l > q) {
      excess += l - q;
      above += 1;
    }
  }
  return excess - Math.min(r, above);
}

/** Every item to exactly one allowed bin, bin b receiving between lower[b] and upper[b] items. */
function feasible(lower: readonly number[], upper: readonly number[], allowed: readonly number[][]): boolean {
  // Max flow with lower bounds: each edge u->v with [low, high] becomes capacity
  // high - low plus a demand of `low` at v and a supply of `low` at u; the
  // bounds can be met iff a max flow from SS to TT saturates every demand.
  const items = allowed.length;
  const bins = lower.length;
  const [S, T, SS, TT] = [0, 1, 2, 3];
  const item = (i: number): number => 4 + i;
  const bin = (b: number): number => 4 + items + b;
  const n = 4 + items + bins;
  const head: number[][] = Array.from({ length: n }, () => []);
  const to: number[] = [];
  const cap: number[] = [];
  const excess = new Array<number>(n).fill(0);
  const edge = (u: number, v: number, capacity: number): void => {
    head[u]?.push(to.length);
    to.push(v);
    cap.push(capacity);
    head[v]?.push(to.length);
    to.push(u);
    cap.push(0);
  };
  const bounded = (u: number, v: number, low: number, high: number): void => {
    edge(u, v, high - low);
    excess[v] = (excess[v] ?? 0) + low;
    excess[u] = (excess[u] ?? 0) - low;
  };
  allowed.forEach((binsAllowed, i) => {
    bounded(S, item(i), 1, 1);
    for (const b of binsAllowed) edge(item(i), bin(b), 1);
  });
  for (let b = 0; b < bins; b += 1) bounded(bin(b), T, lower[b] ?? 0, upper[b] ?? 0);
  edge(T, S, 1e9);
  let need = 0;
  excess.forEach((e, v) => {
    if (e > 0) {
      edge(SS, v, e);
      need += e;
    } else if (e < 0) edge(v, TT, -e);
  });
  let flow = 0;
  for (;;) {
    const via = new Array<number>(n).fill(-1);
    const seen = new Uint8Array(n);
    seen[SS] = 1;
    const queue = [SS];
    for (let at = 0; at < queue.length && seen[TT] === 0; at += 1) {
      const u = queue[at] ?? 0;
      for (const e of head[u] ?? []) {
        const v = to[e] ?? 0;
        if (seen[v] === 0 && (cap[e] ?? 0) > 0) {
          seen[v] = 1;
          via[v] = e;
          queue.push(v);
        }
      }
    }
    if (seen[TT] === 0) break;
    let push = Infinity;
    for (let v = TT; v !== SS; v = to[(via[v] ?? 0) ^ 1] ?? SS) push = Math.min(push, cap[via[v] ?? 0] ?? 0);
    for (let v = TT; v !== SS; v = to[(via[v] ?? 0) ^ 1] ?? SS) {
      const e = via[v] ?? 0;
      cap[e] = (cap[e] ?? 0) - push;
      cap[e ^ 1] = (cap[e ^ 1] ?? 0) + push;
    }
    flow += push;
  }
  return flow === need;
}

// ---- properties

// 100 runs keep the file at a few seconds; raise PLANNER_PROPERTY_RUNS for a deeper search.
const RUNS = Number(process.env.PLANNER_PROPERTY_RUNS ?? 100);

describe('planDrain properties', () => {
  it('moves exactly the drained replicas, keeps RF, racks and balance', () => {
    fc.assert(
      fc.property(
        clusterParams({ maxAdded: 2, allowPerturbation: true }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 5 }),
        (params, drainCount, firstDrained, maxMovesPerBroker) => {
          const view = buildView(params);
          const index = indexCluster(view);
          const drained = Array.from({ length: drainCount }, (_, i) => (firstDrained + i * 5) % params.brokers);
          const drainedSet = new Set(drained);
          const targets = index.brokerIds.filter((b) => !drainedSet.has(b));
          const before = index.partitions.map((_, o) => assignmentOf(index, o));

          const feasibleDrain = before.every((a) => {
            const kept = a.filter((b) => !drainedSet.has(b));
            return targets.filter((b) => !kept.includes(b)).length >= a.length - kept.length;
          });
          let plan: ReassignmentPlan;
          try {
            plan = planDrain(index, drained, { maxMovesPerBroker });
          } catch (error) {
            assert.ok(error instanceof PlanError, String(error));
            assert.equal(feasibleDrain, false, 'refused a feasible drain');
            return;
          }
          assert.equal(feasibleDrain, true, 'planned an impossible drain');

          const after = finalAssignments(index, plan, 'before-moves');
          const lowerBound = before.reduce((n, a) => n + a.filter((b) => drainedSet.has(b)).length, 0);
          assert.equal(plan.summary.lowerBound, lowerBound);
          assert.equal(plan.summary.movedReplicas, lowerBound);

          let moved = 0;
          after.forEach((a, o) => {
            const original = before[o] ?? [];
            assert.equal(a.length, original.length, 'replication factor changed');
            assert.equal(new Set(a).size, a.length, `duplicate broker in ${a.join(',')}`);
            for (const b of a) assert.ok(!drainedSet.has(b), `replica left on drained broker ${b}`);
            const kept = original.filter((b) => !drainedSet.has(b));
            for (const b of kept) assert.ok(a.includes(b), 'a replica off the drained brokers moved');
            const added = a.filter((b) => !original.includes(b));
            moved += added.length;
            for (const b of added) assert.ok(targets.includes(b), `replica moved to non-target ${b}`);

            // Rack diversity whenever the remaining brokers allow it.
            if (added.length > 0) {
              const keptRacks = kept.map((b) => rackOf(index, b));
              const freeRacks = new Set(targets.filter((b) => !kept.includes(b)).map((b) => rackOf(index, b)).filter((r) => !keptRacks.includes(r)));
              const achievable = new Set(keptRacks).size === keptRacks.length && freeRacks.size >= added.length;
              if (achievable) assert.equal(new Set(a.map((b) => rackOf(index, b))).size, a.length, `racks shared in ${a.join(',')}`);
            }
          });
          assert.equal(moved, lowerBound);

          // Preferred leaders: off the drained brokers, in sync when a surviving in-sync replica exists.
          for (const move of plan.moves) {
            const o = index.ordinalOf(move.topic, move.partition);
            const state = index.partitions[o];
            const original = before[o] ?? [];
            const first = original[0];
            if (state === undefined || first === undefined || !drainedSet.has(first)) continue;
            const survivors = original.filter((b) => !drainedSet.has(b) && index.registered.has(b) && state.isr.includes(b));
            if (survivors.length > 0) assert.ok(survivors.includes(move.to[0] ?? -1), `preferred leader ${move.to[0]} not a surviving ISR member`);
          }
          for (const change of plan.leadership) {
            const state = index.partitions[index.ordinalOf(change.topic, change.partition)];
            assert.ok(state !== undefined && drainedSet.has(state.leader), 'leadership entry for a partition not led by a drained broker');
            assert.ok(!drainedSet.has(change.leader) && state.isr.includes(change.leader));
          }

          // Leader balance. Only partitions whose preferred leader is drained get a new
          // one, chosen from the first non-empty tier: surviving registered in-sync
          // replicas, surviving registered ones, surviving ones, else the new replicas.
          // Among the remaining brokers, leader counts must be as even as those
          // choices allow (spread <= 1 whenever any allowed choice reaches it).
          const leaderFixed: number[][] = [];
          const leaderAllowed: number[][] = [];
          before.forEach((original, o) => {
            const first = original[0];
            const leader = (after[o] ?? [])[0];
            if (first === undefined) return;
            if (!drainedSet.has(first)) {
              assert.equal(leader, first, `preferred leader of a partition not led by a drained broker changed: ${original.join(',')} -> ${(after[o] ?? []).join(',')}`);
              leaderFixed.push([first]);
              return;
            }
            const isr = index.partitions[o]?.isr ?? [];
            const kept = original.filter((b) => !drainedSet.has(b));
            const live = kept.filter((b) => index.registered.has(b));
            const tiers = [live.filter((b) => isr.includes(b)), live, kept, (after[o] ?? []).filter((b) => !kept.includes(b))];
            const tier = tiers.find((t) => t.length > 0) ?? [];
            assert.ok(leader !== undefined && tier.includes(leader), `new preferred leader ${leader} of ${original.join(',')} is not one of ${tier.join(',')}`);
            const options = tier.map((b) => targets.indexOf(b)).filter((bin) => bin >= 0);
            if (options.length > 0) leaderAllowed.push(options);
          });
          const leaderLoads = loadsOver(targets, after.map((a) => a.slice(0, 1)));
          assert.equal(plan.summary.leaderSpread.before, spread(loadsOver(targets, before.map((a) => a.slice(0, 1)))));
          assert.equal(plan.summary.leaderSpread.after, spread(leaderLoads));
          assertLeadersLeveled(loadsOver(targets, leaderFixed), leaderAllowed, leaderLoads);

          // Summary matches the plan, and balance is optimal when leveling is possible.
          const loads = loadsOver(targets, after);
          assert.equal(plan.summary.replicaSpread.after, spread(loads));
          assert.equal(plan.summary.replicaSpread.before, spread(loadsOver(targets, before)));
          if (drained.length === 1 && targets.length > 0) {
            const preLoads = loadsOver(targets, before);
            const allowed: number[][] = [];
            for (const a of before) {
              if (!a.some((b) => drainedSet.has(b))) continue;
              const kept = a.filter((b) => !drainedSet.has(b));
              const keptRacks = kept.map((b) => rackOf(index, b));
              const open = targets.map((b, i) => [b, i] as const).filter(([b]) => !kept.includes(b));
              const fresh = open.filter(([b]) => !keptRacks.includes(rackOf(index, b)));
              allowed.push((fresh.length > 0 ? fresh : open).map(([, i]) => i));
            }
            if (levelingAchievable(preLoads, allowed)) {
              assert.ok(plan.summary.replicaSpread.after <= 1, `spread ${plan.summary.replicaSpread.after} though leveling is achievable`);
            }
          }
          checkBatches(plan, maxMovesPerBroker);

          // Same input, same output (a fresh copy of the view, a fresh index).
          const again = planDrain(indexCluster(structuredClone(view)), [...drained], { maxMovesPerBroker });
          assert.deepEqual(again, plan);
        },
      ),
      { numRuns: RUNS, seed: 424242, includeErrorInReport: true },
    );
  });
});

describe('planRebalance properties', () => {
  it('keeps RF and racks, never worsens balance, levels leaders as far as the replica sets allow, and is deterministic', () => {
    fc.assert(
      fc.property(clusterParams({ maxAdded: 4, allowPerturbation: true }), fc.integer({ min: 1, max: 5 }), (params, maxMovesPerBroker) => {
        const view = buildView(params);
        const index = indexCluster(view);
        const plan = planRebalance(index, { maxMovesPerBroker });
        const before = index.partitions.map((_, o) => assignmentOf(index, o));
        const after = finalAssignments(index, plan, 'after-moves');
        let moved = 0;
        after.forEach((a, o) => {
          const original = before[o] ?? [];
          assert.equal(a.length, original.length, 'replication factor changed');
          assert.equal(new Set(a).size, a.length, `duplicate broker in ${a.join(',')}`);
          const racksBefore = new Set(original.map((b) => rackOf(index, b))).size;
          const racksAfter = new Set(a.map((b) => rackOf(index, b))).size;
          assert.ok(racksAfter >= racksBefore, `rack diversity lowered: ${original.join(',')} -> ${a.join(',')}`);
          const added = a.filter((b) => !original.includes(b));
          for (const b of added) assert.ok(index.registered.has(b));
          if (index.reassigning[o] === 1) assert.equal(added.length, 0, 'touched an in-flight reassignment');
          moved += added.length;
        });
        assert.equal(plan.summary.movedReplicas, moved);
        // The lower bound is what levelling costs; a plan that racks stop short of it may move less.
        const lowerBound = rebalanceLowerBound(loadsOver(index.brokerIds, before));
        assert.equal(plan.summary.lowerBound, lowerBound);
        if (plan.summary.replicaSpread.after <= 1) assert.ok(moved >= lowerBound);
        const loads = loadsOver(index.brokerIds, after);
        assert.equal(plan.summary.replicaSpread.after, spread(loads));
        assert.equal(plan.summary.replicaSpread.before, spread(loadsOver(index.brokerIds, before)));
        assert.ok(plan.summary.replicaSpread.after <= plan.summary.replicaSpread.before);
        for (const change of plan.leadership) {
          const o = index.ordinalOf(change.topic, change.partition);
          assert.ok((after[o] ?? []).includes(change.leader));
        }

        // Leader balance, given the plan's replica sets. A partition under
        // reassignment, or whose preferred leader is not a registered broker, keeps
        // it. Any other may be led by a replica in its final set that is the current
        // preferred leader, in the ISR now, or added by the plan (in sync once its
        // move is done). Leader counts must be as even as those choices allow.
        const members = index.brokerIds;
        const leaderFixed: number[][] = [];
        const leaderAllowed: number[][] = [];
        before.forEach((original, o) => {
          const first = original[0];
          const final = after[o] ?? [];
          if (first === undefined) return;
          if (index.reassigning[o] === 1 || !members.includes(first)) {
            assert.equal(final[0], first, `preferred leader changed for a partition the rebalance may not touch: ${original.join(',')} -> ${final.join(',')}`);
            leaderFixed.push([first]);
            return;
          }
          const isr = index.partitions[o]?.isr ?? [];
          const options = final.filter((b) => members.includes(b) && (b === first || isr.includes(b) || !original.includes(b)));
          assert.ok(options.includes(final[0] ?? -1), `preferred leader ${final[0]} of ${final.join(',')} is neither current, in sync, nor new`);
          leaderAllowed.push(options.map((b) => members.indexOf(b)));
        });
        const leaderLoads = loadsOver(members, after.map((a) => a.slice(0, 1)));
        assert.equal(plan.summary.leaderSpread.before, spread(loadsOver(members, before.map((a) => a.slice(0, 1)))));
        assert.equal(plan.summary.leaderSpread.after, spread(leaderLoads));
        assertLeadersLeveled(loadsOver(members, leaderFixed), leaderAllowed, leaderLoads);
        checkBatches(plan, maxMovesPerBroker);
        assert.deepEqual(planRebalance(indexCluster(structuredClone(view)), { maxMovesPerBroker }), plan);
      }),
      { numRuns: RUNS, seed: 171717, includeErrorInReport: true },
    );
  });

  it('without racks or in-flight reassignments: reaches spread <= 1 in exactly the lower bound', () => {
    // Out-of-sync followers and a broker missing from the view are kept: neither
    // stops a replica move when there are no racks.
    const params = clusterParams({ maxAdded: 4, allowPerturbation: true }).map((p) => ({ ...p, reassigningPercent: 0 }));
    fc.assert(
      fc.property(params, (params) => {
        const view = buildView(params);
        for (const broker of view.brokers) broker.rack = null;
        const index = indexCluster(view);
        const plan = planRebalance(index, { maxMovesPerBroker: 3 });
        const before = index.partitions.map((_, o) => assignmentOf(index, o));
        const after = finalAssignments(index, plan, 'after-moves');
        const lowerBound = rebalanceLowerBound(loadsOver(index.brokerIds, before));
        const moved = after.reduce((n, a, o) => n + a.filter((b) => !(before[o] ?? []).includes(b)).length, 0);
        const replicaSpread = spread(loadsOver(index.brokerIds, after));
        assert.ok(replicaSpread <= 1, `spread ${replicaSpread}`);
        assert.equal(moved, lowerBound, `moved ${moved} replicas, the fewest that level the counts is ${lowerBound}`);
        assert.equal(plan.summary.movedReplicas, moved);
        assert.equal(plan.summary.lowerBound, lowerBound);
        assert.equal(plan.summary.rackViolations, 0);
      }),
      { numRuns: RUNS, seed: 99, includeErrorInReport: true },
    );
  });
});

// ---- disks

interface DiskParams {
  /** Per partition ordinal, 1..100 bytes (the scale does not matter). */
  sizeSeed: number;
  /** Per broker capacity in bytes; 0 means unknown (no limit). */
  capacities: number[];
  maxUsagePercent: number;
}

const diskParams = (brokers: number, maxCapacity: number): fc.Arbitrary<DiskParams> =>
  fc.record({
    sizeSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    capacities: fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: maxCapacity }) }), {
      minLength: brokers,
      maxLength: brokers,
    }),
    maxUsagePercent: fc.integer({ min: 1, max: 100 }),
  });

function diskFor(view: ClusterView, d: DiskParams, maxSize: number): { disk: DiskFacts; sizeOf: (topic: string, partition: number) => number } {
  const random = seededRandom(d.sizeSeed);
  const sizes = new Map<string, number>();
  for (const topic of view.topics) for (const p of topic.partitions) sizes.set(`${topic.name}/${p.partition}`, 1 + Math.floor(random() * maxSize));
  const sizeOf = (topic: string, partition: number) => sizes.get(`${topic}/${partition}`) ?? 0;
  const capacity = new Map<number, number>();
  d.capacities.forEach((bytes, broker) => {
    if (bytes > 0) capacity.set(broker, bytes);
  });
  return { disk: diskFactsOf(view, sizeOf, capacity, d.maxUsagePercent), sizeOf };
}

/** Independently: the most a broker may hold after receiving, Infinity when its capacity is unknown. */
const limitOf = (disk: DiskFacts, broker: number): number => {
  const capacity = disk.capacity.get(broker)?.bytes;
  return capacity === undefined ? Infinity : Math.floor((capacity * disk.maxUsagePercent) / 100);
};

/** Bytes arriving per broker once the plan's moves are done. */
function arrivingBytes(plan: ReassignmentPlan, sizeOf: (topic: string, partition: number) => number): Map<number, number> {
  const arriving = new Map<number, number>();
  for (const move of plan.moves) {
    for (const b of move.to) if (!move.from.includes(b)) arriving.set(b, (arriving.get(b) ?? 0) + sizeOf(move.topic, move.partition));
  }
  return arriving;
}

function assertWithinHeadroom(disk: DiskFacts, plan: ReassignmentPlan, sizeOf: (topic: string, partition: number) => number): void {
  for (const [broker, bytes] of arrivingBytes(plan, sizeOf)) {
    const holds = (disk.usedBytes.get(broker) ?? 0) + bytes;
    assert.ok(holds <= limitOf(disk, broker), `broker ${broker} would hold ${holds} of ${limitOf(disk, broker)} allowed`);
  }
}

const combinations = <T>(items: readonly T[], k: number): T[][] =>
  k === 0 ? [[]] : items.flatMap((item, i) => combinations(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));

/**
 * Brute force over every placement of the drained replicas: each partition's on
 * distinct targets it does not use, spanning as many racks as any placement of it
 * can (the planner never trades rack diversity for bytes), and every receiving
 * target within its headroom. null when some partition has no placement at all.
 */
function someDrainFits(index: ClusterIndex, drained: ReadonlySet<number>, disk: DiskFacts, sizeOf: (topic: string, partition: number) => number): boolean | null {
  const targets = index.brokerIds.filter((b) => !drained.has(b));
  const choices: Array<{ size: number; options: number[][] }> = [];
  for (let o = 0; o < index.partitions.length; o += 1) {
    const assignment = assignmentOf(index, o);
    const leaving = assignment.filter((b) => drained.has(b)).length;
    if (leaving === 0) continue;
    const kept = assignment.filter((b) => !drained.has(b));
    const all = combinations(targets.filter((b) => !kept.includes(b)), leaving);
    if (all.length === 0) return null;
    const racks = (option: number[]) => new Set([...kept, ...option].map((b) => rackOf(index, b))).size;
    const most = Math.max(...all.map(racks));
    const state = index.partitions[o];
    choices.push({ size: sizeOf(state?.topic ?? '', state?.partition ?? -1), options: all.filter((option) => racks(option) === most) });
  }
  const arriving = new Map<number, number>();
  const fitsNow = (): boolean =>
    [...arriving].every(([b, bytes]) => bytes === 0 || (disk.usedBytes.get(b) ?? 0) + bytes <= limitOf(disk, b));
  const search = (i: number): boolean => {
    if (!fitsNow()) return false;
    const choice = choices[i];
    if (choice === undefined) return true;
    for (const option of choice.options) {
      for (const b of option) arriving.set(b, (arriving.get(b) ?? 0) + choice.size);
      const found = search(i + 1);
      for (const b of option) arriving.set(b, (arriving.get(b) ?? 0) - choice.size);
      if (found) return true;
    }
    return false;
  };
  return search(0);
}

describe('planner properties on disks', () => {
  it('a drain plan never takes a receiving broker past its headroom, and still moves exactly the drained replicas with the same racks', () => {
    fc.assert(
      fc.property(
        clusterParams({ maxAdded: 2, allowPerturbation: true }).chain((params) => fc.tuple(fc.constant(params), diskParams(params.brokers, 6000))),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 0, max: 11 }),
        ([params, d], drainCount, firstDrained) => {
          const view = buildView(params);
          const index = indexCluster(view);
          const drained = Array.from({ length: drainCount }, (_, i) => (firstDrained + i * 5) % params.brokers);
          const { disk, sizeOf } = diskFor(view, d, 100);
          let unlimited: ReassignmentPlan;
          try {
            unlimited = planDrain(index, drained, { maxMovesPerBroker: 5 });
          } catch {
            return; // no destination at all: covered by the tests above
          }
          let plan: ReassignmentPlan;
          try {
            plan = planDrain(index, drained, { maxMovesPerBroker: 5, disk });
          } catch (error) {
            assert.ok(error instanceof DiskFitError, String(error));
            if (error.why === 'total') {
              // Independently: the moved bytes outweigh all the room the limited targets have, and none is unlimited.
              const targets = index.brokerIds.filter((b) => !drained.includes(b));
              const room = targets.reduce((sum, b) => sum + Math.max(0, limitOf(disk, b) - (disk.usedBytes.get(b) ?? 0)), 0);
              const moving = unlimited.moves.reduce((sum, m) => sum + sizeOf(m.topic, m.partition) * m.to.filter((b) => !m.from.includes(b)).length, 0);
              assert.ok(moving > room, `'total' refusal with ${moving} bytes to move and ${room} of room`);
            }
            return;
          }
          assertWithinHeadroom(disk, plan, sizeOf);
          assert.equal(plan.summary.movedReplicas, plan.summary.lowerBound);
          assert.equal(plan.summary.lowerBound, unlimited.summary.lowerBound);
          const racksOf = (p: ReassignmentPlan) => new Map(p.moves.map((m) => [`${m.topic}/${m.partition}`, new Set(m.to.map((b) => rackOf(index, b))).size]));
          assert.deepEqual(racksOf(plan), racksOf(unlimited), 'fitting the disks changed how many racks a partition spans');
          for (const m of plan.moves) for (const b of m.to) assert.ok(!drained.includes(b));
        },
      ),
      { numRuns: RUNS, seed: 77001, includeErrorInReport: true },
    );
  });

  it('on small drains it refuses exactly when no placement fits: checked against every placement (brute force)', () => {
    fc.assert(
      fc.property(
        fc
          .record({
            brokers: fc.integer({ min: 3, max: 5 }),
            racks: fc.integer({ min: 0, max: 3 }),
            rf: fc.integer({ min: 1, max: 3 }),
            partitions: fc.integer({ min: 1, max: 6 }),
            seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
            drained: fc.integer({ min: 0, max: 4 }),
          })
          .chain((p) => fc.tuple(fc.constant(p), diskParams(p.brokers, 300))),
        ([p, d]) => {
          const rf = Math.min(p.rf, p.brokers - 1);
          const view = syntheticCluster({ brokers: p.brokers, racks: p.racks, partitions: p.partitions, replicationFactor: rf, seed: p.seed, placement: 'random', partitionsPerTopic: 3 });
          const index = indexCluster(view);
          const drained = new Set([p.drained % p.brokers]);
          const { disk, sizeOf } = diskFor(view, d, 100);
          const fits = someDrainFits(index, drained, disk, sizeOf);
          fc.pre(fits !== null);
          let plan: ReassignmentPlan | null = null;
          let why: string | null = null;
          try {
            plan = planDrain(index, [...drained], { maxMovesPerBroker: 5, disk });
          } catch (error) {
            assert.ok(error instanceof DiskFitError, String(error));
            why = error.why;
          }
          if (fits) {
            assert.ok(plan !== null, `refused (${why}) although a placement fits`);
            assertWithinHeadroom(disk, plan, sizeOf);
          } else {
            assert.equal(plan, null, 'planned a drain that no placement fits');
            assert.notEqual(why, 'budget', 'the search gave up on a small drain');
          }
        },
      ),
      { numRuns: RUNS * 3, seed: 77002, includeErrorInReport: true },
    );
  });

  it('a rebalance never moves a replica to a broker it would take past its headroom', () => {
    fc.assert(
      fc.property(
        clusterParams({ maxAdded: 4, allowPerturbation: true }).chain((params) => fc.tuple(fc.constant(params), diskParams(params.brokers, 6000))),
        ([params, d]) => {
          const view = buildView(params);
          const index = indexCluster(view);
          const { disk, sizeOf } = diskFor(view, d, 100);
          const plan = planRebalance(index, { maxMovesPerBroker: 5, disk });
          assertWithinHeadroom(disk, plan, sizeOf);
          assert.ok(plan.summary.replicaSpread.after <= plan.summary.replicaSpread.before);
          // The plan's own figures agree with the moves.
          const arriving = arrivingBytes(plan, sizeOf);
          for (const row of plan.disk?.brokers ?? []) assert.equal(row.arrivingBytes, arriving.get(row.broker) ?? 0, `broker ${row.broker}`);
        },
      ),
      { numRuns: RUNS, seed: 77003, includeErrorInReport: true },
    );
  });
});
