/**
 * Guarded StatefulSet scaling.
 * - Down: the brokers of the ordinals that go away are drained first (their
 *   replicas move to the brokers that stay), then the StatefulSet is scaled
 *   through its scale subresource, where the kafka-guard webhook checks that
 *   they hold nothing. Their PersistentVolumeClaims are kept (the StatefulSet
 *   default) unless --delete-volumes.
 * - Up: scale, wait until the new pods are Ready and their brokers have
 *   registered with Kafka, then rebalance replicas onto them (planRebalance).
 */
import type { V1StatefulSet } from '@kubernetes/client-node';
import { fetchClusterView } from '../kafka/cluster-view.js';
import { claimNamesForOrdinal } from '../k8s/pods.js';
import { matchesSelector, selectorToString } from '../k8s/selector.js';
import { executeDrain, prepareDrain, type DrainPreparation, type DrainReport } from '../plan/drain.js';
import { executeRebalance, type RebalanceReport } from '../plan/rebalance.js';
import { unregisterBrokers, type UnregisterOutcome } from '../kafka/operations.js';
import { indexCluster } from '../safety/cluster-index.js';
import { PlanError, planRebalance, type ReassignmentPlan } from '../safety/planner.js';
import { isNotFound } from '../k8s/cluster.js';
import type { ClusterView } from '../kafka/types.js';
import { RefusedError, UsageError } from './errors.js';
import {
  brokerIdsUnknown,
  brokersRegistered,
  brokersToRegister,
  brokersUnregistered,
  cannotScale,
  claimDeleted,
  notScaling,
  podScheduledOn,
  podsWithoutBrokerId,
  scaledDownWaiting,
  scaledUpWaiting,
  statefulSetMissing,
  statefulSetNotOfPolicy,
} from './messages.js';
import { gatherFacts } from './snapshot.js';
import { readDiskFacts } from './disk.js';
import { DEFAULT_MAX_DISK_USAGE_PERCENT } from '../safety/disk.js';
import { progressHooks, type OperationContext, type OperationSession } from './operation.js';
import { describeMovePlan, type MovePlanView } from './plan-view.js';
import { disruptionVerdict } from '../safety/disruption.js';
import { waitForNewPodReady, waitForPodGone } from './pods.js';
import { waitFor } from './wait.js';

export interface ScaleBroker {
  ordinal: number;
  pod: string;
  /** null when it cannot be known before the pod exists (idFrom label/annotation). */
  id: number | null;
}

export interface ScalePlan {
  statefulSet: string;
  from: number;
  to: number;
  direction: 'down' | 'up' | 'none';
  /** Brokers that go away (down) or come (up). */
  brokers: ScaleBroker[];
  /** Down: the drain; up: an estimate of the rebalance with the new brokers (racks unknown until they run). */
  moves: MovePlanView | null;
  /** Down: the claims of the removed ordinals, deleted with --delete-volumes, else kept. */
  claims: string[];
  deleteVolumes: boolean;
}

export interface ScaleResult extends ScalePlan {
  dryRun: boolean;
  drain: DrainReport | null;
  rebalance: RebalanceReport | null;
  deletedClaims: string[];
  /** Down: the removed brokers' registrations Kafka forgot (KRaft), so no new partition is placed on them. */
  unregistered: UnregisterOutcome | null;
}

interface Prepared {
  plan: ScalePlan;
  drain: DrainPreparation | null;
  statefulSet: V1StatefulSet;
}

const ordinalStart = (sts: V1StatefulSet) => sts.spec?.ordinals?.start ?? 0;

/** Reads the StatefulSet and plans; throws UsageError / RefusedError before anything changes. */
export async function prepareScale(
  session: OperationSession,
  input: {
    statefulSet: string;
    replicas: number;
    deleteVolumes: boolean;
    maxMovesPerBroker: number;
    throttleBytesPerSecond: number | null;
    /** Headroom for the brokers that stay (default 85). */
    maxDiskUsagePercent?: number;
  },
): Promise<Prepared> {
  const sts = await session.kube.readStatefulSet(session.namespace, input.statefulSet);
  if (sts === null) throw new UsageError(statefulSetMissing(session.namespace, input.statefulSet));
  const labels = sts.spec?.template?.metadata?.labels ?? {};
  if (!matchesSelector(labels, session.policy.spec.brokers.selector)) {
    throw new UsageError(
      statefulSetNotOfPolicy(
        input.statefulSet,
        `${session.policy.metadata.namespace}/${session.policy.metadata.name}`,
        selectorToString(session.policy.spec.brokers.selector),
      ),
    );
  }
  const from = sts.spec?.replicas ?? 1;
  const to = input.replicas;
  const start = ordinalStart(sts);
  const facts = await gatherFacts(session, { nodes: false });
  const idFrom = session.policy.spec.brokers.idFrom;
  const brokerAt = (ordinal: number): ScaleBroker => {
    const pod = `${input.statefulSet}-${ordinal}`;
    const id = 'ordinal' in idFrom ? ordinal + idFrom.ordinal.offset : facts.directory.byPod.get(pod) ?? null;
    return { ordinal, pod, id };
  };
  const base = { statefulSet: input.statefulSet, from, to, deleteVolumes: input.deleteVolumes };
  if (to === from) return { plan: { ...base, direction: 'none', brokers: [], moves: null, claims: [] }, drain: null, statefulSet: sts };

  const admin = await session.kafka();
  if (to < from) {
    const brokers = range(start + to, start + from).map(brokerAt);
    const unknown = brokers.filter((b) => b.id === null);
    if (unknown.length > 0) {
      throw new RefusedError(brokerIdsUnknown(unknown.map((b) => b.pod)));
    }
    const ids = brokers.map((b) => b.id ?? -1);
    const disk = await readDiskFacts(session, facts, input.maxDiskUsagePercent ?? DEFAULT_MAX_DISK_USAGE_PERCENT);
    let drain: DrainPreparation;
    try {
      drain = prepareDrain(facts.index, ids, { maxMovesPerBroker: input.maxMovesPerBroker, ...(disk.disk === undefined ? {} : { disk: disk.disk }) });
    } catch (error) {
      if (error instanceof PlanError) {
        throw new RefusedError(cannotScale(input.statefulSet, to, error.message));
      }
      throw error;
    }
    const moves = await describeMovePlan(admin, {
      plan: drain.plan,
      resumed: drain.resumed,
      leadershipFirst: drain.plan.leadership.length,
      leadersStaying: drain.leadersStaying,
      throttleBytesPerSecond: input.throttleBytesPerSecond,
      diskNotes: disk.notes,
    });
    const claims = brokers.flatMap((b) => claimNamesForOrdinal(sts, b.ordinal));
    return { plan: { ...base, direction: 'down', brokers, moves, claims }, drain, statefulSet: sts };
  }

  const brokers = range(start + from, start + to).map(brokerAt);
  const estimate = estimateRebalance(facts.view, brokers, input.maxMovesPerBroker);
  const moves = estimate === null ? null : await describeMovePlan(admin, { plan: estimate, throttleBytesPerSecond: input.throttleBytesPerSecond });
  return { plan: { ...base, direction: 'up', brokers, moves, claims: [] }, drain: null, statefulSet: sts };
}

/** The rebalance as it would be with the new brokers registered (racks unknown), for the dry run. */
function estimateRebalance(view: ClusterView, added: readonly ScaleBroker[], maxMovesPerBroker: number): ReassignmentPlan | null {
  const ids = added.map((b) => b.id).filter((id): id is number => id !== null && !view.brokers.some((x) => x.id === id));
  if (ids.length === 0) return null;
  const hypothetical = { ...view, brokers: [...view.brokers, ...ids.map((id) => ({ id, host: '', port: 0, rack: null }))] };
  return planRebalance(indexCluster(hypothetical), { maxMovesPerBroker });
}

export async function executeScale(context: OperationContext, prepared: Prepared): Promise<Omit<ScaleResult, keyof ScalePlan | 'dryRun'>> {
  const { session, reporter } = context;
  const { plan } = prepared;
  const namespace = session.namespace;
  const admin = await session.kafka();
  const out = {
    drain: null as DrainReport | null,
    rebalance: null as RebalanceReport | null,
    deletedClaims: [] as string[],
    unregistered: null as UnregisterOutcome | null,
  };
  if (plan.direction === 'none') return out;

  if (plan.direction === 'down') {
    const drain = prepared.drain;
    if (drain === null) throw new Error('scale-down without a drain plan');
    out.drain = await executeDrain(admin, drain, {
      throttleBytesPerSecond: context.throttleBytesPerSecond,
      batchTimeoutMs: context.timeoutMs,
      ...progressHooks(context, 'scale-down drain'),
    });
    const facts = await gatherFacts(session, { nodes: false });
    const ids = plan.brokers.map((b) => b.id ?? -1);
    const verdict = disruptionVerdict({ index: facts.index, brokers: ids, kind: 'remove', down: facts.down, pending: facts.pending, policy: session.policy });
    if (!verdict.allowed) {
      throw new RefusedError(notScaling(verdict));
    }
    const uids = new Map(facts.pods.map((p) => [p.metadata?.name ?? '', p.metadata?.uid ?? '']));
    await session.kube.scaleStatefulSet(namespace, plan.statefulSet, plan.to);
    reporter.event(scaledDownWaiting(plan.statefulSet, plan.to, plan.brokers.map((b) => b.pod)));
    for (const b of plan.brokers) {
      const uid = uids.get(b.pod);
      if (uid) await waitForPodGone(session.kube, namespace, b.pod, uid, { timeoutMs: context.timeoutMs, signal: context.signal });
    }
    // A stopped broker stays registered (fenced), and Kafka still places new replicas on it.
    out.unregistered = await unregisterBrokers(admin, ids);
    reporter.event(out.unregistered.skipped ?? brokersUnregistered(out.unregistered.unregistered));
    if (plan.deleteVolumes) {
      for (const claim of plan.claims) {
        try {
          await session.kube.deletePvc(namespace, claim);
          out.deletedClaims.push(claim);
          reporter.event(claimDeleted(claim));
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    }
    return out;
  }

  await session.kube.scaleStatefulSet(namespace, plan.statefulSet, plan.to);
  reporter.event(scaledUpWaiting(plan.statefulSet, plan.to, plan.brokers.map((b) => b.pod)));
  for (const b of plan.brokers) {
    await waitForNewPodReady(session.kube, namespace, b.pod, null, {
      timeoutMs: context.timeoutMs,
      signal: context.signal,
      onScheduled: (pod) => reporter.event(podScheduledOn(b.pod, pod.spec?.nodeName ?? '?')),
    });
  }
  const { directory } = await gatherFacts(session, { nodes: false });
  const ids = plan.brokers.map((b) => b.id ?? directory.byPod.get(b.pod) ?? -1);
  const missing = plan.brokers.filter((_, i) => (ids[i] ?? -1) < 0);
  if (missing.length > 0) throw new RefusedError(podsWithoutBrokerId(missing.map((b) => b.pod)));
  const view = await waitFor(
    brokersToRegister(ids),
    async () => {
      const current = await fetchClusterView(admin);
      return ids.every((id) => current.brokers.some((b) => b.id === id)) ? current : undefined;
    },
    { timeoutMs: context.timeoutMs, intervalMs: 2_000, signal: context.signal },
  );
  reporter.event(brokersRegistered(ids));
  const rebalance = planRebalance(indexCluster(view), { maxMovesPerBroker: context.maxMovesPerBroker });
  out.rebalance = await executeRebalance(admin, rebalance, {
    maxMovesPerBroker: context.maxMovesPerBroker,
    throttleBytesPerSecond: context.throttleBytesPerSecond,
    batchTimeoutMs: context.timeoutMs,
    ...progressHooks(context, 'rebalance'),
  });
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
