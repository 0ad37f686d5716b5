/**
 * Compares what an identity did (the apiserver's audit log) with what the
 * chart grants it: every request granted, every grant used or commented on.
 * Pure functions over the rendered chart's text and the audit log's lines.
 */
import { parse, parseAllDocuments } from 'yaml';

/** A rule line's comment that excuses a grant the tests never use. */
export const UNUSED_MARKER = 'unused in tests:';

export interface Grant {
  /** ClusterRole/NAME or Role/NAMESPACE/NAME. */
  role: string;
  /** null: every namespace (a ClusterRole through a ClusterRoleBinding). */
  namespace: string | null;
  apiGroup: string;
  /** `pods`, `kafkaguardpolicies/status`. */
  resource: string;
  verb: string;
  /** null: any object; else only these names (RBAC resourceNames). */
  resourceNames: string[] | null;
  /** The comment lines above the rule. */
  comment: string;
}

export interface AuditedRequest {
  verb: string;
  apiGroup: string;
  resource: string;
  /** null: a cluster-scoped resource. */
  namespace: string | null;
  /** The object's name; null for list, watch and create without one. */
  name: string | null;
  code: number;
}

type Subject = { kind: string; name: string; namespace?: string };
type Binding = { kind: string; metadata: { namespace?: string }; roleRef: { kind: string; name: string }; subjects?: Subject[] };
type RoleDoc = { kind: string; metadata: { name: string; namespace?: string } };

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

/** Each rule of each Role/ClusterRole in `text`, with the comment lines just above it. */
function rulesWithComments(documentText: string): Array<{ rule: Rule; comment: string }> {
  const out: Array<{ rule: Rule; comment: string }> = [];
  let comments: string[] = [];
  let inRules = false;
  for (const line of documentText.split('\n')) {
    if (/^rules:/.test(line)) { inRules = true; comments = []; continue; }
    if (!inRules) continue;
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) { comments.push(comment[1] ?? ''); continue; }
    const item = /^\s*-\s(\{.*\})\s*$/.exec(line);
    if (item?.[1]) {
      out.push({ rule: parse(item[1]) as Rule, comment: comments.join('\n') });
      comments = [];
      continue;
    }
    if (/^\S/.test(line)) inRules = false;
    // A rule written over several lines would be missed: the chart keeps one per line, and grantsOf checks the count.
  }
  return out;
}

type Parsed = Array<{ text: string; object: (RoleDoc & Binding & { rules?: unknown[] }) | null }>;

function parseDocuments(text: string): Parsed {
  return text.split(/^---\s*$/m).map((d) => ({ text: d, object: (parseAllDocuments(d)[0]?.toJS() ?? null) as (RoleDoc & Binding & { rules?: unknown[] }) | null }));
}

function roleGrants(parsed: Parsed, roleRef: { kind: string; name: string }, scope: string | null): Grant[] {
  const role = parsed.find((p) => p.object?.kind === roleRef.kind && p.object.metadata.name === roleRef.name
    && (roleRef.kind === 'ClusterRole' || p.object.metadata.namespace === scope));
  if (!role?.object) throw new Error(`a binding refers to ${roleRef.kind} ${roleRef.name}, which the chart does not render`);
  const rules = rulesWithComments(role.text);
  if (rules.length !== (role.object.rules ?? []).length) {
    throw new Error(`${role.object.kind} ${role.object.metadata.name}: write each rule on one line (- {apiGroups: …}) so its comment can be read`);
  }
  const name = role.object.kind === 'ClusterRole' ? `ClusterRole/${role.object.metadata.name}` : `Role/${scope}/${role.object.metadata.name}`;
  const grants: Grant[] = [];
  for (const { rule, comment } of rules) {
    for (const apiGroup of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) {
      grants.push({ role: name, namespace: scope, apiGroup, resource, verb, resourceNames: rule.resourceNames ?? null, comment });
    }
  }
  return grants;
}

/** What the chart rendered as `text` grants ServiceAccount `namespace/name`, rule by rule, verb by verb. */
export function grantsOf(text: string, serviceAccount: { namespace: string; name: string }): Grant[] {
  const parsed = parseDocuments(text);
  const bound = (b: Binding) => (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount.name && s.namespace === serviceAccount.namespace);
  return parsed.map((p) => p.object)
    .filter((o): o is RoleDoc & Binding => o !== null && (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') && bound(o))
    .flatMap((binding) => roleGrants(parsed, binding.roleRef, binding.kind === 'ClusterRoleBinding' ? null : binding.metadata.namespace ?? null));
}

/** What ClusterRole `name` in the chart grants when bound cluster-wide (a role the chart ships but does not bind). */
export function clusterRoleGrants(text: string, name: string): Grant[] {
  return roleGrants(parseDocuments(text), { kind: 'ClusterRole', name }, null);
}

/** The requests by `username` in audit log lines (JSON, one event per line); non-resource requests (discovery) left out. */
export function requestsBy(lines: Iterable<string>, username: string): { requests: AuditedRequest[]; nonResource: Array<{ uri: string; code: number }> } {
  const requests: AuditedRequest[] = [];
  const nonResource: Array<{ uri: string; code: number }> = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as {
      user?: { username?: string }; verb?: string; requestURI?: string; responseStatus?: { code?: number };
      objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
    };
    if (event.user?.username !== username) continue;
    const code = event.responseStatus?.code ?? 0;
    const ref = event.objectRef;
    if (!ref?.resource) { nonResource.push({ uri: event.requestURI ?? '', code }); continue; }
    requests.push({
      verb: event.verb ?? '', apiGroup: ref.apiGroup ?? '', resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource,
      namespace: ref.namespace ?? null, name: ref.name ?? null, code,
    });
  }
  return { requests, nonResource };
}

const covers = (g: Grant, r: AuditedRequest) =>
  g.verb === r.verb && g.apiGroup === r.apiGroup && g.resource === r.resource && (g.namespace === null || g.namespace === r.namespace)
  && (g.resourceNames === null || (r.name !== null && g.resourceNames.includes(r.name)));

/** `verb group/resource in namespace`, for messages. */
export function describeRequest(r: AuditedRequest): string {
  return `${r.verb} ${r.apiGroup || 'core'}/${r.resource}${r.name === null ? '' : ` ${r.name}`} ${r.namespace === null ? '(cluster-wide)' : `in ${r.namespace}`}`;
}

/**
 * Requests no grant covers, and granted requests the apiserver refused (403) and never allowed after, each once.
 * A restarted apiserver refuses everything until its RBAC caches have synced (the faults suite restarts it,
 * and the webhook's watches reconnect at once); the same request allowed later shows the grant is in place.
 * `requests` in the order the log wrote them.
 */
export function ungranted(requests: readonly AuditedRequest[], grants: readonly Grant[]): string[] {
  const out = new Set<string>();
  const lastAllowed = new Map<string, number>();
  requests.forEach((r, i) => { if (r.code !== 403) lastAllowed.set(describeRequest(r), i); });
  requests.forEach((r, i) => {
    if (!grants.some((g) => covers(g, r))) out.add(`${describeRequest(r)}: not granted by the chart`);
    else if (r.code === 403 && (lastAllowed.get(describeRequest(r)) ?? -1) < i) out.add(`${describeRequest(r)}: refused (403) although the chart grants it`);
  });
  return [...out].sort();
}

/** Grants no request used and no "unused in tests:" comment explains. */
export function unusedUnexplained(requests: readonly AuditedRequest[], grants: readonly Grant[]): string[] {
  return grants
    .filter((g) => !requests.some((r) => covers(g, r)) && !g.comment.includes(UNUSED_MARKER))
    .map((g) => `${g.role}: ${g.verb} ${g.apiGroup || 'core'}/${g.resource}${g.resourceNames ? ` ${g.resourceNames.join(',')}` : ''} was never used; drop it, or say why it stays with a comment "# ${UNUSED_MARKER} …" above the rule`);
}
