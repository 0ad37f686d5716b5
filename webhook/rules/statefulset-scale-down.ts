/**
 * statefulsets UPDATE lowering spec.replicas (`kubectl apply`, `helm upgrade`,
 * `kubectl edit`): the removed brokers must hold no replica any more.
 */
import type { AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource } from '../facts/types.js';
import { asStatefulSet, replicasOf } from './brokers.js';
import { RESOURCES, isResource, type GatherContext, type Located, type Rule } from './rule.js';
import {
  decideScaleDown,
  gatherScaleDown,
  locateScaleDown,
  type ScaleDownFacts,
  type ScaleDownSubject,
} from './scale-down.js';

export const statefulSetScaleDown: Rule<ScaleDownSubject, ScaleDownFacts> = {
  name: 'statefulset-scale-down',
  guard: 'scaleDown',
  resources: [RESOURCES.statefulSets],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.statefulSets) && request.operation === 'UPDATE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<ScaleDownSubject> | null> {
    const statefulSet = asStatefulSet(request.object);
    const old = asStatefulSet(request.oldObject);
    if (statefulSet === null || old === null || request.namespace === null) return null;
    return locateScaleDown(
      {
        namespace: request.namespace,
        statefulSet,
        statefulSetName: request.name,
        from: replicasOf(old),
        to: replicasOf(statefulSet),
      },
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
