import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerContainerIndex, envWith } from './config.js';
import { RefusedError } from './errors.js';

describe('envWith', () => {
  it('replaces a literal value in place and appends a new variable, leaving the rest as they were', () => {
    const env = [{ name: 'KAFKA_NODE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'KAFKA_A', value: '1' }];
    const next = envWith(env, [{ envName: 'KAFKA_A', value: '2' }, { envName: 'KAFKA_B', value: '3' }]);
    assert.deepEqual(next, [env[0], { name: 'KAFKA_A', value: '2' }, { name: 'KAFKA_B', value: '3' }]);
    assert.equal(env[1]?.value, '1', 'the input is not changed');
  });
  it('refuses a variable that takes its value from elsewhere', () => {
    const env = [{ name: 'KAFKA_A', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }];
    assert.throws(() => envWith(env, [{ envName: 'KAFKA_A', value: '2' }]), (e: unknown) => e instanceof RefusedError && /configMapKeyRef/.test(e.message));
  });
});

describe('brokerContainerIndex', () => {
  const cases: Array<[string, Array<{ name: string; image?: string }>, number]> = [
    ['the container named kafka', [{ name: 'sidecar', image: 'envoy' }, { name: 'kafka', image: 'x' }], 1],
    ['else the first with a Kafka image', [{ name: 'exporter', image: 'prom/jmx' }, { name: 'broker', image: 'bitnami/kafka:3.9' }], 1],
    ['else the first', [{ name: 'a', image: 'b' }], 0],
  ];
  for (const [name, containers, index] of cases) it(name, () => assert.equal(brokerContainerIndex(containers), index));
});
