import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Verdict } from '../safety/types.js';
import {
  breakGlassInUse,
  cannotScale,
  maintenanceRecordsInTheWay,
  nodeRunsNoBroker,
  notRestarting,
  planRefused,
  unknownBrokerPod,
  waitTimedOut,
} from './messages.js';

const refused: Verdict = {
  allowed: false,
  reasons: [
    { rule: 'under-min-isr', message: 'orders-0 would have 1 in-sync replica, below min.insync.replicas 2.', partitions: [], remediation: 'kubectl kafka drain kafka-1' },
  ],
  warnings: [],
};

describe('operation messages', () => {
  it('a refused plan says nothing was changed, without a doubled full stop', () => {
    assert.equal(planRefused('3 partitions would need more brokers than are left.'), '3 partitions would need more brokers than are left. Nothing was changed');
    assert.equal(
      cannotScale('kafka', 2, 'broker 1 would end at 95% of its disk...'),
      'cannot scale kafka to 2: broker 1 would end at 95% of its disk. Nothing was changed',
    );
  });

  it('a refused restart names the reason and the brokers already restarted', () => {
    assert.equal(
      notRestarting('kafka-2', refused, ['kafka-0', 'kafka-1']),
      'not restarting kafka-2: orders-0 would have 1 in-sync replica, below min.insync.replicas 2. (restarted so far: kafka-0, kafka-1)',
    );
    assert.equal(notRestarting('kafka-0', refused, []), 'not restarting kafka-0: orders-0 would have 1 in-sync replica, below min.insync.replicas 2.');
  });

  it('a break-glass already on the pod is refused with the command that removes it', () => {
    const text = breakGlassInUse('kafka', 'kafka-2', 'node upgrade');
    assert.match(text, /already carries kafkaguard\.io\/allow-disruption="node upgrade"/);
    assert.match(text, /kubectl annotate pod kafka-2 -n kafka kafkaguard\.io\/allow-disruption-\) and run the command again$/);
  });

  it('a maintenance record in the way names its brokers, and ? for an unreadable one', () => {
    assert.equal(
      maintenanceRecordsInTheWay([[1, 2], null]),
      'a maintenance of broker(s) 1, 2; broker(s) ? is recorded; name exactly those brokers (kubectl kafka maintenance list shows them)',
    );
  });

  it('a target that names no broker lists what exists, or says there is none', () => {
    assert.equal(unknownBrokerPod('pod web-0 is not a broker pod of this cluster in namespace kafka', []), 'pod web-0 is not a broker pod of this cluster in namespace kafka; the broker pods are: (none)');
    assert.equal(
      nodeRunsNoBroker('node-b', [{ pod: 'kafka-0', node: 'node-a' }, { pod: 'kafka-1', node: null }]),
      'node node-b runs no broker of this cluster; the brokers run on: kafka-0 on node-a, kafka-1 on (unscheduled)',
    );
    assert.equal(nodeRunsNoBroker('node-b', []), 'node node-b runs no broker of this cluster; the brokers run on: (no broker pods)');
  });

  it('a wait that timed out says for what, in which state, and the last error', () => {
    assert.equal(waitTimedOut(90_000, 'pod kafka-1 to come back Ready', 'on node-a, not Ready', null), 'timed out after 1m30s waiting for pod kafka-1 to come back Ready (on node-a, not Ready)');
    assert.equal(waitTimedOut(5_000, 'broker 1 to register with Kafka', '', 'ECONNREFUSED'), 'timed out after 5s waiting for broker 1 to register with Kafka; last error: ECONNREFUSED');
  });
});
