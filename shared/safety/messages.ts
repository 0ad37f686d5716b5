/**
 * Every user-facing sentence of the safety core: verdict reasons, warnings,
 * remediation commands and planner errors. Kept in one place so wording stays
 * consistent between the webhook and the plugin and can be reviewed at once.
 */

import type { DisruptionRequest, PartitionRef, VerdictPolicy } from './types.js';
import { formatBytes } from '../bytes.js';

export const DEFAULT_MAX_PARTITIONS_NAMED = 5;

/** Kafka's own spelling of a partition: `topic-partition`. */
export function partitionName(ref: PartitionRef): string {
  return `${ref.topic}-${ref.partition}`;
}

/** "orders-0, orders-1 and 3 more"; `max` below 1 names none ("5 partitions"). */
export function partitionList(partitions: readonly PartitionRef[], max: number): string {
  const named = partitions.slice(0, Math.max(0, max)).map(partitionName);
  const rest = partitions.length - named.length;
  if (named.length === 0) return countOf(partitions.length, 'partition');
  return rest > 0 ? `${named.join(', ')} and ${rest} more` : named.join(', ');
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** "broker 2" / "brokers 2, 3". */
export function brokerList(brokers: readonly number[]): string {
  return brokers.length === 1 ? `broker ${brokers[0]}` : `brokers ${brokers.join(', ')}`;
}

function action(kind: DisruptionRequest['kind'], brokers: readonly number[]): string {
  return `${kind === 'remove' ? 'Removing' : 'Taking down'} ${brokerList(brokers)}`;
}

/** Brokers already counted as down that share the affected partitions' ISR. */
export interface AlsoDown {
  alreadyDown: readonly number[];
  pending: readonly number[];
}

function alsoDownSentence(also: AlsoDown): string {
  const parts: string[] = [];
  if (also.alreadyDown.length > 0) parts.push(`${brokerList(also.alreadyDown)} already down`);
  if (also.pending.length > 0) parts.push(`${brokerList(also.pending)} with a disruption already admitted`);
  return parts.length === 0 ? '' : ` Counted as down too: ${parts.join('; ')}.`;
}

export interface RuleMessageInput {
  kind: DisruptionRequest['kind'];
  brokers: readonly number[];
  partitions: readonly PartitionRef[];
  maxNamed: number;
  also: AlsoDown;
}

export function offlineMessage(input: RuleMessageInput): string {
  return (
    `${action(input.kind, input.brokers)} would take ${countOf(input.partitions.length, 'partition')} offline ` +
    `(no in-sync replica left): ${partitionList(input.partitions, input.maxNamed)}.` +
    alsoDownSentence(input.also)
  );
}

export function underMinIsrMessage(input: RuleMessageInput): string {
  return (
    `${action(input.kind, input.brokers)} would drop ${countOf(input.partitions.length, 'partition')} below ` +
    `min.insync.replicas, so producers using acks=all would fail: ${partitionList(input.partitions, input.maxNamed)}.` +
    alsoDownSentence(input.also)
  );
}

export function holdsReplicasMessage(brokers: readonly number[], partitions: readonly PartitionRef[], maxNamed: number): string {
  return (
    `${brokerList(brokers)} still ${brokers.length === 1 ? 'holds' : 'hold'} replicas of ` +
    `${countOf(partitions.length, 'partition')}, which would be lost with ${brokers.length === 1 ? 'it' : 'them'}: ` +
    `${partitionList(partitions, maxNamed)}.`
  );
}

export function unknownBrokerMessage(unknown: readonly number[], registered: readonly number[]): string {
  const known = registered.length === 0 ? 'none' : registered.join(', ');
  return (
    `${brokerList(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not registered with the Kafka cluster and ` +
    `${unknown.length === 1 ? 'holds' : 'hold'} no replicas, so the broker id mapping (spec.brokers.idFrom) is ` +
    `probably wrong; registered brokers: ${known}.`
  );
}

export function expendableOfflineWarning(partitions: readonly PartitionRef[], maxNamed: number): string {
  return (
    `${countOf(partitions.length, 'partition')} of expendable topics will go offline ` +
    `(allowed by expendableTopics): ${partitionList(partitions, maxNamed)}.`
  );
}

export function expendableUnderMinIsrWarning(partitions: readonly PartitionRef[], maxNamed: number): string {
  return (
    `${countOf(partitions.length, 'partition')} of expendable topics will drop below min.insync.replicas ` +
    `(allowed by expendableTopics): ${partitionList(partitions, maxNamed)}.`
  );
}

export function alreadyOfflineWarning(partitions: readonly PartitionRef[], maxNamed: number): string {
  return (
    `${countOf(partitions.length, 'partition')} on these brokers ${partitions.length === 1 ? 'is' : 'are'} already ` +
    `offline (no in-sync replica available) and this request does not change that: ${partitionList(partitions, maxNamed)}.`
  );
}

export function alreadyUnderMinIsrWarning(partitions: readonly PartitionRef[], maxNamed: number): string {
  return (
    `${countOf(partitions.length, 'partition')} on these brokers ${partitions.length === 1 ? 'is' : 'are'} already ` +
    `below min.insync.replicas; this request removes no in-sync replica from ${partitions.length === 1 ? 'it' : 'them'}: ` +
    `${partitionList(partitions, maxNamed)}.`
  );
}

function namespaceFlag(target: VerdictPolicy['target']): string {
  return target?.namespace ? ` -n ${target.namespace}` : '';
}

/**
 * The `kubectl kafka` command that does the requested job safely: a guarded
 * scale-down when the StatefulSet and the asked-for replica count are known;
 * for a broker going down for a while, a maintenance of the pod or the broker
 * ids; for one going for good, a drain.
 */
export function safeCommand(request: DisruptionRequest, brokers: readonly number[], target: VerdictPolicy['target']): string {
  const ns = namespaceFlag(target);
  if (request.kind === 'remove' && target?.statefulSet && target.replicas !== undefined) {
    return `kubectl kafka scale ${target.statefulSet} --replicas ${target.replicas}${ns}`;
  }
  // Taken down for a while (eviction, delete, restart): maintenance moves only what would
  // break, and works where a drain has nowhere to put the replicas. For good: a drain.
  const verb = request.kind === 'disrupt' ? 'maintenance start' : 'drain';
  if (brokers.length === 1 && target?.pod) return `kubectl kafka ${verb} ${target.pod}${ns}`;
  return `kubectl kafka ${verb} ${brokers.map((b) => `--broker ${b}`).join(' ')}${ns}`;
}

/**
 * When not even a maintenance can make the disruption safe now (every broker
 * that is up already holds the at-risk partitions): what has to change first,
 * then the command.
 */
export function noSafeWayYet(
  request: DisruptionRequest,
  brokers: readonly number[],
  also: { alreadyDown: readonly number[]; pending: readonly number[] },
  target: VerdictPolicy['target'],
): string {
  const first: string[] = [];
  if (also.alreadyDown.length > 0) first.push(`bring back ${brokerWord(also.alreadyDown)} ${also.alreadyDown.join(', ')} (down)`);
  if (also.pending.length > 0) first.push(`wait for ${brokerWord(also.pending)} ${also.pending.join(', ')} (disruption under way) to be back`);
  first.push(`add a broker (kubectl kafka scale ${target?.statefulSet ?? 'STS'} --replicas <one more>${namespaceFlag(target)})`);
  return `none right now: every broker that is up already holds a replica of these partitions. First ${first.join(', or ')}; then ${safeCommand(request, brokers, target)}`;
}

function brokerWord(ids: readonly number[]): string {
  return ids.length === 1 ? 'broker' : 'brokers';
}

/** For unknown brokers the safe next step is to look at the id mapping. */
export function statusCommand(target: VerdictPolicy['target']): string {
  return `kubectl kafka status${namespaceFlag(target)}`;
}

export function duplicatePartitionMessage(topic: string, partition: number): string {
  return (
    `The cluster view lists partition ${topic}-${partition} twice; a snapshot must list each partition once ` +
    `(check the code that builds the ClusterView).`
  );
}

export function duplicateTopicMessage(topic: string): string {
  return `The cluster view lists topic ${topic} twice; a snapshot must list each topic once (check the code that builds the ClusterView).`;
}

// ---- planner ----

export function invalidMaxMovesMessage(value: number): string {
  return `maxMovesPerBroker must be a whole number of at least 1, got ${value}.`;
}

export function unregisteredTargetMessage(brokers: readonly number[], registered: readonly number[]): string {
  return (
    `Cannot plan onto ${brokerList(brokers)}: not registered with the Kafka cluster ` +
    `(registered: ${registered.length === 0 ? 'none' : registered.join(', ')}). Start the broker or leave it out.`
  );
}

export function noDestinationMessage(drained: readonly number[], partitions: readonly PartitionRef[], maxNamed: number): string {
  return (
    `Cannot drain ${brokerList(drained)}: ${countOf(partitions.length, 'partition')} would need more brokers than ` +
    `are left to hold ${partitions.length === 1 ? 'its' : 'their'} replicas: ` +
    `${partitionList(partitions, maxNamed)}. Add brokers (or lower the topics' replication factor) first.`
  );
}

// ---- disk headroom ----

/** One broker's figures: "broker 0 would hold 1.10 GiB of 870 MiB allowed (85% of 1.00 GiB): needs 254 MiB more". */
export function overfullBrokerText(broker: number, holdBytes: number, allowedBytes: number, capacityBytes: number, maxUsagePercent: number): string {
  return (
    `broker ${broker} would hold ${formatBytes(holdBytes)} of ${formatBytes(allowedBytes)} allowed ` +
    `(${maxUsagePercent}% of ${formatBytes(capacityBytes)}): needs ${formatBytes(holdBytes - allowedBytes)} more`
  );
}

export interface DiskShortfall {
  broker: number;
  holdBytes: number;
  allowedBytes: number;
  capacityBytes: number;
}

/** What to do when data does not fit: the same three ways everywhere. */
export function diskRemedy(maxUsagePercent: number): string {
  return (
    'Grow the brokers\' volumes, free space (delete topics, or lower their retention.ms / retention.bytes), ' +
    `or allow fuller disks with --max-disk-usage (now ${maxUsagePercent}).`
  );
}

/**
 * A drain whose replicas fit on no placement: per broker the figures of the
 * best placement found, why it is certain (or only that none was found), the remedy.
 */
export function drainDoesNotFitMessage(
  drained: readonly number[],
  shortfalls: readonly DiskShortfall[],
  maxUsagePercent: number,
  outcome: { why: 'total' | 'unit' | 'search' | 'budget'; shortfallAtLeast: number; placementsTried: number; replicas: number },
): string {
  const figures = shortfalls.map((s) => overfullBrokerText(s.broker, s.holdBytes, s.allowedBytes, s.capacityBytes, maxUsagePercent)).join('; ');
  const why = {
    total: `Together the brokers left need at least ${formatBytes(outcome.shortfallAtLeast)} more room.`,
    unit: 'A replica to move is larger than the room left on every broker that may take it.',
    search: `No placement of the ${countOf(outcome.replicas, 'replica')} fits (every placement was tried).`,
    budget:
      `No placement that fits was found (the search stopped after ${outcome.placementsTried} placements, ` +
      'so one may exist; freeing a little more room will let the planner find it).',
  }[outcome.why];
  return `Drain of ${brokerList(drained)} does not fit on the disks: ${figures || 'no broker can take the replicas'}. ${why} ${diskRemedy(maxUsagePercent)}`;
}

/** The scale-down warning: the brokers left cannot hold the removed brokers' replicas within their headroom. */
export function scaleDownDoesNotFitWarning(removed: readonly number[], left: readonly number[], movingBytes: number, roomBytes: number, maxUsagePercent: number): string {
  return (
    `The replicas on ${brokerList(removed)} (${formatBytes(movingBytes)}) do not fit on the brokers left: ` +
    `${brokerList(left)} have room for ${formatBytes(roomBytes)} within ${maxUsagePercent}% of their disks, ` +
    `so a drain first (kubectl kafka scale) would be refused: they need at least ${formatBytes(movingBytes - roomBytes)} more. ` +
    diskRemedy(maxUsagePercent)
  );
}
