/**
 * Who may set a policy's break-glass annotation (spec.breakGlass, issue 12):
 * one pure function, asked twice, when the annotation is set (the webhook sees
 * the pod UPDATE) and again when it is used (the disruption it lets through),
 * against the policy as it is then. Taking a person off the list therefore also
 * takes back an annotation they set but nobody has used yet.
 */
import type { BreakGlassSpec } from './types.js';

/** A Kubernetes identity, as the apiserver sends it in an AdmissionReview's userInfo. */
export interface Identity {
  username: string;
  groups: readonly string[];
}

export type BreakGlassPermission =
  | { permitted: true; /** Why: `anyone` (no list given), or the user or group that matched. */ by: 'anyone' | { user: string } | { group: string } }
  | { permitted: false; /** Who is allowed, for the refusal: `users a, b; groups c`, or `nobody`. */ allowed: string };

/** Whether spec.breakGlass restricts who may set the annotation at all. */
export function breakGlassRestricted(spec: BreakGlassSpec | undefined): boolean {
  return spec?.allowedUsers !== undefined || spec?.allowedGroups !== undefined;
}

/** Who spec.breakGlass allows, in words: `users alice, bob; groups sre`, `nobody`, or `anyone who can patch the pod`. */
export function allowedSetters(spec: BreakGlassSpec | undefined): string {
  if (!breakGlassRestricted(spec)) return 'anyone who can patch the pod';
  const users = spec?.allowedUsers ?? [];
  const groups = spec?.allowedGroups ?? [];
  const parts = [
    ...(users.length > 0 ? [`user${users.length === 1 ? '' : 's'} ${users.join(', ')}`] : []),
    ...(groups.length > 0 ? [`group${groups.length === 1 ? '' : 's'} ${groups.join(', ')}`] : []),
  ];
  return parts.length === 0 ? 'nobody' : parts.join('; ');
}

/**
 * Pure: may `who` set the break-glass annotation under `spec`? `who` null is an
 * annotation nobody was seen setting (set when the pod was created, or while
 * the webhook did not see the pod): permitted only when nothing is restricted.
 * Names and groups compare exactly, as Kubernetes RBAC does.
 */
export function breakGlassPermission(spec: BreakGlassSpec | undefined, who: Identity | null): BreakGlassPermission {
  if (!breakGlassRestricted(spec)) return { permitted: true, by: 'anyone' };
  if (who !== null) {
    if (spec?.allowedUsers?.includes(who.username) === true) return { permitted: true, by: { user: who.username } };
    const group = who.groups.find((g) => spec?.allowedGroups?.includes(g) === true);
    if (group !== undefined) return { permitted: true, by: { group } };
  }
  return { permitted: false, allowed: allowedSetters(spec) };
}
