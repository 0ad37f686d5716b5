/**
 * Placing one StatefulSet pod on a chosen node. A StatefulSet has one pod
 * template for all its pods, and a pod's scheduling constraints cannot be
 * changed after it is created, so there is no per-pod knob. This module pins
 * the pod through the template, for as short a time as the scheduler needs:
 *
 * 1. the StatefulSet's update strategy becomes OnDelete and its template gets
 *    a required node affinity for the target node (OnDelete: changing the
 *    template restarts no running pod);
 * 2. the caller deletes the pod; the controller recreates it from the
 *    pinned template and the scheduler has one node to choose;
 * 3. once it is scheduled, the pin is taken out of the template; the moved
 *    pod's `controller-revision-hash` label is set to the restored template's
 *    revision (it differs from it only by the pin, which no longer matters
 *    once it runs), so restoring the update strategy does not roll it again.
 *
 * While pinned, any other pod of the StatefulSet that is recreated would be
 * pinned too; the window is seconds, and the plugin only pins after the
 * verdict allowed the disruption. The pin and the original update strategy
 * are recorded in an annotation, so a run that dies mid-way is undone by the
 * next `kubectl kafka move` (or by hand: see docs/plugin.md).
 * Alternatives considered (docs/plugin.md): cordoning every other node
 * (blocks all workloads cluster-wide), binding the pod ourselves (a race with
 * the scheduler), scheduling gates (need a mutating webhook at pod creation).
 */
import type { V1Affinity, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1StatefulSet } from '@kubernetes/client-node';
import jsonPatch from 'fast-json-patch';
import type { JsonPatchOperation, KubeCluster } from '../k8s/cluster.js';
import { HOSTNAME_LABEL } from '../k8s/volumes.js';
import { RefusedError } from './errors.js';
import { alreadyPinned, pinUnreadable, restoredTemplateTaken, statefulSetGone } from './messages.js';
import { waitFor, type WaitOptions } from './wait.js';

export const PIN_ANNOTATION = 'kafkaguard.io/move-pin';
export const REVISION_LABEL = 'controller-revision-hash';

interface PinRecord {
  pod: string;
  node: string;
  /** The update strategy before the pin, restored afterwards. */
  updateStrategy: unknown;
}

const escapePointer = (key: string) => jsonPatch.escapePathComponent(key);

function pinRequirement(node: string): V1NodeSelectorRequirement {
  return { key: HOSTNAME_LABEL, operator: 'In', values: [node] };
}

const isPin = (r: V1NodeSelectorRequirement, node: string) =>
  r.key === HOSTNAME_LABEL && r.operator === 'In' && r.values?.length === 1 && r.values[0] === node;

/** Pure: the affinity with the pin added to every required term (terms are ORed, so each must carry it). */
export function withPin(affinity: V1Affinity | undefined, node: string): V1Affinity {
  const copy: V1Affinity = structuredClone(affinity ?? {});
  const nodeAffinity = (copy.nodeAffinity ??= {});
  const required = (nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
  const terms: V1NodeSelectorTerm[] = required.nodeSelectorTerms.length > 0 ? required.nodeSelectorTerms : [{}];
  required.nodeSelectorTerms = terms.map((term) => ({ ...term, matchExpressions: [...(term.matchExpressions ?? []), pinRequirement(node)] }));
  return copy;
}

/** Pure: the affinity with the pin taken out again; undefined when nothing else was there. */
export function withoutPin(affinity: V1Affinity | undefined, node: string): V1Affinity | undefined {
  if (affinity === undefined) return undefined;
  const copy: V1Affinity = structuredClone(affinity);
  const required = copy.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required !== undefined && copy.nodeAffinity !== undefined) {
    const terms = required.nodeSelectorTerms
      .map((term) => {
        const matchExpressions = (term.matchExpressions ?? []).filter((r) => !isPin(r, node));
        const rest: V1NodeSelectorTerm = { ...term };
        if (matchExpressions.length > 0) rest.matchExpressions = matchExpressions;
        else delete rest.matchExpressions;
        return rest;
      })
      .filter((term) => (term.matchExpressions?.length ?? 0) > 0 || (term.matchFields?.length ?? 0) > 0);
    if (terms.length > 0) required.nodeSelectorTerms = terms;
    else delete copy.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    if (Object.keys(copy.nodeAffinity).length === 0) delete copy.nodeAffinity;
  }
  return Object.keys(copy).length === 0 ? undefined : copy;
}

function pinRecordOf(sts: V1StatefulSet): PinRecord | null {
  const raw = sts.metadata?.annotations?.[PIN_ANNOTATION];
  if (raw === undefined) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<PinRecord>;
    if (typeof parsed.pod === 'string' && typeof parsed.node === 'string') return { pod: parsed.pod, node: parsed.node, updateStrategy: parsed.updateStrategy };
  } catch {
    // fall through
  }
  throw new RefusedError(pinUnreadable(sts.metadata?.name ?? '', PIN_ANNOTATION, raw));
}

/** Pins the StatefulSet's pods to `node` (see the module comment). */
export async function pin(kube: KubeCluster, namespace: string, statefulSet: string, pod: string, node: string): Promise<void> {
  const sts = await kube.readStatefulSet(namespace, statefulSet);
  if (sts === null) throw new RefusedError(statefulSetGone(namespace, statefulSet));
  if (pinRecordOf(sts) !== null) throw new RefusedError(alreadyPinned(statefulSet, PIN_ANNOTATION));
  const record: PinRecord = { pod, node, updateStrategy: sts.spec?.updateStrategy ?? { type: 'RollingUpdate' } };
  const patch: JsonPatchOperation[] = [{ op: 'test', path: '/metadata/resourceVersion', value: sts.metadata?.resourceVersion }];
  if (sts.metadata?.annotations === undefined) patch.push({ op: 'add', path: '/metadata/annotations', value: {} });
  patch.push(
    { op: 'add', path: `/metadata/annotations/${escapePointer(PIN_ANNOTATION)}`, value: JSON.stringify(record) },
    { op: 'add', path: '/spec/updateStrategy', value: { type: 'OnDelete' } },
    { op: 'add', path: '/spec/template/spec/affinity', value: withPin(sts.spec?.template?.spec?.affinity, node) },
  );
  await kube.patchStatefulSet(namespace, statefulSet, patch);
}

/**
 * Takes the pin out: template first (still OnDelete), then, once the
 * controller has the restored revision, the moved pod is labelled with it,
 * then the update strategy comes back. Does nothing when there is no pin.
 */
export async function unpin(kube: KubeCluster, namespace: string, statefulSet: string, options: WaitOptions): Promise<PinRecord | null> {
  const sts = await kube.readStatefulSet(namespace, statefulSet);
  if (sts === null) return null;
  const record = pinRecordOf(sts);
  if (record === null) return null;
  const patched = await kube.patchStatefulSetFresh(namespace, statefulSet, (fresh) => {
    const affinity = withoutPin(fresh.spec?.template?.spec?.affinity, record.node);
    return [affinity === undefined
      ? { op: 'remove', path: '/spec/template/spec/affinity' }
      : { op: 'replace', path: '/spec/template/spec/affinity', value: affinity }];
  });
  const generation = patched.metadata?.generation ?? 0;
  const revision = await waitFor(
    restoredTemplateTaken(statefulSet),
    async () => {
      const current = await kube.readStatefulSet(namespace, statefulSet);
      const observed = current?.status?.observedGeneration ?? 0;
      return observed >= generation && current?.status?.updateRevision ? current.status.updateRevision : undefined;
    },
    options,
  );
  const pod = await kube.readPod(namespace, record.pod);
  if (pod !== null && pod.metadata?.labels?.[REVISION_LABEL] !== undefined && pod.metadata.labels[REVISION_LABEL] !== revision) {
    // The StatefulSet controller compares this label (a ControllerRevision name) with
    // status.updateRevision to decide which pods are out of date.
    await kube.patchPod(namespace, record.pod, [
      { op: 'replace', path: `/metadata/labels/${escapePointer(REVISION_LABEL)}`, value: revision },
    ]);
  }
  await kube.patchStatefulSetFresh(namespace, statefulSet, () => [
    { op: 'add', path: '/spec/updateStrategy', value: record.updateStrategy },
    { op: 'remove', path: `/metadata/annotations/${escapePointer(PIN_ANNOTATION)}` },
  ]);
  return record;
}
