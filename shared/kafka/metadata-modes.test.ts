/**
 * Where KRaft and ZooKeeper-mode clusters differ, kafka-guard takes the branch
 * each needs (issue 14): the active controller, and forgetting removed brokers.
 * A ZooKeeper-mode broker does not list DescribeQuorum (55) or
 * UnregisterBroker (64) in ApiVersions, so the client throws
 * KafkaUnsupportedError for them before sending anything.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerTarget, KafkaApi } from './client.js';
import { KafkaUnreachableError, KafkaUnsupportedError } from './errors.js';
import { unregisterBrokers } from './operations.js';
import type { ApiSpec, MetadataResponse } from './protocol.js';
import { activeControllerId } from './requests.js';

type Answer = (request: Record<string, unknown>) => unknown;

/** Answers each API by name; an API missing from `answers` is one the brokers do not offer. */
function cluster(answers: Record<string, Answer>) {
  const sent: Array<{ api: string; target: BrokerTarget; request: unknown }> = [];
  const api: KafkaApi = {
    requestTimeoutMs: 1000,
    async call<Request, Response>(target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
      const answer = answers[spec.name];
      if (!answer) throw new KafkaUnsupportedError(`the brokers do not offer ${spec.name}: they list no version at all, kafka-guard speaks ${spec.minVersion}-${spec.maxVersion}`);
      sent.push({ api: spec.name, target, request });
      return answer(request as Record<string, unknown>) as Response;
    },
  };
  return { api, sent };
}

const metadata = (controllerId: number): MetadataResponse => ({ brokers: [0, 1, 2].map((nodeId) => ({ nodeId, host: 'h', port: 9092 + nodeId, rack: null })), clusterId: 'c', controllerId, topics: [] });
const quorum = (leaderId: number, errorCode = 0) => () => ({ errorCode, errorMessage: null, leaderId, leaderEpoch: 3, voters: [0, 1, 2], observers: [] });

test('activeControllerId: the quorum leader in KRaft, Metadata\'s controller on ZooKeeper', async () => {
  const cases: Array<{ name: string; answers: Record<string, Answer>; metadataController: number; want: number }> = [
    // KRaft: Metadata's ControllerId is a random live broker; the quorum leader is the real one.
    { name: 'KRaft: the quorum leader, not Metadata\'s pick', answers: { DescribeQuorum: quorum(2) }, metadataController: 0, want: 2 },
    { name: 'KRaft: a quorum without a leader is unknown', answers: { DescribeQuorum: quorum(-1) }, metadataController: 0, want: -1 },
    { name: 'KRaft: DescribeQuorum answering an error is unknown, not Metadata\'s guess', answers: { DescribeQuorum: quorum(1, 7) }, metadataController: 0, want: -1 },
    // ZooKeeper: no quorum API; Metadata names the broker that won the /controller election.
    { name: 'ZooKeeper: Metadata\'s controller', answers: {}, metadataController: 1, want: 1 },
    { name: 'ZooKeeper during an election: unknown', answers: {}, metadataController: -1, want: -1 },
  ];
  for (const c of cases) {
    const { api } = cluster(c.answers);
    assert.equal(await activeControllerId(api, metadata(c.metadataController)), c.want, c.name);
  }
});

test('activeControllerId: a broker that cannot be reached is an error, never taken for ZooKeeper mode', async () => {
  const api: KafkaApi = {
    requestTimeoutMs: 1000,
    call: async () => { throw new KafkaUnreachableError([{ address: '127.0.0.1:9092', error: 'ECONNREFUSED' }]); },
  };
  await assert.rejects(activeControllerId(api, metadata(1)), KafkaUnreachableError);
});

test('unregisterBrokers: KRaft forgets each broker; ZooKeeper has nothing to forget and says why', async () => {
  const kraft = cluster({ UnregisterBroker: (r) => ({ errorCode: r.brokerId === 4 ? 102 : 0, errorMessage: null }) });
  assert.deepEqual(await unregisterBrokers(kraft.api, [3, 4]), { unregistered: [3, 4], skipped: null }, 'BROKER_ID_NOT_REGISTERED counts as forgotten');
  assert.deepEqual(kraft.sent.map((s) => s.request), [{ brokerId: 3 }, { brokerId: 4 }]);

  const zookeeper = cluster({});
  const outcome = await unregisterBrokers(zookeeper.api, [3, 4]);
  assert.deepEqual(outcome.unregistered, []);
  assert.match(outcome.skipped ?? '', /^the brokers do not offer UnregisterBroker \(not KRaft\): /);
  assert.deepEqual(zookeeper.sent, [], 'nothing sent');

  const refused = cluster({ UnregisterBroker: () => ({ errorCode: 29, errorMessage: 'not authorized' }) });
  await assert.rejects(unregisterBrokers(refused.api, [3]), /unregistering broker 3 failed: .*\(not authorized\)/);
});

test('unsupportedMessage: an API the brokers lack names the Kafka (or mode) that has it', async () => {
  const { unsupportedMessage } = await import('./client.js');
  const { AlterPartitionReassignments, DescribeQuorum, UnregisterBroker, DescribeConfigs } = await import('./protocol.js');
  assert.equal(
    unsupportedMessage('k-0:9092', AlterPartitionReassignments, undefined),
    'broker k-0:9092 offers AlterPartitionReassignments (API key 45) no version at all; kafka-guard speaks 0-1, which needs Kafka 2.4 or newer',
  );
  assert.match(unsupportedMessage('k-0:9092', DescribeQuorum, undefined), /DescribeQuorum \(API key 55\) no version at all; .*needs a KRaft cluster \(Kafka 3\.3 or newer\); not on ZooKeeper clusters$/);
  assert.match(unsupportedMessage('k-0:9092', UnregisterBroker, undefined), /needs a KRaft cluster; not on ZooKeeper clusters$/);
  assert.match(unsupportedMessage('k-0:9092', DescribeConfigs, { minVersion: 0, maxVersion: 0 }), /offers DescribeConfigs \(API key 32\) versions 0-0; kafka-guard speaks 1-4, which needs Kafka 1\.1 or newer$/);
});
