import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseKafkaVersion, type ClusterFeatures } from '../kafka/features.js';
import { indexCluster } from '../safety/cluster-index.js';
import { makeView } from '../../webhook/facts/fake.js';
import { parseUpgradeRecord, planFinalize, preflightProblems } from './upgrade.js';

const features = (finalized: number | null, supported: Array<number | null> = [27, 27, 27], mode: ClusterFeatures['mode'] = finalized === null ? null : 'kraft'): ClusterFeatures => ({
  metadataVersion: finalized,
  supportedByBroker: new Map(supported.map((s, i) => [i, s])),
  mode,
});
const healthy = indexCluster(makeView([0, 1, 2], [{ name: 'orders', partitions: [{ replicas: [0, 1, 2] }] }]));
const led = { errorCode: 0, errorMessage: null, leaderId: 0, leaderEpoch: 1, voters: [0, 1, 2], observers: [] };
const v = (text: string) => parseKafkaVersion(text) ?? assert.fail(text);

describe('preflightProblems', () => {
  test('a healthy cluster upgrading 4.0 -> 4.1 passes', () => {
    assert.deepEqual(preflightProblems({ index: healthy, quorum: led, features: features(25), target: v('4.1.1'), down: [] }), []);
  });

  test('each problem is named: out of sync, reassigning, down, no quorum leader, a release that cannot run the level', () => {
    const lagging = indexCluster(makeView([0, 1, 2], [{ name: 'orders', partitions: [{ replicas: [0, 1, 2], isr: [0, 1] }, { replicas: [0, 1, 2], adding: [2] }] }]));
    const problems = preflightProblems({ index: lagging, quorum: { ...led, leaderId: -1 }, features: features(27), target: v('4.0.2'), down: [2] });
    assert.equal(problems.length, 5, problems.join('\n'));
    for (const [i, pattern] of [/not fully in sync/, /reassignment/, /broker\(s\) 2 are down/, /quorum has no leader/, /runs at most 25/].entries()) assert.match(problems[i] ?? '', pattern);
  });

  test('ZooKeeper mode (no quorum, no level): a 3.9 target passes, a 4.x target is refused', () => {
    assert.deepEqual(preflightProblems({ index: healthy, quorum: null, features: features(null), target: v('3.9.1'), down: [] }), []);
    assert.match(preflightProblems({ index: healthy, quorum: null, features: features(null), target: v('4.0.2'), down: [] })[0] ?? '', /ZooKeeper/);
    // The brokers said they run ZooKeeper mode: the problem names the migration, not a guess between two causes.
    assert.match(preflightProblems({ index: healthy, quorum: null, features: features(null, [null, null, null], 'zookeeper'), target: v('4.0.2'), down: [] })[0] ?? '',
      /runs in ZooKeeper mode and Kafka 4\.0\.2 has none .*migrate the cluster to KRaft on Kafka 3\.9 first/);
  });
});

describe('planFinalize', () => {
  test('raises to the highest level every broker supports', () => {
    assert.deepEqual(planFinalize(features(25, [27, 27, 27]), []), { action: 'raise', from: 25, to: 27 });
    assert.equal(planFinalize(features(25, [27, 25, 27]), []).action, 'none', 'one broker still on 4.0');
  });
  test('refuses while pods run the old template, or a broker reports nothing', () => {
    assert.match(JSON.stringify(planFinalize(features(25), ['kafka-2'])), /kafka-2 still run the previous template/);
    assert.equal(planFinalize(features(25, [27, null, 27]), []).action, 'refuse');
    assert.equal(planFinalize(features(null), []).action, 'refuse');
  });
});

describe('parseUpgradeRecord', () => {
  test('reads what the upgrade writes, nothing else', () => {
    const record = { image: 'apache/kafka:4.1.1', previousStrategy: { type: 'RollingUpdate' }, startedAt: '2026-12-03T11:00:00Z' };
    assert.deepEqual(parseUpgradeRecord(JSON.stringify(record)), record);
    for (const bad of ['', '{', '[]', '{"image":1}', JSON.stringify({ ...record, previousStrategy: [1] })]) assert.equal(parseUpgradeRecord(bad), null, bad);
    assert.equal(parseUpgradeRecord(undefined), null);
  });
});
