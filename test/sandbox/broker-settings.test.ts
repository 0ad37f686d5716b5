import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { brokerSettingsOf } from './node-agent.js';

test("the node agent passes the pod's KAFKA_* settings to the broker, less the sandbox's own and the JVM's", () => {
  const pod: V1Pod = {
    spec: {
      containers: [{
        name: 'kafka',
        image: 'apache/kafka:4.1.1',
        env: [
          { name: 'KAFKA_NODE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'KAFKA_PROCESS_ROLES', value: 'broker,controller' },
          { name: 'KAFKA_QUEUED_MAX_REQUESTS', value: '600' },
          { name: 'KAFKA_LOG_RETENTION_MS', value: '1000' },
          { name: 'KAFKA_HEAP_OPTS', value: '-Xmx1g' },
          { name: 'KAFKA_BROKER_RACK', value: 'zone-a' },
          { name: 'KAFKA_MIN_INSYNC_REPLICAS', value: '2' },
          { name: 'KAFKA_LISTENERS', value: 'PLAINTEXT://:1' },
          { name: 'OTHER', value: 'x' },
        ],
      }],
    },
  };
  assert.deepEqual(brokerSettingsOf(pod), [['queued.max.requests', '600'], ['log.retention.ms', '1000']]);
});
