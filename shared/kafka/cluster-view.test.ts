import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BrokerTarget, KafkaApi } from './client.js';
import { assembleClusterView, ClusterViewReader, defaultMinInsyncReplicas, type ClusterViewInputs } from './cluster-view.js';
import { KafkaRequestError } from './errors.js';
import { ConfigSource, type ApiSpec, type ConfigEntry, type DescribeConfigsResource, type MetadataResponse } from './protocol.js';
import { describeTopicConfigs } from './requests.js';

const config = (name: string, value: string | null, source: number): ConfigEntry => ({ name, value, source, sensitive: false });

const metadata: MetadataResponse = {
  clusterId: 'c1',
  controllerId: 2,
  brokers: [
    { nodeId: 2, host: 'k2', port: 9092, rack: 'zone-a' },
    { nodeId: 0, host: 'k0', port: 9092, rack: null },
  ],
  topics: [
    {
      errorCode: 0,
      name: 'orders',
      isInternal: false,
      partitions: [
        { errorCode: 0, partition: 1, leader: 2, replicas: [2, 0, 1], isr: [2, 0], offlineReplicas: [1] },
        { errorCode: 5, partition: 0, leader: -1, replicas: [1], isr: [], offlineReplicas: [1] },
      ],
    },
    { errorCode: 0, name: '__consumer_offsets', isInternal: true, partitions: [] },
    { errorCode: 0, name: 'audit', isInternal: false, partitions: [] },
  ],
};

function inputs(overrides: Partial<ClusterViewInputs> = {}): ClusterViewInputs {
  return {
    metadata,
    brokerConfigs: new Map([
      [0, [config('min.insync.replicas', '2', ConfigSource.STATIC_BROKER_CONFIG)]],
      [2, [config('min.insync.replicas', '2', ConfigSource.STATIC_BROKER_CONFIG)]],
    ]),
    topicConfigs: new Map([
      ['orders', [config('min.insync.replicas', '3', ConfigSource.TOPIC_CONFIG)]],
      ['audit', [config('min.insync.replicas', '2', ConfigSource.STATIC_BROKER_CONFIG)]],
    ]),
    reassignments: [],
    controllerId: 0,
    fetchedAt: 1234,
    ...overrides,
  };
}

describe('assembleClusterView', () => {
  test('brokers, topics and partitions are sorted; racks and internal flags are kept', () => {
    const view = assembleClusterView(inputs());
    assert.deepEqual(view.brokers, [
      { id: 0, host: 'k0', port: 9092, rack: null },
      { id: 2, host: 'k2', port: 9092, rack: 'zone-a' },
    ]);
    assert.deepEqual(view.topics.map((t) => [t.name, t.internal]), [
      ['__consumer_offsets', true],
      ['audit', false],
      ['orders', false],
    ]);
    assert.deepEqual(view.topics.find((t) => t.name === 'orders')?.partitions.map((p) => p.partition), [0, 1]);
    assert.equal(view.clusterId, 'c1');
    assert.equal(view.controllerId, 0, 'the controller comes from the quorum, not Metadata');
    assert.equal(view.fetchedAt, 1234);
  });

  test('a leaderless partition keeps its leader -1 and offline replicas', () => {
    const orders = assembleClusterView(inputs()).topics.find((t) => t.name === 'orders');
    assert.deepEqual(orders?.partitions[0], {
      topic: 'orders',
      partition: 0,
      replicas: [1],
      isr: [],
      leader: -1,
      offlineReplicas: [1],
      addingReplicas: [],
      removingReplicas: [],
    });
  });

  test('min.insync.replicas: the topic override, else the broker default (inherited values are not overrides)', () => {
    const view = assembleClusterView(
      inputs({
        brokerConfigs: new Map([[0, [config('min.insync.replicas', '2', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)]]]),
        topicConfigs: new Map([
          ['orders', [config('min.insync.replicas', '3', ConfigSource.TOPIC_CONFIG)]],
          // A stale inherited value must not win over the broker default.
          ['audit', [config('min.insync.replicas', '1', ConfigSource.STATIC_BROKER_CONFIG)]],
        ]),
      }),
    );
    assert.equal(view.defaultMinInsyncReplicas, 2);
    assert.deepEqual(view.topics.map((t) => [t.name, t.minInsyncReplicas]), [
      ['__consumer_offsets', 2],
      ['audit', 2],
      ['orders', 3],
    ]);
  });

  test('in-flight reassignments become adding/removing replicas of their partition only', () => {
    const view = assembleClusterView(
      inputs({ reassignments: [{ topic: 'orders', partition: 1, replicas: [2, 0, 1], addingReplicas: [1], removingReplicas: [2] }] }),
    );
    const [p0, p1] = view.topics.find((t) => t.name === 'orders')?.partitions ?? [];
    assert.deepEqual([p1?.addingReplicas, p1?.removingReplicas], [[1], [2]]);
    assert.deepEqual([p0?.addingReplicas, p0?.removingReplicas], [[], []]);
  });

  test("a partition in flight takes the controller's replica set when the broker's Metadata lags behind", () => {
    const view = assembleClusterView(
      inputs({ reassignments: [{ topic: 'orders', partition: 0, replicas: [1, 3], addingReplicas: [3], removingReplicas: [1] }] }),
    );
    const p0 = view.topics.find((t) => t.name === 'orders')?.partitions[0];
    assert.deepEqual({ replicas: p0?.replicas, isr: p0?.isr }, { replicas: [1, 3], isr: [] });
  });

  test('throttles: dynamic broker rates and topic-level replica lists only', () => {
    const view = assembleClusterView(
      inputs({
        brokerConfigs: new Map([
          [0, [config('leader.replication.throttled.rate', '1000', ConfigSource.DYNAMIC_BROKER_CONFIG)]],
          [1, [config('follower.replication.throttled.rate', '2000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)]],
          [2, [config('leader.replication.throttled.rate', '9223372036854775807', ConfigSource.DEFAULT_CONFIG)]],
        ]),
        topicConfigs: new Map([
          ['orders', [config('leader.replication.throttled.replicas', '1:2,1:0', ConfigSource.TOPIC_CONFIG), config('follower.replication.throttled.replicas', '', ConfigSource.DEFAULT_CONFIG)]],
          ['audit', [config('follower.replication.throttled.replicas', '', ConfigSource.DEFAULT_CONFIG)]],
        ]),
      }),
    );
    assert.deepEqual(view.throttles, {
      brokers: [
        { id: 0, leaderRate: 1000, followerRate: null },
        { id: 1, leaderRate: null, followerRate: 2000 },
      ],
      topics: [{ topic: 'orders', leaderReplicas: '1:2,1:0', followerReplicas: null }],
    });
  });
});

describe('defaultMinInsyncReplicas', () => {
  test('takes the strictest broker value, and Kafka’s default 1 when none is known', () => {
    const brokers = new Map([
      [0, [config('min.insync.replicas', '1', ConfigSource.STATIC_BROKER_CONFIG)]],
      [1, [config('min.insync.replicas', '2', ConfigSource.STATIC_BROKER_CONFIG)]],
      [2, [config('min.insync.replicas', 'nonsense', ConfigSource.STATIC_BROKER_CONFIG)]],
    ]);
    assert.equal(defaultMinInsyncReplicas(brokers), 2);
    assert.equal(defaultMinInsyncReplicas(new Map()), 1);
  });
});

describe('describeTopicConfigs', () => {
  function fakeApi(answer: (resources: DescribeConfigsResource[], target: BrokerTarget) => Array<{ name: string; errorCode: number }>) {
    const calls: Array<{ target: BrokerTarget; names: string[] }> = [];
    const api: KafkaApi = {
      requestTimeoutMs: 1000,
      async call<Request, Response>(target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
        assert.equal(spec.name, 'DescribeConfigs');
        const { resources } = request as { resources: DescribeConfigsResource[] };
        calls.push({ target, names: resources.map((r) => r.name) });
        const results = answer(resources, target).map((r) => ({ ...r, errorMessage: null, type: 2, configs: [config('min.insync.replicas', '2', 1)] }));
        return results as Response;
      },
    };
    return { api, calls };
  }

  test('asks in batches spread over the brokers and keeps each topic’s configs', async () => {
    const { api, calls } = fakeApi((resources) => resources.map((r) => ({ name: r.name, errorCode: 0 })));
    const topics = Array.from({ length: 7 }, (_, i) => `t${i}`);
    const configs = await describeTopicConfigs(api, topics, ['min.insync.replicas'], { batchSize: 3, concurrency: 2 });
    assert.deepEqual(calls.map((c) => c.names), [['t0', 't1', 't2'], ['t3', 't4', 't5'], ['t6']]);
    assert.ok(calls.every((c) => c.target === 'any'));
    assert.deepEqual([...configs.keys()].sort(), topics);
  });

  test('a topic deleted meanwhile is left out; an authorization error names the topic', async () => {
    const { api } = fakeApi((resources) => resources.map((r) => ({ name: r.name, errorCode: r.name === 'gone' ? 3 : 0 })));
    const configs = await describeTopicConfigs(api, ['kept', 'gone'], ['min.insync.replicas']);
    assert.deepEqual([...configs.keys()], ['kept']);

    const { api: denied } = fakeApi((resources) => resources.map((r) => ({ name: r.name, errorCode: r.name === 'secret' ? 29 : 0 })));
    await assert.rejects(describeTopicConfigs(denied, ['kept', 'secret'], ['min.insync.replicas']), (error: unknown) => {
      assert.ok(error instanceof KafkaRequestError);
      assert.match(error.message, /topic secret: TOPIC_AUTHORIZATION_FAILED/);
      return true;
    });
  });

  test('UNKNOWN_TOPIC_OR_PARTITION from a lagging broker is asked again of the other brokers', async () => {
    // Broker 0 (reached as 'any') has not learned of "new" yet; broker 1 has. Nobody knows "gone".
    const { api, calls } = fakeApi((resources, target) =>
      resources.map((r) => {
        const known = r.name !== 'gone' && (r.name !== 'new' || (typeof target === 'object' && target.broker === 1));
        return { name: r.name, errorCode: known ? 0 : 3 };
      }),
    );
    const configs = await describeTopicConfigs(api, ['old', 'new', 'gone'], ['min.insync.replicas'], { brokerIds: [0, 1, 2] });
    assert.deepEqual([...configs.keys()].sort(), ['new', 'old']);
    assert.deepEqual(calls, [
      { target: 'any', names: ['old', 'new', 'gone'] },
      { target: { broker: 0 }, names: ['new', 'gone'] },
      { target: { broker: 1 }, names: ['new', 'gone'] },
      { target: { broker: 2 }, names: ['gone'] },
    ]);
  });

  test('no topics, no requests', async () => {
    const { api, calls } = fakeApi(() => []);
    assert.equal((await describeTopicConfigs(api, [], ['min.insync.replicas'])).size, 0);
    assert.equal(calls.length, 0);
  });
});

describe('ClusterViewReader', () => {
  /** A whole fake cluster: topics with min.insync.replicas overrides; records the topics whose configs were asked. */
  function fakeCluster(topics: Map<string, string>) {
    const asked: string[][] = [];
    const api: KafkaApi = {
      requestTimeoutMs: 1000,
      async call<Request, Response>(target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
        const answer = (value: unknown) => value as Response;
        switch (spec.name) {
          case 'Metadata':
            return answer({
              brokers: [{ nodeId: 0, host: 'k0', port: 9092, rack: null }],
              clusterId: 'c',
              controllerId: 0,
              topics: [...topics.keys()].map((name) => ({ errorCode: 0, name, isInternal: false, partitions: [] })),
            });
          case 'DescribeConfigs': {
            const { resources } = request as { resources: DescribeConfigsResource[] };
            if (typeof target === 'object') {
              return answer([{ errorCode: 0, errorMessage: null, type: 4, name: '0', configs: [config('min.insync.replicas', '1', ConfigSource.STATIC_BROKER_CONFIG)] }]);
            }
            asked.push(resources.map((r) => r.name));
            return answer(
              resources.map((r) => ({ errorCode: 0, errorMessage: null, type: 2, name: r.name, configs: [config('min.insync.replicas', topics.get(r.name) ?? '1', ConfigSource.TOPIC_CONFIG)] })),
            );
          }
          case 'ListPartitionReassignments':
            return answer({ errorCode: 0, errorMessage: null, items: [] });
          case 'DescribeQuorum':
            return answer({ errorCode: 0, errorMessage: null, leaderId: 0, leaderEpoch: 1, voters: [0], observers: [] });
          default:
            return assert.fail(`unexpected ${spec.name}`);
        }
      },
    };
    return { api, asked };
  }

  test('reuses topic configs until they expire; new topics are read at once, deleted ones forgotten', async () => {
    const topics = new Map([['a', '2'], ['b', '3']]);
    const { api, asked } = fakeCluster(topics);
    let now = 1_000_000;
    const reader = new ClusterViewReader(api, { topicConfigMaxAgeMs: 60_000, now: () => now });
    const minIsr = (view: { topics: Array<{ name: string; minInsyncReplicas: number }> }) => Object.fromEntries(view.topics.map((t) => [t.name, t.minInsyncReplicas]));

    assert.deepEqual(minIsr(await reader.fetch()), { a: 2, b: 3 });
    topics.set('a', '1'); // changed in Kafka; the reader may keep the old value until it expires
    topics.set('c', '2');
    topics.delete('b');
    now += 10_000;
    assert.deepEqual(minIsr(await reader.fetch()), { a: 2, c: 2 });
    now += 60_000;
    assert.deepEqual(minIsr(await reader.fetch()), { a: 1, c: 2 });
    assert.deepEqual(asked, [['a', 'b'], ['c'], ['a', 'c']]);
  });

  test('with max age 0 every view reads every topic', async () => {
    const { api, asked } = fakeCluster(new Map([['a', '2']]));
    const reader = new ClusterViewReader(api, { topicConfigMaxAgeMs: 0 });
    await reader.fetch();
    await reader.fetch();
    assert.deepEqual(asked, [['a'], ['a']]);
  });
});
