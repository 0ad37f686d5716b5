import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceRecord } from '../plan/maintenance.js';
import { UsageError } from './errors.js';
import { recordFor, recordKey, type StoredRecord } from './maintenance.js';

const record = (brokers: number[]): MaintenanceRecord => ({ brokers, startedAt: 't', moves: [], leaders: [], cordoned: null, startedBy: 'kubectl kafka' });

describe('maintenance records', () => {
  it('keys a record by policy and sorted broker ids', () => {
    assert.equal(recordKey('kafka', [2, 0]), 'kafka.0-2');
  });

  it('finds the record of exactly these brokers, and none when nothing touches them', () => {
    const stored: StoredRecord[] = [{ key: 'kafka.2', record: record([2]) }, { key: 'kafka.0', record: record([0]) }];
    assert.equal(recordFor(stored, [2])?.key, 'kafka.2');
    assert.equal(recordFor(stored, [1]), null);
  });

  it('refuses to guess: a record covering other brokers too, or an unreadable one, is a usage error naming it', () => {
    assert.throws(() => recordFor([{ key: 'kafka.1-2', record: record([1, 2]) }], [2]), (e: unknown) => e instanceof UsageError && /broker\(s\) 1, 2/.test(e.message));
    assert.throws(() => recordFor([{ key: 'kafka.2', record: null }], [2]), (e: unknown) => e instanceof UsageError && /kafka\.2 .* cannot be read/.test(e.message));
  });
});

describe('executeStart', () => {
  it('the final check counts a broker the waiting eviction already took down as down, not as unknown', async () => {
    const { FakeKafka } = await import('../plan/testing/fake-kafka.js');
    const { fetchClusterView } = await import('../kafka/cluster-view.js');
    const { indexCluster } = await import('../safety/cluster-index.js');
    const { buildBrokerDirectory } = await import('../k8s/identity.js');
    const { testPolicy } = await import('../safety/testing/policy.js');
    const { executeStart, prepareStart } = await import('./maintenance.js');
    // Broker 2 holds only the RF1 partition: once it has moved, a stopped broker 2 holds nothing Kafka lists.
    const kafka = new FakeKafka([0, 1, 2]).addTopic('single', [[2]]).addTopic('orders', [[0, 1], [1, 0]]);
    const policy = testPolicy('kafka');
    const pod = (name: string, ready: boolean) => ({
      metadata: { name, namespace: 'kafka', uid: `uid-${name}`, labels: { app: 'kafka' } },
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    let evicted = false;
    const data: Record<string, string> = {};
    const kube = {
      readConfigMap: async () => ({ metadata: { name: 'kafka-guard-maintenance' }, data }),
      setConfigMapKey: async (_ns: string, _name: string, key: string, value: string | null) => {
        if (value === null) delete data[key];
        else data[key] = value;
      },
    };
    const session = {
      kube: kube as never,
      namespace: 'kafka',
      policy,
      ledger: { namespace: 'kafka-guard', name: 'kafka-guard-ledger' },
      kafka: async () => kafka,
      snapshot: async () => {
        // Once the moves are done, the eviction kubectl drain kept retrying goes through: broker 2 is gone.
        const view = await fetchClusterView(kafka);
        const pods = [pod('kafka-0', true), pod('kafka-1', true), pod('kafka-2', !evicted)];
        const shown = evicted ? { ...view, brokers: view.brokers.filter((b) => b.id !== 2) } : view;
        return { pods: pods as never, directory: buildBrokerDirectory(pods as never, policy.spec.brokers.idFrom), down: evicted ? [2] : [], pending: { brokers: [], unknown: null }, view: shown, index: indexCluster(shown) };
      },
    };
    const prepared = await prepareStart(session, await session.snapshot(), { label: 'broker 2', brokers: [{ id: 2 }] }, 10);
    evicted = true;
    const context = { session, reporter: { event: () => undefined, progress: () => undefined }, signal: new AbortController().signal, throttleBytesPerSecond: null, timeoutMs: 5000, maxMovesPerBroker: 10 };
    const outcome = await executeStart(context, prepared, null, 'evacuation');
    assert.equal(outcome.verdict.allowed, true, outcome.verdict.reasons.map((r) => r.message).join(' '));
  });
});
