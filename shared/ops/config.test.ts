import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrokerTarget, KafkaApi } from '../kafka/client.js';
import { KafkaRequestError } from '../kafka/errors.js';
import type { AlterConfigsResource, ApiSpec } from '../kafka/protocol.js';
import type { ConfigSetPlan, KeyPlan } from '../plan/config.js';
import { brokerContainerIndex, envWith, validateLiveChanges } from './config.js';
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

describe('validateLiveChanges', () => {
  const plan = (keys: Array<Partial<KeyPlan> & { key: string }>): ConfigSetPlan => ({
    target: { kind: 'cluster-default' },
    refusals: [],
    restartBrokers: [],
    keys: keys.map((k) => ({ value: '1', mode: 'live', resource: '', envName: null, brokers: [], before: {}, warnings: [], ...k })),
  });

  class RecordingKafka implements KafkaApi {
    readonly requestTimeoutMs = 1000;
    readonly sent: Array<{ target: BrokerTarget; name: string; request: unknown }> = [];
    constructor(private readonly refuse: Record<string, string> = {}) {}
    async call<Request, Response>(target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
      this.sent.push({ target, name: spec.name, request });
      const { resources } = request as { resources: AlterConfigsResource[] };
      return resources.map((r) => {
        const message = this.refuse[r.name];
        return { errorCode: message === undefined ? 0 : 42, errorMessage: message ?? null, type: r.type, name: r.name };
      }) as Response;
    }
  }

  it('asks Kafka with ValidateOnly, the cluster default anywhere and a broker value on that broker, one resource per level', async () => {
    const kafka = new RecordingKafka();
    await validateLiveChanges(kafka, plan([
      { key: 'a', resource: '' },
      { key: 'b', resource: '' },
      { key: 'c', resource: '2', value: null },
      { key: 'd', mode: 'restart', resource: null },
      { key: 'e', mode: 'unchanged', resource: '' },
    ]));
    assert.deepEqual(kafka.sent.map((s) => s.target), ['controller', { broker: 2 }]);
    assert.deepEqual(kafka.sent.map((s) => s.request), [
      { validateOnly: true, resources: [{ type: 4, name: '', configs: [{ name: 'a', operation: 0, value: '1' }, { name: 'b', operation: 0, value: '1' }] }] },
      { validateOnly: true, resources: [{ type: 4, name: '2', configs: [{ name: 'c', operation: 1, value: null }] }] },
    ]);
  });

  it("throws Kafka's own message when it refuses, saying nothing changed", async () => {
    const kafka = new RecordingKafka({ '0': 'Invalid value 0 for configuration num.io.threads' });
    await assert.rejects(validateLiveChanges(kafka, plan([{ key: 'num.io.threads', resource: '0', value: '0' }])), (e: unknown) =>
      e instanceof KafkaRequestError && /nothing was changed/.test(e.message) && /broker 0: .*Invalid value 0 for configuration num.io.threads/.test(e.message));
  });
});
