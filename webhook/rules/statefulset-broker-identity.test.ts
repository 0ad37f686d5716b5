import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy } from '../../shared/policy/parse.js';
import { loadRequest, type Review } from '../../test/fixtures/admission/load.js';
import { makePolicy, standardCluster } from '../facts/fake.js';
import { identityChanges, statefulSetBrokerIdentity } from './statefulset-broker-identity.js';

type Env = Array<{ name: string; value?: string; valueFrom?: unknown }>;
const template = (env: Env, name = 'kafka') => ({ spec: { containers: [{ name: 'sidecar', env: [{ name: 'KAFKA_NODE_ID', value: '99' }] }, { name, env }] } });
const policyWith = (convention: 'apache' | 'bitnami' | 'none', containerName = 'kafka') => {
  const base = makePolicy();
  const parsed = parsePolicy({
    apiVersion: 'kafkaguard.io/v1alpha1', kind: 'KafkaGuardPolicy', metadata: { name: 'kafka', namespace: 'kafka' },
    spec: { ...base.spec, brokers: { ...base.spec.brokers, containerName }, defaults: { ...base.spec.defaults, kafkaSettings: { enabled: true, envConvention: convention } } },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
};
const changed = (before: Env, after: Env, convention: 'apache' | 'bitnami' | 'none' = 'apache') =>
  identityChanges(template(before), template(after), policyWith(convention)).map((c) => [c.setting, c.before, c.after]);

describe('identityChanges', () => {
  const table: Array<[string, Env, Env, Array<[string, string | null, string | null]>, ('apache' | 'bitnami' | 'none')?]> = [
    ['nothing changes', [{ name: 'KAFKA_NODE_ID', value: '0' }], [{ name: 'KAFKA_NODE_ID', value: '0' }], []],
    ['other settings change', [{ name: 'KAFKA_NUM_IO_THREADS', value: '8' }], [{ name: 'KAFKA_NUM_IO_THREADS', value: '16' }], []],
    ['node.id added (every broker would get the same id)', [], [{ name: 'KAFKA_NODE_ID', value: '7' }], [['node.id', null, '"7"']]],
    ['node.id removed', [{ name: 'KAFKA_NODE_ID', value: '7' }], [], [['node.id', '"7"', null]]],
    ['log.dirs moved', [{ name: 'KAFKA_LOG_DIRS', value: '/var/lib/kafka/data' }], [{ name: 'KAFKA_LOG_DIRS', value: '/data' }], [['log.dirs', '"/var/lib/kafka/data"', '"/data"']]],
    ['process.roles and metadata.log.dir at once', [{ name: 'KAFKA_PROCESS_ROLES', value: 'broker' }], [{ name: 'KAFKA_PROCESS_ROLES', value: 'broker,controller' }, { name: 'KAFKA_METADATA_LOG_DIR', value: '/m' }], [['process.roles', '"broker"', '"broker,controller"'], ['metadata.log.dir', null, '"/m"']]],
    ['a valueFrom source changed', [{ name: 'KAFKA_BROKER_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.labels[\'id\']' } } }], [{ name: 'KAFKA_BROKER_ID', value: '1' }], [['broker.id', 'valueFrom {"fieldRef":{"fieldPath":"metadata.labels[\'id\']"}}', '"1"']]],
    ['Bitnami names under the bitnami convention', [{ name: 'KAFKA_CFG_NODE_ID', value: '1' }], [{ name: 'KAFKA_CFG_NODE_ID', value: '2' }], [['node.id', '"1"', '"2"']], 'bitnami'],
    ['an apache name is not a setting under the bitnami convention', [], [{ name: 'KAFKA_NODE_ID', value: '2' }], [], 'bitnami'],
    ['either image\'s names with no convention declared', [], [{ name: 'KAFKA_CFG_LOG_DIRS', value: '/x' }], [['log.dirs', null, '"/x"']], 'none'],
  ];
  for (const [name, before, after, want, convention] of table) {
    it(name, () => assert.deepEqual(changed(before, after, convention), want));
  }

  it('reads only the broker container (another container\'s env is not the broker\'s)', () => {
    const policy = policyWith('apache', 'broker');
    assert.deepEqual(identityChanges(template([], 'broker'), template([], 'broker'), policy), []);
    assert.equal(identityChanges(template([], 'broker'), template([{ name: 'KAFKA_NODE_ID', value: '3' }], 'broker'), policy).length, 1);
  });
});

describe('statefulset-broker-identity', () => {
  const withEnv = (before: Env, after: Env) => loadRequest('sts-scale', (r: Review) => {
    r.request.oldObject.spec.template.spec.containers[0].env = before;
    r.request.object.spec.template.spec.containers[0].env = after;
  });

  it('refuses kubectl set env of KAFKA_NODE_ID, naming the setting, both values and the safe way', async () => {
    const request = withEnv([], [{ name: 'KAFKA_NODE_ID', value: '7' }]);
    const located = await statefulSetBrokerIdentity.locate(request, standardCluster());
    assert.ok(located);
    const verdict = statefulSetBrokerIdentity.decide(request, await statefulSetBrokerIdentity.gather(request, located, standardCluster(), { deadline: Date.now() + 1000 } as never));
    assert.equal(verdict.outcome.kind, 'deny');
    const reason = verdict.outcome.kind === 'deny' ? verdict.outcome.reasons[0] : undefined;
    assert.equal(reason?.rule, 'broker-identity-change');
    assert.match(reason?.message ?? '', /node\.id \(KAFKA_NODE_ID\) goes from unset to "7": the StatefulSet would roll it onto every broker/);
    assert.match(reason?.remediation ?? '', /put KAFKA_NODE_ID back as it was.*kubectl kafka scale/);
  });

  it('is silent for unrelated updates, for CREATE, and for StatefulSets no policy selects', async () => {
    const cluster = standardCluster();
    assert.equal(await statefulSetBrokerIdentity.locate(withEnv([{ name: 'KAFKA_NODE_ID', value: '1' }], [{ name: 'KAFKA_NODE_ID', value: '1' }, { name: 'KAFKA_HEAP_OPTS', value: '-Xmx1g' }]), cluster), null);
    const create = loadRequest('sts-scale', (r: Review) => { r.request.operation = 'CREATE'; });
    assert.equal(statefulSetBrokerIdentity.matches(create), false);
    const other = loadRequest('sts-scale', (r: Review) => {
      r.request.object.spec.template.metadata.labels = { app: 'web' };
      r.request.object.spec.template.spec.containers[0].env = [{ name: 'KAFKA_NODE_ID', value: '7' }];
    });
    assert.equal(await statefulSetBrokerIdentity.locate(other, cluster), null);
  });
});
