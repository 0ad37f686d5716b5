import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Verdict } from '../shared/safety/types.js';
import { drainRefused, moveRefused, noPolicy, policyNotFound, renderCanDisrupt, throttlesDryRun } from './messages.js';

const refused: Verdict = {
  allowed: false,
  reasons: [{ rule: 'offline', message: 'orders-0 would go offline.', partitions: [], remediation: 'kubectl kafka maintenance start kafka-2' }],
  warnings: [],
};

describe('plugin messages', () => {
  it('a drain that cannot fit names the maintenance that works when the broker comes back', () => {
    assert.equal(
      drainRefused('3 partitions would need more brokers than are left.', 1, 'kafka-2'),
      '3 partitions would need more brokers than are left. Nothing was changed. If the broker will come back (a node reboot or upgrade), ' +
        'only what would break without it has to move: kubectl kafka maintenance start kafka-2',
    );
    assert.match(drainRefused('No room', 2, '--node node-a2'), /If the brokers will come back .* without them has to move: kubectl kafka maintenance start --node node-a2$/);
  });

  it('a refused move gives each reason with its safe way, and says nothing changed', () => {
    assert.equal(moveRefused('kafka-2', refused), 'not moving kafka-2: orders-0 would go offline. (kubectl kafka maintenance start kafka-2) Nothing was changed');
  });

  it('can-disrupt prints the verdict, the brokers already down and what to do instead', () => {
    const text = renderCanDisrupt({
      target: 'pod kafka-2',
      brokers: [{ id: 2, pod: 'kafka-2', node: 'node-a2' }],
      alreadyDown: [0],
      pending: [],
      verdict: refused,
    });
    assert.equal(
      text,
      [
        'UNSAFE: taking down broker 2 (pod kafka-2 on node-a2)',
        'already down: broker(s) 0',
        '- orders-0 would go offline.',
        '  do instead: kubectl kafka maintenance start kafka-2',
      ].join('\n'),
    );
  });

  it('a missing policy names the namespace, what exists and the flag to use', () => {
    assert.equal(policyNotFound('prod', 'KafkaGuardPolicy', 'kafka', ['main', 'test']), '--policy prod: no KafkaGuardPolicy of that name in namespace kafka; there: main, test');
    assert.match(policyNotFound('prod', 'KafkaGuardPolicy', 'kafka', []), /the namespace has none \(choose the namespace with -n\)$/);
    assert.match(noPolicy('KafkaGuardPolicy', 'default'), /^no KafkaGuardPolicy in namespace default: .*Choose the namespace with -n, or create a policy/);
  });

  it('a dry run of throttles --clear says what it would remove', () => {
    assert.equal(throttlesDryRun('TABLE'), 'TABLE\n(dry run: --clear would remove all of these)');
  });
});
