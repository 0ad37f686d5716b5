import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createKafkaAdmin } from '../../shared/kafka/client.js';
import { ClusterViewReader, fetchClusterView } from '../../shared/kafka/cluster-view.js';
import {
  ConfigResourceType,
  ConfigSource,
  decodeResponseBody,
  DescribeConfigs,
  DescribeQuorum,
  encodeRequestBody,
  ListPartitionReassignments,
  Metadata,
  type ApiSpec,
} from '../../shared/kafka/protocol.js';
import {
  ApiKey,
  decodeDescribeConfigsRequest,
  decodeMetadataRequest,
  decodeRequestHeader,
  encodeApiVersionsResponse,
  encodeDescribeConfigsResponse,
  encodeDescribeQuorumResponse,
  encodeListPartitionReassignmentsResponse,
  encodeMetadataResponse,
  frameResponse,
  generateCluster,
  type GenerateOptions,
} from './codec.js';
import { FakeKafkaCluster } from './server.js';

const small: GenerateOptions = { brokers: 4, partitions: 25, partitionsPerTopic: 10, replicationFactor: 3, host: '127.0.0.1', basePort: 9092 };

/** A request frame as kafkajs sends it (without the size): header v1, then our body. */
function requestFrame<T>(spec: ApiSpec<T, unknown>, version: number, request: T, correlationId = 7): Buffer {
  const body = encodeRequestBody(spec, version, request);
  const head = Buffer.alloc(10 + 'bench'.length);
  head.writeInt16BE(spec.key, 0);
  head.writeInt16BE(version, 2);
  head.writeInt32BE(correlationId, 4);
  head.writeInt16BE(5, 8);
  head.write('bench', 10);
  return Buffer.concat([head, body]);
}

describe('generateCluster', () => {
  it('makes the partitions asked for, the last topic taking the rest, replicas on distinct brokers', () => {
    const cluster = generateCluster(small);
    assert.deepEqual(cluster.topics.map((t) => [t.name, t.partitions.length]), [['topic-0', 10], ['topic-1', 10], ['topic-2', 5]]);
    for (const p of cluster.topics.flatMap((t) => t.partitions)) {
      assert.equal(new Set(p.replicas).size, 3);
      assert.equal(p.leader, p.replicas[0]);
      assert.deepEqual(p.isr, p.replicas);
    }
    assert.deepEqual(cluster.brokers.map((b) => b.port), [9092, 9093, 9094, 9095]);
  });

  it('refuses options it cannot honour, naming them', () => {
    assert.throws(() => generateCluster({ ...small, replicationFactor: 5 }), /replicationFactor is 5: expected a whole number from 1 to 4/);
    assert.throws(() => generateCluster({ ...small, partitions: 0 }), /partitions is 0/);
    assert.throws(() => generateCluster({ ...small, partitionsPerTopic: 1.5 }), /partitionsPerTopic is 1.5/);
  });
});

describe('fake broker codec', () => {
  const cluster = generateCluster(small);

  it('decodes the client\'s Metadata request: all topics, none, or some', () => {
    for (const topics of [null, [], ['topic-1', 'nope']]) {
      const { header, body } = decodeRequestHeader(requestFrame(Metadata, 12, { topics }));
      assert.deepEqual(header, { apiKey: 3, apiVersion: 12, correlationId: 7, clientId: 'bench' });
      assert.deepEqual(decodeMetadataRequest(header, body), topics);
    }
  });

  it('encodes a Metadata v12 answer the client decodes into the generated cluster', () => {
    const decoded = decodeResponseBody(Metadata, 12, Buffer.concat([Buffer.from([0]), encodeMetadataResponse(cluster, null)]));
    assert.equal(decoded.clusterId, cluster.clusterId);
    assert.deepEqual(decoded.brokers, cluster.brokers);
    assert.deepEqual(decoded.topics.map((t) => ({ name: t.name, partitions: t.partitions.map(({ partition, leader, replicas, isr }) => ({ partition, leader, replicas, isr })) })), cluster.topics);
    assert.ok(decoded.topics.flatMap((t) => t.partitions).every((p) => p.errorCode === 0 && p.offlineReplicas.length === 0));
  });

  it('answers an unknown topic with UNKNOWN_TOPIC_OR_PARTITION, as Kafka does', () => {
    const decoded = decodeResponseBody(Metadata, 12, Buffer.concat([Buffer.from([0]), encodeMetadataResponse(cluster, ['topic-2', 'gone'])]));
    assert.deepEqual(decoded.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [['topic-2', 0, 5], ['gone', 3, 0]]);
  });

  it('round-trips DescribeConfigs: requested keys of brokers and topics, unknown topics refused', () => {
    const resources = [
      { type: ConfigResourceType.BROKER, name: '1', keys: ['min.insync.replicas', 'leader.replication.throttled.rate'] },
      { type: ConfigResourceType.TOPIC, name: 'topic-0', keys: ['min.insync.replicas', 'follower.replication.throttled.replicas'] },
      { type: ConfigResourceType.TOPIC, name: 'gone', keys: ['min.insync.replicas'] },
    ];
    const { header, body } = decodeRequestHeader(requestFrame(DescribeConfigs, 4, { resources }));
    const asked = decodeDescribeConfigsRequest(header, body);
    assert.deepEqual(asked, resources);
    const answer = decodeResponseBody(DescribeConfigs, 4, frameResponse(header, encodeDescribeConfigsResponse(cluster, asked, new Set(['topic-0']))).subarray(8));
    assert.deepEqual(answer.map((r) => [r.name, r.errorCode, r.configs.map((c) => [c.name, c.value, c.source])]), [
      ['1', 0, [['min.insync.replicas', '2', ConfigSource.STATIC_BROKER_CONFIG], ['leader.replication.throttled.rate', '9223372036854775807', ConfigSource.DEFAULT_CONFIG]]],
      ['topic-0', 0, [['min.insync.replicas', '2', ConfigSource.STATIC_BROKER_CONFIG], ['follower.replication.throttled.replicas', '', ConfigSource.DEFAULT_CONFIG]]],
      ['gone', 3, []],
    ]);
  });

  it('frames a flexible response with header tagged fields, and ApiVersions without', () => {
    const header = { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 42, clientId: null };
    const framed = frameResponse(header, Buffer.from([1, 2]));
    assert.deepEqual([...framed], [0, 0, 0, 7, 0, 0, 0, 42, 0, 1, 2]);
    const plain = frameResponse({ ...header, apiKey: ApiKey.ApiVersions, apiVersion: 2 }, Buffer.from([1, 2]));
    assert.deepEqual([...plain], [0, 0, 0, 6, 0, 0, 0, 42, 1, 2]);
  });

  it('says UNSUPPORTED_VERSION to an ApiVersions newer than it speaks, so kafkajs falls back', () => {
    assert.equal(encodeApiVersionsResponse(3).readInt16BE(0), 35);
    assert.equal(encodeApiVersionsResponse(2).readInt16BE(0), 0);
  });

  it('answers reassignments (none) and the quorum (the controller leads)', () => {
    const reassignments = decodeResponseBody(ListPartitionReassignments, 0, Buffer.concat([Buffer.from([0]), encodeListPartitionReassignmentsResponse()]));
    assert.deepEqual(reassignments, { errorCode: 0, errorMessage: null, items: [] });
    const quorum = decodeResponseBody(DescribeQuorum, 0, Buffer.concat([Buffer.from([0]), encodeDescribeQuorumResponse(cluster)]));
    assert.deepEqual(quorum, { errorCode: 0, errorMessage: null, leaderId: 0, leaderEpoch: 1, voters: [0], observers: [] });
  });

  it('refuses a truncated request header, naming the sizes', () => {
    assert.throws(() => decodeRequestHeader(Buffer.alloc(6)), /request of 6 bytes is shorter than a request header/);
    const frame = Buffer.alloc(12);
    frame.writeInt16BE(40, 8);
    assert.throws(() => decodeRequestHeader(frame), /client id of 40 bytes, but the request has 2/);
  });
});

describe('FakeKafkaCluster', () => {
  it('serves a whole Kafka view refresh to the real client over TCP', async () => {
    const basePort = 30000 + Math.floor(Math.random() * 20000);
    const fake = new FakeKafkaCluster(generateCluster({ ...small, basePort }));
    await fake.start();
    const client = createKafkaAdmin({ bootstrapServers: [fake.bootstrapServers[0] ?? ''] }, { log: () => undefined });
    try {
      const view = await fetchClusterView(client);
      assert.deepEqual(view.brokers.map((b) => [b.id, b.port, b.rack]), [[0, basePort, 'rack-0'], [1, basePort + 1, 'rack-1'], [2, basePort + 2, 'rack-2'], [3, basePort + 3, 'rack-0']]);
      assert.equal(view.topics.reduce((n, t) => n + t.partitions.length, 0), 25);
      assert.equal(view.controllerId, 0);
      assert.equal(view.defaultMinInsyncReplicas, 2);
      assert.ok(view.topics.every((t) => t.minInsyncReplicas === 2));
      assert.deepEqual(view.throttles, { brokers: [], topics: [] });
    } finally {
      await client.disconnect();
      await fake.stop();
    }
  });

  it('closes the connection on a request it does not speak', () => {
    const fake = new FakeKafkaCluster(generateCluster(small));
    const frame = Buffer.alloc(10);
    frame.writeInt16BE(0, 0); // Produce
    assert.equal(fake.answer(frame), null);
  });
});

describe('ClusterViewReader against the fake broker', () => {
  it('reuses the previous view while Kafka answers the same bytes, and reads anew when one ISR changes', async () => {
    const basePort = 30000 + Math.floor(Math.random() * 20000);
    const cluster = generateCluster({ ...small, basePort });
    const fake = new FakeKafkaCluster(cluster);
    await fake.start();
    const client = createKafkaAdmin({ bootstrapServers: [fake.bootstrapServers[0] ?? ''] }, { log: () => undefined });
    try {
      const reader = new ClusterViewReader(client, { topicConfigMaxAgeMs: 0 });
      const first = await reader.read();
      assert.equal(first.sameAs, null);
      const second = await reader.read();
      assert.equal(second.sameAs, first.view);
      assert.deepEqual({ ...second.view, fetchedAt: 0 }, { ...first.view, fetchedAt: 0 });

      const changed = await (async () => {
        const p = cluster.topics[1]?.partitions[3];
        assert.ok(p);
        p.isr = [p.replicas[0] ?? 0];
        fake.forget();
        return reader.read();
      })();
      assert.equal(changed.sameAs, null);
      assert.deepEqual(changed.view.topics[1]?.partitions[3]?.isr, [cluster.topics[1]?.partitions[3]?.replicas[0]]);
    } finally {
      await client.disconnect();
      await fake.stop();
    }
  });
});
