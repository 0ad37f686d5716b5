/**
 * Pure helpers the rules share: reading pods, StatefulSets and PVCs out of
 * JSON, broker availability, broker ids of StatefulSet ordinals, and the
 * volume naming of StatefulSets. No I/O here.
 */
import { brokerIdOfPod, buildBrokerDirectory, type BrokerIdResult } from '../../shared/k8s/identity.js';
import { downBrokers } from '../../shared/safety/disruption.js';
import { ANNOTATIONS, type BrokerIdSource } from '../../shared/policy/types.js';
import { parseMemoryBytes } from '../defaults/quantity.js';
import type { JsonObject } from '../admission/types.js';
import type { ObjectMeta, ObjectReference, PersistentVolumeClaimFact, PodFact, StatefulSetFact } from '../facts/types.js';
import type { BreakGlass } from './rule.js';

/** The apiserver only sends objects it decoded, so these casts only widen what the facts types describe. */
export function asPod(object: JsonObject | null): PodFact | null {
  return object === null ? null : (object as PodFact);
}
export function asStatefulSet(object: JsonObject | null): StatefulSetFact | null {
  return object === null ? null : (object as StatefulSetFact);
}
export function asPvc(object: JsonObject | null): PersistentVolumeClaimFact | null {
  return object === null ? null : (object as PersistentVolumeClaimFact);
}

/** metadata of a JSON object, when it has one. */
export function metadataOf(object: JsonObject | null): ObjectMeta | null {
  const metadata = object?.['metadata'];
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as ObjectMeta) : null;
}

/** Which broker pods are already down (not Ready, or being deleted); pods that yield no id are skipped. */
export function brokersDown(pods: readonly PodFact[], idFrom: BrokerIdSource): number[] {
  return downBrokers(pods, buildBrokerDirectory(pods, idFrom));
}

/** The break-glass annotation of a pod, when present and non-empty. */
export function breakGlassOf(pod: PodFact, namespace: string): BreakGlass | null {
  const annotations = pod.metadata?.annotations;
  const reason = annotations !== undefined && Object.hasOwn(annotations, ANNOTATIONS.allowDisruption)
    ? annotations[ANNOTATIONS.allowDisruption]
    : undefined;
  if (reason === undefined || reason.trim() === '') return null;
  return { pod: { namespace, name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' }, reason };
}

export function podReference(namespace: string, name: string, pod: PodFact | null): ObjectReference {
  return { apiVersion: 'v1', kind: 'Pod', namespace, name, uid: pod?.metadata?.uid ?? '' };
}

export function statefulSetReference(namespace: string, name: string, sts: StatefulSetFact | null): ObjectReference {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace, name, uid: sts?.metadata?.uid ?? '' };
}

/** Labels of the pods a StatefulSet creates: its pod template's labels. */
export function podTemplateLabels(sts: StatefulSetFact): Record<string, string> {
  return sts.spec?.template?.metadata?.labels ?? {};
}

/** `spec.replicas`, defaulting to 1 as Kubernetes does. */
export function replicasOf(sts: StatefulSetFact): number {
  const replicas = sts.spec?.replicas;
  return typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 0 ? replicas : 1;
}

/** First ordinal (`spec.ordinals.start`, StatefulSetStartOrdinal), 0 by default. */
export function startOrdinalOf(sts: StatefulSetFact): number {
  const start = sts.spec?.ordinals?.start;
  return typeof start === 'number' && Number.isInteger(start) && start >= 0 ? start : 0;
}

export interface OrdinalBroker {
  ordinal: number;
  podName: string;
  /** Whether the pod exists now. */
  podExists: boolean;
  id: BrokerIdResult;
}

/**
 * The broker behind one StatefulSet ordinal. When the pod exists its id comes
 * from the pod; when it does not, only name-based idFrom rules (ordinal,
 * podNameSuffix) can still tell, and label/annotation rules report why not.
 */
export function brokerOfOrdinal(
  stsName: string,
  ordinal: number,
  pod: PodFact | null,
  idFrom: BrokerIdSource,
): OrdinalBroker {
  const podName = `${stsName}-${ordinal}`;
  if (pod !== null) return { ordinal, podName, podExists: true, id: brokerIdOfPod(pod, idFrom) };
  const byName = brokerIdOfPod({ metadata: { name: podName } }, idFrom);
  return {
    ordinal,
    podName,
    podExists: false,
    id: byName.ok
      ? byName
      : { ok: false, error: `pod ${podName} does not exist, so its broker id cannot be read: ${byName.error}` },
  };
}

/** A PVC created from a StatefulSet volumeClaimTemplate: `<template>-<statefulset>-<ordinal>`. */
export interface BrokerVolume {
  statefulSet: StatefulSetFact;
  statefulSetName: string;
  template: string;
  ordinal: number;
  podName: string;
}

/** Which StatefulSet volume a PVC name is, if any. Ambiguity cannot arise: the template and set names are both checked. */
export function brokerVolumeOf(pvcName: string, statefulSets: readonly StatefulSetFact[]): BrokerVolume | null {
  for (const sts of statefulSets) {
    const stsName = sts.metadata?.name;
    if (stsName === undefined) continue;
    for (const template of sts.spec?.volumeClaimTemplates ?? []) {
      const templateName = template.metadata?.name;
      if (templateName === undefined) continue;
      const prefix = `${templateName}-${stsName}-`;
      if (!pvcName.startsWith(prefix)) continue;
      const rest = pvcName.slice(prefix.length);
      if (!/^(0|[1-9][0-9]*)$/.test(rest)) continue;
      const ordinal = Number(rest);
      return { statefulSet: sts, statefulSetName: stsName, template: templateName, ordinal, podName: `${stsName}-${ordinal}` };
    }
  }
  return null;
}

/** Storage quantity in bytes, or null when absent or not a quantity. */
export function storageBytes(value: unknown): bigint | null {
  if (value === undefined || value === null) return null;
  try {
    return parseMemoryBytes(value, 'storage');
  } catch {
    // A malformed size cannot be compared; the apiserver validated it, so this is a hand-made request.
    return null;
  }
}

/** Requested storage of a PVC (or a volumeClaimTemplate). */
export function requestedStorage(pvc: PersistentVolumeClaimFact): bigint | null {
  return storageBytes(pvc.spec?.resources?.requests?.['storage']);
}

/** What the volume actually has: status.capacity when bound, else what was requested. */
export function currentCapacity(pvc: PersistentVolumeClaimFact): bigint | null {
  return storageBytes(pvc.status?.capacity?.['storage']) ?? requestedStorage(pvc);
}

/** Bytes as a quantity a person reads (100Gi, 93.1Gi): shared/k8s/quantity.ts's formatQuantity. */
export { formatQuantity as formatBytes } from '../../shared/k8s/quantity.js';

