import type { LabelSelector, LabelSelectorRequirement } from '../../shared/policy/types.js';

/**
 * The selector for "the pods of this broker set", used by pod anti-affinity and
 * topology spread: this pod's values for the label keys the broker selector
 * names positively (`name In [kafka, kafka-broker]` becomes `name: kafka`),
 * plus the selector's NotIn / DoesNotExist expressions verbatim. Falls back to
 * the broker selector itself when it names no positive key.
 */
export function brokerPodSelector(podLabels: Readonly<Record<string, string>>, brokerSelector: LabelSelector): LabelSelector {
  const positiveKeys = new Set<string>(Object.keys(brokerSelector.matchLabels ?? {}));
  const negativeExpressions: LabelSelectorRequirement[] = [];
  for (const requirement of brokerSelector.matchExpressions ?? []) {
    if (requirement.operator === 'In' || requirement.operator === 'Exists') positiveKeys.add(requirement.key);
    else negativeExpressions.push(structuredClone(requirement));
  }
  // Own labels only, and built with fromEntries: a key such as "constructor" or
  // "__proto__" must neither find Object.prototype nor set a prototype.
  const matchLabels: Record<string, string> = Object.fromEntries(
    [...positiveKeys].sort().flatMap((key) => (Object.hasOwn(podLabels, key) ? [[key, podLabels[key] as string]] : [])),
  );
  if (Object.keys(matchLabels).length === 0) return structuredClone(brokerSelector);
  return negativeExpressions.length > 0 ? { matchLabels, matchExpressions: negativeExpressions } : { matchLabels };
}
