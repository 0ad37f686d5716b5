/**
 * The disruption ledger: a ConfigMap in which every webhook replica records the
 * broker disruptions it admitted (an eviction or a pod deletion), until the pod
 * is gone or the entry's TTL passes. Two disruptions decided at the same time
 * then never both pass when together they break a rule. The webhook writes it
 * (compare-and-swap on resourceVersion); the plugin reads it, so its verdicts
 * count the same pending disruptions as the webhook's.
 *
 * Layout: one data key per policy (`<namespace>.<name>`), a JSON array of
 * `{ brokerId, podUid, expiresAt }` (epoch ms), plus `breakGlass: true` on an
 * entry a break-glass annotation admitted.
 */

export const LEDGER_DEFAULTS = { namespace: 'kafka-guard', name: 'kafka-guard-disruptions' } as const;

export interface LedgerLocation {
  namespace: string;
  name: string;
}

/** Where the webhook keeps it, as its own settings say (KAFKAGUARD_LEDGER_NAMESPACE / _NAME), for readers outside the webhook. */
export function ledgerLocation(env: Readonly<Record<string, string | undefined>>): LedgerLocation {
  return {
    namespace: env['KAFKAGUARD_LEDGER_NAMESPACE'] || LEDGER_DEFAULTS.namespace,
    name: env['KAFKAGUARD_LEDGER_NAME'] || LEDGER_DEFAULTS.name,
  };
}

/** What a verdict needs from the ledger. */
export interface PendingDisruptions {
  brokers: number[];
  /** Why the ledger could not be read (then nothing pending is counted), or null. */
  unknown: string | null;
}

export interface LedgerEntry {
  brokerId: number;
  podUid: string;
  expiresAt: number;
  /**
   * Admitted by the pod's break-glass annotation: the operator let this pod go
   * down once, and until the entry expires a retry of that same disruption
   * (the apiserver re-running admission, drain retrying after a PDB's 429)
   * is that one disruption, not another.
   */
  breakGlass?: true;
}

/** A ConfigMap data key for a policy key (`namespace/name`): both are DNS names, so '.' keeps it unique and valid. */
export function ledgerKey(policyKey: string): string {
  return policyKey.replace('/', '.');
}

/** The entries that have not expired; anything unreadable counts as no entry. */
export function parseLedger(raw: string | undefined, now: number): LedgerEntry[] {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((e): e is LedgerEntry =>
      typeof e === 'object' && e !== null && Number.isInteger((e as LedgerEntry).brokerId)
      && typeof (e as LedgerEntry).podUid === 'string' && typeof (e as LedgerEntry).expiresAt === 'number'
      && (e as LedgerEntry).expiresAt > now);
  } catch {
    // A hand-edited, unreadable entry must not block every disruption forever: treat it as empty.
    return [];
  }
}

/** Pod uids whose pending disruption a break-glass annotation admitted (see LedgerEntry.breakGlass). */
export function breakGlassPodUids(entries: readonly LedgerEntry[]): string[] {
  return entries.filter((e) => e.breakGlass === true).map((e) => e.podUid);
}

/**
 * Brokers with an admitted disruption still pending: an entry lasts until its
 * pod is gone (then the pod's absence, or its replacement's readiness, speaks
 * for the broker) or its TTL passes. `livePodUids` null: pods unknown, every
 * unexpired entry counts.
 */
export function pendingBrokers(entries: readonly LedgerEntry[], livePodUids: ReadonlySet<string> | null): number[] {
  const live = entries.filter((e) => livePodUids === null || livePodUids.has(e.podUid));
  return [...new Set(live.map((e) => e.brokerId))].sort((a, b) => a - b);
}

/**
 * The ledger's data key for break-glass uses. Policy keys always hold a '.'
 * (`namespace.name`), so this one never collides with them.
 */
export const BREAK_GLASS_KEY = 'break-glass';

/**
 * One use of a pod's break-glass annotation. The webhook records it here
 * instead of removing the annotation from the pod, so it needs no write access
 * to pods: an annotation whose (pod uid, value) is recorded is used up. A new
 * reason (another value) on the same pod is a new break-glass.
 */
export interface BreakGlassUse {
  podUid: string;
  namespace: string;
  pod: string;
  value: string;
  /** When it was used (epoch ms). */
  at: number;
}

/** Uses kept at most; the oldest go first (a pod that lived through this many is long gone). */
export const MAX_BREAK_GLASS_USES = 1000;

/** The recorded uses; anything unreadable counts as none (the pods' own annotations stay the safe default: one more use). */
export function parseBreakGlassUses(raw: string | undefined): BreakGlassUse[] {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((u): u is BreakGlassUse =>
      typeof u === 'object' && u !== null && typeof (u as BreakGlassUse).podUid === 'string' && typeof (u as BreakGlassUse).namespace === 'string'
      && typeof (u as BreakGlassUse).pod === 'string' && typeof (u as BreakGlassUse).value === 'string' && typeof (u as BreakGlassUse).at === 'number');
  } catch {
    return [];
  }
}

/**
 * Records `use` unless the same annotation (pod uid and value) was used
 * before: null then. Uses of pods that no longer exist are dropped
 * (`livePodUids` null for a namespace: its pods unknown, kept), and at most
 * MAX_BREAK_GLASS_USES stay.
 */
export function recordBreakGlassUse(
  uses: readonly BreakGlassUse[],
  use: BreakGlassUse,
  livePodUids: (namespace: string) => ReadonlySet<string> | null,
): BreakGlassUse[] | null {
  if (uses.some((u) => u.podUid === use.podUid && u.value === use.value)) return null;
  const kept = uses.filter((u) => {
    const live = livePodUids(u.namespace);
    return live === null || live.has(u.podUid);
  });
  return [...kept, use].slice(-MAX_BREAK_GLASS_USES);
}

/**
 * The ledger's data key for who set each break-glass annotation (issue 12):
 * the webhook sees the pod UPDATE that sets or changes the annotation and
 * records the user here, so the disruption it later lets through names both
 * people and can be checked against the policy's spec.breakGlass again.
 * No '.' in it, so it never collides with a policy key either.
 */
export const BREAK_GLASS_SET_KEY = 'break-glass-set';

/** Who set one value of a pod's break-glass annotation. */
export interface BreakGlassSetting {
  podUid: string;
  namespace: string;
  pod: string;
  value: string;
  user: string;
  groups: string[];
  /** When the webhook admitted the edit that set it (epoch ms). */
  at: number;
}

/** The recorded settings; anything unreadable counts as none (the setter is then unknown, which a restricted policy refuses). */
export function parseBreakGlassSettings(raw: string | undefined): BreakGlassSetting[] {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((s): s is BreakGlassSetting => {
      if (typeof s !== 'object' || s === null) return false;
      const setting = s as Partial<BreakGlassSetting>;
      return typeof setting.podUid === 'string' && typeof setting.namespace === 'string' && typeof setting.pod === 'string'
        && typeof setting.value === 'string' && typeof setting.user === 'string' && typeof setting.at === 'number'
        && Array.isArray(setting.groups) && setting.groups.every((g) => typeof g === 'string');
    });
  } catch {
    return [];
  }
}

/**
 * Records `setting`, replacing an earlier one for the same (pod uid, value):
 * the annotation removed and set again to the same value is set by whoever
 * set it last, and a retried edit records the same person once. Settings of
 * pods that no longer exist are dropped (`livePodUids` null: kept), and at
 * most MAX_BREAK_GLASS_USES stay.
 */
export function recordBreakGlassSetting(
  settings: readonly BreakGlassSetting[],
  setting: BreakGlassSetting,
  livePodUids: (namespace: string) => ReadonlySet<string> | null,
): BreakGlassSetting[] {
  const kept = settings.filter((s) => {
    if (s.podUid === setting.podUid && s.value === setting.value) return false;
    const live = livePodUids(s.namespace);
    return live === null || live.has(s.podUid);
  });
  return [...kept, setting].slice(-MAX_BREAK_GLASS_USES);
}

/** Who set `value` on the pod with `podUid`, or null when the webhook never saw it set. */
export function breakGlassSetterOf(settings: readonly BreakGlassSetting[], podUid: string, value: string): BreakGlassSetting | null {
  return settings.find((s) => s.podUid === podUid && s.value === value) ?? null;
}
