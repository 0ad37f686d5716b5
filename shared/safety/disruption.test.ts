import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePolicy } from '../policy/parse.js';
import { indexCluster } from './cluster-index.js';
import { disruptionVerdict } from './disruption.js';
import { clusterOf } from './testing/cluster-builder.js';

const parsed = parsePolicy({
  apiVersion: 'kafkaguard.io/v1alpha1',
  kind: 'KafkaGuardPolicy',
  metadata: { name: 'p', namespace: 'kafka' },
  spec: { brokers: { selector: { matchLabels: { app: 'kafka' } }, idFrom: { ordinal: { offset: 0 } } }, kafka: { bootstrapServers: ['kafka-0:9092'] } },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const policy = parsed.policy;
// RF 3, min ISR 2: any one broker may go, never two.
const index = indexCluster(clusterOf([0, 1, 2], [{ name: 'orders', minIsr: 2, partitions: [{ r: [0, 1, 2] }, { r: [1, 2, 0] }] }]));
const ask = (pending: { brokers: number[]; unknown: string | null }) =>
  disruptionVerdict({ index, brokers: [1], kind: 'disrupt', down: [], pending, policy });

describe('disruptionVerdict and the webhook ledger', () => {
  test('a disruption the webhook admitted counts as down, as the webhook counts it', () => {
    assert.equal(ask({ brokers: [], unknown: null }).allowed, true);
    const refused = ask({ brokers: [0], unknown: null });
    assert.equal(refused.allowed, false);
    assert.match(refused.reasons.map((r) => r.message).join('\n'), /orders-0/);
  });

  test('the broker asked about being pending itself (a retried eviction) does not refuse it', () => {
    assert.equal(ask({ brokers: [1], unknown: null }).allowed, true);
  });

  test('a ledger that could not be read is said in the warnings', () => {
    const verdict = ask({ brokers: [], unknown: 'cannot read the ledger (forbidden)' });
    assert.equal(verdict.allowed, true);
    assert.deepEqual(verdict.warnings, ['cannot read the ledger (forbidden)']);
  });
});
