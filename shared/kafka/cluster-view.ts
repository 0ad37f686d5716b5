/**
 * Builds the ClusterView snapshot (types.ts) from a handful of requests:
 * 1 Metadata (all topics) -> brokers with racks, topics, partitions, ISR, offline replicas;
 * then in parallel:
 *   DescribeConfigs on each live broker  -> default min.insync.replicas, throttle rates
 *   DescribeConfigs on topics, in batches -> min.insync.replicas overrides, throttled replicas
 *   ListPartitionReassignments            -> adding / removing replicas
 *   DescribeQuorum                        -> the active KRaft controller
 *
 * Racks come from the Metadata answer (v1+ carries each broker's registered
 * `broker.rack`), so no per-broker request is needed for them; the e2e test checks
 * them against the brokers' configuration.
 *
 * The controller: in KRaft, Metadata's ControllerId is a random live broker (clients
 * cannot reach controllers), so the active controller comes from DescribeQuorum,
 * which brokers forward to the quorum. Without that API (ZooKeeper mode) Metadata's
 * ControllerId is the real controller and is used.
 *
 * Permissions the Kafka principal needs: Describe on all topics (Kafka silently
 * leaves out topics a principal may not describe), DescribeConfigs on topics and on
 * the cluster, Describe on the cluster. Minimum Kafka version: 2.4.
 */
import type { KafkaApi } from './client.js';
import { ConfigSource, Metadata, type ApiSpec, type ConfigEntry, type MetadataRequest, type MetadataResponse, type OngoingReassignment } from './protocol.js';
import {
  activeControllerId,
  describeBrokerConfigs,
  describeTopicConfigs,
  FOLLOWER_THROTTLED_RATE,
  FOLLOWER_THROTTLED_REPLICAS,
  LEADER_THROTTLED_RATE,
  LEADER_THROTTLED_REPLICAS,
  listReassignments,
  MIN_INSYNC_REPLICAS,
  type BatchOptions,
} from './requests.js';
import type { BrokerInfo, ClusterView, PartitionState, ThrottleState, TopicState } from './types.js';
import { partitionKey } from '../safety/types.js';

const BROKER_CONFIG_KEYS = [MIN_INSYNC_REPLICAS, LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE];
const TOPIC_CONFIG_KEYS = [MIN_INSYNC_REPLICAS, LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS];

/** Kafka's own default when no broker says otherwise. */
const KAFKA_DEFAULT_MIN_INSYNC_REPLICAS = 1;

export interface ClusterViewOptions {
  /** How topic configs are fetched: topics per DescribeConfigs request and requests in flight. */
  topicConfigs?: BatchOptions;
}

/** Raw answers, as fetched; assembleClusterView turns them into a ClusterView. */
export interface ClusterViewInputs {
  metadata: MetadataResponse;
  brokerConfigs: ReadonlyMap<number, readonly ConfigEntry[]>;
  topicConfigs: ReadonlyMap<string, readonly ConfigEntry[]>;
  reassignments: readonly OngoingReassignment[];
  controllerId: number;
  fetchedAt: number;
}

/** Reads the whole cluster, every part fresh; see the module comment for the requests it makes. */
export async function fetchClusterView(api: KafkaApi, options: ClusterViewOptions = {}): Promise<ClusterView> {
  return new ClusterViewReader(api, { ...options, topicConfigMaxAgeMs: 0 }).fetch();
}

export interface ClusterViewReaderOptions extends ClusterViewOptions {
  /**
   * How long a topic's configs (min.insync.replicas, throttled replicas) are reused
   * before they are read again. They change rarely and, with thousands of topics,
   * cost most of a view (measured: ~1 s for 1000 topics on a busy 3-broker cluster,
   * against ~50 ms for the rest). 0 reads them every time.
   */
  topicConfigMaxAgeMs: number;
  now?: () => number;
}

/** Spreads the expiry of topics read together over the last quarter of the max age, so refreshes do not all land on one view. */
function expirySpread(topic: string): number {
  let hash = 0;
  for (let i = 0; i < topic.length; i += 1) hash = (hash * 31 + topic.charCodeAt(i)) >>> 0;
  return 0.75 + 0.25 * (hash / 0xffffffff);
}

/** What one read found: the view, and whether it holds exactly what the reader's previous view held. */
export interface ViewReading {
  view: ClusterView;
  /** The previous view of this reader when nothing Kafka answered differed from it (only fetchedAt is new), else null. */
  sameAs: ClusterView | null;
}

/**
 * A Metadata spec that hands back the previous answer, undecoded, when the
 * broker's bytes are the same as last time. Kafka offers clients no "what
 * changed since" for metadata, so every refresh reads all of it; on a quiet
 * cluster of 200,000 partitions this turns ~8 MiB of decoding and some
 * 1,000,000 small allocations into one byte comparison (BENCHMARKS.md).
 */
function rememberingMetadata(): ApiSpec<MetadataRequest, MetadataResponse> {
  let last: { version: number; bytes: Buffer; response: MetadataResponse } | null = null;
  return {
    ...Metadata,
    decode(reader, version) {
      const bytes = reader.rest();
      if (last && last.version === version && last.bytes.equals(bytes)) return last.response;
      const response = Metadata.decode(reader, version);
      last = { version, bytes: Buffer.from(bytes), response };
      return response;
    },
  };
}

function sameConfigs(a: readonly ConfigEntry[] | undefined, b: readonly ConfigEntry[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((entry, i) => {
    const other = b[i];
    return other !== undefined && entry.name === other.name && entry.value === other.value && entry.source === other.source && entry.sensitive === other.sensitive;
  });
}

function sameConfigMaps<K>(a: ReadonlyMap<K, readonly ConfigEntry[]>, b: ReadonlyMap<K, readonly ConfigEntry[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, configs] of a) if (!sameConfigs(configs, b.get(key))) return false;
  return true;
}

/**
 * Reads views of one cluster, keeping topic configs between reads for at most
 * `topicConfigMaxAgeMs`. Metadata (partitions, ISR, leaders), broker configs,
 * reassignments and the controller are read fresh every time, as are the configs
 * of topics not seen before. Meant to live next to its client (one per cluster).
 *
 * When everything read equals what the previous read found (the usual case
 * between two background refreshes), the previous view is reused, with a new
 * fetchedAt, instead of being assembled again; `read()` says so, so that the
 * caller can keep what it derived from it (the index).
 */
export class ClusterViewReader {
  private readonly topicConfigs = new Map<string, { configs: ConfigEntry[]; expiresAt: number }>();
  private readonly now: () => number;
  private readonly metadataSpec = rememberingMetadata();
  private previous: (Omit<ClusterViewInputs, 'fetchedAt'> & { view: ClusterView }) | null = null;

  constructor(
    private readonly api: KafkaApi,
    private readonly options: ClusterViewReaderOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async fetch(): Promise<ClusterView> {
    return (await this.read()).view;
  }

  async read(): Promise<ViewReading> {
    const { api } = this;
    const metadata = await api.call('any', this.metadataSpec, { topics: null });
    const brokerIds = metadata.brokers.map((b) => b.nodeId);
    const startedAt = this.now();
    const due = metadata.topics.map((t) => t.name).filter((name) => (this.topicConfigs.get(name)?.expiresAt ?? 0) <= startedAt);
    const [brokerConfigs, fresh, reassignments, controllerId] = await Promise.all([
      describeBrokerConfigs(api, brokerIds, BROKER_CONFIG_KEYS),
      describeTopicConfigs(api, due, TOPIC_CONFIG_KEYS, { ...this.options.topicConfigs, brokerIds }),
      listReassignments(api, null),
      activeControllerId(api, metadata),
    ]);

    const present = new Set(metadata.topics.map((t) => t.name));
    for (const name of this.topicConfigs.keys()) if (!present.has(name)) this.topicConfigs.delete(name);
    for (const [name, configs] of fresh) {
      this.topicConfigs.set(name, { configs, expiresAt: startedAt + this.options.topicConfigMaxAgeMs * expirySpread(name) });
    }
    const topicConfigs = new Map([...this.topicConfigs].map(([name, entry]) => [name, entry.configs]));
    const previous = this.previous;
    if (
      previous &&
      previous.metadata === metadata &&
      previous.controllerId === controllerId &&
      previous.reassignments.length === 0 &&
      reassignments.length === 0 &&
      sameConfigMaps(previous.brokerConfigs, brokerConfigs) &&
      sameConfigMaps(previous.topicConfigs, topicConfigs)
    ) {
      return { view: { ...previous.view, fetchedAt: this.now() }, sameAs: previous.view };
    }
    const view = assembleClusterView({ metadata, brokerConfigs, topicConfigs, reassignments, controllerId, fetchedAt: this.now() });
    this.previous = { metadata, brokerConfigs, topicConfigs, reassignments, controllerId, view };
    return { view, sameAs: null };
  }
}

// ---------------------------------------------------------------- pure assembly

function entry(configs: readonly ConfigEntry[] | undefined, name: string): ConfigEntry | undefined {
  return configs?.find((c) => c.name === name);
}

function nonNegativeInteger(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : null;
}

const DYNAMIC_BROKER_SOURCES = new Set<number>([ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]);

/** A throttle rate (bytes/s) when one is set dynamically, else null. */
function throttleRate(configs: readonly ConfigEntry[] | undefined, name: string): number | null {
  const found = entry(configs, name);
  return found && DYNAMIC_BROKER_SOURCES.has(found.source) ? nonNegativeInteger(found.value) : null;
}

/** A topic-level value the topic sets itself (not inherited), else null. */
function topicOverride(configs: readonly ConfigEntry[] | undefined, name: string): string | null {
  const found = entry(configs, name);
  return found && found.source === ConfigSource.TOPIC_CONFIG && found.value ? found.value : null;
}

/**
 * The broker-level default min.insync.replicas. Brokers normally agree; when they
 * do not, the highest value is taken, the stricter reading for safety decisions.
 */
export function defaultMinInsyncReplicas(brokerConfigs: ReadonlyMap<number, readonly ConfigEntry[]>): number {
  const values = [...brokerConfigs.values()]
    .map((configs) => nonNegativeInteger(entry(configs, MIN_INSYNC_REPLICAS)?.value))
    .filter((v): v is number => v !== null && v > 0);
  return values.length > 0 ? Math.max(...values) : KAFKA_DEFAULT_MIN_INSYNC_REPLICAS;
}


/** The empty replica list every partition without one shares; frozen, so that a write to it fails loudly. */
const NO_REPLICAS = Object.freeze([]) as unknown as number[];

/** Pure: raw answers -> ClusterView. */
export function assembleClusterView(inputs: ClusterViewInputs): ClusterView {
  const { metadata, brokerConfigs, topicConfigs } = inputs;
  const defaultMinIsr = defaultMinInsyncReplicas(brokerConfigs);
  const inFlight = new Map(inputs.reassignments.map((r) => [partitionKey(r), r]));

  const brokers: BrokerInfo[] = metadata.brokers
    .map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }))
    .sort((a, b) => a.id - b.id);

  const topics: TopicState[] = metadata.topics
    .filter((t) => t.name !== '')
    .map((t) => {
      const configs = topicConfigs.get(t.name);
      const partitions: PartitionState[] = t.partitions
        .map((p) => {
          const reassignment = inFlight.get(partitionKey({ topic: t.name, partition: p.partition }));
          // The decoded arrays are taken as they are, not copied: a view is never
          // modified, and at 200,000 partitions the copies were a million allocations per refresh.
          return {
            topic: t.name,
            partition: p.partition,
            // The controller's replica set of a partition in flight can be a few ms ahead
            // of the answering broker's Metadata; taking it keeps adding/removing consistent.
            replicas: reassignment?.replicas ?? p.replicas,
            isr: p.isr,
            leader: p.leader,
            offlineReplicas: p.offlineReplicas.length === 0 ? NO_REPLICAS : p.offlineReplicas,
            addingReplicas: reassignment && reassignment.addingReplicas.length > 0 ? reassignment.addingReplicas : NO_REPLICAS,
            removingReplicas: reassignment && reassignment.removingReplicas.length > 0 ? reassignment.removingReplicas : NO_REPLICAS,
          };
        })
        .sort((a, b) => a.partition - b.partition);
      return {
        name: t.name,
        internal: t.isInternal,
        minInsyncReplicas: nonNegativeInteger(topicOverride(configs, MIN_INSYNC_REPLICAS)) ?? defaultMinIsr,
        partitions,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const throttles: ThrottleState = {
    brokers: [...brokerConfigs]
      .map(([id, configs]) => ({
        id,
        leaderRate: throttleRate(configs, LEADER_THROTTLED_RATE),
        followerRate: throttleRate(configs, FOLLOWER_THROTTLED_RATE),
      }))
      .filter((b) => b.leaderRate !== null || b.followerRate !== null)
      .sort((a, b) => a.id - b.id),
    topics: topics
      .map((t) => ({
        topic: t.name,
        leaderReplicas: topicOverride(topicConfigs.get(t.name), LEADER_THROTTLED_REPLICAS),
        followerReplicas: topicOverride(topicConfigs.get(t.name), FOLLOWER_THROTTLED_REPLICAS),
      }))
      .filter((t) => t.leaderReplicas !== null || t.followerReplicas !== null),
  };

  return {
    clusterId: metadata.clusterId ?? '',
    controllerId: inputs.controllerId,
    brokers,
    topics,
    throttles,
    defaultMinInsyncReplicas: defaultMinIsr,
    fetchedAt: inputs.fetchedAt,
  };
}
