/**
 * The Kafka adapter (shared/kafka) against a real 3-broker cluster (broker ids
 * 0, 1, 2), checked against Kafka's own tools where they can say the same thing.
 *
 * Environment:
 *   KAFKA_BOOTSTRAP_SERVERS  default 127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094
 *   KAFKA_LIBS               Kafka jar directory for TopicCommand/ConfigCommand (the sandbox exports it)
 *   KUBECONFIG               the sandbox, whose node-local broker 2 is stopped by keeping its pod off its node
 *
 * Each test makes its own topics (unique prefix) and removes them; the
 * stopped-broker test starts the broker again and waits for it before it ends.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createTopicsLed, removeTopics, startBroker, stopBroker } from './helpers.js';
import { createKafkaAdmin, resolveConnection, type KafkaAdmin, type KafkaLogEntry } from '../../shared/kafka/client.js';
import { KafkaUnreachableError } from '../../shared/kafka/errors.js';
import { fetchClusterView } from '../../shared/kafka/cluster-view.js';
import {
  alterReassignments,
  cancelReassignments,
  clearThrottles,
  electPreferredLeaders,
  listReassignments,
  setThrottles,
  waitForInSync,
  type SyncProgress,
} from '../../shared/kafka/operations.js';
import { ConfigOperation, ConfigResourceType, DescribeConfigs, DescribeQuorum, IncrementalAlterConfigs, Metadata } from '../../shared/kafka/protocol.js';
import type { ClusterView, PartitionState } from '../../shared/kafka/types.js';
import { levelName, levelsOf, parseKafkaVersion, readFeatures, updateMetadataVersion } from '../../shared/kafka/features.js';

const BOOTSTRAP = (process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094').split(',');
const KAFKA_LIBS = process.env.KAFKA_LIBS ?? '';
if (KAFKA_LIBS === '') throw new Error('KAFKA_LIBS is not set: run through test/run-all.ts, or source the sandbox\'s ready.env');
const PREFIX = `kg-e2e-${Date.now().toString(36)}-`;

const run = promisify(execFile);

/** Runs a Kafka command-line tool class and returns its standard output. */
async function kafkaTool(className: string, args: string[]): Promise<string> {
  const { stdout } = await run('java', ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', join(KAFKA_LIBS, '*'), className, '--bootstrap-server', BOOTSTRAP.join(','), ...args], {
    timeout: 90_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

interface ToolPartition {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

const ids = (field: string | undefined) => (field ? field.split(',').filter(Boolean).map(Number) : []);

/** Parses `TopicCommand --describe`: partition lines are tab-separated `Key: value` pairs. */
function parseTopicDescribe(output: string): { partitions: ToolPartition[]; configs: Map<string, Map<string, string>> } {
  const partitions: ToolPartition[] = [];
  const configs = new Map<string, Map<string, string>>();
  for (const line of output.split('\n')) {
    const fields = new Map(
      line
        .split('\t')
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => {
          const colon = part.indexOf(':');
          return [part.slice(0, colon), part.slice(colon + 1).trim()] as const;
        }),
    );
    const topic = fields.get('Topic');
    if (topic === undefined) continue;
    if (fields.has('Partition')) {
      const leader = fields.get('Leader');
      partitions.push({
        topic,
        partition: Number(fields.get('Partition')),
        leader: leader === undefined || leader === 'none' ? -1 : Number(leader),
        replicas: ids(fields.get('Replicas')),
        isr: ids(fields.get('Isr')),
      });
    } else {
      const pairs = (fields.get('Configs') ?? '').split(',').filter(Boolean);
      configs.set(topic, new Map(pairs.map((pair) => pair.split('=', 2) as [string, string])));
    }
  }
  return { partitions, configs };
}

/** Parses `ConfigCommand --describe`: "Dynamic configs for topic X are:" then "  key=value sensitive=..." lines. */
function parseConfigDescribe(output: string): Map<string, Map<string, string>> {
  const byEntity = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of output.split('\n')) {
    const header = /^Dynamic configs for (?:topic|broker) (\S+) are:/.exec(line);
    if (header?.[1] !== undefined) {
      current = new Map();
      byEntity.set(header[1], current);
      continue;
    }
    const entry = /^\s+([^=\s]+)=(.*?) sensitive=/.exec(line);
    if (entry?.[1] !== undefined && entry[2] !== undefined && current) current.set(entry[1], entry[2]);
  }
  return byEntity;
}

async function eventually<T>(what: string, fetch: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await fetch();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`, { cause: lastError });
}

function partitionOf(view: ClusterView, topic: string, partition: number): PartitionState {
  const found = view.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partition === partition);
  assert.ok(found, `partition ${topic}-${partition} is in the view`);
  return found;
}

const sorted = (list: readonly number[]) => [...list].sort((a, b) => a - b);

let client: KafkaAdmin;
let kafkajs: Kafka;
let kafkajsAdmin: Admin;
const clientLogs: KafkaLogEntry[] = [];
const createdTopics: string[] = [];

/** Topics are made with kafkajs's admin; the wait asks every broker for their leaders. */
async function createTopics(topics: Parameters<Admin['createTopics']>[0]['topics']): Promise<void> {
  createdTopics.push(...topics.map((t) => t.topic));
  await createTopicsLed(kafkajsAdmin, topics);
}

/** Writes `megabytes` of 10 KB records to partition 0, so a replica move takes a while under a throttle. */
async function fill(topic: string, megabytes: number): Promise<void> {
  const producer = kafkajs.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(10 * 1024, 7);
  for (let batch = 0; batch < megabytes; batch += 1) {
    await producer.send({ topic, acks: 1, messages: Array.from({ length: 100 }, () => ({ partition: 0, value })) });
  }
  await producer.disconnect();
}


before(async () => {
  client = createKafkaAdmin(
    { bootstrapServers: BOOTSTRAP },
    // The machine is small and shared: generous timeouts, still bounded.
    { log: (entry) => clientLogs.push(entry), logLevel: 'warn', requestTimeoutMs: 5000, connectionTimeoutMs: 3000, retry: { retries: 2 } },
  );
  kafkajs = new Kafka({ brokers: BOOTSTRAP, clientId: 'kafka-guard-e2e', logLevel: logLevel.NOTHING });
  kafkajsAdmin = kafkajs.admin();
  await kafkajsAdmin.connect();
  const view = await fetchClusterView(client);
  assert.deepEqual(view.brokers.map((b) => b.id), [0, 1, 2], 'these tests expect brokers 0, 1 and 2');
});

after(async () => {
  await removeTopics(kafkajsAdmin, createdTopics);
  await kafkajsAdmin.disconnect();
  await client.disconnect();
});

describe('cluster view', () => {
  test('agrees with TopicCommand, ConfigCommand and MetadataQuorumCommand', { timeout: 180_000 }, async (t) => {
    const [a, b, c] = ['a', 'b', 'c'].map((s) => PREFIX + s) as [string, string, string];
    await createTopics([
      { topic: a, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      { topic: b, numPartitions: 2, replicationFactor: 2 },
      { topic: c, replicaAssignment: [{ partition: 0, replicas: [1] }] },
    ]);
    // Looking up a group coordinator makes Kafka create __consumer_offsets when it is missing.
    await eventually('a group coordinator', () => kafkajsAdmin.fetchOffsets({ groupId: `${PREFIX}group`, topics: [a] }), () => true);
    const view = await eventually(
      '__consumer_offsets',
      () => fetchClusterView(client),
      (v) => v.topics.some((topic) => topic.name === '__consumer_offsets' && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0)),
    );
    const started = Date.now();
    await fetchClusterView(client);
    t.diagnostic(`fetchClusterView: ${Date.now() - started} ms for ${view.topics.length} topics`);

    const topicRegex = `${PREFIX}.*|__consumer_offsets`;
    const [topicOutput, configOutput, quorumOutput] = await Promise.all([
      kafkaTool('org.apache.kafka.tools.TopicCommand', ['--describe', '--topic', topicRegex]),
      kafkaTool('kafka.admin.ConfigCommand', ['--describe', '--entity-type', 'topics']),
      kafkaTool('org.apache.kafka.tools.MetadataQuorumCommand', ['describe', '--status']),
    ]);

    // Partitions: replicas (in order), ISR (as a set) and leader, for every partition the tool lists.
    const tool = parseTopicDescribe(topicOutput);
    const mine = tool.partitions.filter((p) => p.topic.startsWith(PREFIX));
    assert.equal(mine.length, 6);
    assert.ok(tool.partitions.length > 6, 'TopicCommand listed __consumer_offsets too');
    for (const expected of tool.partitions) {
      const actual = partitionOf(view, expected.topic, expected.partition);
      assert.deepEqual(
        { replicas: actual.replicas, isr: sorted(actual.isr), leader: actual.leader },
        { replicas: expected.replicas, isr: sorted(expected.isr), leader: expected.leader },
        `${expected.topic}-${expected.partition}`,
      );
      assert.deepEqual(actual.offlineReplicas, [], 'all brokers run, so no replica is offline');
    }
    const viewTopics = view.topics.filter((topic) => topic.name.startsWith(PREFIX) || topic.name === '__consumer_offsets');
    assert.equal(viewTopics.reduce((n, topic) => n + topic.partitions.length, 0), tool.partitions.length);
    assert.equal(view.topics.find((topic) => topic.name === '__consumer_offsets')?.internal, true);
    assert.equal(view.topics.find((topic) => topic.name === a)?.internal, false);

    // min.insync.replicas: the topic's own setting (ConfigCommand), else the broker default;
    // TopicCommand's Configs column shows the effective value whenever it is not Kafka's built-in 1.
    const overrides = parseConfigDescribe(configOutput);
    assert.equal(overrides.get(a)?.get('min.insync.replicas'), '2');
    for (const topic of viewTopics) {
      const override = overrides.get(topic.name)?.get('min.insync.replicas');
      assert.equal(topic.minInsyncReplicas, override === undefined ? view.defaultMinInsyncReplicas : Number(override), topic.name);
      const effective = tool.configs.get(topic.name)?.get('min.insync.replicas') ?? '1';
      assert.equal(topic.minInsyncReplicas, Number(effective), `${topic.name} effective min.insync.replicas`);
    }

    // The active controller is the KRaft quorum leader.
    const leaderId = /LeaderId:\s+(\d+)/.exec(quorumOutput)?.[1];
    assert.equal(view.controllerId, Number(leaderId));

    // Racks come from Metadata; they must equal each broker's own broker.rack setting.
    for (const broker of view.brokers) {
      const [described] = await client.call({ broker: broker.id }, DescribeConfigs, {
        resources: [{ type: ConfigResourceType.BROKER, name: String(broker.id), keys: ['broker.rack'] }],
      });
      assert.equal(broker.rack, described?.configs.find((cfg) => cfg.name === 'broker.rack')?.value ?? null, `rack of broker ${broker.id}`);
    }
    t.diagnostic(`racks: ${view.brokers.map((br) => `${br.id}=${br.rack}`).join(' ')}`);
  });
});

describe('a stopped broker', () => {
  test('leaves the ISR, shows as offline replica and is gone from brokers; the view keeps working', { timeout: 240_000 }, async () => {
    const replicated = `${PREFIX}r3`;
    const single = `${PREFIX}r1`;
    await createTopics([
      { topic: replicated, replicaAssignment: [{ partition: 0, replicas: [2, 0, 1] }], configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      { topic: single, replicaAssignment: [{ partition: 0, replicas: [2] }] },
    ]);
    await fetchClusterView(client); // the client now holds a connection to broker 2, which is about to break
    const parts = [replicated, single].map((topic) => ({ topic, partition: 0 }));
    try {
      await stopBroker(2);
      const view = await eventually(
        'broker 2 to be fenced',
        () => fetchClusterView(client),
        (v) => !v.brokers.some((b) => b.id === 2) && !partitionOf(v, replicated, 0).isr.includes(2),
      );
      assert.deepEqual(view.brokers.map((b) => b.id), [0, 1]);
      const r3 = partitionOf(view, replicated, 0);
      assert.deepEqual(r3.replicas, [2, 0, 1]);
      assert.deepEqual(sorted(r3.isr), [0, 1]);
      assert.notEqual(r3.leader, 2);
      assert.deepEqual(r3.offlineReplicas, [2]);
      // The partition whose only replica was on broker 2 has no leader: kafkajs's own admin
      // cannot read the cluster at all in this state; this view must.
      const r1 = partitionOf(view, single, 0);
      assert.deepEqual({ leader: r1.leader, offline: r1.offlineReplicas }, { leader: -1, offline: [2] });

      // TopicCommand agrees on leader and ISR (it prints no offline replicas: its
      // DescribeTopicPartitions answer carries none).
      const tool = parseTopicDescribe(await kafkaTool('org.apache.kafka.tools.TopicCommand', ['--describe', '--topic', `${replicated}|${single}`]));
      assert.equal(tool.partitions.length, 2);
      for (const expected of tool.partitions) {
        const actual = partitionOf(view, expected.topic, expected.partition);
        assert.deepEqual(
          { replicas: actual.replicas, leader: actual.leader, isr: sorted(actual.isr) },
          { replicas: expected.replicas, leader: expected.leader, isr: sorted(expected.isr) },
          `${expected.topic}-0 while broker 2 is down`,
        );
      }
    } finally {
      // Whatever happened above, broker 2 is back and caught up before the next test.
      await startBroker(2);
      await eventually('broker 2 to register again', () => fetchClusterView(client), (v) => v.brokers.some((b) => b.id === 2), 90_000);
      const progress: SyncProgress[] = [];
      await waitForInSync(client, parts, { timeoutMs: 120_000, pollIntervalMs: 500, onProgress: (p) => progress.push(p) });
      assert.deepEqual(progress.at(-1)?.pending, []);
    }
    const back = await fetchClusterView(client);
    assert.deepEqual(back.brokers.map((b) => b.id), [0, 1, 2]);
    assert.deepEqual(sorted(partitionOf(back, replicated, 0).isr), [0, 1, 2]);
  });
});

describe('reassignments', () => {
  test('a throttled move is visible in flight, then completes when the throttle is cleared', { timeout: 240_000 }, async () => {
    const topic = `${PREFIX}move`;
    await createTopics([{ topic, replicaAssignment: [{ partition: 0, replicas: [0] }] }]);
    await fill(topic, 4);
    const part = { topic, partition: 0 };
    try {
      await setThrottles(client, { rateBytesPerSec: 50_000, brokers: [0, 1], replicas: [{ ...part, leaders: [0], followers: [1] }] });
      await alterReassignments(client, [{ ...part, replicas: [1] }]);

      // Brokers learn of the reassignment a few ms after the controller accepted it.
      const view = await eventually('the move in the view', () => fetchClusterView(client), (v) => partitionOf(v, topic, 0).addingReplicas.length > 0, 10_000);
      const moving = partitionOf(view, topic, 0);
      assert.deepEqual(sorted(moving.replicas), [0, 1]);
      assert.deepEqual(moving.addingReplicas, [1]);
      assert.deepEqual(moving.removingReplicas, [0]);
      assert.deepEqual(view.throttles.brokers.filter((b) => b.id <= 1), [
        { id: 0, leaderRate: 50_000, followerRate: 50_000 },
        { id: 1, leaderRate: 50_000, followerRate: 50_000 },
      ]);
      assert.deepEqual(view.throttles.topics.find((x) => x.topic === topic), { topic, leaderReplicas: '0:0', followerReplicas: '0:1' });
      assert.deepEqual(await listReassignments(client, [part]), [{ topic, partition: 0, replicas: moving.replicas, addingReplicas: [1], removingReplicas: [0] }]);

      // Still moving two seconds later: 4 MB at 50 KB/s takes over a minute.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.deepEqual(partitionOf(await fetchClusterView(client), topic, 0).addingReplicas, [1]);
    } catch (error) {
      await clearThrottles(client, { brokers: [0, 1], topics: [topic] });
      throw error;
    }
    // Wait while the throttle still holds the move back, so progress sees it in flight; then lift it.
    const progress: SyncProgress[] = [];
    const waiting = waitForInSync(client, [part], { timeoutMs: 120_000, pollIntervalMs: 250, onProgress: (p) => progress.push(p) });
    try {
      await eventually('a progress report', async () => progress, (p) => p.length > 0, 10_000);
    } finally {
      await clearThrottles(client, { brokers: [0, 1], topics: [topic] });
    }
    await waiting;
    assert.ok(progress.some((p) => p.reassigning === 1), 'progress reported the reassignment in flight');
    const done = await fetchClusterView(client);
    assert.deepEqual(partitionOf(done, topic, 0), { topic, partition: 0, replicas: [1], isr: [1], leader: 1, offlineReplicas: [], addingReplicas: [], removingReplicas: [] });
    assert.equal(done.throttles.topics.some((x) => x.topic === topic), false);
    assert.equal(done.throttles.brokers.some((b) => b.id <= 1), false);
  });

  test('cancelling puts the partition back on its original replicas', { timeout: 180_000 }, async () => {
    const topic = `${PREFIX}cancel`;
    await createTopics([{ topic, replicaAssignment: [{ partition: 0, replicas: [0] }] }]);
    await fill(topic, 3);
    const part = { topic, partition: 0 };
    try {
      await setThrottles(client, { rateBytesPerSec: 50_000, brokers: [0, 2], replicas: [{ ...part, leaders: [0], followers: [2] }] });
      await alterReassignments(client, [{ ...part, replicas: [2] }]);
      const moving = await eventually('the move in the view', () => fetchClusterView(client), (v) => partitionOf(v, topic, 0).addingReplicas.length > 0, 10_000);
      assert.deepEqual(partitionOf(moving, topic, 0).addingReplicas, [2]);
      assert.deepEqual(await cancelReassignments(client, [part]), { cancelled: [part], notInProgress: [] });
    } finally {
      await clearThrottles(client, { brokers: [0, 2], topics: [topic] });
    }
    const back = await eventually('the cancel to settle', () => fetchClusterView(client), (v) => partitionOf(v, topic, 0).replicas.length === 1);
    assert.deepEqual(partitionOf(back, topic, 0), { topic, partition: 0, replicas: [0], isr: [0], leader: 0, offlineReplicas: [], addingReplicas: [], removingReplicas: [] });
    assert.deepEqual(await cancelReassignments(client, [part]), { cancelled: [], notInProgress: [part] });
  });
});

describe('throttles', () => {
  test('setting and clearing them leaves every other dynamic config of topics and brokers alone', { timeout: 240_000 }, async () => {
    const topic = `${PREFIX}cfg`;
    await createTopics([
      {
        topic,
        replicaAssignment: [{ partition: 0, replicas: [0, 1, 2] }],
        configEntries: [
          { name: 'min.insync.replicas', value: '2' },
          { name: 'retention.ms', value: '3600000' },
        ],
      },
    ]);
    const brokerConfig = async (operation: typeof ConfigOperation.SET | typeof ConfigOperation.DELETE) => {
      const [result] = await client.call({ broker: 1 }, IncrementalAlterConfigs, {
        resources: [{ type: ConfigResourceType.BROKER, name: '1', configs: [{ name: 'max.connections', operation, value: operation === ConfigOperation.SET ? '100000' : null }] }],
      });
      assert.equal(result?.errorCode, 0, result?.errorMessage ?? '');
    };
    const describeBoth = async () => {
      const [topics, broker] = await Promise.all([
        kafkaTool('kafka.admin.ConfigCommand', ['--describe', '--entity-type', 'topics', '--entity-name', topic]),
        kafkaTool('kafka.admin.ConfigCommand', ['--describe', '--entity-type', 'brokers', '--entity-name', '1']),
      ]);
      return { topic: Object.fromEntries(parseConfigDescribe(topics).get(topic) ?? []), broker: Object.fromEntries(parseConfigDescribe(broker).get('1') ?? []) };
    };

    await brokerConfig(ConfigOperation.SET);
    try {
      await setThrottles(client, {
        rateBytesPerSec: 1_000_000,
        brokers: [0, 1, 2],
        replicas: [{ topic, partition: 0, leaders: [0], followers: [1, 2] }],
      });
      assert.deepEqual(await describeBoth(), {
        topic: {
          'min.insync.replicas': '2',
          'retention.ms': '3600000',
          'leader.replication.throttled.replicas': '0:0',
          'follower.replication.throttled.replicas': '0:1,0:2',
        },
        broker: { 'max.connections': '100000', 'leader.replication.throttled.rate': '1000000', 'follower.replication.throttled.rate': '1000000' },
      });

      // A second reassignment's replicas are added to the lists, not written over them.
      await setThrottles(client, { rateBytesPerSec: 1_000_000, brokers: [], replicas: [{ topic, partition: 0, leaders: [1], followers: [] }] });
      const view = await fetchClusterView(client);
      assert.deepEqual(view.throttles.topics.find((x) => x.topic === topic), { topic, leaderReplicas: '0:0,0:1', followerReplicas: '0:1,0:2' });

      const cleared = await clearThrottles(client, 'all');
      assert.deepEqual(cleared.brokers, [0, 1, 2]);
      assert.ok(cleared.topics.includes(topic));
      assert.deepEqual(await describeBoth(), { topic: { 'min.insync.replicas': '2', 'retention.ms': '3600000' }, broker: { 'max.connections': '100000' } });
      const after = await fetchClusterView(client);
      assert.deepEqual(after.throttles, { brokers: [], topics: [] });
      assert.equal(after.topics.find((x) => x.name === topic)?.minInsyncReplicas, 2);
    } finally {
      await clearThrottles(client, { brokers: [0, 1, 2], topics: [topic] });
      await brokerConfig(ConfigOperation.DELETE);
    }
  });

  test('for contrast: the legacy AlterConfigs that kafkajs offers wipes the topic’s other configs', async () => {
    const topic = `${PREFIX}legacy`;
    await createTopics([{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'min.insync.replicas', value: '1' }, { name: 'retention.ms', value: '3600000' }] }]);
    await kafkajsAdmin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceType.TOPIC, name: topic, configEntries: [{ name: 'leader.replication.throttled.replicas', value: '0:0' }] }],
    });
    const left = await eventually(
      'the legacy change to apply',
      () => client.call('any', DescribeConfigs, { resources: [{ type: ConfigResourceType.TOPIC, name: topic, keys: ['retention.ms', 'leader.replication.throttled.replicas'] }] }),
      ([r]) => r?.configs.some((cfg) => cfg.name === 'leader.replication.throttled.replicas' && cfg.value === '0:0') ?? false,
    );
    const retention = left[0]?.configs.find((cfg) => cfg.name === 'retention.ms');
    assert.notEqual(retention?.value, '3600000', 'retention.ms was reset to the default');
  });
});

describe('preferred leader election', () => {
  test('after reordering replicas, electing makes the new first replica the leader', { timeout: 120_000 }, async () => {
    const topic = `${PREFIX}elect`;
    await createTopics([{ topic, replicaAssignment: [{ partition: 0, replicas: [0, 1, 2] }] }]);
    const part = { topic, partition: 0 };
    assert.equal(partitionOf(await fetchClusterView(client), topic, 0).leader, 0);

    // Same replica set, new order: nothing moves, only the preferred leader changes.
    await alterReassignments(client, [{ ...part, replicas: [1, 2, 0] }]);
    await waitForInSync(client, [part], { timeoutMs: 30_000, pollIntervalMs: 250 });
    const reordered = partitionOf(await fetchClusterView(client), topic, 0);
    assert.deepEqual(reordered.replicas, [1, 2, 0]);
    assert.equal(reordered.leader, 0, 'a reorder alone does not move leadership');

    assert.deepEqual(await electPreferredLeaders(client, [part]), [{ ...part, outcome: 'elected', error: null }]);
    const elected = await eventually('the new leader', () => fetchClusterView(client), (v) => partitionOf(v, topic, 0).leader === 1, 10_000);
    assert.equal(partitionOf(elected, topic, 0).leader, 1);
    assert.deepEqual(await electPreferredLeaders(client, [part]), [{ ...part, outcome: 'already-preferred', error: null }]);
  });
});

describe('features (metadata.version)', () => {
  const version = readdirSync(KAFKA_LIBS).map((f) => /^kafka_2\.13-(\d+\.\d+\.\d+)\.jar$/.exec(f)?.[1]).find((v) => v !== undefined) ?? '';

  test('ApiVersions v3 reads what kafka-features reads; the release table agrees with the running Kafka', { timeout: 120_000 }, async (t) => {
    const parsed = parseKafkaVersion(version) ?? assert.fail(`no kafka_2.13 jar in ${KAFKA_LIBS}`);
    const brokers = (await fetchClusterView(client)).brokers.map((b) => b.id);
    const features = await readFeatures(client, brokers);
    const levels = levelsOf(parsed);
    assert.ok(levels.known, `the table lacks Kafka ${version}`);
    for (const [id, max] of features.supportedByBroker) assert.equal(max, levels.max, `broker ${id} on Kafka ${version} supports metadata.version up to ${String(max)}`);
    const described = await kafkaTool('org.apache.kafka.tools.FeatureCommand', ['describe']);
    const finalized = /Feature: metadata\.version\s+SupportedMinVersion: \S+\s+SupportedMaxVersion: \S+\s+FinalizedVersionLevel: (\S+)/.exec(described);
    assert.ok(finalized?.[1] !== undefined, `kafka-features describe printed:\n${described}`);
    assert.equal(levelName(features.metadataVersion ?? -1).split(' ')[1]?.replace(/[()]/g, ''), finalized[1]);
    t.diagnostic(`Kafka ${version}: metadata.version ${levelName(features.metadataVersion ?? -1)}, supported ${levels.min}-${levels.max}`);
  });

  test('UpdateFeatures validate-only: the current level is accepted, one above what the brokers run is refused with Kafka\'s reason', async () => {
    const brokers = (await fetchClusterView(client)).brokers.map((b) => b.id);
    const { metadataVersion } = await readFeatures(client, brokers);
    assert.ok(metadataVersion !== null);
    await updateMetadataVersion(client, metadataVersion, { validateOnly: true, timeoutMs: 10_000 });
    await assert.rejects(updateMetadataVersion(client, metadataVersion + 50, { validateOnly: true, timeoutMs: 10_000 }), (error: Error) => {
      assert.match(error.message, /metadata\.version/);
      return true;
    });
    assert.equal((await readFeatures(client, brokers)).metadataVersion, metadataVersion, 'validate-only changed the level');
  });
});
