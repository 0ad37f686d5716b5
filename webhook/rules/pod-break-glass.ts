/**
 * pods UPDATE that sets the break-glass annotation (kafkaguard.io/allow-disruption),
 * or changes its value (issue 12, "Break-glass is governed"). Two jobs:
 *
 *   - who may set it: a policy's spec.breakGlass.allowedUsers / allowedGroups.
 *     Anyone else is refused, naming them and who is allowed. Neither list
 *     given: anyone who can patch the pod may (the behaviour before the field).
 *   - who did set it: the admitted edit's user and groups are recorded in the
 *     ledger by pod uid and value (the webhook writes no pod), so the disruption
 *     the annotation lets through later names both people, and the engine checks
 *     that setter against the policy again at that moment (engine.ts applyPolicy).
 *
 * Removing the annotation, or setting it to an empty value (no break-glass),
 * is never refused: it takes a bypass away. A pod created with the annotation
 * is not seen here (pods CREATE is not registered): its setter is unknown,
 * which a policy with either list refuses to honour (docs/policy.md).
 *
 * Not under a guard switch: it governs the bypass of all of them. mode Off
 * skips it (the engine); Warn admits with a warning, as for the guards.
 */
import { breakGlassPermission, type Identity } from '../../shared/policy/break-glass.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { AdmissionRequest } from '../admission/types.js';
import { allow, deny, type AdmissionVerdict } from '../admission/verdict.js';
import type { FactsSource, PodFact } from '../facts/types.js';
import { policyKey } from '../facts/types.js';
import { breakGlassSetReason, breakGlassSetSummary, breakGlassSetWarning, breakGlassSetWarnModeWarning } from '../messages.js';
import { asPod, breakGlassOf, podReference } from './brokers.js';
import { requirePolicy } from './pod-disruption.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export interface BreakGlassSetSubject {
  namespace: string;
  podName: string;
  podUid: string;
  /** The annotation's new value: the operator's reason. */
  value: string;
}

export interface BreakGlassSetFacts {
  policy: KafkaGuardPolicy;
  subject: BreakGlassSetSubject;
  who: Identity;
}

/** The break-glass reason an object carries, or null (absent or blank: no break-glass, as breakGlassOf reads it). */
function reasonOf(pod: PodFact | null): string | null {
  return pod === null ? null : (breakGlassOf(pod, '')?.reason ?? null);
}

/** Pure: whether this pod UPDATE gives the pod a break-glass reason it did not have (set, or changed). */
export function setsBreakGlass(request: AdmissionRequest): boolean {
  if (!isResource(request, RESOURCES.pods) || request.operation !== 'UPDATE') return false;
  const after = reasonOf(asPod(request.object));
  return after !== null && after !== reasonOf(asPod(request.oldObject));
}

export const podBreakGlass: Rule<BreakGlassSetSubject, BreakGlassSetFacts> = {
  name: 'pod-break-glass',
  guard: null,
  resources: [RESOURCES.pods],
  denialCode: 403,

  matches: setsBreakGlass,

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<BreakGlassSetSubject> | null> {
    const after = asPod(request.object);
    const before = asPod(request.oldObject);
    const namespace = request.namespace ?? '';
    const value = reasonOf(after);
    if (after === null || value === null || namespace === '') return null;
    // The policy of the pod after the edit, or before it should the same edit also relabel it.
    const policy = (await facts.policyFor(namespace, after.metadata?.labels ?? {}))
      ?? (before === null ? null : await facts.policyFor(namespace, before.metadata?.labels ?? {}));
    // No policy: the annotation means nothing to kafka-guard (docs/policy.md: set again once one governs the pod).
    if (policy === null) return null;
    const podName = after.metadata?.name ?? request.name;
    return {
      policy,
      subject: { namespace, podName, podUid: after.metadata?.uid ?? before?.metadata?.uid ?? '', value },
      involvedObject: podReference(namespace, podName, after),
      // Never bypassed by break-glass itself.
      breakGlass: null,
    };
  },

  async gather(request: AdmissionRequest, located: Located<BreakGlassSetSubject>): Promise<BreakGlassSetFacts> {
    return {
      policy: requirePolicy(located),
      subject: located.subject,
      who: { username: request.userInfo.username, groups: request.userInfo.groups },
    };
  },

  decide(_request: AdmissionRequest, facts: BreakGlassSetFacts): AdmissionVerdict {
    const { subject, who, policy } = facts;
    const setting = {
      pod: { namespace: subject.namespace, name: subject.podName, uid: subject.podUid },
      value: subject.value,
      user: who.username,
      groups: who.groups,
    };
    const permission = breakGlassPermission(policy.spec.breakGlass, who);
    if (permission.permitted) {
      return allow().withWarnings(breakGlassSetWarning(subject.namespace, subject.podName, who, subject.value)).withBreakGlassSetting(setting);
    }
    const key = policyKey(policy);
    if (policy.spec.mode === 'Warn') {
      // Admitted and recorded: the use is checked again, and Warn refuses nothing then either.
      return allow()
        .withWarnings(breakGlassSetWarnModeWarning(key, subject.namespace, subject.podName, who, permission.allowed))
        .withBreakGlassSetting(setting);
    }
    return deny([breakGlassSetReason(who, key, permission.allowed)], { summary: breakGlassSetSummary(subject.namespace, subject.podName) });
  },
};
