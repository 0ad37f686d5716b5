import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import type { BrokerIdSource } from '../policy/types.js';
import {
  brokerIdOfPod,
  buildBrokerDirectory,
  describeIdSource,
  podNameForBroker,
  podNameForOrdinalBroker,
  POD_INDEX_LABEL,
  statefulSetNameOfPod,
  type PodLike,
} from './identity.js';

const ordinal = (offset = 0): BrokerIdSource => ({ ordinal: { offset } });
const byLabel: BrokerIdSource = { label: 'strimzi.io/broker-id' };
const byAnnotation: BrokerIdSource = { annotation: 'kafka.example.com/node-id' };
const bySuffix: BrokerIdSource = { podNameSuffix: {} };

function pod(name: string | undefined, extra: Omit<NonNullable<PodLike['metadata']>, 'name'> = {}): PodLike {
  return { metadata: { ...(name === undefined ? {} : { name }), ...extra } };
}

const statefulSetOwner = (name: string) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name, controller: true });

describe('brokerIdOfPod', () => {
  const found: Array<{ name: string; pod: PodLike; idFrom: BrokerIdSource; id: number }> = [
    { name: 'ordinal', pod: pod('kafka-0'), idFrom: ordinal(), id: 0 },
    { name: 'ordinal, two digits', pod: pod('kafka-12'), idFrom: ordinal(), id: 12 },
    { name: 'ordinal plus offset', pod: pod('kafka-2'), idFrom: ordinal(100), id: 102 },
    { name: 'ordinal of a StatefulSet whose name ends in digits', pod: pod('kafka-2-1'), idFrom: ordinal(), id: 1 },
    {
      name: 'ordinal agreeing with the pod-index label',
      pod: pod('kafka-3', { labels: { [POD_INDEX_LABEL]: '3' } }),
      idFrom: ordinal(10),
      id: 13,
    },
    { name: 'ordinal of a pod owned by a StatefulSet', pod: pod('kafka-1', { ownerReferences: [statefulSetOwner('kafka')] }), idFrom: ordinal(), id: 1 },
    {
      name: 'ordinal ignores owners that are not the controller',
      pod: pod('kafka-1', { ownerReferences: [{ kind: 'ConfigMap', name: 'x', controller: false }] }),
      idFrom: ordinal(),
      id: 1,
    },
    { name: 'label', pod: pod('my-cluster-b-x', { labels: { 'strimzi.io/broker-id': '7' } }), idFrom: byLabel, id: 7 },
    { name: 'label zero', pod: pod('p', { labels: { 'strimzi.io/broker-id': '0' } }), idFrom: byLabel, id: 0 },
    { name: 'label at the largest broker id', pod: pod('p', { labels: { 'strimzi.io/broker-id': '2147483647' } }), idFrom: byLabel, id: 2147483647 },
    { name: 'annotation', pod: pod('p', { annotations: { 'kafka.example.com/node-id': '42' } }), idFrom: byAnnotation, id: 42 },
    { name: 'podNameSuffix (Strimzi node pool)', pod: pod('my-cluster-pool-a-3'), idFrom: bySuffix, id: 3 },
    { name: 'podNameSuffix without a dash', pod: pod('broker10'), idFrom: bySuffix, id: 10 },
    { name: 'podNameSuffix ignores StatefulSet ownership', pod: pod('kafka-5', { ownerReferences: [statefulSetOwner('kafka')] }), idFrom: bySuffix, id: 5 },
  ];
  for (const { name, pod: subject, idFrom, id } of found) {
    it(`finds: ${name}`, () => assert.deepEqual(brokerIdOfPod(subject, idFrom), { ok: true, id }));
  }

  // Each error must name the pod, the rule and the value found.
  const refused: Array<{ name: string; pod: PodLike; idFrom: BrokerIdSource; error: RegExp[] }> = [
    { name: 'no metadata', pod: {}, idFrom: ordinal(), error: [/without metadata\.name/] },
    { name: 'empty name', pod: pod(''), idFrom: bySuffix, error: [/without metadata\.name/] },
    { name: 'ordinal: name without -N', pod: pod('zookeeper'), idFrom: ordinal(), error: [/pod zookeeper/, /idFrom ordinal/, /"zookeeper" does not end in -N/] },
    { name: 'ordinal: digits without a dash', pod: pod('kafka3'), idFrom: ordinal(), error: [/pod kafka3/, /does not end in -N/] },
    { name: 'ordinal: leading zeros', pod: pod('kafka-01'), idFrom: ordinal(), error: [/pod kafka-01/, /ordinal "01" has leading zeros/] },
    {
      name: 'ordinal: pod-index label disagrees with the name',
      pod: pod('kafka-1', { labels: { [POD_INDEX_LABEL]: '2' } }),
      idFrom: ordinal(),
      error: [/pod kafka-1/, /apps\.kubernetes\.io\/pod-index is "2"/, /ends in ordinal 1/],
    },
    {
      name: 'ordinal: pod-index label is not a number',
      pod: pod('kafka-1', { labels: { [POD_INDEX_LABEL]: 'one' } }),
      idFrom: ordinal(),
      error: [/pod kafka-1/, /pod-index is "one"/],
    },
    {
      name: 'ordinal: controlled by a ReplicaSet',
      pod: pod('kafka-exporter-7f9c6-48213', { ownerReferences: [{ kind: 'ReplicaSet', name: 'kafka-exporter-7f9c6', controller: true }] }),
      idFrom: ordinal(),
      error: [/pod kafka-exporter-7f9c6-48213/, /idFrom ordinal/, /controlled by ReplicaSet kafka-exporter-7f9c6/],
    },
    { name: 'ordinal: negative offset', pod: pod('kafka-1'), idFrom: ordinal(-1), error: [/pod kafka-1/, /offset -1/] },
    { name: 'ordinal: fractional offset', pod: pod('kafka-1'), idFrom: ordinal(0.5), error: [/offset 0\.5/] },
    { name: 'ordinal: above the largest broker id', pod: pod('kafka-2'), idFrom: ordinal(2147483646), error: [/pod kafka-2/, /ordinal 2 \+ offset 2147483646 gives 2147483648/] },
    { name: 'label missing', pod: pod('kafka-a', { labels: { app: 'kafka' } }), idFrom: byLabel, error: [/pod kafka-a/, /idFrom label "strimzi\.io\/broker-id" is not set/] },
    { name: 'label with no labels at all', pod: pod('kafka-a'), idFrom: byLabel, error: [/pod kafka-a/, /is not set/] },
    { name: 'label not a number', pod: pod('kafka-a', { labels: { 'strimzi.io/broker-id': 'abc' } }), idFrom: byLabel, error: [/pod kafka-a/, /label "strimzi\.io\/broker-id" is "abc"/, /not a non-negative integer/] },
    { name: 'label negative', pod: pod('kafka-a', { labels: { 'strimzi.io/broker-id': '-1' } }), idFrom: byLabel, error: [/is "-1"/] },
    { name: 'label with spaces', pod: pod('kafka-a', { labels: { 'strimzi.io/broker-id': ' 3' } }), idFrom: byLabel, error: [/is " 3"/] },
    { name: 'label fractional', pod: pod('kafka-a', { labels: { 'strimzi.io/broker-id': '3.0' } }), idFrom: byLabel, error: [/is "3\.0"/] },
    { name: 'label leading zeros', pod: pod('kafka-a', { labels: { 'strimzi.io/broker-id': '007' } }), idFrom: byLabel, error: [/is "007"/, /leading zeros/] },
    { name: 'label above int32', pod: pod('kafka-a', { labels: { 'strimzi.io/broker-id': '2147483648' } }), idFrom: byLabel, error: [/pod kafka-a/, /2147483648, above the largest Kafka broker id/] },
    {
      name: 'label key from the prototype is not a label',
      pod: pod('kafka-a', { labels: {} }),
      idFrom: { label: 'constructor' },
      error: [/idFrom label "constructor" is not set/],
    },
    {
      name: 'annotation missing (even when a label of that name exists)',
      pod: pod('kafka-a', { labels: { 'kafka.example.com/node-id': '1' } }),
      idFrom: byAnnotation,
      error: [/pod kafka-a/, /idFrom annotation "kafka\.example\.com\/node-id" is not set/],
    },
    { name: 'annotation not a number', pod: pod('kafka-a', { annotations: { 'kafka.example.com/node-id': 'x' } }), idFrom: byAnnotation, error: [/annotation "kafka\.example\.com\/node-id" is "x"/] },
    { name: 'podNameSuffix: no digits', pod: pod('kafka'), idFrom: bySuffix, error: [/pod kafka/, /idFrom podNameSuffix/, /"kafka" ends in none/] },
    { name: 'podNameSuffix: leading zeros', pod: pod('pool-a-03'), idFrom: bySuffix, error: [/pod pool-a-03/, /suffix "03" has leading zeros/] },
    { name: 'no idFrom member', pod: pod('kafka-0'), idFrom: {} as BrokerIdSource, error: [/pod kafka-0/, /sets none of ordinal, label, annotation, podNameSuffix/] },
  ];
  for (const { name, pod: subject, idFrom, error } of refused) {
    it(`refuses: ${name}`, () => {
      const result = brokerIdOfPod(subject, idFrom);
      assert.equal(result.ok, false, `expected an error, got ${JSON.stringify(result)}`);
      if (!result.ok) for (const part of error) assert.match(result.error, part);
    });
  }
});

describe('describeIdSource', () => {
  it('names each rule', () => {
    assert.equal(describeIdSource(ordinal(3)), 'ordinal (offset 3)');
    assert.equal(describeIdSource(byLabel), 'label "strimzi.io/broker-id"');
    assert.equal(describeIdSource(byAnnotation), 'annotation "kafka.example.com/node-id"');
    assert.equal(describeIdSource(bySuffix), 'podNameSuffix');
  });
});

describe('podNameForOrdinalBroker', () => {
  const cases: Array<{ args: [string, number, number]; result: ReturnType<typeof podNameForOrdinalBroker> | RegExp }> = [
    { args: ['kafka', 0, 0], result: { ok: true, name: 'kafka-0' } },
    { args: ['kafka', 3, 0], result: { ok: true, name: 'kafka-3' } },
    { args: ['kafka', 103, 100], result: { ok: true, name: 'kafka-3' } },
    { args: ['kafka', 2, 3], result: /broker id 2 is below the ordinal offset 3.*StatefulSet kafka/ },
    { args: ['kafka', -1, 0], result: /broker id -1 is not an integer >= 0/ },
    { args: ['kafka', 1.5, 0], result: /broker id 1\.5/ },
    { args: ['kafka', 1, -2], result: /offset -2 is not an integer >= 0/ },
  ];
  for (const { args, result } of cases) {
    it(`${args.join(', ')}`, () => {
      const actual = podNameForOrdinalBroker(...args);
      if (result instanceof RegExp) {
        assert.equal(actual.ok, false);
        if (!actual.ok) assert.match(actual.error, result);
      } else {
        assert.deepEqual(actual, result);
      }
    });
  }

  it('round-trips with brokerIdOfPod for any StatefulSet name, offset and id', () => {
    const statefulSetName = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(statefulSetName, fc.nat(1000), fc.nat(100_000), (name, offset, ordinalNumber) => {
        const id = offset + ordinalNumber;
        const named = podNameForOrdinalBroker(name, id, offset);
        assert.ok(named.ok);
        assert.deepEqual(brokerIdOfPod(pod(named.name), ordinal(offset)), { ok: true, id });
      }),
      { numRuns: 300 },
    );
  });
});

describe('podNameForBroker', () => {
  const pods = [pod('kafka-0'), pod('kafka-1'), pod('kafka-2'), pod('zookeeper')];

  it('finds the pod running the broker', () => {
    const result = podNameForBroker(101, ordinal(100), pods);
    assert.equal(result.ok, true);
    if (result.ok) {
      assert.equal(result.name, 'kafka-1');
      assert.equal(result.pod, pods[1]);
    }
  });

  it('says how many pods it checked and which yield no id when none runs the broker', () => {
    const result = podNameForBroker(7, ordinal(), pods);
    assert.deepEqual(result, {
      ok: false,
      error: 'no pod runs broker id 7 under idFrom ordinal (offset 0): checked 4 pods; 1 of them yield no id (zookeeper)',
    });
  });

  it('refuses to choose when two pods claim the broker', () => {
    const result = podNameForBroker(1, bySuffix, [pod('pool-a-1'), pod('pool-b-1'), pod('pool-a-2')]);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error, /broker id 1 is claimed by 2 pods \(pool-a-1, pool-b-1\) under idFrom podNameSuffix/);
  });

  it('finds nothing among no candidates', () => {
    assert.deepEqual(podNameForBroker(0, byLabel, []), {
      ok: false,
      error: 'no pod runs broker id 0 under idFrom label "strimzi.io/broker-id": checked 0 pods',
    });
  });
});

describe('buildBrokerDirectory', () => {
  it('maps ids to pods and back', () => {
    const pods = [pod('kafka-2'), pod('kafka-0'), pod('kafka-1')];
    const directory = buildBrokerDirectory(pods, ordinal());
    assert.deepEqual(directory.errors, []);
    assert.deepEqual([...directory.byPod], [['kafka-2', 2], ['kafka-0', 0], ['kafka-1', 1]]);
    assert.deepEqual([...directory.byId.keys()], [0, 1, 2]);
    assert.equal(directory.byId.get(2), pods[0]);
  });

  it('reports every pod without an id and keeps the others', () => {
    const directory = buildBrokerDirectory(
      [pod('a', { labels: { 'strimzi.io/broker-id': '1' } }), pod('b'), pod('c', { labels: { 'strimzi.io/broker-id': 'x' } })],
      byLabel,
    );
    assert.deepEqual([...directory.byPod], [['a', 1]]);
    assert.deepEqual([...directory.byId.keys()], [1]);
    assert.equal(directory.errors.length, 2);
    assert.match(directory.errors[0] ?? '', /pod b has no broker id: idFrom label "strimzi\.io\/broker-id" is not set/);
    assert.match(directory.errors[1] ?? '', /pod c has no broker id: its label "strimzi\.io\/broker-id" is "x"/);
  });

  it('leaves an id claimed by two pods out of byId, reports it, and keeps both pods in byPod', () => {
    const directory = buildBrokerDirectory([pod('pool-a-1'), pod('pool-b-1'), pod('pool-a-2')], bySuffix);
    assert.deepEqual([...directory.byId.keys()], [2]);
    assert.deepEqual([...directory.byPod], [['pool-a-1', 1], ['pool-b-1', 1], ['pool-a-2', 2]]);
    assert.deepEqual(directory.errors, [
      'broker id 1 is claimed by 2 pods (pool-a-1, pool-b-1) under idFrom podNameSuffix; ' +
        "narrow spec.brokers.selector to one cluster's brokers or fix their ids",
    ]);
  });

  it('accepts the same pod listed twice (merged lists) without an error', () => {
    const directory = buildBrokerDirectory([pod('kafka-0'), pod('kafka-0')], ordinal());
    assert.deepEqual(directory.errors, []);
    assert.deepEqual([...directory.byId.keys()], [0]);
  });

  it('reports a pod listed twice with different ids', () => {
    const directory = buildBrokerDirectory(
      [pod('p', { labels: { 'strimzi.io/broker-id': '1' } }), pod('p', { labels: { 'strimzi.io/broker-id': '2' } })],
      byLabel,
    );
    assert.deepEqual(directory.errors, ['pod p is listed twice with different broker ids (1 and 2); list each pod once']);
    assert.deepEqual([...directory.byPod], [['p', 1]]);
  });
});

describe('statefulSetNameOfPod', () => {
  it('prefers the controlling StatefulSet', () => {
    assert.equal(statefulSetNameOfPod(pod('kafka-0', { ownerReferences: [statefulSetOwner('kafka')] })), 'kafka');
  });
  it('falls back to the name without its ordinal', () => {
    assert.equal(statefulSetNameOfPod(pod('my-kafka-broker-12')), 'my-kafka-broker');
  });
  it('has none for pods another controller owns or names without an ordinal', () => {
    assert.equal(statefulSetNameOfPod(pod('x-1', { ownerReferences: [{ kind: 'StrimziPodSet', name: 'x', controller: true }] })), undefined);
    assert.equal(statefulSetNameOfPod(pod('kafka')), undefined);
    assert.equal(statefulSetNameOfPod({}), undefined);
  });
});

describe('PodLike', () => {
  it('accepts a @kubernetes/client-node V1Pod as is', () => {
    const v1pod: V1Pod = {
      metadata: {
        name: 'kafka-4',
        labels: { [POD_INDEX_LABEL]: '4' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'kafka', uid: 'u', controller: true }],
      },
    };
    assert.deepEqual(brokerIdOfPod(v1pod, ordinal()), { ok: true, id: 4 });
  });
});
