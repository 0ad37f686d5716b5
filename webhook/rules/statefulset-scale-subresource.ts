/**
 * statefulsets/scale UPDATE (`kubectl scale sts`, HPA-like autoscalers). The
 * object is an autoscaling/v1 Scale, which carries only replica counts, so the
 * StatefulSet is looked up for its pod template (policy) and ordinals.
 */
import type { AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest, JsonObject } from '../admission/types.js';
import type { FactsSource } from '../facts/types.js';
import { replicasOf } from './brokers.js';
import { RESOURCES, isResource, type GatherContext, type Located, type Rule } from './rule.js';
import {
  decideScaleDown,
  gatherScaleDown,
  locateScaleDown,
  type ScaleDownFacts,
  type ScaleDownSubject,
} from './scale-down.js';

/** spec.replicas of a Scale; null when absent or not a count. */
export function scaleReplicas(scale: JsonObject | null): number | null {
  const spec = scale?.['spec'];
  if (typeof spec !== 'object' || spec === null) return null;
  const replicas = (spec as { replicas?: unknown }).replicas;
  // An omitted replicas in a Scale means 0 (the field is omitempty in Go).
  if (replicas === undefined) return 0;
  return typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 0 ? replicas : null;
}

export const statefulSetScaleSubresource: Rule<ScaleDownSubject, ScaleDownFacts> = {
  name: 'statefulset-scale-subresource',
  guard: 'scaleDown',
  resources: [RESOURCES.statefulSetScale],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.statefulSetScale) && request.operation === 'UPDATE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<ScaleDownSubject> | null> {
    const to = scaleReplicas(request.object);
    if (to === null || request.namespace === null || request.name === '') return null;
    const statefulSet = await facts.statefulSet(request.namespace, request.name);
    if (statefulSet === null) return null;
    const from = (request.oldObject === null ? null : scaleReplicas(request.oldObject)) ?? replicasOf(statefulSet);
    return locateScaleDown(
      { namespace: request.namespace, statefulSet, statefulSetName: request.name, from, to },
      facts,
    );
  },

  gather(_request: AdmissionRequest, located: Located<ScaleDownSubject>, facts: FactsSource, context: GatherContext) {
    return gatherScaleDown(located, facts, context);
  },

  decide(_request: AdmissionRequest, facts: ScaleDownFacts): AdmissionVerdict {
    return decideScaleDown(facts);
  },
};
