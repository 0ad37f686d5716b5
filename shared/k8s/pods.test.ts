import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerClaimName, claimNamesForOrdinal, podIsReady, podIsTerminating } from './pods.js';

test('readiness and termination', () => {
  assert.equal(podIsReady({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }), true);
  assert.equal(podIsReady({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }), false);
  assert.equal(podIsTerminating({ metadata: { deletionTimestamp: new Date() } }), true);
  assert.equal(podIsTerminating({ metadata: {} }), false);
});

test('the broker claim is the one the broker container mounts', () => {
  const pod = {
    spec: {
      containers: [{ name: 'sidecar', volumeMounts: [{ name: 'logs' }] }, { name: 'kafka', volumeMounts: [{ name: 'config' }, { name: 'data' }] }],
      volumes: [
        { name: 'logs', persistentVolumeClaim: { claimName: 'logs-kafka-0' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data-kafka-0' } },
        { name: 'config' },
      ],
    },
  };
  assert.equal(brokerClaimName(pod, 'kafka'), 'data-kafka-0');
  assert.equal(brokerClaimName(pod), 'logs-kafka-0');
  assert.equal(brokerClaimName({ spec: { containers: [] } }), null);
});

test('claim names of an ordinal', () => {
  assert.deepEqual(
    claimNamesForOrdinal({ metadata: { name: 'kafka' }, spec: { volumeClaimTemplates: [{ metadata: { name: 'data' } }, { metadata: { name: 'logs' } }] } }, 3),
    ['data-kafka-3', 'logs-kafka-3'],
  );
});
