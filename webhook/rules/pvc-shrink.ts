/**
 * persistentvolumeclaims UPDATE lowering spec.resources.requests.storage on a
 * broker volume. The apiserver's own validation (which runs before validating
 * webhooks) already refuses shrinking below the current request, except when
 * recovering from a failed expansion (KEP-1790), where the request may go down
 * to no less than the bound capacity. This rule is the Kafka-aware backstop:
 * below the capacity is refused, a recovery above it is admitted with a warning.
 */
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, type AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource, PersistentVolumeClaimFact } from '../facts/types.js';
import { expansionRecoveryWarning, pvcShrinkSummary, shrinkReason } from '../messages.js';
import { asPvc, currentCapacity, formatBytes, requestedStorage } from './brokers.js';
import { locateBrokerVolume, type VolumeSubject } from './broker-volume.js';
import { requirePolicy } from './pod-disruption.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export interface PvcShrinkFacts {
  policy: KafkaGuardPolicy;
  namespace: string;
  pvcName: string;
  before: PersistentVolumeClaimFact;
  after: PersistentVolumeClaimFact;
}

export const pvcShrink: Rule<VolumeSubject, PvcShrinkFacts | null> = {
  name: 'pvc-shrink',
  guard: 'volumes',
  resources: [RESOURCES.pvcs],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.pvcs) && request.operation === 'UPDATE';
  },

  locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<VolumeSubject> | null> {
    const before = asPvc(request.oldObject);
    const after = asPvc(request.object);
    if (request.namespace === null || before === null || after === null) return Promise.resolve(null);
    const wanted = requestedStorage(after);
    const had = requestedStorage(before);
    // Only a lower request concerns this rule; skip the lookups otherwise.
    if (wanted === null || had === null || wanted >= had) return Promise.resolve(null);
    return locateBrokerVolume(request.namespace, request.name, before, facts);
  },

  async gather(request: AdmissionRequest, located: Located<VolumeSubject>) {
    const before = asPvc(request.oldObject);
    const after = asPvc(request.object);
    if (before === null || after === null) return null;
    return { policy: requirePolicy(located), namespace: located.subject.namespace, pvcName: located.subject.pvcName, before, after };
  },

  decide(_request: AdmissionRequest, facts: PvcShrinkFacts | null): AdmissionVerdict {
    if (facts === null) return allow();
    const wanted = requestedStorage(facts.after);
    const had = requestedStorage(facts.before);
    const capacity = currentCapacity(facts.before);
    if (wanted === null || had === null || wanted >= had) return allow();
    if (capacity !== null && wanted >= capacity && capacity < had) {
      return allow().withWarnings(expansionRecoveryWarning(facts.pvcName, formatBytes(wanted), formatBytes(capacity)));
    }
    return deny([shrinkReason(facts.pvcName, formatBytes(wanted), formatBytes(capacity ?? had))], {
      summary: pvcShrinkSummary(facts.namespace, facts.pvcName),
    });
  },
};
