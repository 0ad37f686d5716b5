import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testPolicy } from './testing/policy.js';
import { indexCluster } from './cluster-index.js';
import { disruptionVerdict } from './disruption.js';
import { clusterOf } from './testing/cluster-builder.js';

const policy = testPolicy();
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

describe('disruptionVerdict: one answer for a retried disruption, whoever asks', () => {
  // RF 3, min ISR 2. Broker 1's eviction was admitted (the ledger holds it) but a
  // PodDisruptionBudget said 429, so broker 1 is still up; the client retries it.
  const rows: Array<{ name: string; down: number[]; pending: number[]; brokers: number[]; allowed: boolean; rule?: string }> = [
    { name: 'the retry alone: its own admission is not another broker down', down: [], pending: [1], brokers: [1], allowed: true },
    { name: 'broker 0 crashed meanwhile: the retry would leave one in-sync replica', down: [0], pending: [1], brokers: [1], allowed: false, rule: 'under-min-isr' },
    { name: 'broker 0 pending too: the retry would leave one in-sync replica', down: [], pending: [0, 1], brokers: [1], allowed: false, rule: 'under-min-isr' },
    { name: 'broker 1 itself is down already: nothing changes', down: [1], pending: [1], brokers: [1], allowed: true },
    { name: 'two brokers at once, both pending from an earlier try', down: [], pending: [1, 2], brokers: [1, 2], allowed: false, rule: 'under-min-isr' },
    { name: 'a third broker pending: any one more is too many', down: [], pending: [2], brokers: [1], allowed: false, rule: 'under-min-isr' },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const decided = disruptionVerdict({ index, brokers: row.brokers, kind: 'disrupt', down: row.down, pending: { brokers: row.pending, unknown: null }, policy });
      assert.equal(decided.allowed, row.allowed, decided.reasons.map((r) => r.message).join('\n'));
      if (row.rule !== undefined) assert.deepEqual(decided.reasons.map((r) => r.rule), [row.rule]);
    });
  }

  test('a partition already under min ISR because of the down broker is refused, not only warned about, when the retry takes one more', () => {
    const decided = disruptionVerdict({ index, brokers: [1], kind: 'disrupt', down: [0], pending: { brokers: [1], unknown: null }, policy });
    assert.deepEqual(decided.reasons[0]?.partitions.map((p) => `${p.topic}-${p.partition}`), ['orders-0', 'orders-1']);
    assert.deepEqual(decided.warnings, []);
  });
});
