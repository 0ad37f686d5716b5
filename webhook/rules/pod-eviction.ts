/**
 * pods/eviction CREATE: `kubectl drain`, the cluster autoscaler, node
 * maintenance. The object is a policy/v1 Eviction, so the pod is request.name
 * in request.namespace and is looked up. Refusals use 429 so that drain and the
 * autoscaler retry them as they retry a PodDisruptionBudget.
 */
import type { AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource } from '../facts/types.js';
import { evictionSummary } from '../messages.js';
import { metadataOf } from './brokers.js';
import {
  decidePodDisruption,
  gatherPodDisruption,
  locateBrokerPod,
  type PodDisruptionFacts,
  type PodSubject,
} from './pod-disruption.js';
import { RESOURCES, isResource, type GatherContext, type Located, type Rule } from './rule.js';

export const podEviction: Rule<PodSubject, PodDisruptionFacts> = {
  name: 'pod-eviction',
  guard: 'eviction',
  resources: [RESOURCES.podEviction],
  denialCode: 429,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.podEviction) && request.operation === 'CREATE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<PodSubject> | null> {
    const namespace = request.namespace ?? '';
    // The Eviction is named after its pod; request.name is set from it by the apiserver.
    const podName = request.name || (metadataOf(request.object)?.name ?? '');
    if (namespace === '' || podName === '') return null;
    const pod = await facts.pod(namespace, podName);
    // No such pod: the apiserver answers 404 itself.
    if (pod === null) return null;
    return locateBrokerPod(namespace, pod, facts);
  },

  gather(_request: AdmissionRequest, located: Located<PodSubject>, facts: FactsSource, context: GatherContext) {
    return gatherPodDisruption(located, facts, context);
  },

  decide(_request: AdmissionRequest, facts: PodDisruptionFacts): AdmissionVerdict {
    return decidePodDisruption(facts, {
      summary: (brokerId) => evictionSummary(facts.namespace, facts.podName, brokerId),
      code: 429,
    });
  },
};
