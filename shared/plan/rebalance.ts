/**
 * Running a rebalance plan (planRebalance), e.g. after brokers were added:
 * the data moves in throttled batches first, then the preferred-leader order
 * changes (metadata only) and an election puts the planned leaders in charge,
 * so new leaders do not also serve the copy. Each batch's throttle is
 * removed with the batch; what is left is swept at the end.
 */
import type { KafkaApi } from '../kafka/client.js';
import { fetchClusterView } from '../kafka/cluster-view.js';
import { indexCluster, oneOf } from '../safety/cluster-index.js';
import { partitionKey } from '../safety/types.js';
import { planRebalance, type ReassignmentPlan } from '../safety/planner.js';
import { sweepThrottles } from './drain.js';
import { applyReplicaOrder, electLeaders, type LeadershipOutcome } from './leadership.js';
import { runReassignment, type ReassignmentReport, type ReassignmentSettings } from './reassign.js';
import type { ThrottleSweep } from './throttles.js';

export interface RebalanceOptions extends ReassignmentSettings {
  /** The brokers the plan balanced across (planRebalance's `brokers`); default every registered broker. */
  brokers?: number[];
  maxMovesPerBroker: number;
}

export interface RebalanceReport {
  reassignment: ReassignmentReport;
  leaders: LeadershipOutcome;
  throttlesCleared: ThrottleSweep;
}

export async function executeRebalance(api: KafkaApi, plan: ReassignmentPlan, options: RebalanceOptions): Promise<RebalanceReport> {
  const { brokers, maxMovesPerBroker, ...settings } = options;
  let reassignment: ReassignmentReport | null = null;
  try {
    reassignment = await runReassignment(api, { ...settings, resumed: [], batches: plan.batches });
    // The plan could only make in-sync replicas preferred leaders, and the replicas it
    // just created were not in sync when it was made; planned again now that they are,
    // the leaders come out even (the data is balanced, so only the order changes).
    const signal = options.signal === undefined ? {} : { signal: options.signal };
    const settled = planRebalance(indexCluster(await fetchClusterView(api)), { maxMovesPerBroker, ...(brokers === undefined ? {} : { brokers }) });
    const dataMoved = oneOf(settled.moves);
    const reorder = settled.leadership
      .filter((l) => !dataMoved(l))
      .map(({ topic, partition, replicas }) => ({ topic, partition, replicas }));
    if (reorder.length > 0) await applyReplicaOrder(api, reorder, { timeoutMs: options.batchTimeoutMs, ...signal });
    const elect = [...plan.moves, ...plan.leadership, ...reorder].map(({ topic, partition }) => ({ topic, partition }));
    const unique = [...new Map(elect.map((p) => [partitionKey(p), p])).values()];
    const leaders = unique.length > 0 ? await electLeaders(api, unique) : { elected: 0, alreadyPreferred: 0, failed: [] };
    if (unique.length > 0) options.onEvent?.(`preferred leaders elected: ${leaders.elected} changed, ${leaders.alreadyPreferred} already in place`);
    // Only this run's throttles (and rates nothing refers to any more): a rebalance has no
    // drained broker whose name marks throttles left by an earlier run of it.
    const throttlesCleared = await sweepThrottles(api, [], reassignment.throttled);
    return { reassignment, leaders, throttlesCleared };
  } catch (error) {
    await sweepThrottles(api, [], reassignment?.throttled ?? { brokers: [], topics: [] }).catch(() => undefined);
    throw error;
  }
}
