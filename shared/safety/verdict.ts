/**
 * The disruption verdict: may these brokers go down? Pure; see docs/architecture.md
 * "The safety model". Decisions made here, beyond that text:
 *
 * - A broker counts as down when it is requested, already down, pending, or not
 *   registered in the view. A partition's effective ISR is its ISR minus the
 *   down brokers. A broker out of a partition's ISR is down for that partition.
 * - Only what the request changes is blamed on it. A partition whose effective
 *   ISR is already empty without the request is reported as a warning
 *   ("already offline"), not a refusal: refusing would block the very pods an
 *   operator must touch to repair it, and the request cannot make it worse.
 * - A partition already below min.insync.replicas is refused again when the
 *   request removes one more in-sync replica (it worsens it), and only warned
 *   about when the requested brokers are not in its effective ISR.
 * - When a partition would go offline it is reported under `offline` only, not
 *   also under `under-min-isr`.
 * - Expendable topics are exempt from `offline` and `under-min-isr` (they get a
 *   warning) but not from `holds-replicas`: removing a broker for good still
 *   strands their replicas on a broker that will never come back.
 * - `unknown-broker` is a refusal: a request for an id the cluster does not know
 *   almost always means the pod-to-broker mapping is wrong, and then nothing else
 *   in the verdict can be trusted.
 * - Only partitions a requested broker holds are read (via the index), so the
 *   cost follows those brokers' partitions, not the cluster's size; warnings
 *   likewise only cover those partitions.
 */

import {
  assignmentOf,
  holdsAnyReplica,
  partitionRefOf,
  topicNameOf,
  type BrokerPartitions,
  type ClusterIndex,
} from './cluster-index.js';
import {
  DEFAULT_MAX_PARTITIONS_NAMED,
  alreadyOfflineWarning,
  alreadyUnderMinIsrWarning,
  expendableOfflineWarning,
  expendableUnderMinIsrWarning,
  holdsReplicasMessage,
  noSafeWayYet,
  offlineMessage,
  safeCommand,
  statusCommand,
  underMinIsrMessage,
  unknownBrokerMessage,
} from './messages.js';
import type {
  DisruptionContext,
  DisruptionRequest,
  PartitionRef,
  Verdict,
  VerdictPolicy,
  VerdictReason,
} from './types.js';

const DOWN = 1;
const REQUESTED = 2;

/** Decides whether the requested brokers may go down, given those already down. */
export function verdict(
  index: ClusterIndex,
  request: DisruptionRequest,
  context: DisruptionContext,
  policy: VerdictPolicy,
): Verdict {
  const maxNamed = policy.maxPartitionsNamed ?? DEFAULT_MAX_PARTITIONS_NAMED;
  const requested = [...new Set(request.brokers)].sort((a, b) => a - b);
  const alreadyDown = new Set(context.alreadyDown);
  const pending = new Set(context.pending);
  const { registered } = index;
  const flags = brokerFlags(index, requested, [...alreadyDown, ...pending]);
  const blocks = requested.flatMap((b) => index.brokerPartitions.get(b) ?? []);
  // A partition held by several requested brokers is judged once.
  const seen = blocks.length > 1 ? new Set<number>() : undefined;
  const isExpendable = expendableMatcher(policy.expendableTopics);
  const classified = emptyClassified();
  const holding: number[] = [];
  for (const block of blocks) classifyPartitions(index, block, flags, isExpendable, seen, classified);
  if (request.kind === 'remove') {
    const seenHeld = blocks.length > 1 ? new Set<number>() : undefined;
    for (const block of blocks) partitionsHeldBy(block, seenHeld, holding);
  }
  const { offline, underMinIsr, expendableOffline, expendableUnder, alreadyOffline, alreadyUnder } = classified;
  if (blocks.length > 1) {
    // Blocks are each in ordinal order; their concatenation is not.
    for (const list of [holding, offline, underMinIsr, expendableOffline, expendableUnder, alreadyOffline, alreadyUnder]) {
      list.sort((a, b) => a - b);
    }
  }

  // Name the other brokers that make the refused partitions fragile, so the
  // person reading the refusal knows it is not only about the pod they touched.
  const alsoAlreadyDown = new Set<number>();
  const alsoPending = new Set<number>();
  for (const ordinal of [...offline, ...underMinIsr]) {
    for (const broker of index.partitions[ordinal]?.isr ?? []) {
      if (requested.includes(broker)) continue;
      if (alreadyDown.has(broker) || !registered.has(broker)) alsoAlreadyDown.add(broker);
      else if (pending.has(broker)) alsoPending.add(broker);
    }
  }

  const unknown = requested.filter((b) => !registered.has(b) && !holdsAnyReplica(index, b));
  const known = requested.filter((b) => !unknown.includes(b));
  const also = { alreadyDown: sortedIds(alsoAlreadyDown), pending: sortedIds(alsoPending) };
  // A maintenance moves an at-risk partition's replica to a broker that is up and
  // does not hold it yet. When some partition has no such broker, naming it would
  // send the operator to a command that refuses too: say what has to change first.
  const stuck = request.kind === 'disrupt' && (someWithNowhereToGo(index, offline, flags) || someWithNowhereToGo(index, underMinIsr, flags));
  const remediation = stuck ? noSafeWayYet(request, known, also, policy.target) : safeCommand(request, known, policy.target);
  const refs = (ordinals: readonly number[]): PartitionRef[] => ordinals.map((o) => partitionRefOf(index, o));

  const reasons: VerdictReason[] = [];
  if (offline.length > 0) {
    const partitions = refs(offline);
    reasons.push({
      rule: 'offline',
      message: offlineMessage({ kind: request.kind, brokers: known, partitions, maxNamed, also }),
      partitions,
      remediation,
    });
  }
  if (underMinIsr.length > 0) {
    const partitions = refs(underMinIsr);
    reasons.push({
      rule: 'under-min-isr',
      message: underMinIsrMessage({ kind: request.kind, brokers: known, partitions, maxNamed, also }),
      partitions,
      remediation,
    });
  }
  if (holding.length > 0) {
    const partitions = refs(holding);
    const holdingBrokers = known.filter((b) => index.partitionsByBroker.has(b));
    reasons.push({
      rule: 'holds-replicas',
      message: holdsReplicasMessage(holdingBrokers, partitions, maxNamed),
      partitions,
      remediation: safeCommand(request, holdingBrokers, policy.target),
    });
  }
  if (unknown.length > 0) {
    reasons.push({
      rule: 'unknown-broker',
      message: unknownBrokerMessage(unknown, index.brokerIds),
      partitions: [],
      remediation: statusCommand(policy.target),
    });
  }

  const warnings: string[] = [];
  if (alreadyOffline.length > 0) warnings.push(alreadyOfflineWarning(refs(alreadyOffline), maxNamed));
  if (alreadyUnder.length > 0) warnings.push(alreadyUnderMinIsrWarning(refs(alreadyUnder), maxNamed));
  if (expendableOffline.length > 0) warnings.push(expendableOfflineWarning(refs(expendableOffline), maxNamed));
  if (expendableUnder.length > 0) warnings.push(expendableUnderMinIsrWarning(refs(expendableUnder), maxNamed));

  return { allowed: reasons.length === 0, reasons, warnings };
}

/** Whether a partition among `ordinals` has fewer brokers up (and not requested) outside its assignment than requested brokers inside it. O(RF) each. */
function someWithNowhereToGo(index: ClusterIndex, ordinals: readonly number[], flags: Uint8Array): boolean {
  if (ordinals.length === 0) return false;
  let up = 0;
  for (const b of index.brokerIds) if (flags[index.brokerSlot(b)] === 0) up += 1;
  for (const ordinal of ordinals) {
    let leaving = 0;
    let upInside = 0;
    for (const b of assignmentOf(index, ordinal)) {
      const flag = flags[index.brokerSlot(b)] ?? DOWN;
      if ((flag & REQUESTED) !== 0) leaving += 1;
      else if (flag === 0) upInside += 1;
    }
    if (up - upInside < leaving) return true;
  }
  return false;
}

/** Ordinals of the partitions each ISR rule (or warning) applies to, ascending. */
interface Classified {
  offline: number[];
  underMinIsr: number[];
  expendableOffline: number[];
  expendableUnder: number[];
  alreadyOffline: number[];
  alreadyUnder: number[];
}

/**
 * Per-broker flags by slot, so the loops below read a typed array instead of
 * hashing ids: DOWN = down before the request (also: not registered),
 * REQUESTED = taken down by it.
 */
function brokerFlags(index: ClusterIndex, requested: readonly number[], downBefore: readonly number[]): Uint8Array {
  const flags = new Uint8Array(index.slotCount);
  for (let slot = 0; slot < index.slotCount; slot += 1) if (index.registeredSlots[slot] !== 1) flags[slot] = DOWN;
  for (const broker of downBefore) {
    const slot = index.brokerSlot(broker);
    if (slot >= 0) flags[slot] = (flags[slot] ?? 0) | DOWN;
  }
  for (const broker of requested) {
    const slot = index.brokerSlot(broker);
    if (slot >= 0) flags[slot] = (flags[slot] ?? 0) | REQUESTED;
  }
  return flags;
}

/*
 * The two loops below are the verdict's hot path (thousands of partitions per
 * broker on a large cluster). They read one broker's contiguous block (see
 * BrokerPartitions), and each is its own small function with no rarely taken
 * branch, so the JIT optimises it once and keeps it: folded into one function
 * with the text building, V8 kept throwing the optimised code away and a
 * verdict took several times longer.
 */

function emptyClassified(): Classified {
  return { offline: [], underMinIsr: [], expendableOffline: [], expendableUnder: [], alreadyOffline: [], alreadyUnder: [] };
}

/** Sorts one broker's partitions by what the request does to their effective ISR (skipping `seen` ones). */
function classifyPartitions(
  index: ClusterIndex,
  block: BrokerPartitions,
  flags: Uint8Array,
  isExpendable: (topic: string) => boolean,
  seen: Set<number> | undefined,
  result: Classified,
): void {
  const { ordinals, isrStart, isrSlots, minIsr } = block;
  for (let k = 0; k < ordinals.length; k += 1) {
    const ordinal = ordinals[k] ?? 0;
    if (seen !== undefined) {
      if (seen.has(ordinal)) continue;
      seen.add(ordinal);
    }
    let inSyncBefore = 0;
    let inSyncAfter = 0;
    const isrTo = isrStart[k + 1] ?? 0;
    for (let i = isrStart[k] ?? 0; i < isrTo; i += 1) {
      const flag = flags[isrSlots[i] ?? -1] ?? DOWN;
      if ((flag & DOWN) !== 0) continue;
      inSyncBefore += 1;
      if ((flag & REQUESTED) === 0) inSyncAfter += 1;
    }
    const needed = minIsr[k] ?? 1;
    if (inSyncBefore === 0) {
      result.alreadyOffline.push(ordinal);
    } else if (inSyncAfter === 0) {
      (isExpendable(topicNameOf(index, ordinal)) ? result.expendableOffline : result.offline).push(ordinal);
    } else if (inSyncAfter < needed && inSyncAfter < inSyncBefore) {
      (isExpendable(topicNameOf(index, ordinal)) ? result.expendableUnder : result.underMinIsr).push(ordinal);
    } else if (inSyncBefore < needed) {
      result.alreadyUnder.push(ordinal);
    }
  }
}

/** Adds one broker's partitions (its block holds exactly those it has data for), skipping `seen` ones. */
function partitionsHeldBy(block: BrokerPartitions, seen: Set<number> | undefined, held: number[]): void {
  for (const ordinal of block.ordinals) {
    if (seen !== undefined) {
      if (seen.has(ordinal)) continue;
      seen.add(ordinal);
    }
    held.push(ordinal);
  }
}

/** Matches topic names against `expendableTopics`: exact names or `prefix*`. */
export function expendableMatcher(patterns: readonly string[]): (topic: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1));
    else exact.add(pattern);
  }
  const cache = new Map<string, boolean>();
  return (topic) => {
    let result = cache.get(topic);
    if (result === undefined) {
      result = exact.has(topic) || prefixes.some((prefix) => topic.startsWith(prefix));
      cache.set(topic, result);
    }
    return result;
  };
}

function sortedIds(ids: ReadonlySet<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}
