/**
 * statefulsets CREATE/UPDATE whose volumeClaimTemplates ask for less storage
 * than the broker volumes already created from them (a StatefulSet deleted
 * with --cascade=orphan and re-applied smaller is the usual way this happens).
 * Existing PVCs keep their size, but new or replaced brokers would get smaller
 * disks than the replicas they must take over.
 *
 * On UPDATE only a template that changes is refused; a mismatch that already
 * existed only warns, so unrelated updates (an image bump) are not blocked.
 * A larger template is always admitted: that is how `kubectl kafka resize`
 * re-creates the StatefulSet after growing its claims.
 */
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, type AdmissionVerdict, type DenialReasonInput } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource, PersistentVolumeClaimFact, StatefulSetFact } from '../facts/types.js';
import { templateShrinkReason, templateShrinkWarning, volumeTemplatesSummary } from '../messages.js';
import {
  asStatefulSet,
  currentCapacity,
  formatBytes,
  podTemplateLabels,
  requestedStorage,
  statefulSetReference,
} from './brokers.js';
import { requirePolicy } from './pod-disruption.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export interface TemplatesSubject {
  namespace: string;
  statefulSetName: string;
  statefulSet: StatefulSetFact;
  /** The StatefulSet before an UPDATE; null on CREATE. */
  before: StatefulSetFact | null;
}

export interface TemplatesFacts {
  policy: KafkaGuardPolicy;
  subject: TemplatesSubject;
  pvcs: PersistentVolumeClaimFact[];
}

export const statefulSetVolumeTemplates: Rule<TemplatesSubject, TemplatesFacts> = {
  name: 'statefulset-volume-templates',
  guard: 'volumes',
  resources: [RESOURCES.statefulSets],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.statefulSets) && (request.operation === 'CREATE' || request.operation === 'UPDATE');
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<TemplatesSubject> | null> {
    const statefulSet = asStatefulSet(request.object);
    const name = request.name || statefulSet?.metadata?.name || '';
    if (statefulSet === null || request.namespace === null || name === '') return null;
    if ((statefulSet.spec?.volumeClaimTemplates ?? []).length === 0) return null;
    const policy = await facts.policyFor(request.namespace, podTemplateLabels(statefulSet));
    if (policy === null) return null;
    return {
      policy,
      subject: { namespace: request.namespace, statefulSetName: name, statefulSet, before: asStatefulSet(request.oldObject) },
      involvedObject: statefulSetReference(request.namespace, name, request.oldObject === null ? null : asStatefulSet(request.oldObject)),
      breakGlass: null,
    };
  },

  async gather(_request: AdmissionRequest, located: Located<TemplatesSubject>, facts: FactsSource) {
    return { policy: requirePolicy(located), subject: located.subject, pvcs: await facts.pvcs(located.subject.namespace) };
  },

  decide(_request: AdmissionRequest, facts: TemplatesFacts): AdmissionVerdict {
    const { subject } = facts;
    const reasons: DenialReasonInput[] = [];
    const warnings: string[] = [];
    for (const template of subject.statefulSet.spec?.volumeClaimTemplates ?? []) {
      const templateName = template.metadata?.name;
      const size = requestedStorage(template);
      if (templateName === undefined || size === null) continue;
      const prefix = `${templateName}-${subject.statefulSetName}-`;
      const larger = facts.pvcs
        .filter((pvc) => {
          const name = pvc.metadata?.name ?? '';
          return name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
        })
        .flatMap((pvc) => {
          const capacity = volumeSize(pvc);
          return capacity !== null && capacity > size ? [{ pvc: pvc.metadata?.name ?? '', size: formatBytes(capacity) }] : [];
        })
        .sort((a, b) => a.pvc.localeCompare(b.pvc, 'en', { numeric: true }));
      if (larger.length === 0) continue;
      if (templateChanged(subject.before, templateName, size)) {
        reasons.push(templateShrinkReason(templateName, formatBytes(size), larger));
      } else {
        warnings.push(templateShrinkWarning(templateName, formatBytes(size), larger.length));
      }
    }
    const verdict = reasons.length > 0 ? deny(reasons, { summary: volumeTemplatesSummary(subject.namespace, subject.statefulSetName) }) : allow();
    return verdict.withWarnings(...warnings);
  },
};

/**
 * What a broker volume is or is growing to: the larger of its capacity and its
 * request. A claim whose request was raised (a resize under way, `kubectl kafka
 * resize`) counts at its new size, so a template between the two is a shrink too.
 */
function volumeSize(pvc: PersistentVolumeClaimFact): bigint | null {
  const capacity = currentCapacity(pvc);
  const requested = requestedStorage(pvc);
  if (capacity === null) return requested;
  return requested !== null && requested > capacity ? requested : capacity;
}

/** CREATE, a new template, or a template whose size differs from before. */
function templateChanged(before: StatefulSetFact | null, templateName: string, size: bigint): boolean {
  if (before === null) return true;
  const previous = (before.spec?.volumeClaimTemplates ?? []).find((t) => t.metadata?.name === templateName);
  if (previous === undefined) return true;
  return requestedStorage(previous) !== size;
}
