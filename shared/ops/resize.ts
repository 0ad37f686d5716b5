/**
 * Resize, the operation: grow every broker volume of a StatefulSet
 * (shared/plan/resize.ts says what and why). Run by `kubectl kafka resize`.
 *
 * 1. every broker claim's spec.resources.requests.storage grows (the
 *    apiserver lets that through only when the claim's StorageClass has
 *    allowVolumeExpansion; the plan checked);
 * 2. the StatefulSet is re-created with the larger volumeClaimTemplate:
 *    its manifest is recorded first (ConfigMap `kafka-guard-resize`, key
 *    `<policy>.<statefulset>`), then it is deleted with the orphan cascade
 *    (guarded by its uid and resourceVersion), waited for until gone, and
 *    created again from the record. A run killed in between finds the
 *    record and creates it: the StatefulSet is never lost. The pod template
 *    is the same, so its pods are adopted at their revision, none restarted;
 * 3. each claim is waited for until its capacity is the new size, or it has
 *    shown FileSystemResizePending for longer than the node takes to grow a
 *    mounted file system online (`onlineResizeWaitMs`);
 * 4. only the brokers whose claims are still pending are restarted, by the
 *    guarded restart (one at a time, controller last, full ISR before the
 *    next), and their claims waited for once more.
 * Every step reads what is there first, so running it again resumes.
 */
import type { V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';
import { KubeApiError } from '../k8s/cluster.js';
import { formatQuantity } from '../k8s/quantity.js';
import { matchesSelector, selectorToString } from '../k8s/selector.js';
import {
  parseRecreationRecord,
  planResize,
  readClaimState,
  recreatedStatefulSet,
  templateStorage,
  type ClaimPlan,
  type ClaimState,
  type RecreationRecord,
  type ResizePlan,
  type StorageSize,
} from '../plan/resize.js';
import { RefusedError, UsageError } from './errors.js';
import {
  claimFileSystemPending,
  claimGrown,
  claimRequested,
  claimResizeFailed,
  claimRestartNeeded,
  claimWaitState,
  noResizeRecord,
  notResizing,
  podWithoutBrokerIdToRestart,
  resizeRecordUnreadable,
  restartingForResize,
  statefulSetDeletedByOthers,
  statefulSetDeletingNotRecreated,
  statefulSetDisappeared,
  statefulSetFromRecord,
  statefulSetMissing,
  statefulSetNotOfPolicy,
  statefulSetRecordedAndDeleted,
  statefulSetRecreated,
  statefulSetRecreatedByOthers,
  templateNotChosen,
  templateNotFound,
  waitClaimsGrow,
  waitFileSystemsGrow,
  waitStatefulSetDeleted,
} from './messages.js';
import type { BrokerRef, OperationContext, OperationSession } from './operation.js';
import { restartBrokers, type RestartStep } from './restart.js';
import { waitFor } from './wait.js';

export const RESIZE_CONFIGMAP = 'kafka-guard-resize';

/** The record's key: the policy and the StatefulSet. */
export function resizeRecordKey(policyName: string, statefulSet: string): string {
  return `${policyName}.${statefulSet}`;
}

export interface ResizeRequest {
  statefulSet: string;
  /** The volumeClaimTemplate; may be left out when the StatefulSet has one. */
  template?: string;
  storage: StorageSize;
}

export interface ResizePrepared {
  namespace: string;
  statefulSet: string;
  template: string;
  storage: StorageSize;
  plan: Exclude<ResizePlan, { kind: 'refused' }>;
  /** The live StatefulSet; null when it is gone and is created from the record. */
  live: V1StatefulSet | null;
  record: RecreationRecord | null;
  recordKey: string;
  claims: ClaimState[];
}

async function readRecord(session: OperationSession, key: string): Promise<{ raw: string | undefined; record: RecreationRecord | null }> {
  const configMap = await session.kube.readConfigMap(session.namespace, RESIZE_CONFIGMAP);
  const raw = configMap?.data?.[key];
  return { raw, record: parseRecreationRecord(raw) };
}

async function writeRecord(session: OperationSession, key: string, record: RecreationRecord | null): Promise<void> {
  await session.kube.setConfigMapKey(session.namespace, RESIZE_CONFIGMAP, key, record === null ? null : JSON.stringify(record), {
    'app.kubernetes.io/name': 'kafka-guard',
  });
}

const isGoing = (sts: V1StatefulSet | null) => sts !== null && sts.metadata?.deletionTimestamp !== undefined && sts.metadata.deletionTimestamp !== null;

/** Reads the StatefulSet (or its record), its claims and the storage classes, and plans; throws before anything changes. */
export async function prepareResize(session: OperationSession, request: ResizeRequest): Promise<ResizePrepared> {
  const { kube, namespace, policy } = session;
  const name = request.statefulSet;
  const key = resizeRecordKey(policy.metadata.name, name);
  const [live, stored] = await Promise.all([kube.readStatefulSet(namespace, name), readRecord(session, key)]);
  if (stored.raw !== undefined && stored.record === null) {
    throw new UsageError(resizeRecordUnreadable(key, namespace, RESIZE_CONFIGMAP, name));
  }
  const record = stored.record;
  const fromRecord = (live === null || isGoing(live)) && record !== null;
  if (live === null && record === null) throw new UsageError(statefulSetMissing(namespace, name));
  if (isGoing(live) && record === null) {
    throw new RefusedError(statefulSetDeletedByOthers(namespace, name));
  }
  const base = (fromRecord ? record?.manifest : live) as V1StatefulSet;
  const labels = base.spec?.template?.metadata?.labels ?? {};
  if (!matchesSelector(labels, policy.spec.brokers.selector)) {
    throw new UsageError(statefulSetNotOfPolicy(name, `${namespace}/${policy.metadata.name}`, selectorToString(policy.spec.brokers.selector)));
  }
  const templates = (base.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '').filter((t) => t !== '');
  const template = request.template ?? (templates.length === 1 ? templates[0] : undefined);
  if (template === undefined) {
    throw new UsageError(templateNotChosen(name, templates));
  }
  if (!templates.includes(template)) throw new UsageError(templateNotFound(template, name, templates));

  const replicas = base.spec?.replicas ?? 1;
  const start = base.spec?.ordinals?.start ?? 0;
  const classes = await kube.listStorageClasses();
  const idFrom = policy.spec.brokers.idFrom;
  const directory = (await session.snapshot()).directory;
  const claims: ClaimState[] = [];
  for (let ordinal = start; ordinal < start + replicas; ordinal++) {
    const pod = `${name}-${ordinal}`;
    const claim = `${template}-${name}-${ordinal}`;
    const broker = 'ordinal' in idFrom ? ordinal + idFrom.ordinal.offset : directory.byPod.get(pod) ?? null;
    claims.push(readClaimState(await kube.readPvc(namespace, claim), { claim, ordinal, pod, broker }));
  }
  const plan = planResize({
    statefulSet: name,
    template,
    templateBytes: templateStorage(base, template),
    target: request.storage,
    claims,
    storageClasses: classes.map((c) => ({
      name: c.metadata?.name ?? '',
      allowVolumeExpansion: c.allowVolumeExpansion === true,
      isDefault: c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
    })),
    createFromRecord: fromRecord,
  });
  if (plan.kind === 'refused') throw new RefusedError(notResizing(namespace, name, plan.reasons));
  return { namespace, statefulSet: name, template, storage: request.storage, plan, live: fromRecord ? null : live, record, recordKey: key, claims };
}

export interface ClaimOutcome {
  claim: string;
  pod: string;
  /** status.capacity at the end. */
  capacity: string | null;
  /** How its file system grew: already done, online (pod running), or when its pod was restarted. */
  finished: 'already' | 'online' | 'restart';
}

export interface ResizeOutcome {
  expanded: string[];
  recreated: boolean;
  restarted: RestartStep[];
  claims: ClaimOutcome[];
  durationMs: number;
}

export interface ResizeOptions {
  /**
   * How long a claim may show FileSystemResizePending while its pod runs
   * before the pod is restarted for it: kubelets grow a mounted file system
   * online when the volume's driver can, within a sync period or two.
   */
  onlineResizeWaitMs: number;
}

/** Runs the plan; every step first reads what is there, so a rerun after any interruption resumes. */
export async function executeResize(context: OperationContext, prepared: ResizePrepared, options: ResizeOptions): Promise<ResizeOutcome> {
  const started = Date.now();
  const { session, reporter } = context;
  const { namespace } = prepared;
  const { plan } = prepared;
  // A record left by a run stopped after its create: the StatefulSet it describes exists, so it must not be used again.
  if (prepared.live !== null && prepared.record !== null && (plan.kind === 'nothing' || plan.templateStep === 'unchanged')) {
    await writeRecord(session, prepared.recordKey, null);
  }
  if (plan.kind === 'nothing') return { expanded: [], recreated: false, restarted: [], claims: [], durationMs: 0 };

  const expanded: string[] = [];
  for (const claim of plan.claims.filter((c) => c.action === 'expand')) {
    context.signal.throwIfAborted();
    await session.kube.patchPvc(namespace, claim.claim, [{ op: 'replace', path: '/spec/resources/requests/storage', value: prepared.storage.quantity }]);
    expanded.push(claim.claim);
    reporter.event(claimRequested(claim.claim, claim.from, prepared.storage.quantity));
  }

  let recreated = false;
  if (plan.templateStep !== 'unchanged') {
    await recreateStatefulSet(context, prepared);
    recreated = true;
  }

  const waiting = plan.claims.filter((c) => c.action === 'expand' || c.action === 'resizing');
  const first = await waitForClaims(context, prepared, waiting, options.onlineResizeWaitMs, 'online');
  const pending = waiting.filter((c) => first.get(c.claim) === 'pending');
  const restarted = pending.length > 0 ? await restartForResize(context, pending) : [];
  const second = pending.length > 0 ? await waitForClaims(context, prepared, pending, null, 'restart') : new Map<string, Finished>();

  const claims: ClaimOutcome[] = [];
  for (const c of plan.claims.filter((x) => x.action !== 'absent')) {
    const pvc = await session.kube.readPvc(namespace, c.claim);
    const finished: ClaimOutcome['finished'] = second.has(c.claim) ? 'restart' : first.get(c.claim) === 'done' ? 'online' : 'already';
    claims.push({ claim: c.claim, pod: c.pod, capacity: capacityOf(pvc), finished });
  }
  return { expanded, recreated, restarted, claims, durationMs: Date.now() - started };
}

function capacityOf(pvc: V1PersistentVolumeClaim | null): string | null {
  const value = pvc?.status?.capacity?.['storage'];
  return value === undefined ? null : String(value);
}

/** Record, delete with the orphan cascade, wait until gone, create from the record, forget the record. */
async function recreateStatefulSet(context: OperationContext, prepared: ResizePrepared): Promise<void> {
  const { session, reporter, signal } = context;
  const { namespace, statefulSet: name, template, storage, recordKey: key } = prepared;
  const kube = session.kube;
  let record = prepared.record;
  let oldUid = record?.uid ?? '';
  if (prepared.live !== null) {
    // Deleted only as it was when recorded: a change in between (409) is read, recorded and tried again.
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      const live = await kube.readStatefulSet(namespace, name);
      if (live === null) throw new RefusedError(statefulSetDisappeared(namespace, name));
      if (isGoing(live)) {
        if (record === null) throw new RefusedError(statefulSetDeletingNotRecreated(namespace, name));
        break;
      }
      oldUid = live.metadata?.uid ?? '';
      record = {
        statefulSet: name,
        template,
        storage: storage.quantity,
        uid: oldUid,
        recordedAt: new Date().toISOString(),
        manifest: recreatedStatefulSet(live, template, storage.quantity) as RecreationRecord['manifest'],
      };
      // Written before the delete: whatever happens next, a rerun can create it again.
      await writeRecord(session, key, record);
      try {
        await kube.deleteStatefulSetOrphan(namespace, name, { uid: oldUid, resourceVersion: live.metadata?.resourceVersion ?? '' });
        break;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409) || attempt >= 8) throw error;
      }
    }
    reporter.event(statefulSetRecordedAndDeleted(name, RESIZE_CONFIGMAP, key));
  } else {
    reporter.event(statefulSetFromRecord(name, RESIZE_CONFIGMAP, key, record?.recordedAt ?? null));
  }
  if (record === null) throw new RefusedError(noResizeRecord(namespace, name));

  const goneStarted = Date.now();
  let existing = await waitFor(
    waitStatefulSetDeleted(name),
    async () => {
      const sts = await kube.readStatefulSet(namespace, name);
      if (sts === null) return { sts: null };
      return sts.metadata?.uid !== oldUid && !isGoing(sts) ? { sts } : undefined;
    },
    { timeoutMs: context.timeoutMs, intervalMs: 500, signal },
  );
  if (existing.sts === null) {
    const manifest = recreatedStatefulSet(record.manifest, template, storage.quantity) as V1StatefulSet;
    try {
      await kube.createStatefulSet(namespace, manifest);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      existing = { sts: await kube.readStatefulSet(namespace, name) };
    }
  }
  if (existing.sts !== null) {
    // Someone (a GitOps controller, a Helm upgrade) created it first: fine when it has the new size.
    const size = templateStorage(existing.sts, template);
    if (size === null || size < storage.bytes) {
      throw new RefusedError(statefulSetRecreatedByOthers(namespace, name, template, size === null ? null : formatQuantity(size), storage.quantity, RESIZE_CONFIGMAP, key));
    }
  }
  await writeRecord(session, key, null);
  reporter.event(statefulSetRecreated(name, template, storage.quantity, Date.now() - goneStarted));
}

type Finished = 'done' | 'pending';

/**
 * Waits for each claim: done once its capacity is the new size and no file
 * system resize is pending; 'pending' once it has shown
 * FileSystemResizePending for `pendingAfterMs` (null: wait for done).
 */
async function waitForClaims(
  context: OperationContext,
  prepared: ResizePrepared,
  claims: readonly ClaimPlan[],
  pendingAfterMs: number | null,
  phase: 'online' | 'restart',
): Promise<Map<string, Finished>> {
  const { session, reporter } = context;
  const result = new Map<string, Finished>();
  const pendingSince = new Map<string, number>();
  const states = new Map<string, string>();
  if (claims.length === 0) return result;
  const names = claims.map((c) => c.claim);
  const waitingFor = phase === 'online' ? waitClaimsGrow(names, prepared.storage.quantity) : waitFileSystemsGrow(names);
  await waitFor(
    waitingFor,
    async () => {
      for (const c of claims) {
        if (result.has(c.claim)) continue;
        const state = readClaimState(await session.kube.readPvc(prepared.namespace, c.claim), { claim: c.claim, ordinal: 0, pod: c.pod, broker: c.broker });
        if (state.resizeFailure !== null) {
          throw new RefusedError(claimResizeFailed(c.claim, state.resizeFailure, prepared.namespace));
        }
        const capacity = state.capacityBytes ?? 0n;
        if (capacity >= prepared.storage.bytes && !state.fileSystemResizePending) {
          result.set(c.claim, 'done');
          reporter.event(claimGrown(c.claim, formatQuantity(capacity), phase === 'online' ? null : c.pod));
          continue;
        }
        if (state.fileSystemResizePending) {
          const since = pendingSince.get(c.claim) ?? Date.now();
          if (!pendingSince.has(c.claim)) {
            pendingSince.set(c.claim, since);
            if (phase === 'online') reporter.event(claimFileSystemPending(c.claim));
          }
          if (pendingAfterMs !== null && Date.now() - since >= pendingAfterMs) {
            result.set(c.claim, 'pending');
            reporter.event(claimRestartNeeded(c.claim, pendingAfterMs, c.pod));
          }
        }
        states.set(c.claim, claimWaitState(c.claim, state.capacityBytes === null ? null : formatQuantity(state.capacityBytes), state.fileSystemResizePending));
      }
      return result.size === claims.length ? true : undefined;
    },
    { timeoutMs: context.timeoutMs, intervalMs: 1_000, signal: context.signal, describe: () => [...states.entries()].filter(([k]) => !result.has(k)).map(([, v]) => v).join('; ') },
  );
  return result;
}

/** The guarded restart of the brokers whose claims wait for their pod to start again. */
async function restartForResize(context: OperationContext, claims: readonly ClaimPlan[]): Promise<RestartStep[]> {
  const facts = await context.session.snapshot();
  const brokers: BrokerRef[] = [];
  for (const c of claims) {
    const id = c.broker ?? facts.directory.byPod.get(c.pod) ?? null;
    if (id === null) throw new RefusedError(podWithoutBrokerIdToRestart(c.pod));
    const pod = facts.pods.find((p) => p.metadata?.name === c.pod);
    brokers.push({ id, pod: c.pod, node: pod?.spec?.nodeName ?? null });
  }
  context.reporter.event(restartingForResize(brokers.map((b) => b.pod)));
  return restartBrokers(context, brokers);
}
