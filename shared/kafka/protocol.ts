/**
 * Kafka wire-protocol codecs for the requests kafka-guard sends itself.
 *
 * Why our own codecs, when kafkajs has some of these: kafkajs 2.2.4 has no
 * ElectLeaders (43), IncrementalAlterConfigs (44) or DescribeQuorum (55), cannot
 * cancel a reassignment (it rejects null replicas), and its Metadata and
 * DescribeConfigs parsers throw on the FIRST partition or resource error. One
 * leaderless partition anywhere therefore makes every kafkajs admin call fail
 * (verified against Kafka 4.1: describeCluster, listTopics, describeConfigs all
 * throw LEADER_NOT_AVAILABLE), which is exactly the moment kafka-guard is needed.
 * These codecs keep every per-item error as data instead.
 *
 * kafkajs still does the hard part: sockets, TLS, SASL (PLAIN/SCRAM), ApiVersions
 * and request framing (see kafkajs-internals.ts). Layouts follow the message
 * schemas shipped in kafka-clients (common/message/*.json); "vN+" comments name
 * the version a field appeared in.
 */

// ---------------------------------------------------------------- primitives

/** Writes one request body. In flexible versions strings/arrays are compact and structs end with tagged fields. */
export class ProtocolWriter {
  private buffer = Buffer.alloc(256);
  private length = 0;

  constructor(readonly flexible: boolean) {}

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  int8(value: number): this {
    this.reserve(1);
    this.length = this.buffer.writeInt8(value, this.length);
    return this;
  }

  int16(value: number): this {
    this.reserve(2);
    this.length = this.buffer.writeInt16BE(value, this.length);
    return this;
  }

  int32(value: number): this {
    this.reserve(4);
    this.length = this.buffer.writeInt32BE(value, this.length);
    return this;
  }

  int64(value: bigint): this {
    this.reserve(8);
    this.length = this.buffer.writeBigInt64BE(value, this.length);
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  uvarint(value: number): this {
    let rest = value >>> 0;
    do {
      let byte = rest & 0x7f;
      rest >>>= 7;
      if (rest !== 0) byte |= 0x80;
      this.reserve(1);
      this.length = this.buffer.writeUInt8(byte, this.length);
    } while (rest !== 0);
    return this;
  }

  private raw(bytes: Buffer): this {
    this.reserve(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
    return this;
  }

  /** A 16-byte UUID; kafka-guard only ever sends the zero UUID ("look up by name"). */
  zeroUuid(): this {
    return this.raw(Buffer.alloc(16));
  }

  string(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    if (this.flexible) this.uvarint(bytes.length + 1);
    else this.int16(bytes.length);
    return this.raw(bytes);
  }

  nullableString(value: string | null): this {
    if (value !== null) return this.string(value);
    return this.flexible ? this.uvarint(0) : this.int16(-1);
  }

  array<T>(items: readonly T[], writeItem: (writer: this, item: T) => void): this {
    if (this.flexible) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, writeItem: (writer: this, item: T) => void): this {
    if (items !== null) return this.array(items, writeItem);
    return this.flexible ? this.uvarint(0) : this.int32(-1);
  }

  int32Array(items: readonly number[]): this {
    return this.array(items, (w, v) => w.int32(v));
  }

  /** An empty tagged-field section; nothing in non-flexible versions. */
  tags(): this {
    return this.flexible ? this.uvarint(0) : this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

/** Thrown when a response is shorter or stranger than its schema says. */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
}

/** Reads one response body, mirroring ProtocolWriter. */
export class ProtocolReader {
  private offset = 0;

  constructor(
    private readonly buffer: Buffer,
    readonly flexible: boolean,
  ) {}

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) {
      throw new ProtocolDecodeError(
        `response ends at byte ${this.buffer.length}, needed ${bytes} more at byte ${this.offset}`,
      );
    }
  }

  int8(): number {
    this.need(1);
    const value = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return value;
  }

  int16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int64(): bigint {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const byte = this.buffer.readUInt8(this.offset);
      this.offset += 1;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new ProtocolDecodeError(`unsigned varint longer than 5 bytes at byte ${this.offset}`);
  }

  skip(bytes: number): void {
    this.need(bytes);
    this.offset += bytes;
  }

  /** Length of the next string or array; -1 means null. */
  private lengthPrefix(kind: 'string' | 'array'): number {
    if (this.flexible) return this.uvarint() - 1;
    return kind === 'string' ? this.int16() : this.int32();
  }

  nullableString(): string | null {
    const length = this.lengthPrefix('string');
    if (length < 0) return null;
    this.need(length);
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw new ProtocolDecodeError(`null where the schema has a non-null string at byte ${this.offset}`);
    return value;
  }

  nullableArray<T>(readItem: (reader: this) => T): T[] | null {
    const length = this.lengthPrefix('array');
    if (length < 0) return null;
    const items: T[] = [];
    for (let i = 0; i < length; i += 1) items.push(readItem(this));
    return items;
  }

  array<T>(readItem: (reader: this) => T): T[] {
    // Kafka encodes some empty arrays as null; for a reader that is the same thing.
    return this.nullableArray(readItem) ?? [];
  }

  int32Array(): number[] {
    return this.array((r) => r.int32());
  }

  /** A tagged-field section (flexible versions only), each field's bytes as a reader, by tag. */
  taggedFields(): Map<number, ProtocolReader> {
    const fields = new Map<number, ProtocolReader>();
    if (!this.flexible) return fields;
    const count = this.uvarint();
    for (let i = 0; i < count; i += 1) {
      const tag = this.uvarint();
      const size = this.uvarint();
      this.need(size);
      fields.set(tag, new ProtocolReader(this.buffer.subarray(this.offset, this.offset + size), true));
      this.offset += size;
    }
    return fields;
  }

  /** The bytes not read yet (a view, not a copy); the reader does not move. */
  rest(): Buffer {
    return this.buffer.subarray(this.offset);
  }

  /** Skips a tagged-field section (flexible versions only). */
  skipTags(): void {
    if (!this.flexible) return;
    const count = this.uvarint();
    for (let i = 0; i < count; i += 1) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}

// ---------------------------------------------------------------- API specs

export interface ApiVersionRange {
  minVersion: number;
  maxVersion: number;
}

/** One Kafka API as kafka-guard speaks it: the versions implemented here and their codecs. */
export interface ApiSpec<Request, Response> {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible (KIP-482) version. */
  flexibleFrom: number;
  /** ApiVersions only: its response header stays v0 (no tagged fields) even in flexible versions. */
  responseHeaderV0?: boolean;
  /** The Kafka that first offers the versions spoken here, for a refusal on an older or other-mode cluster. */
  needs?: string;
  encode(writer: ProtocolWriter, version: number, request: Request): void;
  decode(reader: ProtocolReader, version: number): Response;
}

/** The highest version both sides implement, or null when there is none. */
export function negotiateVersion(
  spec: Pick<ApiSpec<unknown, unknown>, 'minVersion' | 'maxVersion'>,
  broker: ApiVersionRange | undefined,
): number | null {
  if (!broker) return null;
  const version = Math.min(spec.maxVersion, broker.maxVersion);
  return version >= Math.max(spec.minVersion, broker.minVersion) ? version : null;
}

/**
 * The request body as sent after kafkajs's request header. kafkajs always writes
 * header v1 (api key, version, correlation id, client id); flexible versions need
 * header v2, which is v1 plus an empty tagged-field section, so it leads the body.
 */
export function encodeRequestBody<Request>(spec: ApiSpec<Request, unknown>, version: number, request: Request): Buffer {
  const writer = new ProtocolWriter(version >= spec.flexibleFrom);
  writer.tags();
  spec.encode(writer, version, request);
  return writer.toBuffer();
}

/** Decodes what follows the correlation id; flexible responses start with header tagged fields. */
export function decodeResponseBody<Response>(spec: ApiSpec<unknown, Response>, version: number, payload: Buffer): Response {
  const reader = new ProtocolReader(payload, version >= spec.flexibleFrom);
  if (spec.responseHeaderV0 !== true) reader.skipTags();
  return spec.decode(reader, version);
}

// ---------------------------------------------------------------- Metadata (3)

export interface MetadataRequest {
  /** Topic names, or null for every topic in the cluster. */
  topics: string[] | null;
  /** v8+: ask for the operations the principal may perform on each topic (kubectl kafka doctor). */
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataPartition {
  errorCode: number;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface MetadataTopic {
  errorCode: number;
  name: string;
  isInternal: boolean;
  partitions: MetadataPartition[];
  /** v8+: a bit field of AclOperation codes the principal may perform on the topic; absent before v8, INT32_MIN when not asked for. */
  authorizedOperations?: number;
}

export interface MetadataResponse {
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
}

export const Metadata: ApiSpec<MetadataRequest, MetadataResponse> = {
  key: 3,
  name: 'Metadata',
  needs: 'Kafka 1.0 or newer',
  // v5 is the first with offline replicas; v13 is Kafka 4.1's newest.
  minVersion: 5,
  maxVersion: 13,
  flexibleFrom: 9,
  encode(w, v, { topics, includeTopicAuthorizedOperations }) {
    w.nullableArray(topics, (w, name) => {
      if (v >= 10) w.zeroUuid();
      w.string(name).tags();
    });
    w.bool(false); // AllowAutoTopicCreation: looking at a topic must never create it
    if (v >= 8 && v <= 10) w.bool(false); // IncludeClusterAuthorizedOperations
    if (v >= 8) w.bool(includeTopicAuthorizedOperations === true);
    w.tags();
  },
  decode(r, v) {
    r.int32(); // ThrottleTimeMs
    const brokers = r.array((r) => {
      const broker = { nodeId: r.int32(), host: r.string(), port: r.int32(), rack: r.nullableString() };
      r.skipTags();
      return broker;
    });
    const clusterId = r.nullableString();
    const controllerId = r.int32();
    const topics = r.array((r): MetadataTopic => {
      const errorCode = r.int16();
      const name = r.nullableString() ?? '';
      if (v >= 10) r.skip(16); // TopicId
      const isInternal = r.bool();
      const partitions = r.array((r): MetadataPartition => {
        const errorCode = r.int16();
        const partition = r.int32();
        const leader = r.int32();
        if (v >= 7) r.int32(); // LeaderEpoch
        const replicas = r.int32Array();
        const isr = r.int32Array();
        const offlineReplicas = r.int32Array();
        r.skipTags();
        return { errorCode, partition, leader, replicas, isr, offlineReplicas };
      });
      const authorizedOperations = v >= 8 ? r.int32() : undefined;
      r.skipTags();
      return { errorCode, name, isInternal, partitions, ...(authorizedOperations === undefined ? {} : { authorizedOperations }) };
    });
    if (v >= 8 && v <= 10) r.int32(); // ClusterAuthorizedOperations
    if (v >= 13) r.int16(); // top-level ErrorCode (rebootstrap hint); per-item errors are what we use
    r.skipTags();
    return { brokers, clusterId, controllerId, topics };
  },
};

// ---------------------------------------------------------------- configs (32, 44)

export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;
export type ConfigResourceType = (typeof ConfigResourceType)[keyof typeof ConfigResourceType];

/** Where a described config value comes from (DescribeConfigs v1+). */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

export interface DescribeConfigsResource {
  type: ConfigResourceType;
  name: string;
  /** Config names to return, or null for all. */
  keys: string[] | null;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: number;
  sensitive: boolean;
}

export interface ConfigResourceResult {
  errorCode: number;
  errorMessage: string | null;
  type: number;
  name: string;
  configs: ConfigEntry[];
}

export const DescribeConfigs: ApiSpec<{ resources: DescribeConfigsResource[] }, ConfigResourceResult[]> = {
  key: 32,
  name: 'DescribeConfigs',
  needs: 'Kafka 1.1 or newer',
  minVersion: 1,
  maxVersion: 4,
  flexibleFrom: 4,
  encode(w, v, { resources }) {
    encodeDescribeConfigs(w, v, resources, false);
  },
  decode(r, v) {
    return decodeDescribeConfigs(r, v).map((result) => ({
      ...result,
      configs: result.configs.map(({ name, value, source, sensitive }) => ({ name, value, source, sensitive })),
    }));
  },
};

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type ConfigOperation = (typeof ConfigOperation)[keyof typeof ConfigOperation];

export interface AlterConfigsResource {
  type: ConfigResourceType;
  name: string;
  configs: Array<{ name: string; operation: ConfigOperation; value: string | null }>;
}

export interface AlterConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  type: number;
  name: string;
}

export const IncrementalAlterConfigs: ApiSpec<{ resources: AlterConfigsResource[]; validateOnly?: boolean }, AlterConfigsResult[]> = {
  key: 44,
  name: 'IncrementalAlterConfigs',
  needs: 'Kafka 2.3 or newer',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  encode(w, _v, { resources, validateOnly = false }) {
    w.array(resources, (w, res) => {
      w.int8(res.type).string(res.name);
      w.array(res.configs, (w, c) => {
        w.string(c.name).int8(c.operation).nullableString(c.value).tags();
      });
      w.tags();
    });
    w.bool(validateOnly); // ValidateOnly: Kafka checks the change and applies nothing
    w.tags();
  },
  decode(r) {
    r.int32(); // ThrottleTimeMs
    const results = r.array((r): AlterConfigsResult => {
      const result = { errorCode: r.int16(), errorMessage: r.nullableString(), type: r.int8(), name: r.string() };
      r.skipTags();
      return result;
    });
    r.skipTags();
    return results;
  },
};

// ---------------------------------------------------------------- reassignments (45, 46)

export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface TopLevelResult<T> {
  errorCode: number;
  errorMessage: string | null;
  items: T[];
}

export interface AlterPartitionReassignmentsRequest {
  /** How long the controller may take, in ms. */
  timeoutMs: number;
  /** v1+: when false Kafka refuses a move that changes a partition's replica count. */
  allowReplicationFactorChange: boolean;
  /** replicas null cancels the partition's in-flight reassignment. */
  partitions: Array<{ topic: string; partition: number; replicas: number[] | null }>;
}

/** Groups partition-level items by topic, keeping first-seen topic order. */
export function groupByTopic<T extends { topic: string }>(items: readonly T[]): Array<[string, T[]]> {
  const byTopic = new Map<string, T[]>();
  for (const item of items) {
    const list = byTopic.get(item.topic);
    if (list) list.push(item);
    else byTopic.set(item.topic, [item]);
  }
  return [...byTopic];
}

function readPartitionResults(r: ProtocolReader): PartitionResult[] {
  return r
    .array((r) => {
      const topic = r.string();
      const partitions = r.array((r) => {
        const result = { partition: r.int32(), errorCode: r.int16(), errorMessage: r.nullableString() };
        r.skipTags();
        return result;
      });
      r.skipTags();
      return partitions.map((p) => ({ topic, ...p }));
    })
    .flat();
}

export const AlterPartitionReassignments: ApiSpec<AlterPartitionReassignmentsRequest, TopLevelResult<PartitionResult>> = {
  key: 45,
  name: 'AlterPartitionReassignments',
  needs: 'Kafka 2.4 or newer',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  encode(w, v, req) {
    w.int32(req.timeoutMs);
    if (v >= 1) w.bool(req.allowReplicationFactorChange);
    w.array(groupByTopic(req.partitions), (w, [topic, parts]) => {
      w.string(topic);
      w.array(parts, (w, p) => {
        w.int32(p.partition);
        w.nullableArray(p.replicas, (w, id) => w.int32(id));
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
  decode(r, v) {
    r.int32(); // ThrottleTimeMs
    if (v >= 1) r.bool(); // AllowReplicationFactorChange
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    const items = readPartitionResults(r);
    r.skipTags();
    return { errorCode, errorMessage, items };
  },
};

export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export const ListPartitionReassignments: ApiSpec<
  { timeoutMs: number; partitions: Array<{ topic: string; partition: number }> | null },
  TopLevelResult<OngoingReassignment>
> = {
  key: 46,
  name: 'ListPartitionReassignments',
  needs: 'Kafka 2.4 or newer',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  encode(w, _v, req) {
    w.int32(req.timeoutMs);
    w.nullableArray(req.partitions === null ? null : groupByTopic(req.partitions), (w, [topic, parts]) => {
      w.string(topic).int32Array(parts.map((p) => p.partition)).tags();
    });
    w.tags();
  },
  decode(r) {
    r.int32(); // ThrottleTimeMs
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    const items = r
      .array((r) => {
        const topic = r.string();
        const partitions = r.array((r): OngoingReassignment => {
          const item = {
            topic,
            partition: r.int32(),
            replicas: r.int32Array(),
            addingReplicas: r.int32Array(),
            removingReplicas: r.int32Array(),
          };
          r.skipTags();
          return item;
        });
        r.skipTags();
        return partitions;
      })
      .flat();
    r.skipTags();
    return { errorCode, errorMessage, items };
  },
};

// ---------------------------------------------------------------- ElectLeaders (43)

export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export interface ElectLeadersRequest {
  electionType: (typeof ElectionType)[keyof typeof ElectionType];
  /** null: every partition of the cluster. */
  partitions: Array<{ topic: string; partition: number }> | null;
  timeoutMs: number;
}

export const ElectLeaders: ApiSpec<ElectLeadersRequest, TopLevelResult<PartitionResult>> = {
  key: 43,
  name: 'ElectLeaders',
  needs: 'Kafka 2.2 or newer',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  encode(w, v, req) {
    if (v >= 1) w.int8(req.electionType);
    else if (req.electionType !== ElectionType.PREFERRED) {
      throw new Error('ElectLeaders v0 only elects preferred leaders; the broker is too old for unclean elections');
    }
    w.nullableArray(req.partitions === null ? null : groupByTopic(req.partitions), (w, [topic, parts]) => {
      w.string(topic).int32Array(parts.map((p) => p.partition)).tags();
    });
    w.int32(req.timeoutMs);
    w.tags();
  },
  decode(r, v) {
    r.int32(); // ThrottleTimeMs
    const errorCode = v >= 1 ? r.int16() : 0;
    const items = readPartitionResults(r);
    r.skipTags();
    return { errorCode, errorMessage: null, items };
  },
};

// ---------------------------------------------------------------- DescribeQuorum (55)

export interface QuorumInfo {
  errorCode: number;
  errorMessage: string | null;
  /** The active KRaft controller, -1 when the quorum has no leader. */
  leaderId: number;
  leaderEpoch: number;
  voters: number[];
  observers: number[];
}

export const KRAFT_METADATA_TOPIC = '__cluster_metadata';

export const DescribeQuorum: ApiSpec<Record<string, never>, QuorumInfo> = {
  key: 55,
  name: 'DescribeQuorum',
  needs: 'a KRaft cluster (Kafka 3.3 or newer); not on ZooKeeper clusters',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 0,
  encode(w) {
    w.array([KRAFT_METADATA_TOPIC], (w, topic) => {
      w.string(topic);
      w.array([0], (w, partition) => w.int32(partition).tags());
      w.tags();
    });
    w.tags();
  },
  decode(r, v) {
    const topErrorCode = r.int16();
    const topErrorMessage = v >= 2 ? r.nullableString() : null;
    const readReplicaIds = (): number[] =>
      r.array((r) => {
        const id = r.int32();
        if (v >= 2) r.skip(16); // ReplicaDirectoryId
        r.int64(); // LogEndOffset
        if (v >= 1) {
          r.int64(); // LastFetchTimestamp
          r.int64(); // LastCaughtUpTimestamp
        }
        r.skipTags();
        return id;
      });
    const partitions = r
      .array((r) => {
        r.string(); // TopicName
        const parts = r.array((r) => {
          r.int32(); // PartitionIndex
          const errorCode = r.int16();
          const errorMessage = v >= 2 ? r.nullableString() : null;
          const leaderId = r.int32();
          const leaderEpoch = r.int32();
          r.int64(); // HighWatermark
          const voters = readReplicaIds();
          const observers = readReplicaIds();
          r.skipTags();
          return { errorCode, errorMessage, leaderId, leaderEpoch, voters, observers };
        });
        r.skipTags();
        return parts;
      })
      .flat();
    // v2's Nodes (controller endpoints) follow; kafka-guard does not need them.
    const metadataPartition = partitions[0];
    if (topErrorCode !== 0 || !metadataPartition) {
      return { errorCode: topErrorCode, errorMessage: topErrorMessage, leaderId: -1, leaderEpoch: -1, voters: [], observers: [] };
    }
    return metadataPartition;
  },
};

// ---------------------------------------------------------------- DescribeCluster (60)
// Layout from kafka-clients' common/message/DescribeCluster{Request,Response}.json, v0
// (Kafka 2.8+, flexible). Used for the operations the principal may perform on the
// cluster resource (ClusterAuthorizedOperations), which Kafka reports without
// anything being tried: `kubectl kafka doctor` changes nothing.

/** Kafka's AclOperation codes (org.apache.kafka.common.acl.AclOperation); an authorized-operations bit field has bit `code` set. */
export const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

/** The value Kafka sends when authorized operations were not asked for (or are unknown). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export interface DescribeClusterResponse {
  errorCode: number;
  errorMessage: string | null;
  clusterId: string;
  controllerId: number;
  brokers: MetadataBroker[];
  /** Bit field of AclOperation codes on the cluster resource; 0 when the principal may not even describe it. */
  clusterAuthorizedOperations: number;
}

export const DescribeCluster: ApiSpec<{ includeClusterAuthorizedOperations: boolean }, DescribeClusterResponse> = {
  key: 60,
  name: 'DescribeCluster',
  needs: 'Kafka 2.8 or newer',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  encode(w, _v, { includeClusterAuthorizedOperations }) {
    w.bool(includeClusterAuthorizedOperations);
    w.tags();
  },
  decode(r) {
    r.int32(); // ThrottleTimeMs
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    const clusterId = r.string();
    const controllerId = r.int32();
    const brokers = r.array((r): MetadataBroker => {
      const broker = { nodeId: r.int32(), host: r.string(), port: r.int32(), rack: r.nullableString() };
      r.skipTags();
      return broker;
    });
    const clusterAuthorizedOperations = r.int32();
    r.skipTags();
    return { errorCode, errorMessage, clusterId, controllerId, brokers, clusterAuthorizedOperations };
  },
};

/** Whether an authorized-operations bit field grants `operation`. */
export function grantsOperation(authorizedOperations: number, operation: AclOperation): boolean {
  return (authorizedOperations & (1 << operation)) !== 0;
}

// ---------------------------------------------------------------- DescribeLogDirs (35)
// Layout from kafka-clients' common/message/DescribeLogDirs{Request,Response}.json,
// versions 1-4 (v2+ flexible, v3 adds a top-level ErrorCode, v4 the volume's total
// and usable bytes).

export interface LogDirPartition {
  topic: string;
  partition: number;
  sizeBytes: number;
  /** True for a replica being moved between log dirs of the same broker (not counted as the replica). */
  future: boolean;
}

export interface LogDirResult {
  errorCode: number;
  logDir: string;
  partitions: LogDirPartition[];
  /** Volume size and free space (v4+), -1 when unknown. */
  totalBytes: number;
  usableBytes: number;
}

export interface DescribeLogDirsResponse {
  errorCode: number;
  results: LogDirResult[];
}

export const DescribeLogDirs: ApiSpec<{ partitions: Array<{ topic: string; partition: number }> | null }, DescribeLogDirsResponse> = {
  key: 35,
  name: 'DescribeLogDirs',
  needs: 'Kafka 2.0 or newer',
  minVersion: 1,
  maxVersion: 4,
  flexibleFrom: 2,
  encode(w, _v, { partitions }) {
    w.nullableArray(partitions === null ? null : groupByTopic(partitions), (w, [topic, parts]) => {
      w.string(topic).int32Array(parts.map((p) => p.partition)).tags();
    });
    w.tags();
  },
  decode(r, v) {
    r.int32(); // ThrottleTimeMs
    const errorCode = v >= 3 ? r.int16() : 0;
    const results = r.array((r): LogDirResult => {
      const resultError = r.int16();
      const logDir = r.string();
      const partitions = r
        .array((r) => {
          const topic = r.string();
          const parts = r.array((r): LogDirPartition => {
            const partition = r.int32();
            const sizeBytes = Number(r.int64());
            r.int64(); // OffsetLag
            const future = r.bool();
            r.skipTags();
            return { topic, partition, sizeBytes, future };
          });
          r.skipTags();
          return parts;
        })
        .flat();
      const totalBytes = v >= 4 ? Number(r.int64()) : -1;
      const usableBytes = v >= 4 ? Number(r.int64()) : -1;
      r.skipTags();
      return { errorCode: resultError, logDir, partitions, totalBytes, usableBytes };
    });
    r.skipTags();
    return { errorCode, results };
  },
};

// ---------------------------------------------------------------- UnregisterBroker (64)
// KRaft's `kafka-cluster unregister`: forgets a broker that is gone for good.

export const UnregisterBroker: ApiSpec<{ brokerId: number }, { errorCode: number; errorMessage: string | null }> = {
  key: 64,
  name: 'UnregisterBroker',
  needs: 'a KRaft cluster; not on ZooKeeper clusters',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  encode(w, _v, { brokerId }) {
    w.int32(brokerId);
    w.tags();
  },
  decode(r) {
    r.int32(); // ThrottleTimeMs
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    r.skipTags();
    return { errorCode, errorMessage };
  },
};

// ---------------------------------------------------------------- DescribeConfigs (32) with synonyms
// The same request as DescribeConfigs above, with IncludeSynonyms set, keeping what
// `kubectl kafka config` needs: the read-only flag (read-only = static, the broker
// must restart), every level a value is set at (synonyms: per-broker dynamic,
// cluster-wide dynamic default, server.properties, Kafka's default) and, v3+, the
// value's type. Layout from kafka-clients' common/message/DescribeConfigs{Request,
// Response}.json, versions 1-4 (v4 flexible).

/** The type of a config value (DescribeConfigs v3+); UNKNOWN where the broker does not say. */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DetailedConfigEntry {
  name: string;
  value: string | null;
  /** Not changeable while the broker runs: a new value needs a restart. */
  readOnly: boolean;
  source: number;
  sensitive: boolean;
  /** Every level the value is set at, the one in force first. */
  synonyms: ConfigSynonym[];
  /** A ConfigType (v3+), UNKNOWN before. */
  configType: number;
}

export interface DetailedConfigResult {
  errorCode: number;
  errorMessage: string | null;
  type: number;
  name: string;
  configs: DetailedConfigEntry[];
}

export const DescribeConfigsWithSynonyms: ApiSpec<{ resources: DescribeConfigsResource[] }, DetailedConfigResult[]> = {
  key: 32,
  name: 'DescribeConfigs',
  needs: 'Kafka 1.1 or newer',
  minVersion: 1,
  maxVersion: 4,
  flexibleFrom: 4,
  encode(w, v, { resources }) {
    encodeDescribeConfigs(w, v, resources, true);
  },
  decode: decodeDescribeConfigs,
};

/** One DescribeConfigs request; synonyms only when asked for (the plain view skips them). */
function encodeDescribeConfigs(w: ProtocolWriter, v: number, resources: readonly DescribeConfigsResource[], includeSynonyms: boolean): void {
  w.array(resources, (w, res) => {
    w.int8(res.type).string(res.name);
    w.nullableArray(res.keys, (w, key) => w.string(key));
    w.tags();
  });
  w.bool(includeSynonyms);
  if (v >= 3) w.bool(false); // IncludeDocumentation
  w.tags();
}

function decodeDescribeConfigs(r: ProtocolReader, v: number): DetailedConfigResult[] {

  r.int32(); // ThrottleTimeMs
  const results = r.array((r): DetailedConfigResult => {
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    const type = r.int8();
    const name = r.string();
    const configs = r.array((r): DetailedConfigEntry => {
      const entryName = r.string();
      const value = r.nullableString();
      const readOnly = r.bool();
      const source = r.int8();
      const sensitive = r.bool();
      const synonyms = r.array((r): ConfigSynonym => {
        const synonym = { name: r.string(), value: r.nullableString(), source: r.int8() };
        r.skipTags();
        return synonym;
      });
      let configType: number = ConfigType.UNKNOWN;
      if (v >= 3) {
        configType = r.int8();
        r.nullableString(); // Documentation (not requested)
      }
      r.skipTags();
      return { name: entryName, value, readOnly, source, sensitive, synonyms, configType };
    });
    r.skipTags();
    return { errorCode, errorMessage, type, name, configs };
  });
  r.skipTags();
  return results;
}
