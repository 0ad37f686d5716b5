/**
 * Moving a broker to another node, keeping its broker id.
 *
 * Network volume (the data follows the claim): check the broker may go down
 * now, move its leadership away, pin the pod to the target node (pin.ts),
 * delete it, wait until it runs on the target, is Ready, registered and every
 * partition it hosts is in sync again, then put its leaders back.
 *
 * Node-local volume (the data cannot follow): drain the broker of every
 * partition that has somewhere else to go, delete its pod and its node-local
 * claims, and let it come back empty, with the same id, on the target node;
 * then move the drained partitions back (a reassignment to their original
 * replicas) and wait for the ISR. A partition whose replicas already sit on
 * every other broker cannot be drained; it stays assigned to the broker and
 * is rebuilt from its leader when the broker returns. That is only done
 * when the verdict allows the broker to be down with those partitions (they
 * keep min.insync.replicas elsewhere), and the plan says so.
 */
import type { V1Node, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { fetchClusterView } from '../kafka/cluster-view.js';
import { waitForInSync } from '../kafka/operations.js';
import { isNotFound, KubeApiError } from '../k8s/cluster.js';
import { statefulSetNameOfPod } from '../k8s/identity.js';
import { claimNamesForOrdinal, podIsReady } from '../k8s/pods.js';
import { nodeMatchesTerms, volumeUsableOn, type BrokerVolume } from '../k8s/volumes.js';
import { executeDrain, movesBack, prepareDrain, sweepThrottles, type DrainPreparation, type DrainReport } from '../plan/drain.js';
import { applyReplicaOrder, electLeaders, planLeadershipAway, restorableOrders } from '../plan/leadership.js';
import { runReassignment, type ReassignmentReport } from '../plan/reassign.js';
import type { MoveEndpoints } from '../plan/throttles.js';
import { indexCluster, oneOf, partitionRefOf, viewWithPartitions } from '../safety/cluster-index.js';
import { batchMoves } from '../safety/planner.js';
import type { PartitionRef, Verdict } from '../safety/types.js';
import { RefusedError, UsageError } from './errors.js';
import { gatherFacts, type ClusterFacts } from './snapshot.js';
import { readDiskFacts } from './disk.js';
import { DEFAULT_MAX_DISK_USAGE_PERCENT } from '../safety/disk.js';
import { progressHooks, type OperationContext, type OperationSession } from './operation.js';
import { withBreakGlass } from './break-glass.js';
import { pin, unpin } from './pin.js';
import { describeMovePlan, type MovePlanView } from './plan-view.js';
import { resolveTarget } from './target.js';
import { disruptionVerdict } from '../safety/disruption.js';
import { waitForNewPodReady, waitForPodGone } from './pods.js';
import { waitFor } from './wait.js';
import {
  alreadyOnNode,
  brokerBackOn,
  brokerInSync,
  brokerToRegister,
  claimDeletedWithPod,
  claimDeleteRefused,
  claimDeleteRefusedMovingBack,
  claimToBeDeleted,
  dataLocationUnknown,
  earlierPinUndone,
  leadershipMovedOffBroker,
  moveBreakGlassReason,
  movingBackToOriginal,
  networkMoveSteps,
  networkMoveWhy,
  newPodToBeScheduled,
  nodeAffinityUnmet,
  nodeDoesNotExist,
  nodeHasBroker,
  nodeIsCordoned,
  nodeLocalMoveSteps,
  nodeLocalMoveWhy,
  nodeNotReady,
  notAStatefulSetPod,
  notMoving,
  pinRemoved,
  podDeletedWaiting,
  podNotFound,
  podRunsNoBroker,
  scheduledElsewhere,
  scheduledWaitingReady,
  statefulSetOfPodMissing,
  statefulSetPinned,
  volumeNotAttachable,
  warningLine,
} from './messages.js';

export interface MovePlan {
  pod: string;
  broker: number;
  statefulSet: string;
  fromNode: string;
  toNode: string;
  volume: BrokerVolume;
  path: 'network' | 'node-local';
  /** Why this path, in words. */
  why: string;
  steps: string[];
  /** Node-local: the drain before the move (and the moves back after). */
  evacuation: MovePlanView | null;
  /** Node-local: partitions rebuilt from their leader on the new, empty disk. */
  rebuilt: PartitionRef[];
  /** Node-local: claims deleted with the pod. */
  claims: string[];
  verdict: Verdict;
}

export interface MoveOutcome {
  nodeAfter: string;
  podDownMs: number;
  inSyncMs: number;
  drain: DrainReport | null;
  movedBack: ReassignmentReport | null;
  leadersRestored: number;
  /** A pin an earlier, interrupted move left on the StatefulSet and this run undid. */
  undidEarlierPin: string | null;
}

interface Prepared {
  plan: MovePlan;
  drain: DrainPreparation | null;
  pod: V1Pod;
  ordinal: number;
}

export async function prepareMove(
  session: OperationSession,
  input: {
    pod: string;
    toNode: string;
    maxMovesPerBroker: number;
    throttleBytesPerSecond: number | null;
    /** Headroom for the brokers that take the drained replicas (default 85). */
    maxDiskUsagePercent?: number;
  },
): Promise<Prepared> {
  const facts = await gatherFacts(session, { volumes: true, nodes: true });
  const target = resolveTarget({ pod: input.pod }, { namespace: session.namespace, ...facts });
  const broker = target.brokers[0];
  if (broker === undefined || broker.pod === null) throw new UsageError(podRunsNoBroker(input.pod));
  const pod = facts.pods.find((p) => p.metadata?.name === broker.pod);
  if (pod === undefined) throw new UsageError(podNotFound(broker.pod));
  const fromNode = pod.spec?.nodeName ?? '';
  const statefulSet = statefulSetNameOfPod(pod);
  const ordinal = Number(/-(\d+)$/.exec(broker.pod)?.[1] ?? NaN);
  if (statefulSet === undefined || !Number.isInteger(ordinal)) {
    throw new UsageError(notAStatefulSetPod(broker.pod));
  }
  const sts = await session.kube.readStatefulSet(session.namespace, statefulSet);
  if (sts === null) throw new UsageError(statefulSetOfPodMissing(statefulSet, broker.pod));
  const node = checkTargetNode(facts, sts, broker.pod, fromNode, input.toNode);

  const volumeFacts = facts.volumes.get(broker.pod);
  const volume = volumeFacts?.volume;
  if (volume === undefined || volume.kind === 'unknown') {
    throw new RefusedError(dataLocationUnknown(broker.pod, volume?.reason));
  }
  const base = { pod: broker.pod, broker: broker.id, statefulSet, fromNode, toNode: input.toNode, volume };

  if (volume.kind === 'network') {
    if (volumeFacts?.pv && !volumeUsableOn(volumeFacts.pv, input.toNode, node.metadata?.labels ?? {})) {
      throw new UsageError(volumeNotAttachable(broker.pod, volume.volume ?? volume.claim ?? '?', input.toNode, volume.reason));
    }
    const verdict = disruptionVerdict({ index: facts.index, brokers: [broker.id], kind: 'disrupt', down: facts.down, pending: facts.pending, policy: session.policy });
    const plan: MovePlan = {
      ...base,
      path: 'network',
      why: networkMoveWhy(volume.reason, input.toNode),
      steps: networkMoveSteps({ broker: broker.id, allowed: verdict.allowed, statefulSet, pod: broker.pod, toNode: input.toNode }),
      evacuation: null,
      rebuilt: [],
      claims: [],
      verdict,
    };
    return { plan, drain: null, pod, ordinal };
  }

  // node-local (or ephemeral): the data stays behind.
  const disk = await readDiskFacts(session, facts, input.maxDiskUsagePercent ?? DEFAULT_MAX_DISK_USAGE_PERCENT);
  const drain = prepareDrain(facts.index, [broker.id], {
    maxMovesPerBroker: input.maxMovesPerBroker,
    keepUnplaceable: true,
    ...(disk.disk === undefined ? {} : { disk: disk.disk }),
  });
  const verdict = disruptionVerdict({
    // What the broker still hosts when it goes down.
    index: indexCluster(viewWithPartitions(facts.index.view, oneOf(drain.unplaceable))),
    brokers: [broker.id],
    kind: 'disrupt',
    down: facts.down,
    pending: facts.pending,
    policy: session.policy,
  });
  const evacuation = await describeMovePlan(await session.kafka(), {
    plan: drain.plan,
    resumed: drain.resumed,
    leadershipFirst: drain.plan.leadership.length,
    leadersStaying: drain.leadersStaying,
    unplaceable: drain.unplaceable,
    throttleBytesPerSecond: input.throttleBytesPerSecond,
    diskNotes: disk.notes,
  });
  const claims = claimNamesForOrdinal(sts, ordinal).filter((claim) => {
    const v = [...facts.volumes.values()].find((f) => f.volume.claim === claim)?.volume;
    return v === undefined || v.kind !== 'network';
  });
  const plan: MovePlan = {
    ...base,
    path: 'node-local',
    why: nodeLocalMoveWhy(volume.reason, broker.id, input.toNode),
    steps: nodeLocalMoveSteps({
      broker: broker.id,
      allowed: verdict.allowed,
      moving: drain.plan.moves.length + drain.resumed.length,
      rebuilt: drain.unplaceable.length,
      statefulSet,
      pod: broker.pod,
      toNode: input.toNode,
      claims,
    }),
    evacuation,
    rebuilt: drain.unplaceable,
    claims,
    verdict,
  };
  return { plan, drain, pod, ordinal };
}

function checkTargetNode(facts: ClusterFacts, sts: V1StatefulSet, podName: string, fromNode: string, toNode: string): V1Node {
  const node = facts.nodes.get(toNode);
  if (node === undefined) throw new UsageError(nodeDoesNotExist(toNode, [...facts.nodes.keys()]));
  if (toNode === fromNode) throw new UsageError(alreadyOnNode(podName, toNode));
  if (node.spec?.unschedulable === true) throw new UsageError(nodeIsCordoned(toNode));
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (!ready) throw new UsageError(nodeNotReady(toNode));
  const other = facts.pods.find((p) => p.spec?.nodeName === toNode && facts.directory.byPod.has(p.metadata?.name ?? ''));
  if (other !== undefined) {
    throw new UsageError(nodeHasBroker(toNode, other.metadata?.name ?? '?'));
  }
  const template = sts.spec?.template?.spec;
  const labels = node.metadata?.labels ?? {};
  const selector = template?.nodeSelector ?? {};
  const unmet = Object.entries(selector).filter(([k, v]) => labels[k] !== v);
  const terms = template?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (unmet.length > 0 || !nodeMatchesTerms(toNode, labels, terms)) {
    throw new UsageError(nodeAffinityUnmet(toNode, sts.metadata?.name ?? ''));
  }
  return node;
}


export async function executeMove(context: OperationContext, prepared: Prepared): Promise<MoveOutcome> {
  const { session, reporter, signal } = context;
  const { plan } = prepared;
  const kube = session.kube;
  const namespace = session.namespace;
  const admin = await session.kafka();
  const wait = { timeoutMs: context.timeoutMs, signal };
  const outcome: MoveOutcome = { nodeAfter: plan.fromNode, podDownMs: 0, inSyncMs: 0, drain: null, movedBack: null, leadersRestored: 0, undidEarlierPin: null };

  const earlier = await unpin(kube, namespace, plan.statefulSet, wait);
  if (earlier !== null) {
    outcome.undidEarlierPin = `${earlier.pod} -> ${earlier.node}`;
    reporter.event(earlierPinUndone(plan.statefulSet, earlier.pod, earlier.node));
  }

  if (plan.path === 'node-local') {
    const drain = prepared.drain;
    if (drain === null) throw new Error('node-local move without a drain plan');
    outcome.drain = await executeDrain(admin, drain, {
      throttleBytesPerSecond: context.throttleBytesPerSecond,
      batchTimeoutMs: context.timeoutMs,
      ...progressHooks(context, 'drain before move'),
    });
  }

  // Fresh facts: the verdict and the leadership plan must match the cluster as it is now.
  const facts = await gatherFacts(session, { nodes: false });
  const hosted = [...(facts.index.partitionsByBroker.get(plan.broker) ?? [])].map((o) => partitionRefOf(facts.index, o));
  const verdict = disruptionVerdict({ index: facts.index, brokers: [plan.broker], kind: 'disrupt', down: facts.down, pending: facts.pending, policy: session.policy });
  if (!verdict.allowed) throw new RefusedError(notMoving(plan.pod, verdict));
  const leadership = planLeadershipAway(facts.index, [plan.broker]);
  await applyReplicaOrder(admin, leadership.changes, wait);
  if (leadership.changes.length > 0) reporter.event(leadershipMovedOffBroker(leadership.changes.length, plan.broker));

  const started = Date.now();
  const pod = await kube.readPod(namespace, plan.pod);
  const oldUid = pod?.metadata?.uid ?? '';
  if (plan.path === 'node-local') await deleteClaims(context, plan, prepared.drain);
  await pin(kube, namespace, plan.statefulSet, plan.pod, plan.toNode);
  reporter.event(statefulSetPinned(plan.statefulSet, plan.toNode));
  let scheduled: V1Pod | null = null;
  try {
    await kube.deletePod(namespace, plan.pod, oldUid);
    reporter.event(podDeletedWaiting(plan.pod));
    await waitForPodGone(kube, namespace, plan.pod, oldUid, wait);
    if (plan.path === 'node-local') {
      for (const claim of plan.claims) {
        await waitFor(claimToBeDeleted(claim), async () => ((await kube.readPvc(namespace, claim))?.metadata?.deletionTimestamp ? undefined : true), wait);
      }
    }
    scheduled = await waitFor(
      newPodToBeScheduled(plan.pod),
      async () => {
        const current = await kube.readPod(namespace, plan.pod);
        return current !== null && current.metadata?.uid !== oldUid && current.spec?.nodeName ? current : undefined;
      },
      wait,
    );
  } finally {
    await unpin(kube, namespace, plan.statefulSet, wait);
    reporter.event(pinRemoved(plan.statefulSet));
    if (scheduled === null) {
      // A replacement still Pending carries the pin for good (a pod's affinity is fixed at creation): recreate it without.
      const pending = await kube.readPod(namespace, plan.pod).catch(() => null);
      if (pending !== null && pending.metadata?.uid !== oldUid && !pending.spec?.nodeName) {
        await kube.deletePod(namespace, plan.pod, pending.metadata?.uid).catch(() => undefined);
      }
    }
  }
  outcome.nodeAfter = scheduled.spec?.nodeName ?? '';
  if (outcome.nodeAfter !== plan.toNode) throw new RefusedError(scheduledElsewhere(plan.pod, outcome.nodeAfter, plan.toNode));
  reporter.event(scheduledWaitingReady(plan.pod, outcome.nodeAfter));
  if (!podIsReady(scheduled)) await waitForNewPodReady(kube, namespace, plan.pod, oldUid, wait);
  outcome.podDownMs = Date.now() - started;
  await waitFor(
    brokerToRegister(plan.broker),
    async () => ((await fetchClusterView(admin)).brokers.some((b) => b.id === plan.broker) ? true : undefined),
    { ...wait, intervalMs: 1_000 },
  );
  reporter.event(brokerBackOn(plan.broker, outcome.nodeAfter, outcome.podDownMs));

  if (plan.path === 'node-local' && prepared.drain !== null) {
    outcome.movedBack = await moveBack(context, prepared.drain);
  }
  if (hosted.length > 0) {
    await waitForInSync(admin, hosted, {
      ...wait,
      onProgress: (p) => {
        if (p.pending.length > 0) reporter.event(brokerInSync(plan.broker, p.inSync, p.total));
      },
    });
  }
  outcome.inSyncMs = Date.now() - started;

  const now = indexCluster(await fetchClusterView(admin));
  const restored = await applyReplicaOrder(admin, restorableOrders(now, leadership.original), wait);
  const preferred = now.partitions.map((s, o) => ({ s, o })).filter(({ s }) => s.replicas[0] === plan.broker).map(({ o }) => partitionRefOf(now, o));
  const elected = preferred.length > 0 ? await electLeaders(admin, preferred) : { elected: 0, alreadyPreferred: 0, failed: [] };
  outcome.leadersRestored = restored.elected + elected.elected;
  await sweepThrottles(admin, [plan.broker], { brokers: [], topics: [] });
  return outcome;
}

/**
 * Node-local path: the broker's claims are deleted while its pod still runs.
 * They stay (Terminating, held by the pvc-protection finalizer) until the pod
 * is gone, so the recreated pod never mounts the old data and its new claim is
 * provisioned on the target node. kafka-guard's webhook refuses deleting a
 * live broker's volume on principle; the verdict above has checked this broker
 * may go, so each deletion carries the pod's break-glass annotation naming the
 * move (break-glass.ts). Refused all the same (another webhook, or RBAC), the
 * drained partitions go back and nothing else has changed.
 */
async function deleteClaims(context: OperationContext, plan: MovePlan, drain: DrainPreparation | null): Promise<void> {
  const { session, reporter } = context;
  const reason = moveBreakGlassReason(plan.pod, plan.toNode);
  for (const claim of plan.claims) {
    try {
      await withBreakGlass(
        session.kube,
        { namespace: session.namespace, pod: plan.pod, reason },
        () => session.kube.deletePvc(session.namespace, claim),
        (warning) => reporter.event(warningLine(warning)),
      );
      reporter.event(claimDeletedWithPod(claim));
    } catch (error) {
      if (isNotFound(error)) continue;
      if (error instanceof KubeApiError && error.status === 403 && drain !== null) {
        reporter.event(claimDeleteRefusedMovingBack(claim));
        await moveBack(context, drain);
        throw new RefusedError(claimDeleteRefused(claim, error.message, plan.pod, plan.fromNode));
      }
      throw error;
    }
  }
}

/** Node-local path: the drained partitions go back to their original replicas (original order). */
async function moveBack(context: OperationContext, drain: DrainPreparation): Promise<ReassignmentReport> {
  const admin = await context.session.kafka();
  const back = movesBack(indexCluster(await fetchClusterView(admin)), [...drain.resumed, ...drain.plan.moves]);
  context.reporter.event(movingBackToOriginal(back.length));
  const batches: MoveEndpoints[][] = batchMoves(back, context.maxMovesPerBroker);
  return runReassignment(admin, {
    resumed: [],
    batches,
    throttleBytesPerSecond: context.throttleBytesPerSecond,
    batchTimeoutMs: context.timeoutMs,
    ...progressHooks(context, 'move back'),
  });
}
