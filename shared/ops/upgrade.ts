/**
 * A Kafka version upgrade of one broker StatefulSet, guarded from start to
 * finish (`kubectl kafka upgrade`):
 *
 *   1. preflight: every partition fully in sync, no reassignment in flight,
 *      every broker up, the KRaft quorum led, and the new release able to
 *      run the finalized metadata.version;
 *   2. roll: the record goes on the StatefulSet (annotation), its
 *      updateStrategy becomes OnDelete and the image changes in one patch,
 *      so the StatefulSet controller rolls nothing by itself; then each pod
 *      still on the old template is restarted by the guarded restart (one at
 *      a time, leadership first, full ISR before the next, controller last);
 *      at the end the previous updateStrategy comes back and the record goes;
 *   3. finalize (`--finalize`, a separate step the operator chooses, because
 *      a finalized level cannot be lowered): metadata.version is raised to
 *      the highest level every broker supports, only when every pod runs the
 *      new template.
 *
 * Interrupted anywhere, a rerun with the same image resumes: the pods on the
 * old template are the ones left to restart.
 */
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { readFeatures, updateMetadataVersion, type ClusterFeatures } from '../kafka/features.js';
import { KafkaUnsupportedError } from '../kafka/errors.js';
import { DescribeQuorum, type QuorumInfo } from '../kafka/protocol.js';
import type { JsonPatchOperation } from '../k8s/cluster.js';
import { templateKafkaVersion } from '../k8s/kafka-image.js';
import { matchesSelector } from '../k8s/selector.js';
import { parseUpgradeRecord, planFinalize, preflightProblems, UPGRADE_ANNOTATION, type FinalizePlan, type UpgradeRecord } from '../plan/upgrade.js';
import { RefusedError, UsageError } from './errors.js';
import {
  alreadyUpgraded,
  brokersDownBeforeFinalize,
  containerMissing,
  notFinalizing,
  notUpgrading,
  otherUpgradeUnfinished,
  podsOnPreviousTemplate,
  statefulSetMissing,
  statefulSetNotBrokersOf,
  upgradeDone,
  upgradeRecordUnreadable,
  upgradeRestarting,
  upgradeStarted,
  upgradeStillRolling,
  upgradeVersionUnknown,
  waitTemplateObserved,
} from './messages.js';
import type { BrokerRef, OperationContext, OperationSession } from './operation.js';
import { REVISION_LABEL } from './pin.js';
import { restartBrokers, restartOrder, type RestartStep } from './restart.js';
import { gatherFacts } from './snapshot.js';
import { waitFor } from './wait.js';

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export interface UpgradePlan {
  statefulSet: string;
  fromImage: string;
  toImage: string;
  toVersion: string;
  /** metadata.version finalized now, or null (ZooKeeper mode). */
  metadataVersion: number | null;
  /** Pods still to restart onto the new image, in order (the active controller last). */
  restart: BrokerRef[];
  /** An earlier run being resumed. */
  resuming: boolean;
  problems: string[];
}

export interface UpgradePrepared {
  plan: UpgradePlan;
  record: UpgradeRecord | null;
}

async function readBrokerStatefulSet(session: OperationSession, name: string): Promise<V1StatefulSet> {
  const sts = await session.kube.readStatefulSet(session.namespace, name);
  if (sts === null) throw new UsageError(statefulSetMissing(session.namespace, name));
  if (!matchesSelector(sts.spec?.template?.metadata?.labels ?? {}, session.policy.spec.brokers.selector)) {
    throw new UsageError(statefulSetNotBrokersOf(name, `${session.policy.metadata.namespace}/${session.policy.metadata.name}`));
  }
  return sts;
}

function containerIndex(sts: V1StatefulSet, containerName: string | undefined): number {
  const containers = sts.spec?.template?.spec?.containers ?? [];
  const index = containerName === undefined ? 0 : containers.findIndex((c) => c.name === containerName);
  if (index < 0 || containers[index] === undefined) throw new UsageError(containerMissing(sts.metadata?.name ?? '', containerName ?? ''));
  return index;
}

/** The broker pods not on the StatefulSet's update revision. */
function outdated(sts: V1StatefulSet, pods: readonly V1Pod[]): V1Pod[] {
  const revision = sts.status?.updateRevision;
  const owned = pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.kind === 'StatefulSet' && o.name === sts.metadata?.name));
  return revision === undefined ? owned : owned.filter((p) => p.metadata?.labels?.[REVISION_LABEL] !== revision);
}

async function quorumOf(session: OperationSession): Promise<QuorumInfo | null> {
  try {
    return await (await session.kafka()).call('any', DescribeQuorum, {});
  } catch (error) {
    if (error instanceof KafkaUnsupportedError) return null;
    throw error;
  }
}

export async function prepareUpgrade(session: OperationSession, statefulSet: string, image: string): Promise<UpgradePrepared> {
  const sts = await readBrokerStatefulSet(session, statefulSet);
  const index = containerIndex(sts, session.policy.spec.brokers.containerName);
  const fromImage = sts.spec?.template?.spec?.containers?.[index]?.image ?? '';
  const raw = sts.metadata?.annotations?.[UPGRADE_ANNOTATION];
  const record = parseUpgradeRecord(raw);
  if (raw !== undefined && record === null) {
    throw new UsageError(upgradeRecordUnreadable(UPGRADE_ANNOTATION, statefulSet));
  }
  if (record !== null && record.image !== image) {
    throw new UsageError(otherUpgradeUnfinished(statefulSet, record.image, record.startedAt));
  }
  const template = structuredClone(sts.spec?.template ?? {});
  const container = template.spec?.containers?.[index];
  if (container !== undefined) container.image = image;
  const version = templateKafkaVersion(template, { containerName: session.policy.spec.brokers.containerName, versionAnnotation: session.policy.spec.brokers.versionAnnotation });
  if (!version.known) throw new UsageError(upgradeVersionUnknown(version.reason));

  const facts = await gatherFacts(session, { nodes: false });
  const admin = await session.kafka();
  const [features, quorum] = await Promise.all([readFeatures(admin, facts.view.brokers.map((b) => b.id)), quorumOf(session)]);
  const problems = preflightProblems({ index: facts.index, quorum, features, target: version.version, down: facts.down });
  const alreadyNew = record === null && fromImage === image;
  const stale = alreadyNew ? outdated(sts, facts.pods) : facts.pods;
  const restart = restartOrder(
    stale.flatMap((p) => {
      const id = facts.directory.byPod.get(p.metadata?.name ?? '');
      return id === undefined ? [] : [{ id, pod: p.metadata?.name ?? null, node: p.spec?.nodeName ?? null }];
    }),
    facts.view.controllerId,
  );
  return {
    plan: { statefulSet, fromImage, toImage: image, toVersion: version.version.text, metadataVersion: features.metadataVersion, restart, resuming: record !== null, problems },
    record,
  };
}

export interface UpgradeOutcome {
  steps: RestartStep[];
}

export async function executeUpgrade(context: OperationContext, prepared: UpgradePrepared): Promise<UpgradeOutcome> {
  const { session, reporter } = context;
  const { plan } = prepared;
  if (plan.problems.length > 0 && !plan.resuming) throw new RefusedError(notUpgrading(plan.statefulSet, plan.problems, true));
  const name = plan.statefulSet;
  if (prepared.record === null && plan.fromImage === plan.toImage && plan.restart.length === 0) {
    reporter.event(alreadyUpgraded(name, plan.toImage));
    return { steps: [] };
  }
  if (prepared.record === null) {
    // One patch: the record, OnDelete (the controller rolls nothing itself) and the image.
    await session.kube.patchStatefulSetFresh(session.namespace, name, (sts) => {
      const index = containerIndex(sts, session.policy.spec.brokers.containerName);
      const record: UpgradeRecord = { image: plan.toImage, previousStrategy: (sts.spec?.updateStrategy as Record<string, unknown> | undefined) ?? null, startedAt: new Date().toISOString() };
      const ops: JsonPatchOperation[] = [];
      if (sts.metadata?.annotations === undefined) ops.push({ op: 'add', path: '/metadata/annotations', value: {} });
      ops.push({ op: 'add', path: `/metadata/annotations/${escapePointer(UPGRADE_ANNOTATION)}`, value: JSON.stringify(record) });
      ops.push({ op: 'add', path: '/spec/updateStrategy', value: { type: 'OnDelete' } });
      ops.push({ op: 'replace', path: `/spec/template/spec/containers/${index}/image`, value: plan.toImage });
      return ops;
    });
    reporter.event(upgradeStarted(name, plan.toImage, UPGRADE_ANNOTATION));
  }
  // The controller computes the new revision; the pods not on it are the ones to restart.
  const sts = await waitFor(
    waitTemplateObserved(name),
    async () => {
      const current = await session.kube.readStatefulSet(session.namespace, name);
      return current !== null && (current.status?.observedGeneration ?? 0) >= (current.metadata?.generation ?? 0) ? current : undefined;
    },
    { timeoutMs: 60_000, signal: context.signal },
  );
  const facts = await gatherFacts(session, { nodes: false });
  const stale = outdated(sts, facts.pods);
  const brokers = stale.flatMap((p) => {
    const id = facts.directory.byPod.get(p.metadata?.name ?? '');
    return id === undefined ? [] : [{ id, pod: p.metadata?.name ?? null, node: p.spec?.nodeName ?? null }];
  });
  reporter.event(upgradeRestarting(name, brokers.map((b) => b.pod), plan.toImage));
  const steps = await restartBrokers(context, brokers);

  const done = await session.kube.readStatefulSet(session.namespace, name);
  const left = done === null ? [] : outdated(done, (await gatherFacts(session, { nodes: false })).pods);
  if (left.length > 0) throw new RefusedError(podsOnPreviousTemplate(left.map((p) => p.metadata?.name)));
  await session.kube.patchStatefulSetFresh(session.namespace, name, (current) => {
    const record = parseUpgradeRecord(current.metadata?.annotations?.[UPGRADE_ANNOTATION]);
    const ops: JsonPatchOperation[] = [];
    if (record !== null) {
      ops.push({ op: 'remove', path: `/metadata/annotations/${escapePointer(UPGRADE_ANNOTATION)}` });
      ops.push({ op: 'replace', path: '/spec/updateStrategy', value: record.previousStrategy ?? { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
    }
    return ops;
  });
  reporter.event(upgradeDone(name, plan.toImage));
  return { steps };
}

export interface FinalizePrepared {
  statefulSet: string;
  plan: FinalizePlan;
  features: ClusterFeatures;
}

export async function prepareFinalize(session: OperationSession, statefulSet: string): Promise<FinalizePrepared> {
  const sts = await readBrokerStatefulSet(session, statefulSet);
  const facts = await gatherFacts(session, { nodes: false });
  const features = await readFeatures(await session.kafka(), facts.view.brokers.map((b) => b.id));
  const inProgress = sts.metadata?.annotations?.[UPGRADE_ANNOTATION] !== undefined;
  const stale = outdated(sts, facts.pods).map((p) => p.metadata?.name ?? '?');
  const plan: FinalizePlan = inProgress
    ? { action: 'refuse', reason: upgradeStillRolling(statefulSet, UPGRADE_ANNOTATION) }
    : facts.down.length > 0
      ? { action: 'refuse', reason: brokersDownBeforeFinalize(facts.down) }
      : planFinalize(features, stale);
  return { statefulSet, plan, features };
}

/** Raises metadata.version; with `validateOnly`, Kafka checks and nothing changes. */
export async function executeFinalize(session: OperationSession, prepared: FinalizePrepared, validateOnly: boolean, timeoutMs: number): Promise<void> {
  const { plan } = prepared;
  if (plan.action === 'refuse') throw new RefusedError(notFinalizing(plan.reason));
  if (plan.action === 'none') return;
  await updateMetadataVersion(await session.kafka(), plan.to, { validateOnly, timeoutMs });
}
