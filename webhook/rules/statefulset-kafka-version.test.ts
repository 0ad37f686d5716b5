import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseKafkaVersion } from '../../shared/kafka/features.js';
import type { ImageVersion } from '../../shared/k8s/kafka-image.js';
import { decideVersion, type VersionFacts } from './statefulset-kafka-version.js';

const known = (v: string): ImageVersion => ({ known: true, version: parseKafkaVersion(v) ?? assert.fail(v), from: `image apache/kafka:${v}` });
const facts = (next: ImageVersion, finalized: number | null, supported: number | null = 27, mode: 'kraft' | 'zookeeper' | null = finalized === null ? null : 'kraft'): VersionFacts => ({
  namespace: 'kafka',
  statefulSetName: 'kafka',
  next,
  features: { ok: true, features: { metadataVersion: finalized, supportedByBroker: new Map([[0, supported], [1, supported]]), mode } },
});
const outcome = (f: VersionFacts) => {
  const v = decideVersion(f);
  return { kind: v.outcome.kind, warnings: v.warnings, reasons: v.outcome.kind === 'deny' ? v.outcome.reasons : [] };
};

describe('decideVersion', () => {
  test('4.1 -> 4.0 after 4.1 was finalized (27): refused, naming the level and a release that runs it', () => {
    const r = outcome(facts(known('4.0.2'), 27));
    assert.equal(r.kind, 'deny');
    assert.match(r.reasons[0]?.message ?? '', /finalized metadata\.version 27 \(4\.1-IV1\).*Kafka 4\.0\.2 .*runs at most 25 \(4\.0-IV3\)/);
    assert.match(r.reasons[0]?.remediation ?? '', /Kafka 4\.1 or newer.*kubectl kafka upgrade/);
  });

  test('4.0 -> 4.1 at 25, and a downgrade to 4.0 before finalizing (still 25): admitted', () => {
    assert.equal(outcome(facts(known('4.1.1'), 25)).kind, 'allow');
    assert.equal(outcome(facts(known('4.0.2'), 25)).kind, 'allow');
  });

  test('3.x at a level below 3.3-IV3 -> 4.x: refused, the safe way is to finalize first', () => {
    const r = outcome(facts(known('4.0.2'), 5, 21));
    assert.equal(r.kind, 'deny');
    assert.match(r.reasons[0]?.remediation ?? '', /--finalize/);
  });

  test('what cannot be known warns and admits: unknown image, unknown release, unreadable Kafka, no finalized level', () => {
    const unknownImage = outcome(facts({ known: false, reason: 'the image "corp/kafka:x" does not name a Kafka version' }, 27));
    assert.deepEqual([unknownImage.kind, unknownImage.warnings.length], ['allow', 1]);
    assert.match(unknownImage.warnings[0] ?? '', /corp\/kafka:x/);
    assert.equal(outcome(facts(known('5.0.0'), 27)).kind, 'allow');
    assert.match(outcome(facts(known('5.0.0'), 27)).warnings[0] ?? '', /does not know/);
    const unreachable = decideVersion({ ...facts(known('4.0.2'), 27), features: { ok: false, reason: 'ApiVersions did not answer within 900 ms' } });
    assert.deepEqual([unreachable.outcome.kind, unreachable.warnings.length], ['allow', 1]);
    assert.match(outcome(facts(known('4.1.1'), null)).warnings[0] ?? '', /ZooKeeper/);
    assert.deepEqual(outcome(facts(known('3.9.1'), null)).warnings, [], 'a 3.9 image on a ZooKeeper cluster is fine');
  });

  test('a ZooKeeper-mode cluster (3.9) to Kafka 4: refused, naming ZooKeeper and the migration; to another 3.x: admitted', () => {
    const r = outcome(facts(known('4.0.2'), null, null, 'zookeeper'));
    assert.equal(r.kind, 'deny');
    assert.equal(r.reasons[0]?.rule, 'kafka-version-no-zookeeper');
    assert.match(r.reasons[0]?.message ?? '', /ZooKeeper mode, and Kafka 4\.0\.2 \(image apache\/kafka:4\.0\.2\) has no ZooKeeper mode/);
    assert.match(r.reasons[0]?.remediation ?? '', /migrate the cluster from ZooKeeper to KRaft on Kafka 3\.9 first/);
    assert.deepEqual(outcome(facts(known('3.8.1'), null, null, 'zookeeper')), { kind: 'allow', warnings: [], reasons: [] });
    // The mode unknown (KRaft before 3.3 tells neither): a warning, never a guess.
    assert.equal(outcome(facts(known('4.0.2'), null, null, null)).kind, 'allow');
  });

  test('a newer 4.x than the table knows runs every level 4.4 runs', () => {
    assert.equal(outcome(facts(known('4.9.0'), 33)).kind, 'allow');
  });
});
