import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { FakeCluster, makePod, makePolicy } from '../facts/fake.js';
import { nodePoolStorage, storageChange, STRIMZI_POOL_LABEL } from './nodepool-storage.js';

const single = (size: string) => ({ type: 'persistent-claim', size, deleteClaim: false });
const jbod = (...volumes: Array<[number, string]>) => ({
  type: 'jbod',
  volumes: volumes.map(([id, size]) => ({ id, type: 'persistent-claim', size })),
});

describe('storageChange', () => {
  it('finds a shrunk persistent-claim volume', () => {
    assert.deepEqual(storageChange(single('100Gi'), single('50Gi')).shrunk.map((s) => s.label), ['the volume']);
  });
  it('matches JBOD volumes by id, not position', () => {
    const change = storageChange(jbod([0, '100Gi'], [1, '200Gi']), jbod([1, '200Gi'], [0, '80Gi']));
    assert.deepEqual(change.shrunk.map((s) => s.label), ['JBOD volume 0']);
    assert.deepEqual(change.removed, []);
  });
  it('reports removed JBOD volumes', () => {
    assert.deepEqual(storageChange(jbod([0, '100Gi'], [1, '100Gi']), jbod([0, '100Gi'])).removed, ['1']);
  });
  it('ignores growth and ephemeral storage', () => {
    const none = { shrunk: [], removed: [] };
    assert.deepEqual(storageChange(single('100Gi'), single('200Gi')), none);
    assert.deepEqual(storageChange({ type: 'ephemeral' }, { type: 'ephemeral' }), none);
  });
});

function nodePoolUpdate(before: unknown, after: unknown) {
  return loadRequest('sts-scale', (r) => {
    r.request.kind = { group: 'kafka.strimzi.io', version: 'v1beta2', kind: 'KafkaNodePool' };
    r.request.resource = { group: 'kafka.strimzi.io', version: 'v1beta2', resource: 'kafkanodepools' };
    r.request.name = 'brokers';
    const pool = (storage: unknown) => ({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaNodePool',
      metadata: { name: 'brokers', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'my-cluster' } },
      spec: { replicas: 3, roles: ['broker'], storage },
    });
    r.request.oldObject = pool(before);
    r.request.object = pool(after);
  });
}

describe('nodepool-storage', () => {
  const strimziLabels = { 'strimzi.io/cluster': 'my-cluster', 'strimzi.io/kind': 'Kafka', [STRIMZI_POOL_LABEL]: 'brokers' };
  const cluster = () =>
    new FakeCluster({
      policies: [makePolicy({ selector: { matchLabels: { 'strimzi.io/cluster': 'my-cluster', 'strimzi.io/kind': 'Kafka' } } })],
      pods: [makePod('my-cluster-brokers-0', { labels: strimziLabels, statefulSet: null })],
    });

  it('refuses shrinking a JBOD volume of a guarded pool', async () => {
    const request = nodePoolUpdate(jbod([0, '100Gi']), jbod([0, '50Gi']));
    assert.equal(nodePoolStorage.matches(request), true);
    const located = await nodePoolStorage.locate(request, cluster());
    assert.ok(located, 'the pool is found through its pods');
    const verdict = nodePoolStorage.decide(request, await nodePoolStorage.gather(request, located, cluster(), {} as never));
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.summary, 'kafka-guard refused to shrink the storage of KafkaNodePool kafka/brokers.');
    assert.match(verdict.outcome.reasons[0]?.message ?? '', /JBOD volume 0 would shrink from 100Gi to 50Gi/);
  });

  it('only warns when a JBOD volume is removed', async () => {
    const request = nodePoolUpdate(jbod([0, '100Gi'], [1, '100Gi']), jbod([0, '100Gi']));
    const located = await nodePoolStorage.locate(request, cluster());
    assert.ok(located);
    const verdict = nodePoolStorage.decide(request, await nodePoolStorage.gather(request, located, cluster(), {} as never));
    assert.equal(verdict.allowed, true);
    assert.match(verdict.warnings.join('\n'), /removing JBOD volume 1 from KafkaNodePool brokers deletes its data/);
  });

  it('leaves pools without guarded pods alone, and unchanged storage without lookups', async () => {
    const empty = new FakeCluster({ policies: [makePolicy()] });
    assert.equal(await nodePoolStorage.locate(nodePoolUpdate(single('100Gi'), single('50Gi')), empty), null);
    const fake = cluster();
    assert.equal(await nodePoolStorage.locate(nodePoolUpdate(single('100Gi'), single('100Gi')), fake), null);
    assert.deepEqual(fake.calls, []);
  });
});
