/**
 * pods UPDATE that changes labels: refused when it takes a live broker pod out
 * of its policy's spec.brokers.selector. Once a broker pod no longer matches,
 * no policy governs it, and its deletion or eviction passes unguarded
 * (`kubectl label pod kafka-2 app.kubernetes.io/name-` then `kubectl delete`;
 * issue 10). The StatefulSet controller never removes a pod's labels, so this
 * only ever refuses a person or a tool; a pod that is not Ready or already
 * terminating is no live broker and may be relabelled. Governed by
 * guards.podDelete: the edit is the first half of an unguarded delete.
 *
 * Break-glass (the pod's allow-disruption annotation) admits the edit with a
 * warning but is not consumed here: see selectorLabelBreakGlassWarning. As for
 * a disruption, its setter must be one the policy's spec.breakGlass allows now.
 */
import { podIsReady, podIsTerminating } from '../../shared/k8s/pods.js';
import { brokerIdOfPod } from '../../shared/k8s/identity.js';
import { matchesSelector, setRequirementHolds } from '../../shared/k8s/selector.js';
import type { KafkaGuardPolicy, LabelSelector } from '../../shared/policy/types.js';
import type { AdmissionRequest } from '../admission/types.js';
import { allow, deny, type AdmissionVerdict } from '../admission/verdict.js';
import type { FactsSource, PodFact } from '../facts/types.js';
import { policyKey } from '../facts/types.js';
import { breakGlassPermission, type Identity } from '../../shared/policy/break-glass.js';
import { breakGlassNotHonouredHint, selectorLabelBreakGlassWarning, selectorLabelReason, selectorLabelSummary, type BrokenSelectorLabel } from '../messages.js';
import { asPod, breakGlassOf, podReference } from './brokers.js';
import { requirePolicy } from './pod-disruption.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export interface SelectorLabelsSubject {
  namespace: string;
  podName: string;
  before: PodFact;
  after: PodFact;
}

export interface SelectorLabelsFacts {
  policy: KafkaGuardPolicy;
  namespace: string;
  podName: string;
  /** Ready and not terminating before the edit. */
  live: boolean;
  /** The broker id the pod ran before the edit, when it yields one (for the message only). */
  brokerId: number | null;
  /** The selector requirements the edit breaks, one per label key. */
  broken: BrokenSelectorLabel[];
  /** The break-glass reason on the pod before the edit, when set. */
  breakGlass: string | null;
  /** Who set it (ledger); null when never seen set. Checked against spec.breakGlass in decide. */
  breakGlassSetter: Identity | null;
}

/** Own labels only: a label called "constructor" must not find Object.prototype. */
function labelOf(labels: Readonly<Record<string, string>>, key: string): string | null {
  return Object.hasOwn(labels, key) ? (labels[key] ?? null) : null;
}

/** Pure: the requirements of `selector` that held for `before` and fail for `after`, by label key. */
export function brokenSelectorLabels(
  selector: LabelSelector,
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): BrokenSelectorLabel[] {
  const keys = new Set<string>();
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labelOf(before, key) === value && labelOf(after, key) !== value) keys.add(key);
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const holds = (labels: Readonly<Record<string, string>>) =>
      setRequirementHolds(labelOf(labels, requirement.key) ?? undefined, requirement.operator, requirement.values ?? []);
    if (holds(before) && !holds(after)) keys.add(requirement.key);
  }
  return [...keys].sort().map((key) => ({ key, before: labelOf(before, key), after: labelOf(after, key) }));
}

function labelsOf(pod: PodFact): Record<string, string> {
  return pod.metadata?.labels ?? {};
}

export const podSelectorLabels: Rule<SelectorLabelsSubject, SelectorLabelsFacts> = {
  name: 'pod-selector-labels',
  guard: 'podDelete',
  resources: [RESOURCES.pods],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.pods) && request.operation === 'UPDATE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<SelectorLabelsSubject> | null> {
    const before = asPod(request.oldObject);
    const after = asPod(request.object);
    const namespace = request.namespace ?? '';
    if (before === null || after === null || namespace === '') return null;
    const policy = await facts.policyFor(namespace, labelsOf(before));
    // Not a broker before, or still one of this policy's after: nothing is taken out of a guard.
    if (policy === null || matchesSelector(labelsOf(after), policy.spec.brokers.selector)) return null;
    const podName = before.metadata?.name ?? request.name;
    return {
      policy,
      subject: { namespace, podName, before, after },
      involvedObject: podReference(namespace, podName, before),
      // Honoured in decide, not by the engine: the engine would consume it (see the module comment).
      breakGlass: null,
    };
  },

  async gather(_request: AdmissionRequest, located: Located<SelectorLabelsSubject>, facts: FactsSource): Promise<SelectorLabelsFacts> {
    const policy = requirePolicy(located);
    const { namespace, podName, before, after } = located.subject;
    const id = brokerIdOfPod(before, policy.spec.brokers.idFrom);
    const breakGlass = breakGlassOf(before, namespace);
    const setter = breakGlass === null ? null : await facts.breakGlassSetter(breakGlass.pod, breakGlass.reason);
    return {
      policy,
      namespace,
      podName,
      live: podIsReady(before) && !podIsTerminating(before),
      brokerId: id.ok ? id.id : null,
      broken: brokenSelectorLabels(policy.spec.brokers.selector, labelsOf(before), labelsOf(after)),
      breakGlass: breakGlass?.reason ?? null,
      breakGlassSetter: setter === null ? null : { username: setter.user, groups: setter.groups },
    };
  },

  decide(_request: AdmissionRequest, facts: SelectorLabelsFacts): AdmissionVerdict {
    if (!facts.live || facts.broken.length === 0) return allow();
    const key = policyKey(facts.policy);
    const permission = breakGlassPermission(facts.policy.spec.breakGlass, facts.breakGlassSetter);
    if (facts.breakGlass !== null && permission.permitted) {
      return allow().withWarnings(selectorLabelBreakGlassWarning(facts.namespace, facts.podName, facts.breakGlass));
    }
    const hints = facts.breakGlass === null || permission.permitted ? [] : [breakGlassNotHonouredHint(
      { pod: { namespace: facts.namespace, name: facts.podName, uid: '' }, reason: facts.breakGlass }, facts.breakGlassSetter, key, permission.allowed,
    )];
    return deny([selectorLabelReason(facts.namespace, facts.podName, key, facts.broken)], {
      summary: selectorLabelSummary(facts.namespace, facts.podName, facts.brokerId),
      hints,
    });
  },
};
