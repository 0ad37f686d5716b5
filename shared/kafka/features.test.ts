import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiVersionsFeatures, levelName, levelsOf, metadataModeOf, parseKafkaVersion, UpdateFeatures, UpgradeType } from './features.js';
import { decodeResponseBody, encodeRequestBody, ProtocolWriter } from './protocol.js';

/** A tagged field: tag, size, then the bytes. */
function tagged(w: ProtocolWriter, fields: Array<[number, Buffer]>): void {
  w.uvarint(fields.length);
  for (const [tag, bytes] of fields) {
    w.uvarint(tag).uvarint(bytes.length);
    for (const b of bytes) w.int8(b > 127 ? b - 256 : b);
  }
}

function apiVersionsV3(withFeatures: boolean): Buffer {
  // No response header tags: ApiVersions keeps header v0.
  const w = new ProtocolWriter(true);
  w.int16(0);
  w.array([[3, 0, 12], [57, 0, 1]], (w, [key, min, max]) => w.int16(key ?? 0).int16(min ?? 0).int16(max ?? 0).tags());
  w.int32(0);
  if (!withFeatures) {
    w.tags();
    return w.toBuffer();
  }
  const supported = new ProtocolWriter(true).array([['metadata.version', 7, 27], ['kraft.version', 0, 1]] as const, (w, [n, a, b]) => w.string(n).int16(a).int16(b).tags()).toBuffer();
  const epoch = Buffer.alloc(8);
  epoch.writeBigInt64BE(42n);
  const finalized = new ProtocolWriter(true).array([['metadata.version', 25, 25]] as const, (w, [n, max, min]) => w.string(n).int16(max).int16(min).tags()).toBuffer();
  tagged(w, [[0, supported], [1, epoch], [2, finalized], [3, Buffer.from([0])]]);
  return w.toBuffer();
}

describe('ApiVersions v3 features', () => {
  test('the request carries the client software name and version, after header v2 tags', () => {
    const body = encodeRequestBody(ApiVersionsFeatures, 3, {});
    assert.equal(body.toString('hex'), '00' + '0c' + Buffer.from('kafka-guard').toString('hex') + '02' + '31' + '00');
  });

  test('reads the supported and finalized features from the tagged fields', () => {
    const decoded = decodeResponseBody(ApiVersionsFeatures, 3, apiVersionsV3(true));
    assert.deepEqual(decoded.supported, [
      { name: 'metadata.version', minVersion: 7, maxVersion: 27 },
      { name: 'kraft.version', minVersion: 0, maxVersion: 1 },
    ]);
    assert.equal(decoded.finalizedEpoch, 42n);
    assert.deepEqual(decoded.finalized, [{ name: 'metadata.version', maxVersionLevel: 25, minVersionLevel: 25 }]);
  });

  test('a broker without features (ZooKeeper mode, old Kafka) reads as none', () => {
    const decoded = decodeResponseBody(ApiVersionsFeatures, 3, apiVersionsV3(false));
    assert.deepEqual([decoded.supported, decoded.finalized, decoded.finalizedEpoch], [[], [], -1n]);
  });

  test('the API keys offered tell the metadata mode: LeaderAndIsr only on ZooKeeper brokers, DescribeQuorum on KRaft ones', () => {
    assert.deepEqual(decodeResponseBody(ApiVersionsFeatures, 3, apiVersionsV3(true)).apiKeys, [3, 57]);
    // As kafka-broker-api-versions shows them: 3.9.1 ZooKeeper brokers offer LeaderAndIsr(4) and no DescribeQuorum(55); 3.9.1 KRaft the reverse.
    assert.equal(metadataModeOf([0, 1, 3, 4, 5, 6, 7, 18]), 'zookeeper');
    assert.equal(metadataModeOf([0, 1, 3, 18, 55, 64]), 'kraft');
    assert.equal(metadataModeOf([0, 1, 3, 18]), null, 'KRaft before 3.3 tells neither');
  });
});

describe('UpdateFeatures', () => {
  test('v1 sends the upgrade type and validate-only', () => {
    const body = encodeRequestBody(UpdateFeatures, 1, { timeoutMs: 1000, updates: [{ feature: 'metadata.version', maxVersionLevel: 27, upgradeType: UpgradeType.UPGRADE }], validateOnly: true });
    const expected = new ProtocolWriter(true).tags().int32(1000).array([0], (w) => w.string('metadata.version').int16(27).int8(1).tags()).bool(true).tags().toBuffer();
    assert.equal(body.toString('hex'), expected.toString('hex'));
  });

  test('v0 has AllowDowngrade instead, and no validate-only mode', () => {
    const body = encodeRequestBody(UpdateFeatures, 0, { timeoutMs: 1000, updates: [{ feature: 'metadata.version', maxVersionLevel: 25, upgradeType: UpgradeType.SAFE_DOWNGRADE }], validateOnly: false });
    const expected = new ProtocolWriter(true).tags().int32(1000).array([0], (w) => w.string('metadata.version').int16(25).bool(true).tags()).tags().toBuffer();
    assert.equal(body.toString('hex'), expected.toString('hex'));
    assert.throws(() => encodeRequestBody(UpdateFeatures, 0, { timeoutMs: 1, updates: [], validateOnly: true }), /validate-only/);
  });

  test('decodes the top-level and per-feature errors', () => {
    const w = new ProtocolWriter(true).tags().int32(0).int16(0).nullableString(null);
    w.array([0], (w) => w.string('metadata.version').int16(42).nullableString('not every broker supports 27').tags()).tags();
    const decoded = decodeResponseBody(UpdateFeatures, 1, w.toBuffer());
    assert.deepEqual(decoded, { errorCode: 0, errorMessage: null, results: [{ feature: 'metadata.version', errorCode: 42, errorMessage: 'not every broker supports 27' }] });
  });
});

describe('Kafka versions and metadata.version levels', () => {
  test('parses release versions, nothing else', () => {
    assert.deepEqual(parseKafkaVersion('4.1.1'), { major: 4, minor: 1, patch: 1, text: '4.1.1' });
    assert.deepEqual(parseKafkaVersion('3.9'), { major: 3, minor: 9, patch: 0, text: '3.9' });
    for (const bad of ['', 'latest', '4', '4.1.1.1', '4.1.1-rc1', ' 4.1.1', '4294967296.0.0']) assert.equal(parseKafkaVersion(bad), null, bad);
  });

  test('the levels each release runs: 4.x dropped the levels below 3.3-IV3', () => {
    const of = (v: string) => levelsOf(parseKafkaVersion(v) ?? assert.fail(v));
    assert.deepEqual(of('4.1.1'), { known: true, min: 7, max: 27, name: '4.1-IV1' });
    assert.deepEqual(of('3.9.1'), { known: true, min: 1, max: 21, name: '3.9-IV0' });
    assert.equal(of('4.9.0').known, true, 'a newer 4.x runs what 4.4 runs');
    assert.equal(of('5.0.0').known, false, 'another major is not guessed at');
    assert.equal(of('2.8.2').known, false, 'before KRaft levels');
  });

  test('levels have names where a release ships them', () => {
    assert.equal(levelName(27), '27 (4.1-IV1)');
    assert.equal(levelName(26), '26');
  });
});
