import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOOKUP_ORIGINS, PendingLookups, trackLookups } from './awaited.js';
import { standardCluster } from './fake.js';
import type { FactsSource } from './types.js';

describe('trackLookups', () => {
  it('counts a lookup as pending from its start until it answers, by origin', async () => {
    const cluster = standardCluster();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowLedger: FactsSource = { ...bound(cluster), pendingDisruptions: async (key) => (await gate, cluster.pendingDisruptions(key)) };
    const pending = new PendingLookups();
    const facts = trackLookups(slowLedger, pending);
    const reading = facts.pendingDisruptions('kafka/kafka');
    await facts.brokerPods(cluster.policies[0] ?? assert.fail('no policy'));
    assert.deepEqual(pending.from('apiserver'), ['pendingDisruptions'], 'the answered pod lookup is no longer pending');
    assert.deepEqual(pending.from('kafka'), []);
    release();
    assert.equal((await reading).version, '1');
    assert.deepEqual(pending.from('apiserver'), []);
  });

  it('a lookup that throws is not pending afterwards, and its error passes through', async () => {
    const cluster = standardCluster();
    cluster.failing.pvcs = new Error('boom');
    const pending = new PendingLookups();
    await assert.rejects(trackLookups(cluster, pending).pvcs('kafka'), /boom/);
    assert.deepEqual(pending.from('apiserver'), []);
  });

  it('keeps optional lookups absent when the source has none', () => {
    const cluster = standardCluster();
    const tracked = trackLookups(cluster, new PendingLookups());
    assert.equal(tracked.replicaSizes, undefined);
    assert.equal(tracked.kafkaFeatures, undefined);
  });

  it('names Kafka as the origin of the Kafka lookups only', () => {
    const kafka = Object.entries(LOOKUP_ORIGINS).filter(([, origin]) => origin === 'kafka').map(([name]) => name);
    assert.deepEqual(kafka.sort(), ['kafkaFeatures', 'kafkaIndex', 'replicaSizes']);
  });
});

/** The fake's lookups as plain functions, so one can be replaced. */
function bound(cluster: ReturnType<typeof standardCluster>): FactsSource {
  return trackLookups(cluster, new PendingLookups());
}
