/**
 * Precomputed lookups over a ClusterView, built once per snapshot and shared by
 * the verdict and the planner. A verdict only has to look at the partitions that
 * touch the brokers in question; this index is what makes that possible without
 * scanning every partition of a large cluster on each admission request.
 *
 * Partitions are numbered by `ordinal`, their position in (topic name,
 * partition number) order, so sorting ordinals sorts by topic then partition.
 * Replica lists are copied into flat typed arrays: on a cluster with hundreds
 * of thousands of partitions, following one small JS array per partition
 * scatters reads over a large heap, and that (not the arithmetic) is what made
 * a per-broker scan slow. Read them through `isrOf`, `assignmentOf`,
 * `holdersOf`, or loop over `[start[o], start[o + 1])` in hot paths.
 */

import type { ClusterView, PartitionState, TopicState } from '../kafka/types.js';
import { duplicatePartitionMessage, duplicateTopicMessage } from './messages.js';
import { partitionKey, type PartitionRef } from './types.js';

/** A list of numbers per partition, stored flat: entries of ordinal o are `values[start[o] .. start[o+1])`. */
export interface FlatLists {
  readonly values: Int32Array;
  /** Length partitions + 1. */
  readonly start: Int32Array;
}

/**
 * The partitions one broker holds (see `holders`; ordinals ascending) and, per
 * entry k, copies of what a verdict reads: the ISR as broker slots and
 * min.insync.replicas. A verdict for one broker then reads one contiguous
 * block instead of touching a cache line per partition across the whole
 * cluster's arrays, which on a cold cache (the usual case for an admission
 * request) was most of its cost.
 */
export interface BrokerPartitions {
  readonly ordinals: Int32Array;
  /** Entry k's ISR slots are `isrSlots[isrStart[k] .. isrStart[k+1])`. */
  readonly isrStart: Int32Array;
  readonly isrSlots: Int32Array;
  readonly minIsr: Int32Array;
}

export interface ClusterIndex {
  readonly view: ClusterView;
  /** Registered broker ids, ascending. */
  readonly brokerIds: readonly number[];
  readonly registered: ReadonlySet<number>;
  /** `broker.rack` per registered broker (null when unset). */
  readonly rackByBroker: ReadonlyMap<number, string | null>;
  /** Topics sorted by name. */
  readonly topics: readonly TopicState[];
  /** Partition states by ordinal. */
  readonly partitions: readonly PartitionState[];
  /** Ordinal -> index in `topics`. */
  readonly topicOf: Int32Array;
  /** Ordinal -> partition number. */
  readonly partitionNumber: Int32Array;
  /** Ordinal -> the topic's effective min.insync.replicas. */
  readonly minIsr: Int32Array;
  /** In-sync replicas per partition. */
  readonly isr: FlatLists;
  /**
   * Where each partition is headed: `replicas` minus `removingReplicas` (just
   * `replicas` without an in-flight reassignment), preferred leader first.
   */
  readonly assignment: FlatLists;
  /**
   * Brokers that hold or are building data for each partition: `replicas`,
   * `addingReplicas` and `removingReplicas`. A broker being added is already
   * receiving data; one being removed keeps it until the reassignment completes.
   * An ISR member missing from all three (a snapshot taken mid-change) is added
   * too: it has the data.
   */
  readonly holders: FlatLists;
  /** Ordinal -> 1 when an in-flight reassignment adds or removes replicas. */
  readonly reassigning: Uint8Array;
  /** Ordinals (ascending) of the partitions a broker holds (see `holders`). */
  readonly partitionsByBroker: ReadonlyMap<number, Int32Array>;
  /**
   * The same partitions with the facts a verdict reads about them, copied next
   * to each other per broker (see `BrokerPartitions`).
   */
  readonly brokerPartitions: ReadonlyMap<number, BrokerPartitions>;
  /** Ordinals (ascending) of the partitions a broker currently leads. */
  readonly leadersByBroker: ReadonlyMap<number, Int32Array>;
  /** Per broker: in how many partitions' `assignment` it appears (its replica load). */
  readonly replicaCount: ReadonlyMap<number, number>;
  /** Per broker: how many partitions it is the preferred leader (first in `assignment`) of. */
  readonly preferredLeaderCount: ReadonlyMap<number, number>;
  /** The partition by topic and number: its ordinal, or -1 when there is none. */
  ordinalOf(topic: string, partition: number): number;
  /**
   * Dense numbers 0 .. slotCount-1 for every broker id the view mentions
   * (registered or holding data), so hot loops can keep per-broker flags in a
   * typed array instead of hashing ids. `brokerSlot` is -1 for other ids.
   */
  brokerSlot(broker: number): number;
  readonly slotCount: number;
  /** `isr.values` as slots. */
  readonly isrSlots: Int32Array;
  /** `holders.values` as slots. */
  readonly holderSlots: Int32Array;
  /** Slot -> 1 when that broker is registered. */
  readonly registeredSlots: Uint8Array;
}

/** Orders strings by UTF-16 code units, the same on every machine (unlike localeCompare). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds the index; throws when the view lists a partition twice. */
export function indexCluster(view: ClusterView): ClusterIndex {
  const registered = new Set<number>();
  const rackByBroker = new Map<number, string | null>();
  for (const broker of view.brokers) {
    registered.add(broker.id);
    rackByBroker.set(broker.id, broker.rack);
  }
  const brokerIds = [...registered].sort((a, b) => a - b);

  const topics = [...view.topics].sort((a, b) => compareStrings(a.name, b.name));
  const topicIndexByName = new Map<string, number>();
  const partitions: PartitionState[] = [];
  const topicStart: number[] = [];
  // One pass over the view, writing straight into typed arrays: on a large
  // cluster every partition state is a cache miss, so each is read once.
  let capacity = 0;
  for (const topic of topics) capacity += topic.partitions.length;
  const topicOf = new Int32Array(capacity);
  const partitionNumber = new Int32Array(capacity);
  const minIsr = new Int32Array(capacity);
  const leaders = new Int32Array(capacity);
  const reassigning = new Uint8Array(capacity);
  const isrStart = new Int32Array(capacity + 1);
  const assignmentStart = new Int32Array(capacity + 1);
  const holderStart = new Int32Array(capacity + 1);
  const isrList = new IntList(capacity * 3);
  const assignmentList = new IntList(capacity * 3);
  const holderList = new IntList(capacity * 3);

  for (let t = 0; t < topics.length; t += 1) {
    const topic = topics[t];
    if (topic === undefined) continue;
    if (topicIndexByName.has(topic.name)) throw new Error(duplicateTopicMessage(topic.name));
    topicIndexByName.set(topic.name, t);
    topicStart.push(partitions.length);
    const states = isSortedByNumber(topic.partitions) ? topic.partitions : [...topic.partitions].sort((a, b) => a.partition - b.partition);
    let previous = -1;
    for (let p = 0; p < states.length; p += 1) {
      const state = states[p];
      if (state === undefined) continue;
      if (state.partition === previous) throw new Error(duplicatePartitionMessage(topic.name, state.partition));
      previous = state.partition;
      const o = partitions.length;
      partitions.push(state);
      topicOf[o] = t;
      partitionNumber[o] = state.partition;
      minIsr[o] = topic.minInsyncReplicas;
      leaders[o] = state.leader;
      const { replicas, isr, addingReplicas, removingReplicas } = state;
      const moving = addingReplicas.length > 0 || removingReplicas.length > 0;
      reassigning[o] = moving ? 1 : 0;

      isrStart[o] = isrList.length;
      for (let i = 0; i < isr.length; i += 1) isrList.push(isr[i] ?? -1);

      assignmentStart[o] = assignmentList.length;
      for (let i = 0; i < replicas.length; i += 1) {
        const broker = replicas[i] ?? -1;
        if (!moving || !removingReplicas.includes(broker)) assignmentList.push(broker);
      }

      // Holders: replicas, adding, removing, and (defensively) ISR members missing
      // from them, so a verdict still sees the partition when that broker goes down.
      const first = holderList.length;
      holderStart[o] = first;
      for (let i = 0; i < replicas.length; i += 1) holderList.push(replicas[i] ?? -1);
      if (moving) {
        for (const broker of addingReplicas) if (!holderList.includesFrom(first, broker)) holderList.push(broker);
        for (const broker of removingReplicas) if (!holderList.includesFrom(first, broker)) holderList.push(broker);
      }
      for (let i = 0; i < isr.length; i += 1) {
        const broker = isr[i] ?? -1;
        if (!holderList.includesFrom(first, broker)) holderList.push(broker);
      }
    }
  }
  topicStart.push(partitions.length);
  const count = partitions.length;
  isrStart[count] = isrList.length;
  assignmentStart[count] = assignmentList.length;
  holderStart[count] = holderList.length;
  const isr = { values: isrList.toArray(), start: isrStart };
  const assignment = { values: assignmentList.toArray(), start: assignmentStart };
  const holders = { values: holderList.toArray(), start: holderStart };
  const slots = new BrokerSlots([holders.values, Int32Array.from(brokerIds), leaders]);
  const holderSlots = slots.slotsOf(holders.values);
  const isrSlots = slots.slotsOf(isr.values);
  const registeredSlots = new Uint8Array(slots.count);
  for (const broker of brokerIds) registeredSlots[slots.of(broker)] = 1;
  const brokerPartitions = brokerBlocks(
    slots,
    { values: holderSlots, start: holders.start },
    { values: isrSlots, start: isr.start },
    minIsr,
    count,
  );
  const partitionsByBroker = new Map([...brokerPartitions].map(([broker, block]) => [broker, block.ordinals]));
  const leadersByBroker = groupLeaders(slots, leaders);
  const replicaCount = countByBroker(slots, assignment, count, false);
  const preferredLeaderCount = countByBroker(slots, assignment, count, true);

  const ordinalOf = (topic: string, partition: number): number => {
    const t = topicIndexByName.get(topic);
    if (t === undefined) return -1;
    let low = topicStart[t] ?? 0;
    let high = (topicStart[t + 1] ?? 0) - 1;
    const direct = low + partition;
    if (direct <= high && partitionNumber[direct] === partition) return direct;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const number = partitionNumber[mid] ?? 0;
      if (number === partition) return mid;
      if (number < partition) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  };

  return {
    view,
    brokerIds,
    registered,
    rackByBroker,
    topics,
    partitions,
    topicOf,
    partitionNumber,
    minIsr,
    isr,
    assignment,
    holders,
    reassigning,
    partitionsByBroker,
    brokerPartitions,
    leadersByBroker,
    replicaCount,
    preferredLeaderCount,
    ordinalOf,
    brokerSlot: (broker) => slots.of(broker),
    slotCount: slots.count,
    isrSlots,
    holderSlots,
    registeredSlots,
  };
}

/** An append-only list of 32-bit integers in a growing typed array. */
class IntList {
  private values: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.values = new Int32Array(Math.max(capacity, 16));
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = value;
    this.length += 1;
  }

  /** Whether `value` occurs at or after position `from`. */
  includesFrom(from: number, value: number): boolean {
    for (let i = from; i < this.length; i += 1) if (this.values[i] === value) return true;
    return false;
  }

  /** The values as a view of the first `length` entries (no copy: the build allocates enough as it is). */
  toArray(): Int32Array {
    return this.values.subarray(0, this.length);
  }
}

function isSortedByNumber(states: readonly PartitionState[]): boolean {
  for (let i = 1; i < states.length; i += 1) {
    if ((states[i - 1]?.partition ?? 0) >= (states[i]?.partition ?? 0)) return false;
  }
  return true;
}

/** Largest broker id served by array lookups; larger ids (rare) use a Map. */
const DENSE_ID_LIMIT = 1 << 20;

/** Dense slot numbers for broker ids: per-entry Map lookups would dominate the index build. */
class BrokerSlots {
  readonly ids: number[] = [];
  private readonly table: Int32Array | undefined;
  private readonly map = new Map<number, number>();

  constructor(sources: readonly Int32Array[]) {
    // Kafka broker ids are >= 0; negative values (a leader of -1) name no broker and get no slot.
    let maxId = -1;
    for (const values of sources) for (const id of values) if (id > maxId) maxId = id;
    this.table = maxId < DENSE_ID_LIMIT ? new Int32Array(maxId + 1).fill(-1) : undefined;
    for (const values of sources) {
      for (const id of values) if (id >= 0 && this.of(id) === -1) this.add(id);
    }
  }

  get count(): number {
    return this.ids.length;
  }

  of(id: number): number {
    if (this.table !== undefined) return id >= 0 && id < this.table.length ? (this.table[id] ?? -1) : -1;
    return this.map.get(id) ?? -1;
  }

  private add(id: number): void {
    if (this.table !== undefined) this.table[id] = this.ids.length;
    else this.map.set(id, this.ids.length);
    this.ids.push(id);
  }

  slotsOf(values: Int32Array): Int32Array {
    const slots = new Int32Array(values.length);
    for (let i = 0; i < values.length; i += 1) slots[i] = this.of(values[i] ?? -1);
    return slots;
  }
}

/** Ordinals per broker, built by counting first so each list is one typed array. */
function groupByBroker(brokers: BrokerSlots, slots: Int32Array, start: Int32Array, count: number): Map<number, Int32Array> {
  const end = start[count] ?? 0;
  const sizes = new Int32Array(brokers.count);
  for (let i = 0; i < end; i += 1) {
    const slot = slots[i] ?? 0;
    sizes[slot] = (sizes[slot] ?? 0) + 1;
  }
  const lists = brokers.ids.map((_, slot) => new Int32Array(sizes[slot] ?? 0));
  const fill = new Int32Array(brokers.count);
  for (let o = 0; o < count; o += 1) {
    const to = start[o + 1] ?? 0;
    for (let i = start[o] ?? 0; i < to; i += 1) {
      const slot = slots[i] ?? 0;
      const list = lists[slot];
      const at = fill[slot] ?? 0;
      if (list !== undefined) list[at] = o;
      fill[slot] = at + 1;
    }
  }
  const byBroker = new Map<number, Int32Array>();
  brokers.ids.forEach((broker, slot) => {
    const list = lists[slot];
    if (list !== undefined && list.length > 0) byBroker.set(broker, list);
  });
  return byBroker;
}

/** How often each broker appears in the lists (all entries, or only each list's first). */
function countByBroker(brokers: BrokerSlots, lists: FlatLists, count: number, firstOnly: boolean): Map<number, number> {
  const sizes = new Int32Array(brokers.count);
  const bump = (i: number): void => {
    const slot = brokers.of(lists.values[i] ?? -1);
    if (slot >= 0) sizes[slot] = (sizes[slot] ?? 0) + 1;
  };
  if (firstOnly) {
    for (let o = 0; o < count; o += 1) {
      const first = lists.start[o] ?? 0;
      if (first !== lists.start[o + 1]) bump(first);
    }
  } else {
    const end = lists.start[count] ?? 0;
    for (let i = 0; i < end; i += 1) bump(i);
  }
  const counts = new Map<number, number>();
  brokers.ids.forEach((broker, slot) => {
    const size = sizes[slot] ?? 0;
    if (size > 0) counts.set(broker, size);
  });
  return counts;
}

/**
 * Each broker's block of partitions (see BrokerPartitions), built in two passes
 * over the partitions in order: count, then append to every holder's block. Both
 * passes read the flat arrays front to back; gathering per broker instead would
 * jump across them and cost a cache miss per partition and broker.
 */
function brokerBlocks(
  brokers: BrokerSlots,
  holderSlots: FlatLists,
  isrSlots: FlatLists,
  minIsr: Int32Array,
  count: number,
): Map<number, BrokerPartitions> {
  const slotCount = brokers.count;
  const entries = new Int32Array(slotCount);
  const isrTotal = new Int32Array(slotCount);
  for (let o = 0; o < count; o += 1) {
    const isrLength = (isrSlots.start[o + 1] ?? 0) - (isrSlots.start[o] ?? 0);
    const to = holderSlots.start[o + 1] ?? 0;
    for (let i = holderSlots.start[o] ?? 0; i < to; i += 1) {
      const slot = holderSlots.values[i] ?? 0;
      entries[slot] = (entries[slot] ?? 0) + 1;
      isrTotal[slot] = (isrTotal[slot] ?? 0) + isrLength;
    }
  }
  const blocks = brokers.ids.map((_, slot) => {
    const size = entries[slot] ?? 0;
    return {
      ordinals: new Int32Array(size),
      isrStart: new Int32Array(size + 1),
      isrSlots: new Int32Array(isrTotal[slot] ?? 0),
      minIsr: new Int32Array(size),
    };
  });
  const entryFill = new Int32Array(slotCount);
  const isrFill = new Int32Array(slotCount);
  for (let o = 0; o < count; o += 1) {
    const isrFrom = isrSlots.start[o] ?? 0;
    const isrTo = isrSlots.start[o + 1] ?? 0;
    const partitionMinIsr = minIsr[o] ?? 1;
    const to = holderSlots.start[o + 1] ?? 0;
    for (let i = holderSlots.start[o] ?? 0; i < to; i += 1) {
      const slot = holderSlots.values[i] ?? 0;
      const block = blocks[slot];
      if (block === undefined) continue;
      const k = entryFill[slot] ?? 0;
      entryFill[slot] = k + 1;
      block.ordinals[k] = o;
      block.minIsr[k] = partitionMinIsr;
      let at = isrFill[slot] ?? 0;
      block.isrStart[k] = at;
      for (let j = isrFrom; j < isrTo; j += 1) block.isrSlots[at++] = isrSlots.values[j] ?? -1;
      isrFill[slot] = at;
      block.isrStart[k + 1] = at;
    }
  }
  const byBroker = new Map<number, BrokerPartitions>();
  brokers.ids.forEach((broker, slot) => {
    const block = blocks[slot];
    if (block !== undefined && block.ordinals.length > 0) byBroker.set(broker, block);
  });
  return byBroker;
}

function groupLeaders(brokers: BrokerSlots, leaders: Int32Array): Map<number, Int32Array> {
  const start = new Int32Array(leaders.length + 1);
  const slots: number[] = [];
  leaders.forEach((leader, o) => {
    start[o] = slots.length;
    if (leader >= 0) slots.push(brokers.of(leader));
  });
  start[leaders.length] = slots.length;
  return groupByBroker(brokers, Int32Array.from(slots), start, leaders.length);
}

function listOf(lists: FlatLists, ordinal: number): number[] {
  const list: number[] = [];
  const end = lists.start[ordinal + 1] ?? 0;
  for (let i = lists.start[ordinal] ?? 0; i < end; i += 1) list.push(lists.values[i] ?? -1);
  return list;
}

/** The partition's in-sync replicas. */
export function isrOf(index: ClusterIndex, ordinal: number): number[] {
  return listOf(index.isr, ordinal);
}

/** Where the partition is headed (replicas minus those being removed), preferred leader first. */
export function assignmentOf(index: ClusterIndex, ordinal: number): number[] {
  return listOf(index.assignment, ordinal);
}

/** Brokers holding or building data for the partition. */
export function holdersOf(index: ClusterIndex, ordinal: number): number[] {
  return listOf(index.holders, ordinal);
}

export function topicNameOf(index: ClusterIndex, ordinal: number): string {
  return index.topics[index.topicOf[ordinal] ?? -1]?.name ?? '';
}

export function partitionRefOf(index: ClusterIndex, ordinal: number): PartitionRef {
  return { topic: topicNameOf(index, ordinal), partition: index.partitionNumber[ordinal] ?? -1 };
}

/** Whether the broker holds or is building data for any partition. */
export function holdsAnyReplica(index: ClusterIndex, broker: number): boolean {
  // partitionsByBroker is built from the holders lists, so any entry means it holds one.
  return (index.partitionsByBroker.get(broker)?.length ?? 0) > 0;
}

/** The view with only the partitions `keep` accepts (topics stay, maybe with none). */
export function viewWithPartitions(view: ClusterView, keep: (partition: PartitionRef) => boolean): ClusterView {
  return { ...view, topics: view.topics.map((t) => ({ ...t, partitions: t.partitions.filter((p) => keep({ topic: t.name, partition: p.partition })) })) };
}

/** A predicate for viewWithPartitions: whether a partition is one of `refs`. */
export function oneOf(refs: readonly PartitionRef[]): (partition: PartitionRef) => boolean {
  const keys = new Set(refs.map(partitionKey));
  return (partition) => keys.has(partitionKey(partition));
}
