/**
 * Which replication throttles a reassignment needs, and which ones a finished
 * or interrupted run leaves behind. Pure.
 *
 * Throttles follow KIP-73 as kafka-reassign-partitions applies them: the rate
 * goes on every broker that sends or receives the moved data; on each topic,
 * the leader list names the partition's current replicas (any of them may lead
 * and serve the copy) and the follower list names the replicas being added.
 * Replicas not listed are never slowed down, so the rest of the cluster keeps
 * replicating at full speed.
 */
import type { ThrottlePlan } from '../kafka/operations.js';
import type { ThrottleState } from '../kafka/types.js';

/** A partition move as the throttle sees it: where the data is, where it goes. */
export interface MoveEndpoints {
  topic: string;
  partition: number;
  /** Replicas that hold the data now. */
  from: readonly number[];
  /** Replicas it is headed to. */
  to: readonly number[];
}

/** The throttle for moving `moves` at `rateBytesPerSec`. Moves that add no replica need none. */
export function throttlePlanFor(moves: readonly MoveEndpoints[], rateBytesPerSec: number): ThrottlePlan {
  const brokers = new Set<number>();
  const replicas: ThrottlePlan['replicas'] = [];
  for (const move of moves) {
    const followers = move.to.filter((b) => !move.from.includes(b));
    if (followers.length === 0) continue;
    const leaders = [...move.from];
    for (const b of [...leaders, ...followers]) brokers.add(b);
    replicas.push({ topic: move.topic, partition: move.partition, leaders, followers });
  }
  return { rateBytesPerSec, brokers: [...brokers].sort((a, b) => a - b), replicas };
}

/** `partition:broker` entries of a throttled-replicas config value; `'*'` means every replica. */
export function parseThrottledReplicas(value: string | null): Array<{ partition: number; broker: number }> | '*' {
  if (value === null) return [];
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const entries: Array<{ partition: number; broker: number }> = [];
  for (const item of trimmed.split(',')) {
    const match = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(item);
    if (match?.[1] !== undefined && match[2] !== undefined) entries.push({ partition: Number(match[1]), broker: Number(match[2]) });
  }
  return entries;
}

export interface ThrottleSweep {
  /** Topics whose throttled-replica lists to remove. */
  topics: string[];
  /** Brokers whose throttle rates to remove. */
  brokers: number[];
}

/**
 * What to clear after moving data off (or onto) `brokers`, given the throttles
 * in place now and the topics and brokers this run throttled itself:
 * - the run's own topics and brokers;
 * - topics whose lists name one of `brokers`: a run killed between finishing a
 *   batch and clearing its throttle leaves those, and every drain throttle
 *   names the drained broker (it is a current replica, so it is in the leader list);
 * - rates that no remaining throttled-replica list refers to: a rate only acts
 *   on listed replicas, so such a rate does nothing and removing it changes
 *   nothing for anyone, while leaving it is what `throttles` would report as
 *   left behind. A `*` list refers to every broker and keeps every rate.
 */
export function throttleSweep(current: ThrottleState, brokers: readonly number[], own: ThrottleSweep): ThrottleSweep {
  const concerned = new Set(brokers);
  const topics = new Set(own.topics);
  for (const topic of current.topics) {
    for (const list of [topic.leaderReplicas, topic.followerReplicas]) {
      const entries = parseThrottledReplicas(list);
      if (entries !== '*' && entries.some((e) => concerned.has(e.broker))) topics.add(topic.topic);
    }
  }
  const referenced = new Set<number>();
  let wildcard = false;
  for (const topic of current.topics) {
    if (topics.has(topic.topic)) continue; // being cleared
    for (const list of [topic.leaderReplicas, topic.followerReplicas]) {
      const entries = parseThrottledReplicas(list);
      if (entries === '*') wildcard = true;
      else for (const e of entries) referenced.add(e.broker);
    }
  }
  const rates = new Set(own.brokers);
  if (!wildcard) {
    for (const broker of current.brokers) if (!referenced.has(broker.id)) rates.add(broker.id);
  }
  return { topics: [...topics].sort(), brokers: [...rates].sort((a, b) => a - b) };
}
