/**
 * The broker side of the few Kafka requests a Kafka view refresh makes:
 * decodes requests and encodes responses, for the protocol-level fake broker
 * (server.ts) that answers from a generated cluster. Pure: bytes in, bytes out.
 *
 * It speaks one version of each API and says so in ApiVersions, so the client
 * negotiates exactly that version. The layouts mirror the client's decoders in
 * shared/kafka/protocol.ts (and kafka-clients' common/message/*.json); the unit
 * test decodes every response with those decoders.
 *
 *   ApiVersions (18) v0-2   what kafkajs sends on connect (non-flexible)
 *   Metadata (3) v12        brokers, topics, partitions; flexible, topic ids
 *   DescribeConfigs (32) v4 the requested keys of brokers and topics
 *   ListPartitionReassignments (46) v0   none in flight
 *   DescribeQuorum (55) v0  the controller quorum (KRaft)
 */
import { ProtocolReader, ProtocolWriter, ConfigSource, ConfigResourceType, KRAFT_METADATA_TOPIC } from '../../shared/kafka/protocol.js';

export const ApiKey = { Metadata: 3, ApiVersions: 18, DescribeConfigs: 32, ListPartitionReassignments: 46, DescribeQuorum: 55 } as const;

/** The one version of each API the fake speaks (ApiVersions: kafkajs's 0-2). */
export const FAKE_API_VERSIONS: ReadonlyArray<{ apiKey: number; minVersion: number; maxVersion: number }> = [
  { apiKey: ApiKey.Metadata, minVersion: 12, maxVersion: 12 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.DescribeConfigs, minVersion: 4, maxVersion: 4 },
  { apiKey: ApiKey.ListPartitionReassignments, minVersion: 0, maxVersion: 0 },
  { apiKey: ApiKey.DescribeQuorum, minVersion: 0, maxVersion: 0 },
];

/** Whether a request (and its response) of this API and version uses the flexible (KIP-482) encoding. */
export function isFlexible(apiKey: number, version: number): boolean {
  switch (apiKey) {
    case ApiKey.Metadata: return version >= 9;
    case ApiKey.ApiVersions: return version >= 3;
    case ApiKey.DescribeConfigs: return version >= 4;
    case ApiKey.ListPartitionReassignments: return true;
    case ApiKey.DescribeQuorum: return true;
    default: return false;
  }
}

const UNSUPPORTED_VERSION = 35;

// ---------------------------------------------------------------- the generated cluster

export interface FakePartition {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface FakeTopic {
  name: string;
  partitions: FakePartition[];
}

export interface FakeBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface FakeClusterModel {
  clusterId: string;
  controllerId: number;
  brokers: FakeBroker[];
  topics: FakeTopic[];
  /** The brokers' min.insync.replicas (a static broker config). */
  minInsyncReplicas: number;
}

export interface GenerateOptions {
  brokers: number;
  partitions: number;
  partitionsPerTopic: number;
  replicationFactor: number;
  host: string;
  /** Broker i listens on basePort + i. */
  basePort: number;
}

/** Checks the options, naming the bad one; returns them. */
export function checkGenerateOptions(options: GenerateOptions): GenerateOptions {
  const whole = (name: keyof GenerateOptions, min: number, max: number) => {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} is ${String(value)}: expected a whole number from ${min} to ${max}`);
    }
  };
  whole('brokers', 1, 1000);
  whole('partitions', 1, 2_000_000);
  whole('partitionsPerTopic', 1, 100_000);
  whole('replicationFactor', 1, options.brokers);
  whole('basePort', 1, 65535 - options.brokers);
  return options;
}

/**
 * A cluster of `partitions` partitions in topics of `partitionsPerTopic` (the
 * last topic takes the rest), replicas placed round-robin like Kafka's
 * rack-unaware assignment, every replica in sync.
 */
export function generateCluster(options: GenerateOptions): FakeClusterModel {
  checkGenerateOptions(options);
  const { brokers, partitions, partitionsPerTopic, replicationFactor } = options;
  const topics: FakeTopic[] = [];
  const topicCount = Math.ceil(partitions / partitionsPerTopic);
  const width = String(topicCount - 1).length;
  let placed = 0;
  for (let t = 0; t < topicCount; t += 1) {
    const count = Math.min(partitionsPerTopic, partitions - placed);
    const parts: FakePartition[] = [];
    for (let p = 0; p < count; p += 1) {
      const first = (t + p) % brokers;
      const replicas = Array.from({ length: replicationFactor }, (_, r) => (first + r) % brokers);
      parts.push({ partition: p, leader: replicas[0] ?? -1, replicas, isr: [...replicas] });
    }
    placed += count;
    topics.push({ name: `topic-${String(t).padStart(width, '0')}`, partitions: parts });
  }
  return {
    clusterId: 'fake-cluster-0000000000',
    controllerId: 0,
    brokers: Array.from({ length: brokers }, (_, id) => ({ nodeId: id, host: options.host, port: options.basePort + id, rack: `rack-${id % 3}` })),
    topics,
    minInsyncReplicas: Math.min(2, replicationFactor),
  };
}

// ---------------------------------------------------------------- requests

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** One request frame (without its 4-byte size): header v1, then the body (flexible bodies lead with the header's tagged fields). */
export function decodeRequestHeader(frame: Buffer): { header: RequestHeader; body: Buffer } {
  if (frame.length < 10) throw new Error(`request of ${frame.length} bytes is shorter than a request header (10 bytes)`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const correlationId = frame.readInt32BE(4);
  const clientIdLength = frame.readInt16BE(8);
  const bodyStart = 10 + Math.max(0, clientIdLength);
  if (bodyStart > frame.length) throw new Error(`request header names a client id of ${clientIdLength} bytes, but the request has ${frame.length - 10}`);
  const clientId = clientIdLength < 0 ? null : frame.toString('utf8', 10, bodyStart);
  return { header: { apiKey, apiVersion, correlationId, clientId }, body: frame.subarray(bodyStart) };
}

function bodyReader(header: RequestHeader, body: Buffer): ProtocolReader {
  const reader = new ProtocolReader(body, isFlexible(header.apiKey, header.apiVersion));
  reader.skipTags(); // request header v2's tagged fields
  return reader;
}

/** Metadata v12 request: the topic names asked for, null for all. */
export function decodeMetadataRequest(header: RequestHeader, body: Buffer): string[] | null {
  const r = bodyReader(header, body);
  return r.nullableArray((r) => {
    r.skip(16); // TopicId
    const name = r.nullableString();
    r.skipTags();
    return name ?? '';
  });
}

export interface ConfigResourceRequest {
  type: number;
  name: string;
  keys: string[] | null;
}

/** DescribeConfigs v4 request: the resources and keys asked for. */
export function decodeDescribeConfigsRequest(header: RequestHeader, body: Buffer): ConfigResourceRequest[] {
  const r = bodyReader(header, body);
  return r.array((r) => {
    const type = r.int8();
    const name = r.string();
    const keys = r.nullableArray((r) => r.string());
    r.skipTags();
    return { type, name, keys };
  });
}

// ---------------------------------------------------------------- responses

/** A response frame: size, correlation id, header tagged fields when flexible (never for ApiVersions), body. */
export function frameResponse(header: RequestHeader, body: Buffer): Buffer {
  const flexibleHeader = header.apiKey !== ApiKey.ApiVersions && isFlexible(header.apiKey, header.apiVersion);
  const head = Buffer.alloc(flexibleHeader ? 9 : 8);
  head.writeInt32BE(body.length + head.length - 4, 0);
  head.writeInt32BE(header.correlationId, 4);
  // flexibleHeader: the 9th byte stays 0, an empty tagged-field section.
  return Buffer.concat([head, body]);
}

/** ApiVersions v0-2 (non-flexible): the versions in FAKE_API_VERSIONS. */
export function encodeApiVersionsResponse(version: number): Buffer {
  const w = new ProtocolWriter(false);
  w.int16(version > 2 ? UNSUPPORTED_VERSION : 0);
  w.array(FAKE_API_VERSIONS, (w, api) => w.int16(api.apiKey).int16(api.minVersion).int16(api.maxVersion));
  if (version >= 1) w.int32(0); // ThrottleTimeMs
  return w.toBuffer();
}

/** Metadata v12: every broker, and the topics asked for (all when null; unknown names get UNKNOWN_TOPIC_OR_PARTITION). */
export function encodeMetadataResponse(cluster: FakeClusterModel, topics: readonly string[] | null): Buffer {
  const byName = topics === null ? null : new Map(cluster.topics.map((t) => [t.name, t]));
  const answered: Array<FakeTopic | string> = topics === null ? cluster.topics : topics.map((name) => byName?.get(name) ?? name);
  return assembleMetadataResponse(cluster, answered.map(encodeMetadataTopic));
}

/** One topic of a Metadata v12 answer, or an unknown topic's error entry when given only its name. */
export function encodeMetadataTopic(topic: FakeTopic | string): Buffer {
  const w = new ProtocolWriter(true);
  if (typeof topic === 'string') {
    return w.int16(3).nullableString(topic).zeroUuid().bool(false).array([], () => undefined).int32(-2147483648).tags().toBuffer();
  }
  w.int16(0).nullableString(topic.name).zeroUuid().bool(false);
  w.array(topic.partitions, (w, p) => {
    w.int16(0).int32(p.partition).int32(p.leader).int32(0); // LeaderEpoch
    w.int32Array(p.replicas).int32Array(p.isr).int32Array([]).tags();
  });
  w.int32(-2147483648); // TopicAuthorizedOperations: not asked for
  return w.tags().toBuffer();
}

/** A Metadata v12 answer around topics already encoded (encodeMetadataTopic), so a server re-encodes only those that changed. */
export function assembleMetadataResponse(cluster: FakeClusterModel, topicChunks: readonly Buffer[]): Buffer {
  const head = new ProtocolWriter(true);
  head.int32(0); // ThrottleTimeMs
  head.array(cluster.brokers, (w, b) => w.int32(b.nodeId).string(b.host).int32(b.port).nullableString(b.rack).tags());
  head.nullableString(cluster.clusterId);
  head.int32(cluster.controllerId);
  head.uvarint(topicChunks.length + 1);
  return Buffer.concat([head.toBuffer(), ...topicChunks, Buffer.from([0])]);
}

/** A config value the fake reports for a key, with its source, or null when it has none. */
function configValue(cluster: FakeClusterModel, key: string): { value: string | null; source: number } | null {
  if (key === 'min.insync.replicas') {
    // Set in server.properties: a topic without an override inherits it with this source too.
    return { value: String(cluster.minInsyncReplicas), source: ConfigSource.STATIC_BROKER_CONFIG };
  }
  if (key.endsWith('.throttled.rate')) return { value: '9223372036854775807', source: ConfigSource.DEFAULT_CONFIG };
  if (key.endsWith('.throttled.replicas')) return { value: '', source: ConfigSource.DEFAULT_CONFIG };
  return null;
}

/** DescribeConfigs v4: each resource's requested keys (a few defaults when all are asked for); unknown topics get UNKNOWN_TOPIC_OR_PARTITION. */
export function encodeDescribeConfigsResponse(cluster: FakeClusterModel, resources: readonly ConfigResourceRequest[], topicNames: ReadonlySet<string>): Buffer {
  const w = new ProtocolWriter(true);
  w.int32(0); // ThrottleTimeMs
  w.array(resources, (w, res) => {
    const known = res.type === ConfigResourceType.TOPIC
      ? topicNames.has(res.name)
      : res.type === ConfigResourceType.BROKER && cluster.brokers.some((b) => String(b.nodeId) === res.name);
    const code = known ? 0 : res.type === ConfigResourceType.TOPIC ? 3 : 42; // UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST
    w.int16(code).nullableString(known ? null : `unknown resource ${res.name}`).int8(res.type).string(res.name);
    const keys = known ? (res.keys ?? ['min.insync.replicas', 'leader.replication.throttled.rate']) : [];
    const entries = keys.flatMap((key) => {
      const found = configValue(cluster, key);
      return found ? [{ key, ...found }] : [];
    });
    w.array(entries, (w, e) => {
      w.string(e.key).nullableString(e.value).bool(false).int8(e.source).bool(false);
      w.array([], () => undefined); // Synonyms: not asked for
      w.int8(e.key === 'min.insync.replicas' ? 3 : e.key.endsWith('.rate') ? 5 : 7); // ConfigType INT, LONG, LIST
      w.nullableString(null); // Documentation: not asked for
      w.tags();
    });
    w.tags();
  });
  w.tags();
  return w.toBuffer();
}

/** ListPartitionReassignments v0: nothing in flight. */
export function encodeListPartitionReassignmentsResponse(): Buffer {
  return new ProtocolWriter(true).int32(0).int16(0).nullableString(null).array([], () => undefined).tags().toBuffer();
}

/** DescribeQuorum v0: the controller is the quorum leader, voting alone. */
export function encodeDescribeQuorumResponse(cluster: FakeClusterModel): Buffer {
  const w = new ProtocolWriter(true);
  w.int16(0);
  w.array([KRAFT_METADATA_TOPIC], (w, topic) => {
    w.string(topic);
    w.array([0], (w, partition) => {
      w.int32(partition).int16(0).int32(cluster.controllerId).int32(1).int64(100n);
      w.array([cluster.controllerId], (w, id) => w.int32(id).int64(100n).tags()); // CurrentVoters
      w.array([], () => undefined); // Observers
      w.tags();
    });
    w.tags();
  });
  w.tags();
  return w.toBuffer();
}

/** Whether the fake speaks this API at this version; the server closes the connection otherwise, as Kafka does. */
export function supported(header: RequestHeader): boolean {
  const api = FAKE_API_VERSIONS.find((a) => a.apiKey === header.apiKey);
  if (header.apiKey === ApiKey.ApiVersions) return true; // answered with UNSUPPORTED_VERSION above its range, as Kafka does
  return api !== undefined && header.apiVersion >= api.minVersion && header.apiVersion <= api.maxVersion;
}
