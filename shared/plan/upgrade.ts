/**
 * Pure parts of a Kafka version upgrade (`kubectl kafka upgrade`): the
 * preflight that must pass before any broker is rolled, the brokers still on
 * the old template, the record kept on the StatefulSet while an upgrade
 * runs, and the metadata.version to finalize.
 */
import { levelName, levelsOf, type ClusterFeatures, type KafkaVersion } from '../kafka/features.js';
import type { QuorumInfo } from '../kafka/protocol.js';
import type { ClusterIndex } from '../safety/cluster-index.js';
import { countPartitions } from '../safety/partition-counts.js';

/** The StatefulSet annotation that records an upgrade in progress. */
export const UPGRADE_ANNOTATION = 'kafkaguard.io/upgrade';

export interface UpgradeRecord {
  image: string;
  /** The StatefulSet's updateStrategy before the upgrade set OnDelete, put back at the end. */
  previousStrategy: Record<string, unknown> | null;
  startedAt: string;
}

/** Pure: the record, checked; null for anything else (reported, never guessed at). */
export function parseUpgradeRecord(raw: string | undefined): UpgradeRecord | null {
  if (raw === undefined) return null;
  try {
    const value = JSON.parse(raw) as Partial<UpgradeRecord>;
    if (typeof value.image !== 'string' || typeof value.startedAt !== 'string') return null;
    const strategy = value.previousStrategy;
    if (strategy !== null && (typeof strategy !== 'object' || Array.isArray(strategy))) return null;
    return { image: value.image, previousStrategy: strategy ?? null, startedAt: value.startedAt };
  } catch {
    return null;
  }
}

export interface PreflightInput {
  index: ClusterIndex;
  /** null: no KRaft quorum (ZooKeeper mode). */
  quorum: QuorumInfo | null;
  features: ClusterFeatures;
  target: KafkaVersion;
  /** Broker ids with no Ready pod. */
  down: readonly number[];
}

/** Pure: why the upgrade may not start now; empty when it may. */
export function preflightProblems(input: PreflightInput): string[] {
  const problems: string[] = [];
  const counts = countPartitions(input.index);
  if (counts.underReplicated > 0) problems.push(`${counts.underReplicated} partition(s) are not fully in sync (wait for them: kubectl kafka status)`);
  const moving = input.index.reassigning.reduce((n, r) => n + r, 0);
  if (moving > 0) problems.push(`${moving} partition reassignment(s) are in flight (let them finish: kubectl kafka throttles shows them)`);
  if (input.down.length > 0) problems.push(`broker(s) ${input.down.join(', ')} are down`);
  if (input.quorum !== null && (input.quorum.errorCode !== 0 || input.quorum.leaderId < 0)) {
    problems.push(`the KRaft controller quorum has no leader${input.quorum.errorMessage ? ` (${input.quorum.errorMessage})` : ''}`);
  }
  const levels = levelsOf(input.target);
  const finalized = input.features.metadataVersion;
  if (!levels.known) problems.push(`${levels.reason}; upgrade to a release it knows, or roll the image by hand`);
  else if (finalized !== null && finalized > levels.max) {
    problems.push(`the cluster has finalized metadata.version ${levelName(finalized)} and Kafka ${input.target.text} runs at most ${levels.max} (${levels.name}): its brokers would not start`);
  } else if (finalized !== null && finalized < levels.min) {
    problems.push(`Kafka ${input.target.text} needs metadata.version ${levels.min} or later and the cluster is at ${levelName(finalized)}: finalize on the current version first (kubectl kafka upgrade STS --finalize)`);
  } else if (finalized === null && levels.min > 1) {
    problems.push(input.features.mode === 'zookeeper'
      ? `this cluster runs in ZooKeeper mode and Kafka ${input.target.text} has none (Kafka 4 runs only KRaft): migrate the cluster to KRaft on Kafka 3.9 first`
      : `the cluster reports no finalized metadata.version (ZooKeeper mode, or Kafka older than 3.3); Kafka ${input.target.text} runs only KRaft clusters at 3.3-IV3 or later`);
  }
  return problems;
}

export type FinalizePlan =
  | { action: 'none'; level: number; reason: string }
  | { action: 'raise'; from: number; to: number }
  | { action: 'refuse'; reason: string };

/**
 * Pure: the level to finalize, the highest every broker's software supports,
 * once every broker runs the new template.
 */
export function planFinalize(features: ClusterFeatures, outdatedPods: readonly string[]): FinalizePlan {
  if (outdatedPods.length > 0) return { action: 'refuse', reason: `pod(s) ${outdatedPods.join(', ')} still run the previous template: finish the roll first (kubectl kafka upgrade STS --image IMAGE)` };
  const finalized = features.metadataVersion;
  if (finalized === null) return { action: 'refuse', reason: 'the cluster reports no finalized metadata.version (ZooKeeper mode, or Kafka older than 3.3): nothing to finalize' };
  const maxes = [...features.supportedByBroker.entries()];
  const unknown = maxes.filter(([, max]) => max === null).map(([id]) => id);
  if (maxes.length === 0 || unknown.length > 0) return { action: 'refuse', reason: `broker(s) ${unknown.join(', ') || '(none answered)'} report no supported metadata.version` };
  const target = Math.min(...maxes.map(([, max]) => max ?? 0));
  if (target <= finalized) return { action: 'none', level: finalized, reason: `metadata.version is ${levelName(finalized)}, the highest every broker supports` };
  return { action: 'raise', from: finalized, to: target };
}
