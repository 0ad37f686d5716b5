import type { V1TopologySpreadConstraint } from '@kubernetes/client-node';
import { brokerPodSelector } from './selector.js';
import { ensureArray, isRecord, MalformedObjectError, optionalArray, PolicyValueError } from './shape.js';
import type { DefaultDefinition, DefaultTarget, DefaultsContext } from './types.js';

export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';

/**
 * Spread brokers over zones so a zone outage takes at most ceil(n/zones)
 * brokers. Skipped when any constraint on the zone key exists, whatever its
 * settings: the user has made that choice already.
 */
export function applyZoneSpread(target: DefaultTarget, ctx: DefaultsContext): boolean {
  const { pod } = target;
  const path = `${pod.specPath}.topologySpreadConstraints`;
  const existing = optionalArray(pod.spec, 'topologySpreadConstraints', path) ?? [];
  const onZone = existing.some((constraint, index) => {
    if (!isRecord(constraint)) throw new MalformedObjectError(`${path}[${index}]`, 'an object', constraint);
    return constraint['topologyKey'] === ZONE_TOPOLOGY_KEY;
  });
  if (onZone) return false;

  const { maxSkew, whenUnsatisfiable } = ctx.defaults.zoneSpread;
  if (!Number.isInteger(maxSkew) || maxSkew < 1) throw new PolicyValueError('spec.defaults.zoneSpread.maxSkew', 'an integer of at least 1', maxSkew);
  const constraint: V1TopologySpreadConstraint = {
    maxSkew,
    topologyKey: ZONE_TOPOLOGY_KEY,
    whenUnsatisfiable,
    labelSelector: brokerPodSelector(pod.labels, ctx.brokerSelector),
  };
  ensureArray<V1TopologySpreadConstraint>(pod.spec, 'topologySpreadConstraints').push(constraint);
  return true;
}

export const zoneSpread: DefaultDefinition = {
  name: 'zoneSpread',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podSpec',
  apply: applyZoneSpread,
};
