/**
 * Kubernetes label selectors: matching pods locally (the webhook sees one pod
 * at a time and must not list the namespace to ask), rendering the string form
 * for list calls, and the label key/value syntax rules.
 * Semantics follow metav1.LabelSelectorAsSelector:
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
import type { LabelSelector, LabelSelectorRequirement } from '../policy/types.js';

/**
 * True when the labels satisfy every matchLabels entry and every
 * matchExpressions requirement. As in Kubernetes, an empty selector matches
 * everything; parsePolicy refuses empty broker selectors for that reason.
 */
export function matchesSelector(labels: Record<string, string> | undefined, selector: LabelSelector): boolean {
  const present = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labelOf(present, key) !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((requirement) => requirementHolds(present, requirement));
}

function requirementHolds(labels: Record<string, string>, requirement: LabelSelectorRequirement): boolean {
  return setRequirementHolds(labelOf(labels, requirement.key), requirement.operator, requirement.values ?? []);
}

/**
 * The set-based operators label selectors and node selectors share, for a
 * label's value (undefined: no such label). Any other operator selects nothing
 * here (the apiserver refuses unknown ones; node selectors add Gt/Lt themselves).
 */
export function setRequirementHolds(value: string | undefined, operator: string, values: readonly string[]): boolean {
  switch (operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      return false;
  }
}

/** Own properties only: a label called "constructor" must not find Object.prototype. */
function labelOf(labels: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * The selector in the string form list calls take (`labelSelector=`), e.g.
 * `app=kafka,tier in (broker,combined),!canary`. Requirements are sorted by key
 * and values sorted, as Kubernetes prints them; an empty selector gives "".
 */
export function selectorToString(selector: LabelSelector): string {
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const requirement of selector.matchExpressions ?? []) {
    requirements.push({ key: requirement.key, text: requirementToString(requirement) });
  }
  // Array.prototype.sort is stable, so a key's matchLabels entry stays ahead of its expressions.
  return requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((requirement) => requirement.text)
    .join(',');
}

function requirementToString(requirement: LabelSelectorRequirement): string {
  const values = [...(requirement.values ?? [])].sort().join(',');
  switch (requirement.operator) {
    case 'In':
      return `${requirement.key} in (${values})`;
    case 'NotIn':
      return `${requirement.key} notin (${values})`;
    case 'Exists':
      return requirement.key;
    case 'DoesNotExist':
      return `!${requirement.key}`;
    default:
      throw new Error(
        `label selector operator ${JSON.stringify(requirement.operator)} on key ${JSON.stringify(requirement.key)} ` +
          'is not one of In, NotIn, Exists, DoesNotExist',
      );
  }
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why a string is not a valid label or annotation key (`[prefix/]name`: a DNS
 * subdomain prefix up to 253 characters, a name up to 63 alphanumerics, `-`,
 * `_`, `.`, starting and ending alphanumeric), or undefined when it is valid.
 */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix.length === 0) return 'the prefix before "/" is empty';
    if (prefix.length > 253) return `the prefix before "/" is ${prefix.length} characters long; at most 253 are allowed`;
    if (!DNS_SUBDOMAIN.test(prefix)) {
      return `the prefix "${prefix}" is not a DNS subdomain (lower-case alphanumerics, "-" and ".", e.g. example.com)`;
    }
  }
  if (name.length === 0) return 'the name part is empty';
  if (name.length > 63) return `the name part is ${name.length} characters long; at most 63 are allowed`;
  if (!NAME_PART.test(name)) {
    return `the name "${name}" must consist of alphanumerics, "-", "_" or "." and start and end with an alphanumeric`;
  }
  return undefined;
}

/** Why a string is not a valid label value (empty, or up to 63 characters like a key's name part), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63) return `it is ${value.length} characters long; at most 63 are allowed`;
  if (!NAME_PART.test(value)) {
    return 'a label value must consist of alphanumerics, "-", "_" or "." and start and end with an alphanumeric';
  }
  return undefined;
}
