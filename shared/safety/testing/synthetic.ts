/**
 * Deterministic synthetic Kafka clusters for property tests and benchmarks.
 * Same options (including the seed) give the same ClusterView, byte for byte.
 * Test support only: product code never imports this module.
 */

import type { BrokerInfo, ClusterView, PartitionState, TopicState } from '../../kafka/types.js';

export interface SyntheticClusterOptions {
  /** Broker ids are 0 .. brokers-1. */
  brokers: number;
  /** Number of racks (zones); 0 leaves `broker.rack` unset. Broker i sits in rack i % racks. */
  racks: number;
  partitions: number;
  replicationFactor: number;
  seed: number;
  /** Default 100; the last topic takes the remainder. */
  partitionsPerTopic?: number;
  /** Default min(2, replicationFactor). */
  minInsyncReplicas?: number;
  /**
   * 'rack-aware' (default): Kafka-style round robin over a rack-alternating broker
   * list, balanced and rack-diverse whenever RF <= racks. 'random': seeded random
   * distinct brokers, uneven like a cluster that grew by hand.
   */
  placement?: 'rack-aware' | 'random';
  /** Only brokers 0 .. populatedBrokers-1 get replicas; the rest look freshly added. Default all. */
  populatedBrokers?: number;
}

/** A small, fast, seedable PRNG (mulberry32): deterministic across platforms. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function rackName(rackIndex: number): string {
  return `zone-${String.fromCharCode(97 + (rackIndex % 26))}${rackIndex >= 26 ? rackIndex : ''}`;
}

/** Builds a healthy cluster: every replica in sync, each leader its preferred replica. */
export function syntheticCluster(options: SyntheticClusterOptions): ClusterView {
  const { brokers: brokerCount, racks, partitions: partitionCount, replicationFactor, seed } = options;
  const perTopic = options.partitionsPerTopic ?? 100;
  const minIsr = options.minInsyncReplicas ?? Math.min(2, replicationFactor);
  const populated = Math.min(options.populatedBrokers ?? brokerCount, brokerCount);
  if (replicationFactor > populated) {
    throw new Error(`replicationFactor ${replicationFactor} needs at least that many populated brokers, got ${populated}.`);
  }
  const random = seededRandom(seed);
  const randomInt = (bound: number): number => Math.floor(random() * bound);

  const brokers: BrokerInfo[] = [];
  for (let id = 0; id < brokerCount; id += 1) {
    brokers.push({ id, host: `kafka-${id}.kafka-headless`, port: 9092, rack: racks > 0 ? rackName(id % racks) : null });
  }

  // Rack-alternating order (a, b, c, a, b, c, ...), as Kafka's rack-aware assignment
  // uses, so neighbours in the list sit in different racks.
  const byRack: number[][] = Array.from({ length: Math.max(racks, 1) }, () => []);
  for (let id = 0; id < populated; id += 1) byRack[racks > 0 ? id % racks : 0]?.push(id);
  const alternating: number[] = [];
  for (let round = 0; alternating.length < populated; round += 1) {
    for (const rack of byRack) {
      const id = rack[round];
      if (id !== undefined) alternating.push(id);
    }
  }
  const rackCount = Math.max(racks, 1);
  const rackOf = (id: number): number => (racks > 0 ? id % racks : 0);

  // Followers in each rack take that rack's brokers in turn (from a random
  // start), so every broker of a rack gets its share, within one.
  const cursor = byRack.map((rack) => randomInt(Math.max(rack.length, 1)));
  const topics: TopicState[] = [];
  const topicCount = Math.ceil(partitionCount / perTopic);
  for (let t = 0; t < topicCount; t += 1) {
    const name = `topic-${String(t).padStart(5, '0')}`;
    const count = Math.min(perTopic, partitionCount - t * perTopic);
    const start = randomInt(populated);
    const shift = randomInt(populated);
    const partitions: PartitionState[] = [];
    for (let p = 0; p < count; p += 1) {
      const leaderIndex = (start + p) % populated;
      const replicas =
        options.placement === 'random'
          ? randomDistinct(populated, replicationFactor, randomInt)
          : rackAwareReplicas(alternating, byRack, cursor, rackOf, rackCount, leaderIndex, shift, replicationFactor);
      partitions.push({
        topic: name,
        partition: p,
        replicas,
        isr: [...replicas],
        leader: replicas[0] ?? -1,
        offlineReplicas: [],
        addingReplicas: [],
        removingReplicas: [],
      });
    }
    topics.push({ name, internal: false, minInsyncReplicas: minIsr, partitions });
  }

  return {
    clusterId: `synthetic-${seed}`,
    controllerId: 0,
    brokers,
    topics,
    throttles: { brokers: [], topics: [] },
    defaultMinInsyncReplicas: minIsr,
    fetchedAt: 0,
  };
}

/**
 * Leader from the rack-alternating list; follower j in the rack j after the
 * leader's (one replica per rack while RF <= racks), taken in turn within that
 * rack. Replicas beyond the rack count (or without racks) follow the list.
 */
function rackAwareReplicas(
  alternating: readonly number[],
  byRack: readonly (readonly number[])[],
  cursor: number[],
  rackOf: (id: number) => number,
  rackCount: number,
  leaderIndex: number,
  shift: number,
  rf: number,
): number[] {
  const n = alternating.length;
  const leader = alternating[leaderIndex] ?? 0;
  const replicas = [leader];
  for (let j = 1; j < rf; j += 1) {
    if (j < rackCount) {
      const rack = (rackOf(leader) + j) % rackCount;
      const members = byRack[rack] ?? [];
      const turn = cursor[rack] ?? 0;
      cursor[rack] = turn + 1;
      const candidate = members[turn % Math.max(members.length, 1)];
      if (candidate !== undefined && !replicas.includes(candidate)) {
        replicas.push(candidate);
        continue;
      }
    }
    let index = (leaderIndex + j + shift) % n;
    let candidate = alternating[index];
    while (candidate === undefined || replicas.includes(candidate)) {
      index = (index + 1) % n;
      candidate = alternating[index];
    }
    replicas.push(candidate);
  }
  return replicas;
}

function randomDistinct(count: number, pick: number, randomInt: (bound: number) => number): number[] {
  const pool = Array.from({ length: count }, (_, i) => i);
  const chosen: number[] = [];
  for (let i = 0; i < pick; i += 1) {
    const j = i + randomInt(count - i);
    const a = pool[i];
    const b = pool[j];
    if (a === undefined || b === undefined) break;
    pool[i] = b;
    pool[j] = a;
    chosen.push(b);
  }
  return chosen;
}
