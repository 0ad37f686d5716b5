/**
 * pods DELETE: `kubectl delete pod`, operators, and the StatefulSet controller
 * replacing pods during a rolling update. All are treated the same: refused
 * while the broker going down would take partitions offline or under
 * min.insync.replicas. The StatefulSet controller retries a refused delete with
 * back-off, so a rolling update waits for the ISR to recover between brokers
 * instead of racing ahead. oldObject is the pod.
 */
import type { AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource } from '../facts/types.js';
import { podDeleteSummary } from '../messages.js';
import { asPod } from './brokers.js';
import {
  decidePodDisruption,
  gatherPodDisruption,
  locateBrokerPod,
  type PodDisruptionFacts,
  type PodSubject,
} from './pod-disruption.js';
import { RESOURCES, isResource, type GatherContext, type Located, type Rule } from './rule.js';

export const podDelete: Rule<PodSubject, PodDisruptionFacts> = {
  name: 'pod-delete',
  guard: 'podDelete',
  resources: [RESOURCES.pods],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.pods) && request.operation === 'DELETE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<PodSubject> | null> {
    const namespace = request.namespace ?? '';
    if (namespace === '' || request.name === '') return null;
    // oldObject is sent for DELETE since Kubernetes 1.15; look the pod up if a caller left it out.
    const pod = asPod(request.oldObject) ?? (await facts.pod(namespace, request.name));
    if (pod === null) return null;
    return locateBrokerPod(namespace, pod, facts);
  },

  gather(_request: AdmissionRequest, located: Located<PodSubject>, facts: FactsSource, context: GatherContext) {
    return gatherPodDisruption(located, facts, context);
  },

  decide(request: AdmissionRequest, facts: PodDisruptionFacts): AdmissionVerdict {
    return decidePodDisruption(facts, {
      summary: (brokerId) => podDeleteSummary(facts.namespace, facts.podName, brokerId, request.userInfo.username),
      code: 403,
    });
  },
};
