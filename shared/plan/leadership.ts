/**
 * Moving partition leadership without moving data. Kafka has no "make broker
 * X the leader" call: an election always picks the preferred replica (the
 * first in the replica list). So leadership moves in two steps: a
 * reassignment to the same replicas in a new order (metadata only, it
 * completes at once), then a preferred-leader election.
 *
 * Used before a broker goes down (clients stop talking to it first, and the
 * partitions never go leaderless) and afterwards to put the original order
 * and leaders back.
 */
import type { KafkaApi } from '../kafka/client.js';
import { alterReassignments, electPreferredLeaders, listReassignments, type ElectionResult } from '../kafka/operations.js';
import { KafkaWaitTimeoutError } from '../kafka/errors.js';
import { isrOf, partitionRefOf, assignmentOf, type ClusterIndex } from '../safety/cluster-index.js';
import type { LeadershipChange } from '../safety/planner.js';
import type { PartitionRef } from '../safety/types.js';

export interface LeadershipPlan {
  changes: LeadershipChange[];
  /** The replica order before the change, to restore afterwards. */
  original: Array<PartitionRef & { replicas: number[] }>;
  /** Partitions led by the brokers that cannot move: no other in-sync replica, or a reassignment in flight. */
  stuck: Array<PartitionRef & { reason: string }>;
}

/**
 * Pure: for every partition that `brokers` lead, an in-sync replica on another
 * registered broker to lead instead (the one leading fewest partitions, to
 * spread the load), and the replica order that makes it preferred.
 */
export function planLeadershipAway(index: ClusterIndex, brokers: readonly number[]): LeadershipPlan {
  const away = new Set(brokers);
  const leading = new Map<number, number>();
  for (const [broker, ordinals] of index.leadersByBroker) leading.set(broker, ordinals.length);
  const ordinals = new Set<number>();
  for (const broker of away) for (const o of index.leadersByBroker.get(broker) ?? []) ordinals.add(o);

  const plan: LeadershipPlan = { changes: [], original: [], stuck: [] };
  for (const ordinal of [...ordinals].sort((a, b) => a - b)) {
    const ref = partitionRefOf(index, ordinal);
    if (index.reassigning[ordinal] === 1) {
      plan.stuck.push({ ...ref, reason: 'a reassignment is in flight; reordering its replicas would change its target' });
      continue;
    }
    const replicas = assignmentOf(index, ordinal);
    const isr = isrOf(index, ordinal);
    const candidates = replicas.filter((b) => !away.has(b) && isr.includes(b) && index.registered.has(b));
    if (candidates.length === 0) {
      plan.stuck.push({ ...ref, reason: 'no other in-sync replica to lead it' });
      continue;
    }
    let leader = candidates[0] ?? -1;
    for (const c of candidates) if ((leading.get(c) ?? 0) < (leading.get(leader) ?? 0)) leader = c;
    leading.set(leader, (leading.get(leader) ?? 0) + 1);
    plan.changes.push({ ...ref, leader, replicas: [leader, ...replicas.filter((b) => b !== leader)] });
    plan.original.push({ ...ref, replicas });
  }
  return plan;
}

export interface LeadershipOutcome {
  elected: number;
  alreadyPreferred: number;
  failed: ElectionResult[];
}

/**
 * Puts the given replica orders in place (same replica sets), waits until
 * Kafka has applied them, and elects the preferred leaders.
 */
export async function applyReplicaOrder(
  api: KafkaApi,
  orders: ReadonlyArray<PartitionRef & { replicas: number[] }>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<LeadershipOutcome> {
  if (orders.length === 0) return { elected: 0, alreadyPreferred: 0, failed: [] };
  await alterReassignments(api, orders.map((o) => ({ topic: o.topic, partition: o.partition, replicas: [...o.replicas] })));
  const refs = orders.map(({ topic, partition }) => ({ topic, partition }));
  // Same-set reassignments complete without copying data; wait for the controller to say so.
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const inFlight = await listReassignments(api, refs);
    if (inFlight.length === 0) break;
    if (Date.now() > deadline) {
      throw new KafkaWaitTimeoutError(
        `the replica reorder of ${inFlight.length} partition(s) did not complete within ${options.timeoutMs} ms`,
        inFlight.map(({ topic, partition }) => ({ topic, partition })),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return electLeaders(api, refs);
}

/** Preferred-leader election, summarised. */
export async function electLeaders(api: KafkaApi, partitions: readonly PartitionRef[]): Promise<LeadershipOutcome> {
  const results = await electPreferredLeaders(api, partitions);
  return {
    elected: results.filter((r) => r.outcome === 'elected').length,
    alreadyPreferred: results.filter((r) => r.outcome === 'already-preferred').length,
    failed: results.filter((r) => r.outcome === 'failed'),
  };
}

/**
 * Pure: the original orders that can still be put back, i.e. whose partition
 * still has the same replica set (a reassignment since may have changed it).
 */
export function restorableOrders(
  index: ClusterIndex,
  original: ReadonlyArray<PartitionRef & { replicas: number[] }>,
): Array<PartitionRef & { replicas: number[] }> {
  return original.filter((o) => {
    const ordinal = index.ordinalOf(o.topic, o.partition);
    if (ordinal < 0 || index.reassigning[ordinal] === 1) return false;
    const now = assignmentOf(index, ordinal);
    return now.length === o.replicas.length && now.every((b) => o.replicas.includes(b)) && now.some((b, i) => b !== o.replicas[i]);
  });
}
