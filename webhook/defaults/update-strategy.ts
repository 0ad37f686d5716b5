import type { V1StatefulSetUpdateStrategy } from '@kubernetes/client-node';
import { optionalRecord } from './shape.js';
import type { DefaultDefinition, DefaultTarget } from './types.js';

/**
 * Roll brokers one at a time, never in parallel, and never with a partition the
 * user did not ask for. `maxUnavailable` needs the MaxUnavailableStatefulSet
 * feature gate; where it is off the apiserver drops the field, which is
 * harmless because one at a time is also the behaviour without it. Any
 * strategy the user set (including OnDelete) is left alone.
 */
export function applyUpdateStrategy(target: DefaultTarget): boolean {
  const spec = target.statefulSetSpec;
  if (spec === null) return false;
  if (optionalRecord(spec, 'updateStrategy', 'spec.updateStrategy') !== undefined) return false;
  const strategy: V1StatefulSetUpdateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } };
  spec.updateStrategy = strategy;
  return true;
}

export const updateStrategy: DefaultDefinition = {
  name: 'updateStrategy',
  kinds: ['StatefulSet'],
  scope: 'workload',
  apply: applyUpdateStrategy,
};
