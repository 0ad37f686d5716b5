import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigSource, ConfigType, type DetailedConfigEntry } from '../kafka/protocol.js';
import {
  closeMatches,
  configRows,
  diffConfigs,
  neverChangedReason,
  parseAssignment,
  planConfigSet,
  valueTypeError,
  type BrokerConfigs,
  type ConfigSetInput,
  type StatefulSetConfigFacts,
} from './config.js';

interface EntrySpec {
  value: string | null;
  readOnly?: boolean;
  source?: number;
  type?: number;
  sensitive?: boolean;
  /** Extra levels: [source, value]. */
  levels?: Array<[number, string]>;
}

function entry(name: string, spec: EntrySpec): DetailedConfigEntry {
  const source = spec.source ?? ConfigSource.DEFAULT_CONFIG;
  const synonyms = [...(spec.levels ?? []).map(([s, v]) => ({ name, value: v, source: s })), { name, value: spec.value, source }];
  synonyms.sort((a, b) => a.source - b.source);
  return { name, value: spec.value, readOnly: spec.readOnly ?? false, source, sensitive: spec.sensitive ?? false, synonyms, configType: spec.type ?? ConfigType.STRING };
}

/** Three brokers with the same configs, unless `perBroker` overrides some. */
function cluster(base: Record<string, EntrySpec>, perBroker: Record<number, Record<string, EntrySpec>> = {}): BrokerConfigs[] {
  return [0, 1, 2].map((broker) => {
    const specs = { ...base, ...(perBroker[broker] ?? {}) };
    return { broker, entries: new Map(Object.entries(specs).map(([name, spec]) => [name, entry(name, spec)])) };
  });
}

const BASE: Record<string, EntrySpec> = {
  'log.retention.ms': { value: '604800000', type: ConfigType.LONG },
  'log.retention.hours': { value: '168', type: ConfigType.INT },
  'queued.max.requests': { value: '500', readOnly: true, type: ConfigType.INT },
  'num.partitions': { value: '1', readOnly: true, source: ConfigSource.STATIC_BROKER_CONFIG, type: ConfigType.INT },
  'unclean.leader.election.enable': { value: 'false', type: ConfigType.BOOLEAN },
  'ssl.keystore.password': { value: null, sensitive: true, type: ConfigType.PASSWORD },
  'sasl.kerberos.service.name': { value: null },
};

const STS: StatefulSetConfigFacts = { name: 'kafka', convention: 'apache', env: new Map([['KAFKA_NODE_ID', '0']]) };

const input = (over: Partial<ConfigSetInput>): ConfigSetInput => ({
  target: { kind: 'cluster-default' },
  changes: [],
  brokers: cluster(BASE),
  statefulSet: STS,
  ...over,
});

describe('planConfigSet', () => {
  const cases: Array<{ name: string; input: ConfigSetInput; modes?: Record<string, string>; brokers?: Record<string, number[]>; restart?: number[]; refusal?: RegExp; warning?: RegExp }> = [
    {
      name: 'a dynamic key cluster-wide is live on every broker',
      input: input({ changes: [{ key: 'log.retention.ms', value: '600000' }] }),
      modes: { 'log.retention.ms': 'live' },
      brokers: { 'log.retention.ms': [0, 1, 2] },
      restart: [],
    },
    {
      name: 'a dynamic key on one broker goes to that broker only',
      input: input({ target: { kind: 'broker', broker: 1 }, changes: [{ key: 'log.retention.ms', value: '600000' }] }),
      modes: { 'log.retention.ms': 'live' },
      brokers: { 'log.retention.ms': [1] },
    },
    {
      name: 'the cluster default already at the value is unchanged',
      input: input({
        brokers: cluster({ ...BASE, 'log.retention.ms': { value: '600000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, type: ConfigType.LONG } }),
        changes: [{ key: 'log.retention.ms', value: '600000' }],
      }),
      modes: { 'log.retention.ms': 'unchanged' },
    },
    {
      name: "a broker's own dynamic value wins over a new cluster default: it is not counted, and a warning says so",
      input: input({
        brokers: cluster(BASE, { 2: { 'log.retention.ms': { value: '1000', source: ConfigSource.DYNAMIC_BROKER_CONFIG, type: ConfigType.LONG } } }),
        changes: [{ key: 'log.retention.ms', value: '600000' }],
      }),
      brokers: { 'log.retention.ms': [0, 1] },
      warning: /broker 2 has its own log.retention.ms=1000/,
    },
    {
      name: 'a static key cluster-wide is a restart of the brokers whose value changes',
      input: input({
        brokers: cluster(BASE, { 1: { 'queued.max.requests': { value: '600', readOnly: true, source: ConfigSource.STATIC_BROKER_CONFIG, type: ConfigType.INT } } }),
        changes: [{ key: 'queued.max.requests', value: '600' }],
      }),
      modes: { 'queued.max.requests': 'restart' },
      brokers: { 'queued.max.requests': [0, 2] },
      restart: [0, 2],
    },
    {
      name: 'a static key every broker runs and the StatefulSet already sets is unchanged',
      input: input({
        brokers: cluster({ ...BASE, 'queued.max.requests': { value: '600', readOnly: true, source: ConfigSource.STATIC_BROKER_CONFIG, type: ConfigType.INT } }),
        statefulSet: { ...STS, env: new Map([['KAFKA_QUEUED_MAX_REQUESTS', '600']]) },
        changes: [{ key: 'queued.max.requests', value: '600' }],
      }),
      modes: { 'queued.max.requests': 'unchanged' },
      restart: [],
    },
    {
      name: 'live and restart keys in one request',
      input: input({ changes: [{ key: 'log.retention.ms', value: '1' }, { key: 'num.partitions', value: '3' }] }),
      modes: { 'log.retention.ms': 'live', 'num.partitions': 'restart' },
      restart: [0, 1, 2],
    },
    { name: 'a static key for one broker is refused', input: input({ target: { kind: 'broker', broker: 0 }, changes: [{ key: 'num.partitions', value: '3' }] }), refusal: /cannot differ per broker.*--cluster-default/ },
    { name: 'an unknown key is refused with close matches', input: input({ changes: [{ key: 'log.retention.mss', value: '1' }] }), refusal: /not a broker config.*did you mean log.retention.ms/ },
    { name: 'a key never changed is refused (Strimzi-style rules)', input: input({ changes: [{ key: 'advertised.listeners', value: 'PLAINTEXT://x:1' }] }), refusal: /advertised.listeners is how clients.*never changes it/ },
    { name: 'broker.rack is never changed', input: input({ changes: [{ key: 'broker.rack', value: 'a' }] }), refusal: /broker.rack is the broker's rack/ },
    { name: 'a password is refused', input: input({ changes: [{ key: 'ssl.keystore.password', value: 'x' }] }), refusal: /security setting/ },
    { name: 'a value of the wrong type is refused', input: input({ changes: [{ key: 'queued.max.requests', value: 'lots' }] }), refusal: /queued.max.requests takes a whole number, got "lots"/ },
    { name: 'a boolean key takes true or false only', input: input({ changes: [{ key: 'unclean.leader.election.enable', value: 'yes' }] }), refusal: /takes true or false/ },
    { name: 'a key given twice is refused', input: input({ changes: [{ key: 'log.retention.ms', value: '1' }, { key: 'log.retention.ms', value: '2' }] }), refusal: /given twice/ },
    { name: 'a broker that is not running is refused', input: input({ target: { kind: 'broker', broker: 7 }, changes: [{ key: 'log.retention.ms', value: '1' }] }), refusal: /broker 7 is not running/ },
    { name: 'a static key without a StatefulSet is refused', input: input({ statefulSet: null, statefulSetProblem: 'the brokers belong to StatefulSets a, b', changes: [{ key: 'num.partitions', value: '2' }] }), refusal: /StatefulSets a, b/ },
    { name: 'a static key with envConvention none is refused', input: input({ statefulSet: { ...STS, convention: 'none' }, changes: [{ key: 'num.partitions', value: '2' }] }), refusal: /envConvention is none/ },
    {
      name: 'unsetting a per-broker dynamic value is live on that broker',
      input: input({
        target: { kind: 'broker', broker: 2 },
        brokers: cluster(BASE, { 2: { 'log.retention.ms': { value: '1000', source: ConfigSource.DYNAMIC_BROKER_CONFIG, type: ConfigType.LONG } } }),
        changes: [{ key: 'log.retention.ms', value: null }],
      }),
      modes: { 'log.retention.ms': 'live' },
      brokers: { 'log.retention.ms': [2] },
    },
    { name: 'unsetting what is not set is unchanged', input: input({ target: { kind: 'broker', broker: 2 }, changes: [{ key: 'log.retention.ms', value: null }] }), modes: { 'log.retention.ms': 'unchanged' } },
    { name: 'unsetting a static key is refused with the way to do it', input: input({ changes: [{ key: 'num.partitions', value: null }] }), refusal: /remove its variable.*restart --all/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planConfigSet(c.input);
      if (c.refusal) {
        assert.ok(plan.refusals.some((r) => c.refusal?.test(r)), `refusals: ${plan.refusals.join(' | ')}`);
        return;
      }
      assert.deepEqual(plan.refusals, []);
      for (const [key, mode] of Object.entries(c.modes ?? {})) assert.equal(plan.keys.find((k) => k.key === key)?.mode, mode, key);
      for (const [key, brokers] of Object.entries(c.brokers ?? {})) assert.deepEqual(plan.keys.find((k) => k.key === key)?.brokers, brokers, key);
      if (c.restart) assert.deepEqual(plan.restartBrokers, c.restart);
      if (c.warning) assert.ok(plan.keys.some((k) => k.warnings.some((w) => c.warning?.test(w))), JSON.stringify(plan.keys.map((k) => k.warnings)));
    });
  }

  it('a static key names the env var of the convention', () => {
    const apache = planConfigSet(input({ changes: [{ key: 'num.partitions', value: '2' }] }));
    assert.equal(apache.keys[0]?.envName, 'KAFKA_NUM_PARTITIONS');
    const bitnami = planConfigSet(input({ statefulSet: { ...STS, convention: 'bitnami' }, changes: [{ key: 'num.partitions', value: '2' }] }));
    assert.equal(bitnami.keys[0]?.envName, 'KAFKA_CFG_NUM_PARTITIONS');
  });

  it('live keys carry the resource: "" for the cluster default, the id for a broker', () => {
    assert.equal(planConfigSet(input({ changes: [{ key: 'log.retention.ms', value: '1' }] })).keys[0]?.resource, '');
    assert.equal(planConfigSet(input({ target: { kind: 'broker', broker: 2 }, changes: [{ key: 'log.retention.ms', value: '1' }] })).keys[0]?.resource, '2');
  });
});

describe('neverChangedReason', () => {
  const never = ['broker.id', 'node.id', 'process.roles', 'listeners', 'advertised.listeners', 'listener.name.external.ssl.keystore.location', 'log.dirs', 'log.dir', 'metadata.log.dir', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers', 'zookeeper.connect', 'broker.rack', 'ssl.truststore.location', 'sasl.enabled.mechanisms', 'authorizer.class.name', 'super.users'];
  for (const key of never) it(`${key} is never changed`, () => assert.notEqual(neverChangedReason(key), null));
  for (const key of ['log.retention.ms', 'num.partitions', 'log.dirs.extra.nothing'.replace('.extra.nothing', '.x'), 'message.max.bytes', 'listeners.x']) {
    it(`${key} may change`, () => assert.equal(neverChangedReason(key), null));
  }
});

describe('parseAssignment / valueTypeError / closeMatches', () => {
  it('parses KEY=VALUE, keeping = and spaces in the value', () => {
    assert.deepEqual(parseAssignment('a.b=x=y'), { ok: true, change: { key: 'a.b', value: 'x=y' } });
    assert.deepEqual(parseAssignment('a.b='), { ok: true, change: { key: 'a.b', value: '' } });
  });
  for (const bad of ['nokey', '=1', 'Log.Retention=1', 'a b=1']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseAssignment(bad).ok, false));
  }
  it('checks integer ranges by type', () => {
    const int = entry('x', { value: '1', type: ConfigType.INT });
    assert.equal(valueTypeError(int, '2147483647'), null);
    assert.match(valueTypeError(int, '2147483648') ?? '', /from -2147483648 to 2147483647/);
    assert.equal(valueTypeError(entry('y', { value: '1', type: ConfigType.LONG }), '9007199254740993'), null);
    assert.equal(valueTypeError(entry('z', { value: 'a', type: ConfigType.STRING }), 'anything'), null);
  });
  it('finds close names', () => {
    assert.deepEqual(closeMatches('log.retention.mins', ['log.retention.ms', 'log.retention.minutes', 'num.partitions']), ['log.retention.ms', 'log.retention.minutes']);
    assert.deepEqual(closeMatches('zzz', ['log.retention.ms']), []);
  });
});

describe('configRows and diffConfigs', () => {
  it('get without keys shows only values that are not Kafka defaults', () => {
    const rows = configRows(cluster(BASE), [], null);
    assert.deepEqual([...new Set(rows.map((r) => r.key))], ['num.partitions']);
    assert.deepEqual(rows.map((r) => [r.scope, r.value, r.mode]), [['0', '1', 'static'], ['1', '1', 'static'], ['2', '1', 'static']]);
  });
  it('get of a key on one broker, and of the cluster default', () => {
    const brokers = cluster({ ...BASE, 'log.retention.ms': { value: '5', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, type: ConfigType.LONG } });
    assert.deepEqual(configRows(brokers, ['log.retention.ms'], { kind: 'broker', broker: 1 }).map((r) => [r.scope, r.value, r.source]), [['1', '5', 'cluster default (dynamic)']]);
    assert.deepEqual(configRows(brokers, ['log.retention.ms', 'num.partitions'], { kind: 'cluster-default' }).map((r) => [r.key, r.value]), [['log.retention.ms', '5']]);
  });
  it('diff shows brokers that differ, overrides of the default, and StatefulSet values not in force', () => {
    const brokers = cluster(
      { ...BASE, 'log.retention.ms': { value: '5', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, type: ConfigType.LONG } },
      { 2: { 'log.retention.ms': { value: '9', source: ConfigSource.DYNAMIC_BROKER_CONFIG, type: ConfigType.LONG, levels: [[ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, '5']] } } },
    );
    const rows = diffConfigs(brokers, { ...STS, env: new Map([['KAFKA_NUM_PARTITIONS', '3']]) });
    assert.deepEqual(rows.map((r) => r.key), ['log.retention.ms', 'num.partitions']);
    const retention = rows[0];
    assert.deepEqual(retention?.brokers, { 0: '5', 1: '5', 2: '9' });
    assert.equal(retention?.clusterDefault, '5');
    assert.ok(retention?.differences.some((d) => /broker 2 overrides the cluster default 5 with 9/.test(d)));
    assert.ok(rows[1]?.differences.some((d) => /broker 0 runs 1, the StatefulSet says 3.*when it restarts/.test(d)));
  });
  it('diff of identical brokers is empty', () => assert.deepEqual(diffConfigs(cluster(BASE), STS), []));
});
