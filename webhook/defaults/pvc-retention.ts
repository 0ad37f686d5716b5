import { ensureRecord, optionalRecord } from './shape.js';
import type { DefaultDefinition, DefaultTarget } from './types.js';

/**
 * Broker volumes hold the only copy of some replicas until they are moved: they
 * must outlive a `kubectl delete sts` (whenDeleted) and a scale-down
 * (whenScaled), so a mistaken delete or scale can be undone without data loss.
 * Each field is filled only where unset; an explicit Delete stays.
 */
export function applyPvcRetention(target: DefaultTarget): boolean {
  const spec = target.statefulSetSpec;
  if (spec === null) return false;
  const existing = optionalRecord(spec, 'persistentVolumeClaimRetentionPolicy', 'spec.persistentVolumeClaimRetentionPolicy');
  if (existing !== undefined && existing['whenDeleted'] != null && existing['whenScaled'] != null) return false;
  const policy = ensureRecord(spec, 'persistentVolumeClaimRetentionPolicy');
  policy['whenDeleted'] ??= 'Retain';
  policy['whenScaled'] ??= 'Retain';
  return true;
}

export const pvcRetention: DefaultDefinition = {
  name: 'pvcRetention',
  kinds: ['StatefulSet'],
  scope: 'workload',
  apply: applyPvcRetention,
};
