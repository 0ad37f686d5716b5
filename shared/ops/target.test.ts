import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { buildBrokerDirectory } from '../k8s/identity.js';
import { indexCluster } from '../safety/cluster-index.js';
import { clusterOf } from '../safety/testing/cluster-builder.js';
import { UsageError } from './errors.js';
import { parseBrokerId, resolveTarget, type TargetFacts } from './target.js';

const pod = (name: string, node: string): V1Pod => ({
  metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'kafka', uid: 'u', controller: true }] },
  spec: { nodeName: node, containers: [] },
});

function facts(): TargetFacts {
  const pods = [pod('kafka-0', 'n1'), pod('kafka-1', 'n2'), pod('kafka-2', 'n2'), { metadata: { name: 'zookeeper-0' }, spec: { nodeName: 'n3', containers: [] } }];
  return {
    namespace: 'kafka',
    pods,
    directory: buildBrokerDirectory(pods.slice(0, 3), { ordinal: { offset: 0 } }),
    index: indexCluster(clusterOf([0, 1, 2], [{ name: 't', partitions: [{ r: [0, 1, 2] }] }])),
    nodes: new Map<string, V1Node>([['n1', {}], ['n2', {}], ['n3', {}], ['n4', {}]]),
  };
}

describe('resolveTarget', () => {
  test('a pod, a broker id and a node (all its brokers)', () => {
    assert.deepEqual(resolveTarget({ pod: 'pod/kafka-1' }, facts()).brokers, [{ id: 1, pod: 'kafka-1', node: 'n2' }]);
    assert.deepEqual(resolveTarget({ broker: 0 }, facts()).brokers, [{ id: 0, pod: 'kafka-0', node: 'n1' }]);
    const node = resolveTarget({ node: 'n2' }, facts());
    assert.equal(node.label, 'node n2');
    assert.deepEqual(node.brokers.map((b) => b.id), [1, 2]);
  });

  for (const [what, input, message] of [
    ['unknown pod', { pod: 'kafka-7' }, /pod kafka-7 is not a broker pod .* the broker pods are: kafka-0, kafka-1, kafka-2/],
    ['a selected pod without a broker id', { pod: 'zookeeper-0' }, /pod zookeeper-0 has no broker id/],
    ['broker id not in the cluster', { broker: 9 }, /broker 9 is not in this cluster; its brokers are: 0, 1, 2/],
    ['node without brokers', { node: 'n4' }, /node n4 runs no broker .* kafka-0 on n1/],
    ['node that does not exist', { node: 'n9' }, /node n9 does not exist/],
    ['nothing named', {}, /name the broker/],
    ['two ways at once', { pod: 'kafka-0', broker: 0 }, /one way only/],
  ] as const) {
    test(`${what}: a usage error that lists what exists`, () => {
      assert.throws(() => resolveTarget(input, facts()), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }

  test('--broker must be a whole number', () => {
    assert.equal(parseBrokerId('12'), 12);
    assert.throws(() => parseBrokerId('2x'), UsageError);
    assert.throws(() => parseBrokerId('-1'), UsageError);
  });
});
