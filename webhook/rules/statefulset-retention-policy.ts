/**
 * statefulsets CREATE/UPDATE setting persistentVolumeClaimRetentionPolicy
 * whenDeleted or whenScaled to Delete on a broker StatefulSet: Kubernetes
 * would then delete broker volumes on `kubectl delete sts` or on a scale-down,
 * with no chance to move the replicas first.
 * https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
 *
 * On UPDATE only a change to Delete is refused; a Delete that was already set
 * warns, so unrelated updates are not blocked.
 */
import { allow, deny, type AdmissionVerdict, type DenialReasonInput } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource, StatefulSetFact } from '../facts/types.js';
import { retentionReason, retentionSummary, retentionWarning } from '../messages.js';
import { asStatefulSet, podTemplateLabels, statefulSetReference } from './brokers.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export interface RetentionFacts {
  namespace: string;
  statefulSetName: string;
  statefulSet: StatefulSetFact;
  before: StatefulSetFact | null;
}

const FIELDS = ['whenDeleted', 'whenScaled'] as const;

function deletes(sts: StatefulSetFact | null, field: (typeof FIELDS)[number]): boolean {
  return sts?.spec?.persistentVolumeClaimRetentionPolicy?.[field] === 'Delete';
}

export const statefulSetRetentionPolicy: Rule<RetentionFacts, RetentionFacts> = {
  name: 'statefulset-retention-policy',
  guard: 'volumes',
  resources: [RESOURCES.statefulSets],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.statefulSets) && (request.operation === 'CREATE' || request.operation === 'UPDATE');
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<RetentionFacts> | null> {
    const statefulSet = asStatefulSet(request.object);
    const name = request.name || statefulSet?.metadata?.name || '';
    if (statefulSet === null || request.namespace === null) return null;
    if (!FIELDS.some((field) => deletes(statefulSet, field))) return null;
    const policy = await facts.policyFor(request.namespace, podTemplateLabels(statefulSet));
    if (policy === null) return null;
    const before = asStatefulSet(request.oldObject);
    return {
      policy,
      subject: { namespace: request.namespace, statefulSetName: name, statefulSet, before },
      involvedObject: statefulSetReference(request.namespace, name, before),
      breakGlass: null,
    };
  },

  async gather(_request: AdmissionRequest, located: Located<RetentionFacts>) {
    return located.subject;
  },

  decide(_request: AdmissionRequest, facts: RetentionFacts): AdmissionVerdict {
    const reasons: DenialReasonInput[] = [];
    const warnings: string[] = [];
    for (const field of FIELDS) {
      if (!deletes(facts.statefulSet, field)) continue;
      if (deletes(facts.before, field)) warnings.push(retentionWarning(field));
      else reasons.push(retentionReason(field));
    }
    const verdict = reasons.length > 0 ? deny(reasons, { summary: retentionSummary(facts.namespace, facts.statefulSetName) }) : allow();
    return verdict.withWarnings(...warnings);
  },
};
