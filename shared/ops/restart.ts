/**
 * Guarded rolling restart: one broker at a time, the active controller last.
 * For each broker: the verdict must allow taking it down now; its partition
 * leadership moves to other in-sync replicas first (clients never meet a
 * leaderless partition); the pod is evicted (PodDisruptionBudget and webhook
 * decide) and waited for until it is back, Ready, registered with Kafka and
 * every partition it hosts is fully in sync; then the original replica order
 * is put back and the preferred leaders elected, before the next broker.
 */
import { fetchClusterView } from '../kafka/cluster-view.js';
import { waitForInSync } from '../kafka/operations.js';
import { applyReplicaOrder, electLeaders, planLeadershipAway, restorableOrders } from '../plan/leadership.js';
import { indexCluster, partitionRefOf } from '../safety/cluster-index.js';
import { disruptionVerdict } from '../safety/disruption.js';
import { RefusedError } from './errors.js';
import {
  brokerToRegister,
  leadershipMovedForRestart,
  newPodScheduled,
  noPodToRestart,
  notRestarting,
  podBackInSync,
  podInSync,
  podReadyWaitingInSync,
} from './messages.js';
import type { BrokerRef, OperationContext, OperationFacts } from './operation.js';
import { evictAndWait, waitForNewPodReady } from './pods.js';
import { waitFor } from './wait.js';

export interface RestartStep {
  broker: number;
  pod: string;
  nodeBefore: string | null;
  nodeAfter: string | null;
  /** Partitions whose leadership moved away before the restart. */
  leadershipMoved: number;
  /** Partitions it led that had no other in-sync replica (they were briefly leaderless). */
  leadershipStuck: number;
  /** From the eviction until the pod was Ready again. */
  podDownMs: number;
  /** From the eviction until every partition it hosts was back in sync. */
  totalMs: number;
  /** Preferred leaders elected back onto it. */
  leadersRestored: number;
}

/** Pure: the restart order, the active controller last (a controller election costs more than a broker restart). */
export function restartOrder(brokers: readonly BrokerRef[], controllerId: number): BrokerRef[] {
  return [...brokers].sort((a, b) => Number(a.id === controllerId) - Number(b.id === controllerId) || a.id - b.id);
}

export async function restartBrokers(context: OperationContext, brokers: readonly BrokerRef[]): Promise<RestartStep[]> {
  const steps: RestartStep[] = [];
  const remaining = [...brokers];
  while (remaining.length > 0) {
    context.signal.throwIfAborted();
    const facts = await context.session.snapshot();
    // Chosen afresh each time: the controller may have moved while others restarted.
    const [next] = restartOrder(remaining, facts.view.controllerId);
    if (next === undefined) break;
    remaining.splice(remaining.indexOf(next), 1);
    steps.push(await restartOne(context, facts, next, steps));
  }
  return steps;
}

async function restartOne(context: OperationContext, facts: OperationFacts, broker: BrokerRef, done: readonly RestartStep[]): Promise<RestartStep> {
  const { session, reporter, signal } = context;
  const admin = await session.kafka();
  const namespace = session.namespace;
  const podName = broker.pod;
  if (podName === null) throw new RefusedError(noPodToRestart(broker.id));

  const verdict = disruptionVerdict({ index: facts.index, brokers: [broker.id], kind: 'disrupt', down: facts.down, pending: facts.pending, policy: session.policy });
  if (!verdict.allowed) {
    throw new RefusedError(notRestarting(podName, verdict, done.map((s) => s.pod)));
  }
  const pod = facts.pods.find((p) => p.metadata?.name === podName);
  const oldUid = pod?.metadata?.uid ?? null;

  const leadership = planLeadershipAway(facts.index, [broker.id]);
  const moved = await applyReplicaOrder(admin, leadership.changes, { timeoutMs: context.timeoutMs, signal });
  reporter.event(leadershipMovedForRestart(podName, moved.elected + moved.alreadyPreferred, leadership.stuck.length));

  const hosted = (facts.index.partitionsByBroker.get(broker.id) ?? []).length;
  const partitions = [...(facts.index.partitionsByBroker.get(broker.id) ?? [])].map((o) => partitionRefOf(facts.index, o));
  const started = Date.now();
  await evictAndWait(session.kube, namespace, podName, { timeoutMs: context.timeoutMs, signal, onEvent: (line) => reporter.event(line) });
  const back = await waitForNewPodReady(session.kube, namespace, podName, oldUid, {
    timeoutMs: context.timeoutMs,
    signal,
    onScheduled: (p) => reporter.event(newPodScheduled(podName, p.spec?.nodeName ?? '?')),
  });
  const podDownMs = Date.now() - started;
  await waitFor(
    brokerToRegister(broker.id),
    async () => ((await fetchClusterView(admin)).brokers.some((b) => b.id === broker.id) ? true : undefined),
    { timeoutMs: context.timeoutMs, intervalMs: 1_000, signal },
  );
  reporter.event(podReadyWaitingInSync(podName, podDownMs, hosted));
  if (partitions.length > 0) {
    await waitForInSync(admin, partitions, {
      timeoutMs: context.timeoutMs,
      signal,
      onProgress: (p) => {
        if (p.pending.length > 0) reporter.event(podInSync(podName, p.inSync, p.total));
      },
    });
  }
  const totalMs = Date.now() - started;

  const now = indexCluster(await fetchClusterView(admin));
  const restore = restorableOrders(now, leadership.original);
  const restored = await applyReplicaOrder(admin, restore, { timeoutMs: context.timeoutMs, signal });
  const preferredHere = now.partitions
    .map((state, ordinal) => ({ state, ordinal }))
    .filter(({ state }) => state.replicas[0] === broker.id)
    .map(({ ordinal }) => partitionRefOf(now, ordinal));
  const elected = preferredHere.length > 0 ? await electLeaders(admin, preferredHere) : { elected: 0, alreadyPreferred: 0, failed: [] };
  reporter.event(podBackInSync(podName, totalMs, restored.elected + elected.elected));
  return {
    broker: broker.id,
    pod: podName,
    nodeBefore: broker.node,
    nodeAfter: back.spec?.nodeName ?? null,
    leadershipMoved: moved.elected + moved.alreadyPreferred,
    leadershipStuck: leadership.stuck.length,
    podDownMs,
    totalMs,
    leadersRestored: restored.elected + elected.elected,
  };
}
