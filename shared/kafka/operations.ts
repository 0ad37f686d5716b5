/**
 * The Kafka changes the plugin's drain / move / restart / scale commands make.
 * Each function sends a few requests, waits for Kafka's answer, and throws a
 * KafkaRequestError naming every refused item.
 *
 * Throttles use IncrementalAlterConfigs (API 44), not kafkajs's alterConfigs.
 * The legacy AlterConfigs REPLACES every dynamic config of a resource, so setting a
 * throttle with it wipes the topic's min.insync.replicas, retention.ms, ... The
 * other way out, read-modify-write, is worse than it looks: DescribeConfigs never
 * returns the values of sensitive configs (a broker's dynamic SSL keystore
 * passwords come back null), so writing a broker's configs back would delete them,
 * and another admin's change between the read and the write would be lost.
 * IncrementalAlterConfigs changes exactly the keys named, atomically, and exists
 * since Kafka 2.3.
 */
import type { PartitionRef } from '../safety/types.js';
import { sleep } from '../sleep.js';
import type { KafkaApi } from './client.js';
import { ErrorCode, errorName, failure, KafkaRequestError, KafkaUnreachableError, KafkaUnsupportedError, KafkaWaitTimeoutError, type KafkaFailure } from './errors.js';
import {
  AlterPartitionReassignments,
  ConfigOperation,
  ConfigResourceType,
  ConfigSource,
  ElectionType,
  ElectLeaders,
  IncrementalAlterConfigs,
  Metadata,
  UnregisterBroker,
  type AlterConfigsResource,
  type ConfigEntry,
  type MetadataResponse,
  type OngoingReassignment,
  type PartitionResult,
} from './protocol.js';
import {
  describeBrokerConfigs,
  describeTopicConfigs,
  FOLLOWER_THROTTLED_RATE,
  FOLLOWER_THROTTLED_REPLICAS,
  LEADER_THROTTLED_RATE,
  LEADER_THROTTLED_REPLICAS,
  listReassignments,
  mapWithConcurrency,
  partitionName,
  serverTimeoutMs,
} from './requests.js';

export { listReassignments };
export type { OngoingReassignment };

function partitionFailures(results: readonly PartitionResult[], accept: (code: number) => boolean = (c) => c === ErrorCode.NONE): KafkaFailure[] {
  return results.filter((r) => !accept(r.errorCode)).map((r) => failure(partitionName(r), r.errorCode, r.errorMessage));
}

// ---------------------------------------------------------------- reassignments

export interface ReplicaMove {
  topic: string;
  partition: number;
  /** Target replicas, preferred leader first. */
  replicas: number[];
}

/** Problems with a move list, before anything is sent; empty when it is fine. */
export function invalidMoves(moves: readonly ReplicaMove[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const move of moves) {
    const name = partitionName(move);
    if (seen.has(name)) problems.push(`${name} is listed more than once`);
    seen.add(name);
    if (move.replicas.length === 0) problems.push(`${name} has no target replicas`);
    if (new Set(move.replicas).size !== move.replicas.length) problems.push(`${name} lists a broker twice: [${move.replicas.join(',')}]`);
    if (move.replicas.some((id) => !Number.isInteger(id) || id < 0)) problems.push(`${name} has an invalid broker id: [${move.replicas.join(',')}]`);
  }
  return problems;
}

/**
 * Starts reassignments (each partition towards `replicas`). Kafka returns once the
 * controller accepted them; the data moves afterwards (see waitForInSync). By
 * default Kafka is told to refuse a move that would change a partition's
 * replication factor, since drains and moves never mean to.
 */
export async function alterReassignments(
  api: KafkaApi,
  moves: readonly ReplicaMove[],
  options: { allowReplicationFactorChange?: boolean } = {},
): Promise<void> {
  if (moves.length === 0) return;
  const problems = invalidMoves(moves);
  if (problems.length > 0) throw new Error(`invalid reassignment: ${problems.join('; ')}`);
  const response = await api.call('controller', AlterPartitionReassignments, {
    timeoutMs: serverTimeoutMs(api),
    allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
    partitions: moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: [...m.replicas] })),
  });
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaRequestError('AlterPartitionReassignments', [failure('cluster', response.errorCode, response.errorMessage)]);
  }
  const failures = partitionFailures(response.items);
  if (failures.length > 0) throw new KafkaRequestError('AlterPartitionReassignments', failures);
}

/**
 * Cancels in-flight reassignments; Kafka puts the partitions back on their original
 * replicas. Partitions without one in flight are reported, not treated as errors.
 */
export async function cancelReassignments(
  api: KafkaApi,
  partitions: readonly PartitionRef[],
): Promise<{ cancelled: PartitionRef[]; notInProgress: PartitionRef[] }> {
  if (partitions.length === 0) return { cancelled: [], notInProgress: [] };
  const response = await api.call('controller', AlterPartitionReassignments, {
    timeoutMs: serverTimeoutMs(api),
    allowReplicationFactorChange: true,
    partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, replicas: null })),
  });
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaRequestError('cancelling reassignments', [failure('cluster', response.errorCode, response.errorMessage)]);
  }
  const ok = (code: number) => code === ErrorCode.NONE || code === ErrorCode.NO_REASSIGNMENT_IN_PROGRESS;
  const failures = partitionFailures(response.items, ok);
  if (failures.length > 0) throw new KafkaRequestError('cancelling reassignments', failures);
  const pick = (code: number) =>
    response.items.filter((r) => r.errorCode === code).map(({ topic, partition }) => ({ topic, partition }));
  return { cancelled: pick(ErrorCode.NONE), notInProgress: pick(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS) };
}

// ---------------------------------------------------------------- throttles

export interface ThrottlePlan {
  /** Replication rate limit, bytes per second, on each listed broker (leader and follower side). */
  rateBytesPerSec: number;
  /** Brokers that send or receive the moved replicas. */
  brokers: number[];
  /** Per partition: replicas that serve the data (leaders) and replicas that fetch it (followers). */
  replicas: Array<{ topic: string; partition: number; leaders: number[]; followers: number[] }>;
}

/** Per topic, the `partition:broker` entries of the two throttled-replica lists. */
export function throttledReplicaEntries(replicas: ThrottlePlan['replicas']): Map<string, { leader: string[]; follower: string[] }> {
  const byTopic = new Map<string, { leader: Set<string>; follower: Set<string> }>();
  for (const { topic, partition, leaders, followers } of replicas) {
    let sets = byTopic.get(topic);
    if (!sets) {
      sets = { leader: new Set(), follower: new Set() };
      byTopic.set(topic, sets);
    }
    for (const id of leaders) sets.leader.add(`${partition}:${id}`);
    for (const id of followers) sets.follower.add(`${partition}:${id}`);
  }
  const byPartitionThenBroker = (a: string, b: string) => {
    const [pa = 0, ba = 0] = a.split(':').map(Number);
    const [pb = 0, bb = 0] = b.split(':').map(Number);
    return pa - pb || ba - bb;
  };
  return new Map(
    [...byTopic].map(([topic, sets]) => [
      topic,
      { leader: [...sets.leader].sort(byPartitionThenBroker), follower: [...sets.follower].sort(byPartitionThenBroker) },
    ]),
  );
}

/**
 * The topic config changes that add throttled replicas. APPEND, not SET: a topic
 * may already list replicas of another reassignment, and those must stay. A list
 * that is already `*` (all replicas) is left alone; Kafka rejects `*` mixed with entries.
 */
export function topicThrottleChanges(
  entries: ReadonlyMap<string, { leader: string[]; follower: string[] }>,
  current: ReadonlyMap<string, readonly ConfigEntry[]>,
): AlterConfigsResource[] {
  const isWildcard = (topic: string, key: string) =>
    current.get(topic)?.find((c) => c.name === key)?.value?.trim() === '*';
  const resources: AlterConfigsResource[] = [];
  for (const [topic, { leader, follower }] of entries) {
    const configs: AlterConfigsResource['configs'] = [];
    if (leader.length > 0 && !isWildcard(topic, LEADER_THROTTLED_REPLICAS)) {
      configs.push({ name: LEADER_THROTTLED_REPLICAS, operation: ConfigOperation.APPEND, value: leader.join(',') });
    }
    if (follower.length > 0 && !isWildcard(topic, FOLLOWER_THROTTLED_REPLICAS)) {
      configs.push({ name: FOLLOWER_THROTTLED_REPLICAS, operation: ConfigOperation.APPEND, value: follower.join(',') });
    }
    if (configs.length > 0) resources.push({ type: ConfigResourceType.TOPIC, name: topic, configs });
  }
  return resources;
}

/** The broker resource name of cluster-wide dynamic broker defaults. */
const CLUSTER_DEFAULT = '';

function resourceName({ type, name }: { type: number; name: string }): string {
  if (type !== ConfigResourceType.BROKER) return `topic ${name}`;
  return name === CLUSTER_DEFAULT ? 'cluster-wide broker default' : `broker ${name}`;
}

/** Sends config changes: broker resources to their broker, topic resources in batches to the controller. */
async function alterConfigs(api: KafkaApi, operation: string, resources: readonly AlterConfigsResource[]): Promise<void> {
  const brokerResources = resources.filter((r) => r.type === ConfigResourceType.BROKER);
  const topicResources = resources.filter((r) => r.type === ConfigResourceType.TOPIC);
  const topicBatches: AlterConfigsResource[][] = [];
  for (let i = 0; i < topicResources.length; i += 500) topicBatches.push(topicResources.slice(i, i + 500));

  const failures: KafkaFailure[] = [];
  let unreachable = false;
  const collect = (results: ReadonlyArray<{ errorCode: number; errorMessage: string | null; type: number; name: string }>) => {
    for (const r of results) {
      if (r.errorCode !== ErrorCode.NONE) {
        failures.push(failure(resourceName(r), r.errorCode, r.errorMessage));
      }
    }
  };
  await Promise.all([
    ...brokerResources.map(async (resource) => {
      try {
        // A broker's own dynamic configs can only be changed through that broker; the
        // cluster-wide default (empty name) through any.
        const target = resource.name === CLUSTER_DEFAULT ? 'controller' : { broker: Number(resource.name) };
        collect(await api.call(target, IncrementalAlterConfigs, { resources: [resource] }));
      } catch (error) {
        if (!(error instanceof KafkaUnreachableError)) throw error;
        failures.push({ item: resourceName(resource), code: null, error: 'BROKER_UNREACHABLE', message: error.message });
        unreachable = true;
      }
    }),
    mapWithConcurrency(topicBatches, 2, async (batch) => {
      collect(await api.call('controller', IncrementalAlterConfigs, { resources: batch }));
    }),
  ]);
  if (failures.length > 0) {
    const hint = unreachable ? 'Per-broker configs can only be changed while the broker runs: start it and run this again' : undefined;
    throw new KafkaRequestError(operation, failures, hint);
  }
}

/**
 * Throttles replication for a reassignment (KIP-73): the rate on every listed
 * broker, and the replicas it applies to on every listed topic. Other dynamic
 * configs of those brokers and topics are untouched.
 */
export async function setThrottles(api: KafkaApi, plan: ThrottlePlan): Promise<void> {
  if (!Number.isSafeInteger(plan.rateBytesPerSec) || plan.rateBytesPerSec <= 0) {
    throw new Error(`throttle rate must be a positive whole number of bytes per second, got ${plan.rateBytesPerSec}`);
  }
  const entries = throttledReplicaEntries(plan.replicas);
  const current = await describeTopicConfigs(api, [...entries.keys()], [LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS]);
  const rate = String(plan.rateBytesPerSec);
  const brokerIds = [...new Set(plan.brokers)];
  await alterConfigs(api, 'setting replication throttles', topicThrottleChanges(entries, current));
  // Rates second: KRaft brokers apply metadata records in log order, so a broker that
  // reports its new rate has applied the topic lists written before it as well.
  await alterConfigs(
    api,
    'setting replication throttles',
    brokerIds.map((id) => ({
      type: ConfigResourceType.BROKER,
      name: String(id),
      configs: [
        { name: LEADER_THROTTLED_RATE, operation: ConfigOperation.SET, value: rate },
        { name: FOLLOWER_THROTTLED_RATE, operation: ConfigOperation.SET, value: rate },
      ],
    })),
  );
  await awaitBrokerRates(api, brokerIds, rate);
}

/**
 * Kafka acknowledges a config change once the controller has it; each broker applies
 * it a little later (about 100 ms on a quiet cluster). This waits until every given
 * broker reports `expected` as its own leader throttle rate (null: none), so a
 * throttle is in force when setThrottles returns, and gone when clearThrottles does.
 */
async function awaitBrokerRates(api: KafkaApi, brokerIds: readonly number[], expected: string | null): Promise<void> {
  const deadline = Date.now() + 2 * api.requestTimeoutMs;
  let lagging = [...brokerIds];
  while (lagging.length > 0) {
    const configs = await describeBrokerConfigs(api, lagging, [LEADER_THROTTLED_RATE]);
    const ownRate = (id: number) =>
      configs.get(id)?.find((c) => c.name === LEADER_THROTTLED_RATE && c.source === ConfigSource.DYNAMIC_BROKER_CONFIG)?.value ?? null;
    lagging = lagging.filter((id) => ownRate(id) !== expected);
    if (lagging.length === 0) return;
    if (Date.now() > deadline) {
      throw new KafkaWaitTimeoutError(
        `Kafka accepted the throttle change, but broker(s) ${lagging.join(', ')} still do not report ` +
          `${LEADER_THROTTLED_RATE}=${expected ?? '(unset)'} after ${2 * api.requestTimeoutMs} ms`,
        [],
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export type ThrottleScope = { brokers?: number[]; topics?: string[] } | 'all';

export interface ClearedThrottles {
  brokers: number[];
  topics: string[];
  /** Whether a cluster-wide default throttle rate was removed ('all' only). */
  clusterDefault: boolean;
}

/**
 * Removes replication throttles: the rates of the given brokers and the throttled
 * replica lists of the given topics; with 'all', every throttle that a live broker,
 * the cluster-wide broker default or a topic carries. A broker that is not running
 * keeps its rate until it is back and this runs again; the error names it.
 */
export async function clearThrottles(api: KafkaApi, scope: ThrottleScope): Promise<ClearedThrottles> {
  let brokers: number[];
  let topics: string[];
  let clusterDefault = false;
  if (scope === 'all') {
    const metadata = await api.call('any', Metadata, { topics: null });
    const [brokerConfigs, topicConfigs] = await Promise.all([
      describeBrokerConfigs(api, metadata.brokers.map((b) => b.nodeId), [LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE]),
      describeTopicConfigs(api, metadata.topics.map((t) => t.name), [LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS], {
        brokerIds: metadata.brokers.map((b) => b.nodeId),
      }),
    ]);
    const setWith = (configs: readonly ConfigEntry[], source: number) => configs.some((c) => c.source === source && c.value);
    brokers = [...brokerConfigs].filter(([, c]) => setWith(c, ConfigSource.DYNAMIC_BROKER_CONFIG)).map(([id]) => id);
    clusterDefault = [...brokerConfigs.values()].some((c) => setWith(c, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
    topics = [...topicConfigs].filter(([, c]) => setWith(c, ConfigSource.TOPIC_CONFIG)).map(([name]) => name);
  } else {
    brokers = [...new Set(scope.brokers ?? [])];
    topics = [...new Set(scope.topics ?? [])];
  }
  const remove = (name: string) => ({ name, operation: ConfigOperation.DELETE, value: null });
  const brokerNames = [...brokers.map(String), ...(clusterDefault ? [CLUSTER_DEFAULT] : [])];
  await alterConfigs(
    api,
    'clearing replication throttles',
    topics.map((topic) => ({
      type: ConfigResourceType.TOPIC,
      name: topic,
      configs: [remove(LEADER_THROTTLED_REPLICAS), remove(FOLLOWER_THROTTLED_REPLICAS)],
    })),
  );
  await alterConfigs(
    api,
    'clearing replication throttles',
    brokerNames.map((name) => ({
      type: ConfigResourceType.BROKER,
      name,
      configs: [remove(LEADER_THROTTLED_RATE), remove(FOLLOWER_THROTTLED_RATE)],
    })),
  );
  await awaitBrokerRates(api, brokers, null);
  return { brokers: brokers.sort((a, b) => a - b), topics: topics.sort(), clusterDefault };
}

// ---------------------------------------------------------------- leader election

export interface ElectionResult extends PartitionRef {
  /** 'already-preferred': the preferred replica was leader already (ELECTION_NOT_NEEDED). */
  outcome: 'elected' | 'already-preferred' | 'failed';
  /** Kafka's reason when the election failed, e.g. PREFERRED_LEADER_NOT_AVAILABLE. */
  error: string | null;
}

/**
 * Makes each partition's preferred replica (first in its replica list) the leader
 * (ElectLeaders, API 43; kafkajs has no such call). 'all' asks for every partition.
 */
export async function electPreferredLeaders(api: KafkaApi, partitions: readonly PartitionRef[] | 'all'): Promise<ElectionResult[]> {
  if (partitions !== 'all' && partitions.length === 0) return [];
  const response = await api.call('controller', ElectLeaders, {
    electionType: ElectionType.PREFERRED,
    partitions: partitions === 'all' ? null : partitions.map(({ topic, partition }) => ({ topic, partition })),
    timeoutMs: serverTimeoutMs(api),
  });
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaRequestError('ElectLeaders', [failure('cluster', response.errorCode, response.errorMessage)]);
  }
  return response.items
    .map(({ topic, partition, errorCode, errorMessage }): ElectionResult => {
      if (errorCode === ErrorCode.NONE) return { topic, partition, outcome: 'elected', error: null };
      if (errorCode === ErrorCode.ELECTION_NOT_NEEDED) return { topic, partition, outcome: 'already-preferred', error: null };
      return { topic, partition, outcome: 'failed', error: errorMessage ? `${errorName(errorCode)}: ${errorMessage}` : errorName(errorCode) };
    })
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

// ---------------------------------------------------------------- waiting for replicas

export interface SyncProgress {
  total: number;
  /** Partitions whose ISR equals their replica set with no reassignment in flight. */
  inSync: number;
  /** Partitions with a reassignment still in flight. */
  reassigning: number;
  /** Partitions not yet in sync. */
  pending: PartitionRef[];
  /** Partitions that no longer exist (topic deleted meanwhile); they count as done. */
  missing: PartitionRef[];
  elapsedMs: number;
}

const sameMembers = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id) => b.includes(id));

/** Pure: where the given partitions stand, from one Metadata answer and the in-flight reassignments. */
export function syncProgress(
  partitions: readonly PartitionRef[],
  metadata: Pick<MetadataResponse, 'topics'>,
  reassignments: readonly OngoingReassignment[],
  elapsedMs: number,
): SyncProgress {
  const state = new Map<string, { replicas: number[]; isr: number[] }>();
  for (const topic of metadata.topics) {
    for (const p of topic.partitions) state.set(partitionName({ topic: topic.name, partition: p.partition }), p);
  }
  const inFlight = new Set(reassignments.map(partitionName));
  const progress: SyncProgress = { total: partitions.length, inSync: 0, reassigning: 0, pending: [], missing: [], elapsedMs };
  for (const ref of partitions) {
    const name = partitionName(ref);
    const current = state.get(name);
    if (!current) progress.missing.push(ref);
    else if (inFlight.has(name)) {
      progress.reassigning += 1;
      progress.pending.push(ref);
    } else if (sameMembers(current.isr, current.replicas)) progress.inSync += 1;
    else progress.pending.push(ref);
  }
  return progress;
}

export interface WaitForInSyncOptions {
  timeoutMs: number;
  /** Default 1000 ms. */
  pollIntervalMs?: number;
  /** Consecutive in-sync answers needed before returning (default 2; see waitForInSync). */
  confirmations?: number;
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

/**
 * Polls until every given partition has its full replica set in sync and no
 * reassignment in flight. A poll that cannot reach Kafka is retried on the next
 * interval (brokers restart during these waits); the timeout ends the wait with a
 * KafkaWaitTimeoutError naming what is still pending.
 *
 * Each Metadata answer comes from one broker, and a busy broker's metadata can lag
 * by seconds; so "in sync" must be seen in consecutive polls (which go to different
 * brokers) before the wait ends. A rolling restart must not move on to the next
 * broker on one stale answer.
 */
export async function waitForInSync(api: KafkaApi, partitions: readonly PartitionRef[], options: WaitForInSyncOptions): Promise<SyncProgress> {
  const started = Date.now();
  const topics = [...new Set(partitions.map((p) => p.topic))];
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const confirmationsNeeded = Math.max(1, options.confirmations ?? 2);
  let confirmations = 0;
  let lastProgress: SyncProgress | null = null;
  let lastError: unknown = null;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const [metadata, reassignments] = await Promise.all([
        api.call('any', Metadata, { topics }),
        listReassignments(api, partitions),
      ]);
      lastProgress = syncProgress(partitions, metadata, reassignments, Date.now() - started);
      lastError = null;
      options.onProgress?.(lastProgress);
      confirmations = lastProgress.pending.length === 0 ? confirmations + 1 : 0;
      if (confirmations >= confirmationsNeeded) return lastProgress;
    } catch (error) {
      if (!(error instanceof KafkaUnreachableError)) throw error;
      lastError = error;
    }
    const remainingMs = options.timeoutMs - (Date.now() - started);
    // An in-sync answer awaiting confirmation gets its confirming poll even past the deadline.
    if (remainingMs <= 0 && confirmations === 0) {
      const pending = lastProgress?.pending ?? [...partitions];
      const shown = pending.slice(0, 5).map(partitionName).join(', ');
      const more = pending.length > 5 ? ` and ${pending.length - 5} more` : '';
      const reason = lastError instanceof Error ? `; last poll failed: ${lastError.message}` : '';
      throw new KafkaWaitTimeoutError(
        `replicas not in sync after ${options.timeoutMs} ms: ${shown}${more}${reason}. ` +
          'Check the brokers hosting them, or raise the timeout (throttled moves of large partitions take long)',
        pending,
        { cause: lastError ?? undefined },
      );
    }
    await sleep(confirmations > 0 ? pollIntervalMs : Math.min(pollIntervalMs, remainingMs), options.signal);
  }
}

/**
 * Forgets brokers that are gone for good (KRaft). A broker that shuts down
 * stays registered, fenced, and Kafka 4 still places new topics' replicas on
 * fenced brokers (the striped placer prefers unfenced ones but does not skip
 * the others), so after a scale-down new partitions would be created
 * under-replicated on a broker that never comes back. UnregisterBroker removes
 * the registration.
 */
/** BROKER_ID_NOT_REGISTERED: already forgotten, which is the goal. */
const BROKER_ID_NOT_REGISTERED = 102;

export interface UnregisterOutcome {
  unregistered: number[];
  /** Why nothing was done, e.g. a ZooKeeper-mode cluster without the API. */
  skipped: string | null;
}

export async function unregisterBrokers(api: KafkaApi, brokerIds: readonly number[]): Promise<UnregisterOutcome> {
  const unregistered: number[] = [];
  for (const brokerId of brokerIds) {
    let response;
    try {
      response = await api.call('any', UnregisterBroker, { brokerId });
    } catch (error) {
      if (error instanceof KafkaUnsupportedError) return { unregistered, skipped: `the brokers do not offer UnregisterBroker (not KRaft): ${error.message}` };
      throw error;
    }
    if (response.errorCode !== 0 && response.errorCode !== BROKER_ID_NOT_REGISTERED) {
      throw new Error(
        `unregistering broker ${brokerId} failed: ${errorName(response.errorCode)}${response.errorMessage ? ` (${response.errorMessage})` : ''}`,
      );
    }
    unregistered.push(brokerId);
  }
  return { unregistered, skipped: null };
}
