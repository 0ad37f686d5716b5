import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatPolicyErrors, parsePolicy, type PolicyError } from './parse.js';
import type { KafkaGuardPolicy, KafkaGuardPolicySpec } from './types.js';

/** A fresh minimal valid policy: only what has no default. */
function minimal(): Record<string, any> {
  return {
    apiVersion: 'kafkaguard.io/v1alpha1',
    kind: 'KafkaGuardPolicy',
    metadata: { name: 'main', namespace: 'kafka' },
    spec: {
      brokers: { selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } }, idFrom: { ordinal: {} } },
      kafka: { bootstrapServers: ['kafka-0.kafka-headless.kafka.svc:9092'] },
    },
  };
}

/** Every default, as the brief and docs/policy.md state them (and as a 1.34 apiserver filled them in). */
const DEFAULTED_SPEC: KafkaGuardPolicySpec = {
  brokers: { selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } }, idFrom: { ordinal: { offset: 0 } } },
  kafka: { bootstrapServers: ['kafka-0.kafka-headless.kafka.svc:9092'] },
  mode: 'Enforce',
  onKafkaUnreachable: 'Deny',
  guards: { eviction: true, podDelete: true, scaleDown: true, volumes: true, versions: true, identity: true },
  expendableTopics: [],
  evacuation: { onCordon: false, taints: ['ToBeDeletedByClusterAutoscaler'], throttleBytesPerSecond: 0 },
  defaults: {
    enabled: true,
    antiAffinity: { enabled: true, mode: 'preferred' },
    zoneSpread: { enabled: true, maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' },
    rackAwareness: { enabled: true },
    terminationGracePeriod: { enabled: true, seconds: 120 },
    pvcRetention: { enabled: true },
    updateStrategy: { enabled: true },
    safeToEvictAnnotation: { enabled: true },
    resources: { enabled: true, heapPercentOfLimit: 50 },
    kafkaSettings: { enabled: true, envConvention: 'apache' },
    readinessProbe: { enabled: true, port: 9092 },
  },
};

/** Every field set away from its default. */
const FULL_SPEC: KafkaGuardPolicySpec = {
  brokers: {
    selector: {
      matchLabels: { 'strimzi.io/cluster': 'my-cluster' },
      matchExpressions: [
        { key: 'strimzi.io/pool-name', operator: 'In', values: ['pool-a', 'pool-b'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    },
    idFrom: { podNameSuffix: {} },
    containerName: 'kafka',
  },
  kafka: {
    bootstrapServers: ['my-cluster-kafka-bootstrap.kafka.svc:9093', '10.0.0.7:9093', '[fd00::7]:9093'],
    tls: { secretRef: { name: 'kafka-guard-tls' }, insecureSkipVerify: false, serverName: 'my-cluster-kafka-bootstrap' },
    sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-guard-user' } },
    requestTimeoutMs: 5000,
  },
  mode: 'Warn',
  onKafkaUnreachable: 'Allow',
  guards: { eviction: true, podDelete: false, scaleDown: true, volumes: false, versions: true, identity: true },
  expendableTopics: ['scratch', 'tmp-*', '__consumer_offsets_test'],
  evacuation: { onCordon: true, taints: ['example.com/retiring'], throttleBytesPerSecond: 1048576 },
  defaults: {
    enabled: false,
    antiAffinity: { enabled: false, mode: 'required' },
    zoneSpread: { enabled: false, maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' },
    rackAwareness: { enabled: false },
    terminationGracePeriod: { enabled: false, seconds: 3600 },
    pvcRetention: { enabled: false },
    updateStrategy: { enabled: false },
    safeToEvictAnnotation: { enabled: false },
    resources: { enabled: false, heapPercentOfLimit: 80 },
    kafkaSettings: { enabled: false, envConvention: 'bitnami' },
    readinessProbe: { enabled: false, port: 9093 },
  },
};

function parsedOk(input: unknown): KafkaGuardPolicy {
  const result = parsePolicy(input);
  if (!result.ok) assert.fail(formatPolicyErrors(result.errors));
  return result.policy;
}

function errorsOf(input: unknown): PolicyError[] {
  const result = parsePolicy(input);
  if (result.ok) assert.fail(`expected errors, got a valid policy: ${JSON.stringify(result.policy.spec)}`);
  return result.errors;
}

describe('parsePolicy: valid policies', () => {
  it('fills every default into a minimal policy', () => {
    const policy = parsedOk(minimal());
    assert.deepEqual(policy, {
      apiVersion: 'kafkaguard.io/v1alpha1',
      kind: 'KafkaGuardPolicy',
      metadata: { name: 'main', namespace: 'kafka' },
      spec: DEFAULTED_SPEC,
    });
  });

  it('keeps every value that is set', () => {
    const input = { ...minimal(), spec: structuredClone(FULL_SPEC) };
    assert.deepEqual(parsedOk(input).spec, FULL_SPEC);
  });

  it('fills defaults inside partly written objects', () => {
    const input = minimal();
    input.spec.guards = { eviction: false };
    input.spec.defaults = { resources: { heapPercentOfLimit: 60 }, antiAffinity: { mode: 'required' } };
    const { spec } = parsedOk(input);
    assert.deepEqual(spec.guards, { eviction: false, podDelete: true, scaleDown: true, volumes: true, versions: true, identity: true });
    assert.deepEqual(spec.defaults.resources, { enabled: true, heapPercentOfLimit: 60 });
    assert.deepEqual(spec.defaults.antiAffinity, { enabled: true, mode: 'required' });
    assert.deepEqual(spec.defaults.readinessProbe, { enabled: true, port: 9092 });
  });

  for (const idFrom of [{ ordinal: { offset: 100 } }, { label: 'strimzi.io/broker-id' }, { annotation: 'kafka.example.com/node-id' }, { podNameSuffix: {} }]) {
    it(`accepts idFrom ${JSON.stringify(idFrom)}`, () => {
      const input = minimal();
      input.spec.brokers.idFrom = idFrom;
      assert.deepEqual(parsedOk(input).spec.brokers.idFrom, idFrom);
    });
  }

  it('accepts every form of bootstrap address', () => {
    const input = minimal();
    const servers = ['kafka-0.kafka-headless.kafka.svc.cluster.local.:9092', '10.0.0.1:1', '[::1]:65535', '[fd00::7]:9093', 'kafka_1:9092'];
    input.spec.kafka.bootstrapServers = servers;
    assert.deepEqual(parsedOk(input).spec.kafka.bootstrapServers, servers);
  });

  it('accepts a selector made of expressions only', () => {
    const input = minimal();
    input.spec.brokers.selector = { matchExpressions: [{ key: 'app', operator: 'Exists' }] };
    assert.ok(parsePolicy(input).ok);
  });

  it('fills apiVersion and kind when they are left out (list items, hand-built objects)', () => {
    const { apiVersion, kind, ...rest } = minimal();
    const policy = parsedOk(rest);
    assert.equal(policy.apiVersion, apiVersion);
    assert.equal(policy.kind, kind);
  });

  it('keeps the typed metadata fields and drops the rest', () => {
    const input = minimal();
    input.metadata = { ...input.metadata, uid: 'u-1', resourceVersion: '42', generation: 3, labels: { a: 'b' }, managedFields: [{}] };
    assert.deepEqual(parsedOk(input).metadata, { name: 'main', namespace: 'kafka', uid: 'u-1', resourceVersion: '42', generation: 3 });
  });

  it('keeps a valid status', () => {
    const status = {
      conditions: [{ type: 'Ready', status: 'True', reason: 'Connected', message: 'ok', lastTransitionTime: '2025-01-31T12:00:00Z' }],
      brokers: [{ id: 0, pod: 'kafka-0', node: null, ready: true, replicas: 3, leaders: 1, soleReplicas: 0, safeToDisrupt: true }],
    };
    assert.deepEqual(parsedOk({ ...minimal(), status: structuredClone(status) }).status, status);
  });

  it('never mutates its input', () => {
    const input = minimal();
    const before = structuredClone(input);
    parsePolicy(input);
    input.spec.kafka.bootstrapServers = [];
    parsePolicy(input);
    assert.deepEqual(input, { ...before, spec: { ...before.spec, kafka: { bootstrapServers: [] } } });
  });

  it('gives each result its own default objects', () => {
    const first = parsedOk(minimal());
    first.spec.expendableTopics.push('changed');
    first.spec.guards.eviction = false;
    const second = parsedOk(minimal());
    assert.deepEqual(second.spec.expendableTopics, []);
    assert.equal(second.spec.guards.eviction, true);
  });
});

describe('parsePolicy: garbage in', () => {
  const garbage: Array<[string, unknown, RegExp]> = [
    ['null', null, /must be an object .*; got null/],
    ['undefined', undefined, /got nothing/],
    ['an array', [minimal()], /got an array/],
    ['a string', 'kind: KafkaGuardPolicy', /got a string/],
    ['a number', 42, /got a number/],
  ];
  for (const [name, input, message] of garbage) {
    it(`refuses ${name} with one error on the object itself`, () => {
      const errors = errorsOf(input);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.path, '');
      assert.deepEqual(errors[0]?.value, input);
      assert.match(errors[0]?.message ?? '', message);
    });
  }

  it('refuses data that is not plain JSON', () => {
    const errors = errorsOf({ ...minimal(), extra: () => 1 });
    assert.equal(errors[0]?.path, '');
    assert.match(errors[0]?.message ?? '', /must be plain JSON data/);
  });

  it('refuses a policy without spec, naming spec', () => {
    const { spec: _spec, ...rest } = minimal();
    const errors = errorsOf(rest);
    assert.deepEqual(errors.map((error) => error.path), ['spec']);
    assert.equal(errors[0]?.value, undefined);
    assert.match(errors[0]?.message ?? '', /^is required: Which pods are the brokers/);
  });

  it('refuses a spec that is not an object', () => {
    assert.deepEqual(errorsOf({ ...minimal(), spec: 'x' }), [{ path: 'spec', value: 'x', message: 'must be an object, not a string' }]);
  });

  it('refuses an empty object, naming everything missing', () => {
    assert.deepEqual(errorsOf({}).map((error) => error.path), ['metadata', 'spec']);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ spec: fc.jsonValue(), metadata: fc.jsonValue() })), (input) => {
        const result = parsePolicy(input);
        if (!result.ok) {
          assert.ok(result.errors.length > 0);
          for (const error of result.errors) assert.equal(typeof error.message, 'string');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parsePolicy: every error names its path and value', () => {
  type Case = { name: string; change: (policy: Record<string, any>) => void; path: string; value: unknown; message: RegExp };
  const cases: Case[] = [
    // envelope
    { name: 'wrong apiVersion', change: (p) => (p.apiVersion = 'kafkaguard.io/v1'), path: 'apiVersion', value: 'kafkaguard.io/v1', message: /must be one of kafkaguard\.io\/v1alpha1/ },
    { name: 'wrong kind', change: (p) => (p.kind = 'KafkaPolicy'), path: 'kind', value: 'KafkaPolicy', message: /must be one of KafkaGuardPolicy/ },
    { name: 'namespace missing', change: (p) => delete p.metadata.namespace, path: 'metadata.namespace', value: undefined, message: /is required: .*namespace of the broker pods/ },
    { name: 'name empty', change: (p) => (p.metadata.name = ''), path: 'metadata.name', value: '', message: /must not be empty/ },
    // bootstrap servers
    { name: 'bootstrapServers missing', change: (p) => delete p.spec.kafka.bootstrapServers, path: 'spec.kafka.bootstrapServers', value: undefined, message: /is required: Bootstrap addresses as host:port/ },
    { name: 'bootstrapServers empty', change: (p) => (p.spec.kafka.bootstrapServers = []), path: 'spec.kafka.bootstrapServers', value: [], message: /list at least one Kafka bootstrap address as host:port/ },
    { name: 'bootstrap port 0', change: (p) => p.spec.kafka.bootstrapServers.push('kafka-1:0'), path: 'spec.kafka.bootstrapServers[1]', value: 'kafka-1:0', message: /the port 0 is outside 1-65535/ },
    { name: 'bootstrap port 65536', change: (p) => (p.spec.kafka.bootstrapServers = ['kafka:65536']), path: 'spec.kafka.bootstrapServers[0]', value: 'kafka:65536', message: /the port 65536 is outside 1-65535/ },
    { name: 'bootstrap without port', change: (p) => (p.spec.kafka.bootstrapServers = ['kafka']), path: 'spec.kafka.bootstrapServers[0]', value: 'kafka', message: /must be host:port/ },
    { name: 'bootstrap port not a number', change: (p) => (p.spec.kafka.bootstrapServers = ['kafka:http']), path: 'spec.kafka.bootstrapServers[0]', value: 'kafka:http', message: /the port "http" is not a number/ },
    { name: 'bootstrap empty port', change: (p) => (p.spec.kafka.bootstrapServers = ['kafka:']), path: 'spec.kafka.bootstrapServers[0]', value: 'kafka:', message: /the port "" is not a number/ },
    { name: 'bootstrap with a scheme', change: (p) => (p.spec.kafka.bootstrapServers = ['SASL_SSL://kafka:9093']), path: 'spec.kafka.bootstrapServers[0]', value: 'SASL_SSL://kafka:9093', message: /without the SASL_SSL:\/\/ prefix, e.g\. kafka:9093/ },
    { name: 'bootstrap bare IPv6', change: (p) => (p.spec.kafka.bootstrapServers = ['fd00::1:9092']), path: 'spec.kafka.bootstrapServers[0]', value: 'fd00::1:9092', message: /must be host:port/ },
    { name: 'bootstrap bad IPv6', change: (p) => (p.spec.kafka.bootstrapServers = ['[zz]:9092']), path: 'spec.kafka.bootstrapServers[0]', value: '[zz]:9092', message: /"\[zz\]" is not an IPv6 address/ },
    { name: 'bootstrap host with a space', change: (p) => (p.spec.kafka.bootstrapServers = ['kaf ka:9092']), path: 'spec.kafka.bootstrapServers[0]', value: 'kaf ka:9092', message: /the host "kaf ka" is not a DNS name/ },
    { name: 'bootstrap not a string', change: (p) => (p.spec.kafka.bootstrapServers = [9092]), path: 'spec.kafka.bootstrapServers[0]', value: 9092, message: /must be a string, not a number/ },
    // selector
    { name: 'selector missing', change: (p) => delete p.spec.brokers.selector, path: 'spec.brokers.selector', value: undefined, message: /is required: Selects the broker pods/ },
    { name: 'selector empty', change: (p) => (p.spec.brokers.selector = {}), path: 'spec.brokers.selector', value: {}, message: /must not be empty: an empty selector matches every pod/ },
    { name: 'selector with empty parts', change: (p) => (p.spec.brokers.selector = { matchLabels: {}, matchExpressions: [] }), path: 'spec.brokers.selector', value: { matchLabels: {}, matchExpressions: [] }, message: /must not be empty/ },
    { name: 'matchLabels key invalid', change: (p) => (p.spec.brokers.selector.matchLabels = { 'bad key': 'kafka' }), path: 'spec.brokers.selector.matchLabels["bad key"]', value: 'bad key', message: /is not a valid label key: the name "bad key"/ },
    { name: 'matchLabels value invalid', change: (p) => (p.spec.brokers.selector.matchLabels = { app: 'kaf ka' }), path: 'spec.brokers.selector.matchLabels.app', value: 'kaf ka', message: /is not a valid label value/ },
    { name: 'matchLabels value not a string', change: (p) => (p.spec.brokers.selector.matchLabels = { app: true }), path: 'spec.brokers.selector.matchLabels.app', value: true, message: /must be a string, not a boolean/ },
    { name: 'operator unknown', change: (p) => (p.spec.brokers.selector.matchExpressions = [{ key: 'app', operator: 'Equals', values: ['x'] }]), path: 'spec.brokers.selector.matchExpressions[0].operator', value: 'Equals', message: /must be one of In, NotIn, Exists, DoesNotExist/ },
    { name: 'In without values', change: (p) => (p.spec.brokers.selector.matchExpressions = [{ key: 'app', operator: 'In' }]), path: 'spec.brokers.selector.matchExpressions[0].values', value: undefined, message: /the In operator needs at least one value/ },
    { name: 'NotIn with no values', change: (p) => (p.spec.brokers.selector.matchExpressions = [{ key: 'app', operator: 'NotIn', values: [] }]), path: 'spec.brokers.selector.matchExpressions[0].values', value: [], message: /the NotIn operator needs at least one value/ },
    { name: 'Exists with values', change: (p) => (p.spec.brokers.selector.matchExpressions = [{ key: 'app', operator: 'Exists', values: ['x'] }]), path: 'spec.brokers.selector.matchExpressions[0].values', value: ['x'], message: /the Exists operator takes no values/ },
    { name: 'expression key invalid', change: (p) => (p.spec.brokers.selector.matchExpressions = [{ key: 'a/b/c', operator: 'Exists' }]), path: 'spec.brokers.selector.matchExpressions[0].key', value: 'a/b/c', message: /is not a valid label key/ },
    { name: 'expression value invalid', change: (p) => (p.spec.brokers.selector.matchExpressions = [{ key: 'app', operator: 'In', values: ['ok', 'not ok'] }]), path: 'spec.brokers.selector.matchExpressions[0].values[1]', value: 'not ok', message: /is not a valid label value/ },
    { name: 'expression without operator', change: (p) => (p.spec.brokers.selector.matchExpressions = [{ key: 'app' }]), path: 'spec.brokers.selector.matchExpressions[0].operator', value: undefined, message: /is required: How the label relates to values/ },
    // idFrom
    { name: 'idFrom missing', change: (p) => delete p.spec.brokers.idFrom, path: 'spec.brokers.idFrom', value: undefined, message: /is required: How a broker pod maps to its Kafka broker id/ },
    { name: 'idFrom empty', change: (p) => (p.spec.brokers.idFrom = {}), path: 'spec.brokers.idFrom', value: {}, message: /set exactly one of ordinal: \{offset: N\}, label: KEY, annotation: KEY, podNameSuffix: \{\}; none is set/ },
    { name: 'idFrom two members', change: (p) => (p.spec.brokers.idFrom = { ordinal: { offset: 0 }, label: 'x' }), path: 'spec.brokers.idFrom', value: { ordinal: { offset: 0 }, label: 'x' }, message: /set exactly one of .*; ordinal and label are set/ },
    { name: 'idFrom misspelt member', change: (p) => (p.spec.brokers.idFrom = { ordnal: {} }), path: 'spec.brokers.idFrom.ordnal', value: {}, message: /is not a known field \(did you mean ordinal\?\); the fields here are ordinal, label, annotation, podNameSuffix/ },
    { name: 'ordinal offset negative', change: (p) => (p.spec.brokers.idFrom = { ordinal: { offset: -1 } }), path: 'spec.brokers.idFrom.ordinal.offset', value: -1, message: /must be an integer from 0 to 2147483647/ },
    { name: 'ordinal offset fractional', change: (p) => (p.spec.brokers.idFrom = { ordinal: { offset: 1.5 } }), path: 'spec.brokers.idFrom.ordinal.offset', value: 1.5, message: /must be an integer, not a number/ },
    { name: 'ordinal offset a string', change: (p) => (p.spec.brokers.idFrom = { ordinal: { offset: '1' } }), path: 'spec.brokers.idFrom.ordinal.offset', value: '1', message: /must be an integer, not a string/ },
    { name: 'label key invalid', change: (p) => (p.spec.brokers.idFrom = { label: 'broker id' }), path: 'spec.brokers.idFrom.label', value: 'broker id', message: /is not a valid label key/ },
    { name: 'annotation key empty', change: (p) => (p.spec.brokers.idFrom = { annotation: '' }), path: 'spec.brokers.idFrom.annotation', value: '', message: /must not be empty/ },
    { name: 'podNameSuffix with fields', change: (p) => (p.spec.brokers.idFrom = { podNameSuffix: { digits: 2 } }), path: 'spec.brokers.idFrom.podNameSuffix.digits', value: 2, message: /is not a known field; this object takes no fields/ },
    { name: 'containerName invalid', change: (p) => (p.spec.brokers.containerName = 'Kafka_Broker'), path: 'spec.brokers.containerName', value: 'Kafka_Broker', message: /must match the pattern/ },
    // expendable topics
    { name: 'expendable bare *', change: (p) => (p.spec.expendableTopics = ['*']), path: 'spec.expendableTopics[0]', value: '*', message: /a bare "\*" would make every topic expendable/ },
    { name: 'expendable * inside', change: (p) => (p.spec.expendableTopics = ['ok', 'a*b']), path: 'spec.expendableTopics[1]', value: 'a*b', message: /"\*" may only end a prefix pattern/ },
    { name: 'expendable invalid characters', change: (p) => (p.spec.expendableTopics = ['my topic']), path: 'spec.expendableTopics[0]', value: 'my topic', message: /letters, digits, "\.", "_" and "-"/ },
    { name: 'expendable ..', change: (p) => (p.spec.expendableTopics = ['..']), path: 'spec.expendableTopics[0]', value: '..', message: /".." is not a valid Kafka topic name/ },
    { name: 'expendable empty', change: (p) => (p.spec.expendableTopics = ['']), path: 'spec.expendableTopics[0]', value: '', message: /must not be empty/ },
    { name: 'expendable too long', change: (p) => (p.spec.expendableTopics = ['t'.repeat(250)]), path: 'spec.expendableTopics[0]', value: 't'.repeat(250), message: /250 characters long; Kafka topic names have at most 249/ },
    { name: 'expendable not a list', change: (p) => (p.spec.expendableTopics = 'tmp-*'), path: 'spec.expendableTopics', value: 'tmp-*', message: /must be an array, not a string/ },
    // defaults ranges
    { name: 'grace period 29', change: (p) => (p.spec.defaults = { terminationGracePeriod: { seconds: 29 } }), path: 'spec.defaults.terminationGracePeriod.seconds', value: 29, message: /must be an integer from 30 to 3600/ },
    { name: 'grace period 3601', change: (p) => (p.spec.defaults = { terminationGracePeriod: { seconds: 3601 } }), path: 'spec.defaults.terminationGracePeriod.seconds', value: 3601, message: /must be an integer from 30 to 3600/ },
    { name: 'heap 24%', change: (p) => (p.spec.defaults = { resources: { heapPercentOfLimit: 24 } }), path: 'spec.defaults.resources.heapPercentOfLimit', value: 24, message: /must be an integer from 25 to 80/ },
    { name: 'heap 81%', change: (p) => (p.spec.defaults = { resources: { heapPercentOfLimit: 81 } }), path: 'spec.defaults.resources.heapPercentOfLimit', value: 81, message: /must be an integer from 25 to 80/ },
    { name: 'probe port 0', change: (p) => (p.spec.defaults = { readinessProbe: { port: 0 } }), path: 'spec.defaults.readinessProbe.port', value: 0, message: /must be an integer from 1 to 65535/ },
    { name: 'probe port 65536', change: (p) => (p.spec.defaults = { readinessProbe: { port: 65536 } }), path: 'spec.defaults.readinessProbe.port', value: 65536, message: /must be an integer from 1 to 65535/ },
    { name: 'maxSkew 0', change: (p) => (p.spec.defaults = { zoneSpread: { maxSkew: 0 } }), path: 'spec.defaults.zoneSpread.maxSkew', value: 0, message: /must be an integer of at least 1/ },
    { name: 'envConvention unknown', change: (p) => (p.spec.defaults = { kafkaSettings: { envConvention: 'confluent' } }), path: 'spec.defaults.kafkaSettings.envConvention', value: 'confluent', message: /must be one of apache, bitnami, none/ },
    { name: 'antiAffinity mode unknown', change: (p) => (p.spec.defaults = { antiAffinity: { mode: 'hard' } }), path: 'spec.defaults.antiAffinity.mode', value: 'hard', message: /must be one of preferred, required/ },
    { name: 'defaults field misspelt', change: (p) => (p.spec.defaults = { readinesProbe: {} }), path: 'spec.defaults.readinesProbe', value: {}, message: /did you mean readinessProbe\?/ },
    // enums and guards
    { name: 'mode lower case', change: (p) => (p.spec.mode = 'enforce'), path: 'spec.mode', value: 'enforce', message: /must be one of Enforce, Warn, Off/ },
    { name: 'mode: Off unquoted in YAML', change: (p) => (p.spec.mode = false), path: 'spec.mode', value: false, message: /must be a string, not a boolean; YAML reads an unquoted Off as false, so quote it: "Off"/ },
    { name: 'onKafkaUnreachable unknown', change: (p) => (p.spec.onKafkaUnreachable = 'Fail'), path: 'spec.onKafkaUnreachable', value: 'Fail', message: /must be one of Deny, Allow/ },
    { name: 'guard not a boolean', change: (p) => (p.spec.guards = { eviction: 'yes' }), path: 'spec.guards.eviction', value: 'yes', message: /must be a boolean, not a string/ },
    { name: 'spec field misspelt', change: (p) => (p.spec.gaurds = {}), path: 'spec.gaurds', value: {}, message: /is not a known field \(did you mean guards\?\)/ },
    // kafka connection
    { name: 'sasl without secret', change: (p) => (p.spec.kafka.sasl = { mechanism: 'plain' }), path: 'spec.kafka.sasl.secretRef', value: undefined, message: /is required: The Secret .* username and password/ },
    { name: 'sasl mechanism unknown', change: (p) => (p.spec.kafka.sasl = { mechanism: 'GSSAPI', secretRef: { name: 's' } }), path: 'spec.kafka.sasl.mechanism', value: 'GSSAPI', message: /must be one of plain, scram-sha-256, scram-sha-512/ },
    { name: 'request timeout too small', change: (p) => (p.spec.kafka.requestTimeoutMs = 10), path: 'spec.kafka.requestTimeoutMs', value: 10, message: /must be an integer from 100 to 120000/ },
    // status
    { name: 'status broker id negative', change: (p) => (p.status = { brokers: [{ id: -1, pod: null, node: null, ready: false, replicas: 0, leaders: 0, soleReplicas: 0, safeToDisrupt: false }] }), path: 'status.brokers[0].id', value: -1, message: /must be an integer from 0 to 2147483647/ },
    { name: 'status condition time', change: (p) => (p.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'r', message: 'm', lastTransitionTime: 'yesterday' }] }), path: 'status.conditions[0].lastTransitionTime', value: 'yesterday', message: /RFC 3339/ },
  ];

  for (const { name, change, path, value, message } of cases) {
    it(name, () => {
      const input = minimal();
      change(input);
      const errors = errorsOf(input);
      const atPath = errors.filter((error) => error.path === path);
      assert.equal(atPath.length, 1, `expected one error at ${path}, got:\n${formatPolicyErrors(errors)}`);
      assert.deepEqual(atPath[0]?.value, value);
      assert.match(atPath[0]?.message ?? '', message);
    });
  }

  it('reports every problem at once, sorted by path', () => {
    const input = minimal();
    input.spec.kafka.bootstrapServers = ['a:1', 'b:0'];
    input.spec.brokers.selector = {};
    input.spec.mode = 'Strict';
    const errors = errorsOf(input);
    assert.deepEqual(errors.map((error) => error.path), ['spec.brokers.selector', 'spec.kafka.bootstrapServers[1]', 'spec.mode']);
  });

  it('says each thing once: no regex complaint beside the host:port one', () => {
    const input = minimal();
    input.spec.kafka.bootstrapServers = ['http://kafka:9092'];
    assert.equal(errorsOf(input).length, 1);
  });

  it('says each thing once: no enum complaint beside the type one', () => {
    const input = minimal();
    input.spec.mode = 3;
    assert.deepEqual(errorsOf(input), [{ path: 'spec.mode', value: 3, message: 'must be a string, not a number' }]);
  });
});

describe('formatPolicyErrors', () => {
  it('writes one line per problem with path, value and message', () => {
    const text = formatPolicyErrors(
      [
        { path: 'spec.kafka.bootstrapServers[1]', value: 'kafka-1:0', message: 'the port 0 is outside 1-65535' },
        { path: 'spec.brokers.idFrom.label', value: undefined, message: 'is required' },
        { path: '', value: null, message: 'must be an object' },
      ],
      'kafka/main',
    );
    assert.equal(
      text,
      [
        'KafkaGuardPolicy kafka/main is invalid (3 problems):',
        '  - spec.kafka.bootstrapServers[1] = "kafka-1:0": the port 0 is outside 1-65535',
        '  - spec.brokers.idFrom.label = (missing): is required',
        '  - (the object) = null: must be an object',
      ].join('\n'),
    );
  });

  it('shortens long values', () => {
    const text = formatPolicyErrors([{ path: 'spec.expendableTopics[0]', value: 'x'.repeat(300), message: 'too long' }]);
    assert.match(text, /^KafkaGuardPolicy is invalid \(1 problem\):\n {2}- spec\.expendableTopics\[0\] = "x{76}\.\.\.: too long$/);
  });
});
