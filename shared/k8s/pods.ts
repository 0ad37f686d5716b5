/**
 * Small, pure readings of broker pods and StatefulSets: readiness, whether a
 * pod is going away, which claim holds the broker's data, and the claim names
 * a StatefulSet gives an ordinal.
 */
import type { PodLike } from './identity.js';

export interface PodStateLike {
  metadata?: { name?: string; uid?: string; deletionTimestamp?: Date | string | null };
  spec?: {
    nodeName?: string;
    containers?: Array<{ name?: string; volumeMounts?: Array<{ name?: string }> }>;
    volumes?: Array<{ name?: string; persistentVolumeClaim?: { claimName?: string } }>;
  };
  status?: { phase?: string; conditions?: Array<{ type?: string; status?: string }> };
}

/**
 * A broker pod as every decision reads it (its name, labels and annotations for
 * its identity; its node, readiness and deletion for its state). A
 * @kubernetes/client-node V1Pod and an AdmissionReview's plain JSON both fit.
 */
export type BrokerPodLike = PodLike & PodStateLike;

/** The pod's Ready condition is True. */
export function podIsReady(pod: PodStateLike): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The pod has a deletionTimestamp: it is already going away. */
export function podIsTerminating(pod: PodStateLike): boolean {
  const stamp = pod.metadata?.deletionTimestamp;
  return stamp !== undefined && stamp !== null && stamp !== '';
}

/**
 * The PersistentVolumeClaim holding the broker's data: the first claim the
 * broker container mounts (`containerName`, else the first container), else
 * the pod's first claim; null when the pod has none.
 */
export function brokerClaimName(pod: PodStateLike, containerName?: string): string | null {
  const volumes = pod.spec?.volumes ?? [];
  const claimOf = (volumeName: string | undefined) =>
    volumes.find((v) => v.name === volumeName && v.persistentVolumeClaim?.claimName)?.persistentVolumeClaim?.claimName;
  const containers = pod.spec?.containers ?? [];
  const container = containerName === undefined ? containers[0] : containers.find((c) => c.name === containerName);
  for (const mount of container?.volumeMounts ?? []) {
    const claim = claimOf(mount.name);
    if (claim !== undefined) return claim;
  }
  return volumes.find((v) => v.persistentVolumeClaim?.claimName)?.persistentVolumeClaim?.claimName ?? null;
}

export interface StatefulSetClaimsLike {
  metadata?: { name?: string };
  spec?: { volumeClaimTemplates?: Array<{ metadata?: { name?: string } }> };
}

/** The claims the StatefulSet controller makes for an ordinal: `<template>-<statefulset>-<ordinal>`. */
export function claimNamesForOrdinal(statefulSet: StatefulSetClaimsLike, ordinal: number): string[] {
  const name = statefulSet.metadata?.name ?? '';
  return (statefulSet.spec?.volumeClaimTemplates ?? [])
    .map((template) => template.metadata?.name)
    .filter((template): template is string => typeof template === 'string' && template !== '')
    .map((template) => `${template}-${name}-${ordinal}`);
}
