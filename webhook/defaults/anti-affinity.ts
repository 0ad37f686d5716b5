import type { V1PodAntiAffinity } from '@kubernetes/client-node';
import { brokerPodSelector } from './selector.js';
import { ensureRecord, optionalRecord, requireRecord } from './shape.js';
import type { DefaultDefinition, DefaultTarget, DefaultsContext } from './types.js';

export const HOSTNAME_TOPOLOGY_KEY = 'kubernetes.io/hostname';

/**
 * One broker per node: losing a node then costs one replica of a partition,
 * not two. `preferred` (weight 100) still schedules when nodes run short;
 * `required` never co-locates brokers and leaves extra pods Pending instead.
 * Any podAntiAffinity the user wrote is left exactly as it is.
 */
export function applyAntiAffinity(target: DefaultTarget, ctx: DefaultsContext): boolean {
  const { pod } = target;
  const affinity = optionalRecord(pod.spec, 'affinity', `${pod.specPath}.affinity`);
  if (affinity !== undefined && affinity['podAntiAffinity'] !== undefined && affinity['podAntiAffinity'] !== null) {
    requireRecord(affinity['podAntiAffinity'], `${pod.specPath}.affinity.podAntiAffinity`);
    return false;
  }
  const term = { labelSelector: brokerPodSelector(pod.labels, ctx.brokerSelector), topologyKey: HOSTNAME_TOPOLOGY_KEY };
  const podAntiAffinity: V1PodAntiAffinity =
    ctx.defaults.antiAffinity.mode === 'required'
      ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] };
  ensureRecord(pod.spec, 'affinity')['podAntiAffinity'] = podAntiAffinity;
  return true;
}

export const antiAffinity: DefaultDefinition = {
  name: 'antiAffinity',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podSpec',
  apply: applyAntiAffinity,
};
