import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AclOperation,
  AlterPartitionReassignments,
  DescribeCluster,
  grantsOperation,
  decodeResponseBody,
  DescribeConfigs,
  DescribeConfigsWithSynonyms,
  DescribeQuorum,
  ElectLeaders,
  encodeRequestBody,
  IncrementalAlterConfigs,
  ListPartitionReassignments,
  Metadata,
  negotiateVersion,
  ProtocolDecodeError,
  ProtocolReader,
  ProtocolWriter,
} from './protocol.js';

const hex = (buffer: Buffer) => buffer.toString('hex');

describe('ProtocolWriter / ProtocolReader', () => {
  test('classic strings and arrays use int16 / int32 lengths, null as -1', () => {
    const bytes = new ProtocolWriter(false).string('ab').nullableString(null).int32Array([7]).nullableArray(null, () => {}).toBuffer();
    assert.equal(hex(bytes), '0002' + '6162' + 'ffff' + '00000001' + '00000007' + 'ffffffff');
  });

  test('compact strings and arrays use unsigned varint length + 1, null as 0', () => {
    const bytes = new ProtocolWriter(true).string('ab').nullableString(null).int32Array([7]).nullableArray(null, () => {}).tags().toBuffer();
    assert.equal(hex(bytes), '03' + '6162' + '00' + '02' + '00000007' + '00' + '00');
  });

  test('tags() writes nothing in classic versions', () => {
    assert.equal(new ProtocolWriter(false).tags().toBuffer().length, 0);
  });

  test('unsigned varints round-trip across byte boundaries', () => {
    for (const value of [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 21, 2 ** 31 - 1, 2 ** 32 - 1]) {
      const reader = new ProtocolReader(new ProtocolWriter(true).uvarint(value).toBuffer(), true);
      assert.equal(reader.uvarint(), value);
    }
  });

  test('the writer grows past its initial buffer', () => {
    const long = 'x'.repeat(10_000);
    const reader = new ProtocolReader(new ProtocolWriter(true).string(long).int32(42).toBuffer(), true);
    assert.equal(reader.string(), long);
    assert.equal(reader.int32(), 42);
  });

  test('tagged fields a broker adds are skipped', () => {
    // two tagged fields: tag 0 with 2 bytes, tag 5 with 1 byte, then an int16
    const reader = new ProtocolReader(Buffer.from('02' + '00' + '02' + 'abcd' + '05' + '01' + 'ee' + '0007', 'hex'), true);
    reader.skipTags();
    assert.equal(reader.int16(), 7);
  });

  test('a truncated response is an error that says where', () => {
    const reader = new ProtocolReader(Buffer.from('0001', 'hex'), false);
    assert.throws(() => reader.int32(), (error: unknown) => error instanceof ProtocolDecodeError && /needed 4 more at byte 0/.test(error.message));
  });

  test('string() refuses a null string', () => {
    assert.throws(() => new ProtocolReader(Buffer.from('ffff', 'hex'), false).string(), ProtocolDecodeError);
  });
});

describe('negotiateVersion', () => {
  const spec = { minVersion: 1, maxVersion: 4 };
  test('takes the highest version both sides speak', () => {
    assert.equal(negotiateVersion(spec, { minVersion: 0, maxVersion: 2 }), 2);
    assert.equal(negotiateVersion(spec, { minVersion: 3, maxVersion: 9 }), 4);
  });
  test('null when the ranges do not overlap or the broker lacks the API', () => {
    assert.equal(negotiateVersion(spec, { minVersion: 5, maxVersion: 9 }), null);
    assert.equal(negotiateVersion(spec, { minVersion: 0, maxVersion: 0 }), null);
    assert.equal(negotiateVersion(spec, undefined), null);
  });
});

describe('request encoding', () => {
  test('flexible requests start with the request-header tagged fields', () => {
    // ElectLeaders v2: header tags, election type 0, topics [orders:[1]], timeout 500, tags
    const body = encodeRequestBody(ElectLeaders, 2, {
      electionType: 0,
      partitions: [{ topic: 'orders', partition: 1 }],
      timeoutMs: 500,
    });
    assert.equal(hex(body), '00' + '00' + '02' + '07' + Buffer.from('orders').toString('hex') + '02' + '00000001' + '00' + '000001f4' + '00');
  });

  test('ElectLeaders v1 is classic and null partitions mean all', () => {
    const body = encodeRequestBody(ElectLeaders, 1, { electionType: 0, partitions: null, timeoutMs: 1000 });
    assert.equal(hex(body), '00' + 'ffffffff' + '000003e8');
  });

  test('ElectLeaders groups partitions by topic', () => {
    const body = encodeRequestBody(ElectLeaders, 1, {
      electionType: 0,
      partitions: [
        { topic: 'a', partition: 0 },
        { topic: 'b', partition: 3 },
        { topic: 'a', partition: 2 },
      ],
      timeoutMs: 0,
    });
    const reader = new ProtocolReader(body, false);
    assert.equal(reader.int8(), 0);
    const topics = reader.array((r) => ({ topic: r.string(), partitions: r.int32Array() }));
    assert.deepEqual(topics, [
      { topic: 'a', partitions: [0, 2] },
      { topic: 'b', partitions: [3] },
    ]);
  });

  test('a reassignment cancel sends null replicas', () => {
    const body = encodeRequestBody(AlterPartitionReassignments, 0, {
      timeoutMs: 1000,
      allowReplicationFactorChange: true,
      partitions: [{ topic: 't', partition: 4, replicas: null }],
    });
    // header tags, timeout, topics(1+1), "t", partitions(1+1), 4, replicas null(0), tags, tags, tags
    assert.equal(hex(body), '00' + '000003e8' + '02' + '0274' + '02' + '00000004' + '00' + '00' + '00' + '00');
  });

  test('AlterPartitionReassignments v1 carries AllowReplicationFactorChange', () => {
    const body = encodeRequestBody(AlterPartitionReassignments, 1, {
      timeoutMs: 1,
      allowReplicationFactorChange: false,
      partitions: [],
    });
    assert.equal(hex(body), '00' + '00000001' + '00' + '01' + '00');
  });

  test('Metadata never asks Kafka to create topics, and null topics means all', () => {
    const v12 = encodeRequestBody(Metadata, 12, { topics: null });
    assert.equal(hex(v12), '00' + '00' + '00' + '00' + '00'); // tags, topics null, autoCreate false, topicAuthOps false, tags
    const v8 = encodeRequestBody(Metadata, 8, { topics: ['x'] });
    assert.equal(hex(v8), '00000001' + '000178' + '00' + '00' + '00');
  });

  test('Metadata v8+ asks for topic authorized operations only when told to (doctor)', () => {
    const asked = encodeRequestBody(Metadata, 12, { topics: null, includeTopicAuthorizedOperations: true });
    assert.equal(hex(asked), '00' + '00' + '00' + '01' + '00');
    const v9 = encodeRequestBody(Metadata, 9, { topics: null, includeTopicAuthorizedOperations: true });
    assert.equal(hex(v9), '00' + '00' + '00' + '00' + '01' + '00'); // tags, topics, autoCreate, clusterAuthOps false, topicAuthOps true, tags
  });

  test('DescribeCluster v0 asks for the cluster authorized operations', () => {
    assert.equal(hex(encodeRequestBody(DescribeCluster, 0, { includeClusterAuthorizedOperations: true })), '00' + '01' + '00');
  });

  test('Metadata v10+ sends a zero topic id before each name', () => {
    const body = encodeRequestBody(Metadata, 10, { topics: ['x'] });
    assert.equal(hex(body), '00' + '02' + '00'.repeat(16) + '0278' + '00' + '00' + '00' + '00' + '00');
  });

  test('IncrementalAlterConfigs v0 writes operations and nullable values', () => {
    const body = encodeRequestBody(IncrementalAlterConfigs, 0, {
      resources: [{ type: 4, name: '1', configs: [{ name: 'r', operation: 1, value: null }] }],
    });
    assert.equal(hex(body), '00000001' + '04' + '000131' + '00000001' + '000172' + '01' + 'ffff' + '00');
  });

  test('DescribeConfigs v3+ adds IncludeDocumentation', () => {
    const resources = [{ type: 2 as const, name: 't', keys: null }];
    const v2 = encodeRequestBody(DescribeConfigs, 2, { resources });
    const v3 = encodeRequestBody(DescribeConfigs, 3, { resources });
    assert.equal(v3.length, v2.length + 1);
  });
});

describe('response decoding', () => {
  test('Metadata v12 keeps leaderless partitions and their errors as data', () => {
    const w = new ProtocolWriter(true);
    w.tags(); // response header tags
    w.int32(0); // throttle
    w.array([0, 2], (w, id) => w.int32(id).string('host').int32(9092 + id).nullableString(id === 0 ? 'zone-a' : null).tags());
    w.nullableString('cluster-1').int32(2);
    w.array([0], (w) => {
      w.int16(0).string('orders').zeroUuid().bool(false);
      w.array([0, 1], (w, p) => {
        w.int16(p === 1 ? 5 : 0).int32(p).int32(p === 1 ? -1 : 0).int32(3);
        w.int32Array(p === 1 ? [1] : [0, 2]).int32Array(p === 1 ? [] : [0, 2]).int32Array(p === 1 ? [1] : []).tags();
      });
      w.int32(-2147483648).tags();
    });
    w.tags();
    const decoded = decodeResponseBody(Metadata, 12, w.toBuffer());
    assert.deepEqual(decoded.brokers, [
      { nodeId: 0, host: 'host', port: 9092, rack: 'zone-a' },
      { nodeId: 2, host: 'host', port: 9094, rack: null },
    ]);
    assert.equal(decoded.clusterId, 'cluster-1');
    assert.equal(decoded.controllerId, 2);
    assert.deepEqual(decoded.topics[0]?.partitions[1], {
      errorCode: 5,
      partition: 1,
      leader: -1,
      replicas: [1],
      isr: [],
      offlineReplicas: [1],
    });
  });

  test('Metadata keeps each topic\'s authorized operations', () => {
    const w = new ProtocolWriter(true);
    w.tags().int32(0).array([], () => {}).nullableString('c').int32(0);
    w.array([0], (w) => {
      w.int16(0).string('orders').zeroUuid().bool(false).array([], () => {});
      w.int32((1 << AclOperation.DESCRIBE) | (1 << AclOperation.ALTER_CONFIGS)).tags();
    });
    w.tags();
    const ops = decodeResponseBody(Metadata, 12, w.toBuffer()).topics[0]?.authorizedOperations ?? 0;
    assert.equal(grantsOperation(ops, AclOperation.DESCRIBE), true);
    assert.equal(grantsOperation(ops, AclOperation.ALTER_CONFIGS), true);
    assert.equal(grantsOperation(ops, AclOperation.DESCRIBE_CONFIGS), false);
  });

  test('DescribeCluster v0 decodes the brokers and the cluster authorized operations', () => {
    const w = new ProtocolWriter(true);
    w.tags().int32(0).int16(0).nullableString(null).string('cluster-1').int32(1);
    w.array([0, 1], (w, id) => w.int32(id).string('h').int32(9092).nullableString(id === 0 ? 'zone-a' : null).tags());
    w.int32((1 << AclOperation.DESCRIBE) | (1 << AclOperation.ALTER)).tags();
    const decoded = decodeResponseBody(DescribeCluster, 0, w.toBuffer());
    assert.equal(decoded.clusterId, 'cluster-1');
    assert.equal(decoded.controllerId, 1);
    assert.deepEqual(decoded.brokers.map((b) => b.rack), ['zone-a', null]);
    assert.equal(grantsOperation(decoded.clusterAuthorizedOperations, AclOperation.ALTER), true);
    assert.equal(grantsOperation(decoded.clusterAuthorizedOperations, AclOperation.ALTER_CONFIGS), false);
  });

  test('Metadata v6 (classic, no leader epoch) decodes the same fields', () => {
    const w = new ProtocolWriter(false);
    w.int32(0);
    w.array([1], (w, id) => w.int32(id).string('h').int32(1).nullableString('r'));
    w.nullableString(null).int32(1);
    w.array([0], (w) => {
      w.int16(0).string('__consumer_offsets').bool(true);
      w.array([0], (w) => w.int16(0).int32(0).int32(1).int32Array([1]).int32Array([1]).int32Array([]));
    });
    const decoded = decodeResponseBody(Metadata, 6, w.toBuffer());
    assert.equal(decoded.clusterId, null);
    assert.deepEqual(decoded.topics, [
      { errorCode: 0, name: '__consumer_offsets', isInternal: true, partitions: [{ errorCode: 0, partition: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] }] },
    ]);
  });

  test('DescribeConfigs returns each resource with its own error', () => {
    const w = new ProtocolWriter(false);
    w.int32(0);
    w.array(['gone', 'orders'], (w, name) => {
      w.int16(name === 'gone' ? 3 : 0).nullableString(name === 'gone' ? 'no such topic' : null).int8(2).string(name);
      w.array(name === 'gone' ? [] : ['min.insync.replicas'], (w, key) => {
        w.string(key).nullableString('2').bool(false).int8(1).bool(false);
        w.array([{ n: key, v: '2', s: 1 }], (w, syn) => w.string(syn.n).nullableString(syn.v).int8(syn.s));
      });
    });
    const decoded = decodeResponseBody(DescribeConfigs, 2, w.toBuffer());
    assert.deepEqual(decoded, [
      { errorCode: 3, errorMessage: 'no such topic', type: 2, name: 'gone', configs: [] },
      { errorCode: 0, errorMessage: null, type: 2, name: 'orders', configs: [{ name: 'min.insync.replicas', value: '2', source: 1, sensitive: false }] },
    ]);
  });

  test('DescribeConfigs v4 skips config type and documentation', () => {
    const w = new ProtocolWriter(true);
    w.tags().int32(0);
    w.array([0], (w) => {
      w.int16(0).nullableString(null).int8(4).string('1');
      w.array([0], (w) => {
        w.string('broker.rack').nullableString('zone-1').bool(true).int8(4).bool(false);
        w.array([], () => {});
        w.int8(2).nullableString('The rack of the broker').tags();
      });
      w.tags();
    });
    w.tags();
    const decoded = decodeResponseBody(DescribeConfigs, 4, w.toBuffer());
    assert.deepEqual(decoded[0]?.configs, [{ name: 'broker.rack', value: 'zone-1', source: 4, sensitive: false }]);
  });

  test('ElectLeaders v1 flattens per-partition results', () => {
    const w = new ProtocolWriter(false);
    w.int32(0).int16(0);
    w.array(['t'], (w, topic) => {
      w.string(topic);
      w.array([0, 1], (w, p) => w.int32(p).int16(p === 0 ? 0 : 84).nullableString(p === 0 ? null : 'Leader is already preferred'));
    });
    const decoded = decodeResponseBody(ElectLeaders, 1, w.toBuffer());
    assert.deepEqual(decoded, {
      errorCode: 0,
      errorMessage: null,
      items: [
        { topic: 't', partition: 0, errorCode: 0, errorMessage: null },
        { topic: 't', partition: 1, errorCode: 84, errorMessage: 'Leader is already preferred' },
      ],
    });
  });

  test('ListPartitionReassignments lists adding and removing replicas', () => {
    const w = new ProtocolWriter(true);
    w.tags().int32(0).int16(0).nullableString(null);
    w.array(['t'], (w, topic) => {
      w.string(topic);
      w.array([2], (w, p) => w.int32(p).int32Array([0, 1]).int32Array([1]).int32Array([2]).tags());
      w.tags();
    });
    w.tags();
    const decoded = decodeResponseBody(ListPartitionReassignments, 0, w.toBuffer());
    assert.deepEqual(decoded.items, [{ topic: 't', partition: 2, replicas: [0, 1], addingReplicas: [1], removingReplicas: [2] }]);
  });

  for (const version of [0, 1, 2]) {
    test(`DescribeQuorum v${version} finds the leader and voters`, () => {
      const w = new ProtocolWriter(true);
      w.tags().int16(0);
      if (version >= 2) w.nullableString(null);
      w.array(['__cluster_metadata'], (w, topic) => {
        w.string(topic);
        w.array([0], (w) => {
          w.int32(0).int16(0);
          if (version >= 2) w.nullableString(null);
          w.int32(1).int32(7);
          w.int32(0).int32(100); // high watermark (int64)
          const replica = (w: ProtocolWriter, id: number) => {
            w.int32(id);
            if (version >= 2) w.zeroUuid();
            w.int32(0).int32(100);
            if (version >= 1) w.int32(0).int32(0).int32(0).int32(0);
            w.tags();
          };
          w.array([0, 1, 2], replica);
          w.array([3], replica);
          w.tags();
        });
        w.tags();
      });
      if (version >= 2) w.array([], () => {});
      w.tags();
      const decoded = decodeResponseBody(DescribeQuorum, version, w.toBuffer());
      assert.deepEqual(decoded, { errorCode: 0, errorMessage: null, leaderId: 1, leaderEpoch: 7, voters: [0, 1, 2], observers: [3] });
    });
  }

  test('DescribeQuorum reports a top-level error without a leader', () => {
    const w = new ProtocolWriter(true);
    w.tags().int16(31).nullableString('denied').array([], () => {}).array([], () => {}).tags();
    const decoded = decodeResponseBody(DescribeQuorum, 2, w.toBuffer());
    assert.equal(decoded.errorCode, 31);
    assert.equal(decoded.leaderId, -1);
  });
});

describe('DescribeConfigs with synonyms and IncrementalAlterConfigs ValidateOnly', () => {
  test('the request asks for synonyms (IncludeSynonyms true), v3+ not for documentation', () => {
    const resources = [{ type: 4 as const, name: '1', keys: ['log.retention.ms'] }];
    const v2 = encodeRequestBody(DescribeConfigsWithSynonyms, 2, { resources });
    assert.equal(hex(v2), '00000001' + '04' + '000131' + '00000001' + '00106c6f672e726574656e74696f6e2e6d73' + '01');
    const v3 = encodeRequestBody(DescribeConfigsWithSynonyms, 3, { resources });
    assert.equal(hex(v3), hex(v2) + '00');
  });

  for (const version of [2, 4]) {
    test(`v${version} keeps the read-only flag, the source, the synonyms${version >= 3 ? ' and the type' : ''}`, () => {
      const flexible = version >= 4;
      const w = new ProtocolWriter(flexible);
      w.tags().int32(0);
      w.array([0], (w) => {
        w.int16(0).nullableString(null).int8(4).string('1');
        w.array(
          [
            { name: 'log.retention.ms', value: '600000', readOnly: false, source: 3, synonyms: [{ n: 'log.retention.ms', v: '600000', s: 3 }, { n: 'log.retention.hours', v: '168', s: 5 }] },
            { name: 'num.partitions', value: '1', readOnly: true, source: 4, synonyms: [{ n: 'num.partitions', v: '1', s: 4 }] },
          ],
          (w, c) => {
            w.string(c.name).nullableString(c.value).bool(c.readOnly).int8(c.source).bool(false);
            w.array(c.synonyms, (w, syn) => w.string(syn.n).nullableString(syn.v).int8(syn.s).tags());
            if (version >= 3) w.int8(c.readOnly ? 3 : 5).nullableString('docs');
            w.tags();
          },
        );
        w.tags();
      });
      w.tags();
      const [result] = decodeResponseBody(DescribeConfigsWithSynonyms, version, w.toBuffer());
      assert.equal(result?.name, '1');
      assert.deepEqual(result?.configs, [
        {
          name: 'log.retention.ms', value: '600000', readOnly: false, source: 3, sensitive: false, configType: version >= 3 ? 5 : 0,
          synonyms: [{ name: 'log.retention.ms', value: '600000', source: 3 }, { name: 'log.retention.hours', value: '168', source: 5 }],
        },
        { name: 'num.partitions', value: '1', readOnly: true, source: 4, sensitive: false, configType: version >= 3 ? 3 : 0, synonyms: [{ name: 'num.partitions', value: '1', source: 4 }] },
      ]);
    });
  }

  test('IncrementalAlterConfigs sends ValidateOnly when asked, false otherwise', () => {
    const resources = [{ type: 4 as const, name: '', configs: [{ name: 'r', operation: 0 as const, value: '1' }] }];
    const applied = encodeRequestBody(IncrementalAlterConfigs, 1, { resources });
    const validated = encodeRequestBody(IncrementalAlterConfigs, 1, { resources, validateOnly: true });
    assert.equal(hex(applied).slice(-4), '0000');
    assert.equal(hex(validated).slice(-4), '0100');
    assert.equal(hex(applied).slice(0, -4), hex(validated).slice(0, -4));
  });
});
