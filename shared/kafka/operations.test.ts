import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BrokerTarget, KafkaApi } from './client.js';
import { KafkaRequestError, KafkaUnreachableError, KafkaWaitTimeoutError } from './errors.js';
import {
  alterReassignments,
  cancelReassignments,
  electPreferredLeaders,
  invalidMoves,
  syncProgress,
  throttledReplicaEntries,
  topicThrottleChanges,
  waitForInSync,
  type SyncProgress,
} from './operations.js';
import { ConfigOperation, ConfigSource, type ApiSpec, type MetadataResponse } from './protocol.js';

/** A KafkaApi that answers one kind of request from a function and records what was sent. */
function fakeApi(expectedApi: string, answer: (request: unknown) => unknown) {
  const sent: Array<{ target: BrokerTarget; request: unknown }> = [];
  const api: KafkaApi = {
    requestTimeoutMs: 1000,
    async call<Request, Response>(target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
      assert.equal(spec.name, expectedApi);
      sent.push({ target, request });
      return answer(request) as Response;
    },
  };
  return { api, sent };
}

const result = (topic: string, partition: number, errorCode = 0, errorMessage: string | null = null) => ({ topic, partition, errorCode, errorMessage });

describe('invalidMoves', () => {
  test('accepts a proper move list', () => {
    assert.deepEqual(invalidMoves([{ topic: 't', partition: 0, replicas: [1, 2] }, { topic: 't', partition: 1, replicas: [2, 0] }]), []);
  });
  test('names every problem', () => {
    assert.deepEqual(
      invalidMoves([
        { topic: 't', partition: 0, replicas: [] },
        { topic: 't', partition: 0, replicas: [1, 1] },
        { topic: 'u', partition: 3, replicas: [-1] },
      ]),
      ['t-0 has no target replicas', 't-0 is listed more than once', 't-0 lists a broker twice: [1,1]', 'u-3 has an invalid broker id: [-1]'],
    );
  });
});

describe('alterReassignments', () => {
  test('goes to the controller and forbids replication-factor changes by default', async () => {
    const { api, sent } = fakeApi('AlterPartitionReassignments', () => ({ errorCode: 0, errorMessage: null, items: [result('t', 0)] }));
    await alterReassignments(api, [{ topic: 't', partition: 0, replicas: [2, 1] }]);
    assert.equal(sent[0]?.target, 'controller');
    assert.deepEqual(sent[0]?.request, {
      timeoutMs: 800,
      allowReplicationFactorChange: false,
      partitions: [{ topic: 't', partition: 0, replicas: [2, 1] }],
    });
  });

  test('throws naming each refused partition with Kafka’s reason', async () => {
    const { api } = fakeApi('AlterPartitionReassignments', () => ({
      errorCode: 0,
      errorMessage: null,
      items: [result('t', 0), result('t', 1, 39, 'Replica 9 is not alive')],
    }));
    await assert.rejects(
      alterReassignments(api, [
        { topic: 't', partition: 0, replicas: [1] },
        { topic: 't', partition: 1, replicas: [9] },
      ]),
      (error: unknown) => {
        assert.ok(error instanceof KafkaRequestError);
        assert.equal(error.message, 'AlterPartitionReassignments failed for 1 item(s): t-1: INVALID_REPLICA_ASSIGNMENT (Replica 9 is not alive)');
        return true;
      },
    );
  });

  test('an invalid move list is refused before anything is sent; an empty one sends nothing', async () => {
    const { api, sent } = fakeApi('AlterPartitionReassignments', () => assert.fail('must not send'));
    await assert.rejects(alterReassignments(api, [{ topic: 't', partition: 0, replicas: [] }]), /invalid reassignment: t-0 has no target replicas/);
    await alterReassignments(api, []);
    assert.equal(sent.length, 0);
  });
});

describe('cancelReassignments', () => {
  test('sends null replicas and separates cancelled from not-in-progress', async () => {
    const { api, sent } = fakeApi('AlterPartitionReassignments', () => ({
      errorCode: 0,
      errorMessage: null,
      items: [result('t', 0), result('t', 1, 85)],
    }));
    const outcome = await cancelReassignments(api, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    assert.deepEqual(outcome, { cancelled: [{ topic: 't', partition: 0 }], notInProgress: [{ topic: 't', partition: 1 }] });
    assert.deepEqual((sent[0]?.request as { partitions: unknown }).partitions, [
      { topic: 't', partition: 0, replicas: null },
      { topic: 't', partition: 1, replicas: null },
    ]);
  });
});

describe('electPreferredLeaders', () => {
  test('maps Kafka’s per-partition answers to outcomes', async () => {
    const { api, sent } = fakeApi('ElectLeaders', () => ({
      errorCode: 0,
      errorMessage: null,
      items: [result('t', 2, 80, 'Failed to elect leader for partition t-2'), result('t', 0), result('t', 1, 84)],
    }));
    const outcomes = await electPreferredLeaders(api, [0, 1, 2].map((partition) => ({ topic: 't', partition })));
    assert.deepEqual(outcomes, [
      { topic: 't', partition: 0, outcome: 'elected', error: null },
      { topic: 't', partition: 1, outcome: 'already-preferred', error: null },
      { topic: 't', partition: 2, outcome: 'failed', error: 'PREFERRED_LEADER_NOT_AVAILABLE: Failed to elect leader for partition t-2' },
    ]);
    assert.equal((sent[0]?.request as { electionType: number }).electionType, 0);
  });

  test("'all' sends null partitions; a cluster-level refusal throws", async () => {
    const { api, sent } = fakeApi('ElectLeaders', () => ({ errorCode: 31, errorMessage: null, items: [] }));
    await assert.rejects(electPreferredLeaders(api, 'all'), /ElectLeaders failed for 1 item\(s\): cluster: CLUSTER_AUTHORIZATION_FAILED/);
    assert.equal((sent[0]?.request as { partitions: unknown }).partitions, null);
  });
});

describe('throttle changes', () => {
  const replicas = [
    { topic: 'orders', partition: 10, leaders: [1, 0], followers: [2] },
    { topic: 'orders', partition: 2, leaders: [0], followers: [2, 1] },
    { topic: 'audit', partition: 0, leaders: [3], followers: [] },
  ];

  test('throttledReplicaEntries: partition:broker lists per topic, deduplicated and ordered', () => {
    assert.deepEqual(Object.fromEntries(throttledReplicaEntries([...replicas, replicas[1] as (typeof replicas)[number]])), {
      orders: { leader: ['2:0', '10:0', '10:1'], follower: ['2:1', '2:2', '10:2'] },
      audit: { leader: ['0:3'], follower: [] },
    });
  });

  test('topicThrottleChanges APPENDs, so replicas another reassignment throttles stay', () => {
    const changes = topicThrottleChanges(throttledReplicaEntries(replicas), new Map());
    assert.deepEqual(changes, [
      {
        type: 2,
        name: 'orders',
        configs: [
          { name: 'leader.replication.throttled.replicas', operation: ConfigOperation.APPEND, value: '2:0,10:0,10:1' },
          { name: 'follower.replication.throttled.replicas', operation: ConfigOperation.APPEND, value: '2:1,2:2,10:2' },
        ],
      },
      { type: 2, name: 'audit', configs: [{ name: 'leader.replication.throttled.replicas', operation: ConfigOperation.APPEND, value: '0:3' }] },
    ]);
  });

  test('a list that is already * is left alone (Kafka refuses * mixed with entries)', () => {
    const current = new Map([
      ['orders', [{ name: 'leader.replication.throttled.replicas', value: '*', source: ConfigSource.TOPIC_CONFIG, sensitive: false }]],
      ['audit', [{ name: 'leader.replication.throttled.replicas', value: '*', source: ConfigSource.TOPIC_CONFIG, sensitive: false }]],
    ]);
    const changes = topicThrottleChanges(throttledReplicaEntries(replicas), current);
    assert.deepEqual(changes.map((c) => [c.name, c.configs.map((x) => x.name)]), [['orders', ['follower.replication.throttled.replicas']]]);
  });
});

describe('syncProgress', () => {
  const metadata = (partitions: Array<{ partition: number; replicas: number[]; isr: number[] }>): Pick<MetadataResponse, 'topics'> => ({
    topics: [
      {
        errorCode: 0,
        name: 't',
        isInternal: false,
        partitions: partitions.map((p) => ({ errorCode: 0, leader: p.isr[0] ?? -1, offlineReplicas: [], ...p })),
      },
    ],
  });

  test('in sync means ISR equals the replica set (any order) and no reassignment in flight', () => {
    const progress = syncProgress(
      [0, 1, 2, 3].map((partition) => ({ topic: 't', partition })),
      metadata([
        { partition: 0, replicas: [1, 2, 0], isr: [0, 1, 2] },
        { partition: 1, replicas: [1, 2, 0], isr: [1, 2] },
        { partition: 2, replicas: [1, 2, 0], isr: [1, 2, 0] },
      ]),
      [{ topic: 't', partition: 2, replicas: [1, 2, 0], addingReplicas: [0], removingReplicas: [] }],
      42,
    );
    assert.deepEqual(progress, {
      total: 4,
      inSync: 1,
      reassigning: 1,
      pending: [{ topic: 't', partition: 1 }, { topic: 't', partition: 2 }],
      missing: [{ topic: 't', partition: 3 }],
      elapsedMs: 42,
    });
  });
});

describe('waitForInSync', () => {
  const part = { topic: 't', partition: 0 };
  /** Answers polls in turn: each entry is the ISR of t-0 (replicas [0,1]), or 'down' for an unreachable Kafka. */
  function polls(answers: Array<number[] | 'down'>) {
    let metadataCalls = 0;
    const api: KafkaApi = {
      requestTimeoutMs: 1000,
      async call<Request, Response>(_target: BrokerTarget, spec: ApiSpec<Request, Response>): Promise<Response> {
        if (spec.name === 'ListPartitionReassignments') return { errorCode: 0, errorMessage: null, items: [] } as Response;
        const answer = answers[Math.min(metadataCalls++, answers.length - 1)];
        if (answer === 'down' || answer === undefined) throw new KafkaUnreachableError([{ address: 'k:9092', error: 'ECONNREFUSED' }]);
        const partitions = [{ errorCode: 0, partition: 0, leader: 0, replicas: [0, 1], isr: answer, offlineReplicas: [] }];
        return { brokers: [], clusterId: null, controllerId: 0, topics: [{ errorCode: 0, name: 't', isInternal: false, partitions }] } as Response;
      },
    };
    return { api, metadataCalls: () => metadataCalls };
  }

  test('returns once two consecutive polls see the full ISR, riding over an unreachable poll', async () => {
    const { api, metadataCalls } = polls([[0], 'down', [0, 1], [1], [0, 1], [1, 0]]);
    const seen: SyncProgress[] = [];
    const done = await waitForInSync(api, [part], { timeoutMs: 5000, pollIntervalMs: 1, onProgress: (p) => seen.push(p) });
    assert.equal(done.inSync, 1);
    assert.equal(metadataCalls(), 6, 'one in-sync answer followed by a lagging one does not count');
    assert.deepEqual(seen.map((p) => p.pending.length), [1, 0, 1, 0, 0]);
  });

  test('times out naming the partitions still pending and the last failure', async () => {
    const { api } = polls([[0], 'down']);
    await assert.rejects(waitForInSync(api, [part], { timeoutMs: 30, pollIntervalMs: 5 }), (error: unknown) => {
      assert.ok(error instanceof KafkaWaitTimeoutError);
      assert.deepEqual(error.remaining, [part]);
      assert.match(error.message, /replicas not in sync after 30 ms: t-0; last poll failed: could not reach any Kafka broker/);
      return true;
    });
  });
});
