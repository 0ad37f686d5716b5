import type { DefaultDefinition, DefaultTarget } from './types.js';

export const SAFE_TO_EVICT_ANNOTATION = 'cluster-autoscaler.kubernetes.io/safe-to-evict';

/**
 * Tells the cluster autoscaler not to pick a broker's node for scale-down: a
 * scale-down evicts the broker only to save a node, and its volume may be
 * node-local. An explicit "true" is the user's decision and stays.
 */
export function applySafeToEvict(target: DefaultTarget): boolean {
  if (target.pod.annotation(SAFE_TO_EVICT_ANNOTATION) !== undefined) return false;
  target.pod.setAnnotation(SAFE_TO_EVICT_ANNOTATION, 'false');
  return true;
}

export const safeToEvictAnnotation: DefaultDefinition = {
  name: 'safeToEvictAnnotation',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podMetadata',
  apply: applySafeToEvict,
};
