/**
 * Broker configuration changes, decided without I/O: for each key, whether
 * Kafka takes it live (IncrementalAlterConfigs) or it is static and lives in the
 * StatefulSet's pod template (a guarded restart of the brokers whose value
 * changes), or is refused. Also what `config get` and `config diff` show.
 *
 * The facts come from DescribeConfigs with synonyms on each broker: `readOnly`
 * (static), the source of the value in force, and every level it is set at.
 * Kafka's precedence: per-broker dynamic > cluster-wide dynamic default >
 * server.properties (static) > Kafka's default.
 */
import { kafkaSettingEnvName } from '../kafka/env-names.js';
import { ConfigSource, ConfigType, type DetailedConfigEntry } from '../kafka/protocol.js';
import type { EnvConvention } from '../policy/types.js';

/** Where a change goes: the cluster-wide broker default, or one broker. */
export type ConfigTarget = { kind: 'cluster-default' } | { kind: 'broker'; broker: number };

/** One requested change; value null removes the setting at the target's level. */
export interface ConfigChange {
  key: string;
  value: string | null;
}

/** One broker's configs as DescribeConfigs (with synonyms) reported them. */
export interface BrokerConfigs {
  broker: number;
  entries: ReadonlyMap<string, DetailedConfigEntry>;
}

/** The StatefulSet that runs the brokers, as far as config is concerned. */
export interface StatefulSetConfigFacts {
  name: string;
  convention: EnvConvention;
  /** Literal env values of the broker container, by variable name. */
  env: ReadonlyMap<string, string>;
}

export type KeyMode = 'live' | 'restart' | 'unchanged';

export interface KeyPlan {
  key: string;
  value: string | null;
  mode: KeyMode;
  /** live: the IncrementalAlterConfigs resource name ('' = cluster-wide default). */
  resource: string | null;
  /** restart: the env var of the StatefulSet's broker container. */
  envName: string | null;
  /** The brokers whose value in force changes (restart: the ones to restart). */
  brokers: number[];
  /** Each broker's value in force now. */
  before: Record<string, string | null>;
  warnings: string[];
}

export interface ConfigSetPlan {
  target: ConfigTarget;
  keys: KeyPlan[];
  /** Why the request is refused; when not empty nothing may change. */
  refusals: string[];
  /** The union of the restart keys' brokers, ascending. */
  restartBrokers: number[];
}

// ---------------------------------------------------------------- rules

/**
 * Settings this command never changes, live or by a roll: they are the broker's
 * identity, its addresses, its storage or its credentials, and a wrong value
 * makes a broker unreachable or lose its data. Strimzi's rules are the
 * reference (its KafkaBrokerConfigurationDiff never changes broker.id,
 * advertised.listeners, broker.rack or the per-listener TLS/SASL settings, and
 * its Kafka resource forbids listeners, log.dirs, node.id, process.roles,
 * controller.*, ssl.*, sasl.*, authorizer.*, super.users); see docs/plugin.md.
 */
const NEVER_CHANGED: ReadonlyArray<{ match: (key: string) => boolean; why: string }> = [
  { match: (k) => ['broker.id', 'node.id', 'process.roles'].includes(k), why: "is the broker's identity or role: change it by replacing the broker" },
  {
    match: (k) => ['listeners', 'advertised.listeners', 'listener.security.protocol.map', 'inter.broker.listener.name', 'controller.listener.names'].includes(k) || k.startsWith('listener.name.'),
    why: "is how clients and brokers reach the broker: change it in the StatefulSet by hand, with a plan for every client",
  },
  { match: (k) => ['log.dir', 'log.dirs', 'metadata.log.dir'].includes(k), why: "is where the broker's data lives: a new path starts the broker empty" },
  { match: (k) => k.startsWith('controller.quorum.') || k.startsWith('zookeeper.'), why: 'is the controller quorum or ZooKeeper connection: change it with the KRaft/ZooKeeper migration procedure' },
  { match: (k) => k === 'broker.rack', why: "is the broker's rack, which replica placement was planned around: kafka-guard's rackAwareness default sets it from the node's zone" },
  {
    match: (k) => /^(ssl|sasl|security|password)\./.test(k) || k.startsWith('authorizer.') || k === 'super.users',
    why: 'is a security setting: credentials belong in a Secret, and a wrong value locks clients out',
  },
];

/** Why `key` may never be changed by this command, or null. */
export function neverChangedReason(key: string): string | null {
  const rule = NEVER_CHANGED.find((r) => r.match(key));
  return rule ? `${key} ${rule.why}` : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Up to `limit` known keys close to `key` (few edits apart, or one containing the other). */
export function closeMatches(key: string, known: Iterable<string>, limit = 3): string[] {
  const scored: Array<[string, number]> = [];
  const threshold = Math.max(2, Math.floor(key.length / 4));
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance <= threshold) scored.push([candidate, distance]);
    else if (key.length >= 4 && (candidate.includes(key) || key.includes(candidate))) scored.push([candidate, threshold + 1]);
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, limit).map(([name]) => name);
}

const INTEGER_RANGES: Record<number, [bigint, bigint]> = {
  [ConfigType.SHORT]: [-(2n ** 15n), 2n ** 15n - 1n],
  [ConfigType.INT]: [-(2n ** 31n), 2n ** 31n - 1n],
  [ConfigType.LONG]: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * Why `value` is not of the key's type, or null. Only the type is known here;
 * Kafka checks ranges itself (live: when validating; static: when the broker
 * starts, which the guarded roll notices on its first broker).
 */
export function valueTypeError(entry: DetailedConfigEntry, value: string): string | null {
  const range = INTEGER_RANGES[entry.configType];
  if (range !== undefined) {
    if (!/^-?\d+$/.test(value.trim())) return `${entry.name} takes a whole number, got ${JSON.stringify(value)}`;
    const n = BigInt(value.trim());
    if (n < range[0] || n > range[1]) return `${entry.name} takes a number from ${range[0]} to ${range[1]}, got ${value}`;
  }
  if (entry.configType === ConfigType.BOOLEAN && !/^(true|false)$/i.test(value.trim())) return `${entry.name} takes true or false, got ${JSON.stringify(value)}`;
  if (entry.configType === ConfigType.DOUBLE && !Number.isFinite(Number(value.trim()))) return `${entry.name} takes a number, got ${JSON.stringify(value)}`;
  return null;
}

/** `key=value` as typed on the command line. */
export function parseAssignment(text: string): { ok: true; change: ConfigChange } | { ok: false; error: string } {
  const at = text.indexOf('=');
  if (at <= 0) return { ok: false, error: `${JSON.stringify(text)} is not KEY=VALUE; write e.g. log.retention.ms=604800000` };
  const key = text.slice(0, at).trim();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(key)) return { ok: false, error: `${JSON.stringify(key)} is not a Kafka config name (lower case, dots, e.g. log.retention.ms)` };
  return { ok: true, change: { key, value: text.slice(at + 1) } };
}

// ---------------------------------------------------------------- levels

/** The value set at one level (synonym source) for `key`, or undefined when that level does not set it. */
export function valueAtLevel(entry: DetailedConfigEntry | undefined, source: number): string | null | undefined {
  return entry?.synonyms.find((s) => s.name === entry.name && s.source === source)?.value;
}

/** The cluster-wide dynamic default of `key`, as the brokers report it (undefined: not set). */
export function clusterDefaultOf(brokers: readonly BrokerConfigs[], key: string): string | null | undefined {
  for (const b of brokers) {
    const value = valueAtLevel(b.entries.get(key), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    if (value !== undefined) return value;
  }
  return undefined;
}

const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? null)?.trim().toLowerCase() === (b ?? null)?.trim().toLowerCase();

// ---------------------------------------------------------------- set

export interface ConfigSetInput {
  target: ConfigTarget;
  changes: readonly ConfigChange[];
  brokers: readonly BrokerConfigs[];
  /** Null when the brokers have no single StatefulSet. */
  statefulSet: StatefulSetConfigFacts | null;
  /** Why there is no single StatefulSet, for the refusal. */
  statefulSetProblem?: string;
}

export function planConfigSet(input: ConfigSetInput): ConfigSetPlan {
  const { target, brokers } = input;
  const refusals: string[] = [];
  const keys: KeyPlan[] = [];
  const known = new Set(brokers.flatMap((b) => [...b.entries.keys()]));
  const inScope = target.kind === 'broker' ? brokers.filter((b) => b.broker === target.broker) : [...brokers];
  if (target.kind === 'broker' && inScope.length === 0) {
    refusals.push(`broker ${target.broker} is not running (running: ${brokers.map((b) => b.broker).join(', ') || 'none'}); its configs can only be read and changed while it runs`);
  }
  const seen = new Set<string>();
  for (const change of input.changes) {
    const { key, value } = change;
    if (seen.has(key)) {
      refusals.push(`${key} is given twice; give each key once`);
      continue;
    }
    seen.add(key);
    const never = neverChangedReason(key);
    if (never !== null) {
      refusals.push(`${never}; kubectl kafka config never changes it`);
      continue;
    }
    const sample = inScope.map((b) => b.entries.get(key)).find((e) => e !== undefined) ?? brokers.map((b) => b.entries.get(key)).find((e) => e !== undefined);
    if (!known.has(key) || sample === undefined) {
      const close = closeMatches(key, known);
      refusals.push(`${key} is not a broker config of this Kafka${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}; topic configs are changed with kafka-configs --entity-type topics`);
      continue;
    }
    if (sample.sensitive || sample.configType === ConfigType.PASSWORD) {
      refusals.push(`${key} is a password: put it in a Secret the broker reads, not on a command line`);
      continue;
    }
    if (value !== null) {
      const typeError = valueTypeError(sample, value);
      if (typeError !== null) {
        refusals.push(typeError);
        continue;
      }
    }
    const before = Object.fromEntries(brokers.map((b) => [String(b.broker), b.entries.get(key)?.value ?? null]));
    if (!sample.readOnly) {
      keys.push(planLive(target, key, value, inScope, brokers, before));
      continue;
    }
    const restart = planRestart(input, key, value, sample, before, refusals);
    if (restart !== null) keys.push(restart);
  }
  const restartBrokers = [...new Set(keys.filter((k) => k.mode === 'restart').flatMap((k) => k.brokers))].sort((a, b) => a - b);
  return { target, keys, refusals, restartBrokers };
}

function planLive(
  target: ConfigTarget,
  key: string,
  value: string | null,
  inScope: readonly BrokerConfigs[],
  brokers: readonly BrokerConfigs[],
  before: Record<string, string | null>,
): KeyPlan {
  const warnings: string[] = [];
  const level = target.kind === 'broker' ? ConfigSource.DYNAMIC_BROKER_CONFIG : ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
  const current = target.kind === 'broker' ? valueAtLevel(inScope[0]?.entries.get(key), level) : clusterDefaultOf(brokers, key);
  const resource = target.kind === 'broker' ? String(target.broker) : '';
  const plan: KeyPlan = { key, value, mode: 'live', resource, envName: null, brokers: [], before, warnings };
  if (value === null ? current === undefined : same(current, value)) return { ...plan, mode: 'unchanged' };
  if (value === null) {
    // What takes over is the next level down, which only Kafka knows for sure: every broker in scope may change.
    plan.brokers = inScope.map((b) => b.broker);
    return plan;
  }
  for (const b of inScope) {
    const entry = b.entries.get(key);
    const own = valueAtLevel(entry, ConfigSource.DYNAMIC_BROKER_CONFIG);
    if (target.kind === 'cluster-default' && own !== undefined) {
      if (!same(own, value)) {
        warnings.push(`broker ${b.broker} has its own ${key}=${own ?? ''}, which wins over the cluster default; set it with --broker ${b.broker}, or remove it with --broker ${b.broker} --unset ${key}`);
      }
      continue;
    }
    if (!same(entry?.value, value)) plan.brokers.push(b.broker);
  }
  return plan;
}

function planRestart(
  input: ConfigSetInput,
  key: string,
  value: string | null,
  sample: DetailedConfigEntry,
  before: Record<string, string | null>,
  refusals: string[],
): KeyPlan | null {
  const { target, brokers, statefulSet } = input;
  if (target.kind === 'broker') {
    refusals.push(
      `${key} is static (Kafka applies it only at start) and static settings live in the StatefulSet's pod template, which all its brokers share: ` +
        `it cannot differ per broker here. Set it for all brokers with --cluster-default (a guarded restart of each broker whose value changes)`,
    );
    return null;
  }
  if (value === null) {
    refusals.push(`${key} is static: remove its variable from the StatefulSet's broker container by hand, then run kubectl kafka restart --all`);
    return null;
  }
  if (statefulSet === null) {
    refusals.push(`${key} is static and must be set in the brokers' StatefulSet, but ${input.statefulSetProblem ?? 'there is no single StatefulSet'}`);
    return null;
  }
  if (statefulSet.convention === 'none') {
    refusals.push(
      `${key} is static, and the policy's spec.defaults.kafkaSettings.envConvention is none, so kafka-guard does not know how the image reads settings: ` +
        `set envConvention (apache or bitnami), or change ${key} in the image's configuration and run kubectl kafka restart --all`,
    );
    return null;
  }
  const envName = kafkaSettingEnvName(statefulSet.convention, key);
  const envValue = statefulSet.env.get(envName);
  const changing = brokers.filter((b) => !same(b.entries.get(key)?.value, value)).map((b) => b.broker);
  const warnings: string[] = [];
  if (sample.source !== ConfigSource.STATIC_BROKER_CONFIG && sample.source !== ConfigSource.DEFAULT_CONFIG) {
    warnings.push(`${key} is in force from config source ${sample.source}, not server.properties`);
  }
  const plan: KeyPlan = { key, value, mode: 'restart', resource: null, envName, brokers: changing, before, warnings };
  if (changing.length === 0 && same(envValue, value)) return { ...plan, mode: 'unchanged' };
  return plan;
}

// ---------------------------------------------------------------- get / diff

export interface ConfigRow {
  key: string;
  /** 'default' for the cluster-wide dynamic default, else the broker id. */
  scope: string;
  value: string | null;
  source: string;
  /** dynamic: changed live; static: needs a restart. */
  mode: 'dynamic' | 'static';
}

export const SOURCE_NAMES: Record<number, string> = {
  [ConfigSource.UNKNOWN]: 'unknown',
  [ConfigSource.TOPIC_CONFIG]: 'topic',
  [ConfigSource.DYNAMIC_BROKER_CONFIG]: 'broker (dynamic)',
  [ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]: 'cluster default (dynamic)',
  [ConfigSource.STATIC_BROKER_CONFIG]: 'server.properties',
  [ConfigSource.DEFAULT_CONFIG]: 'Kafka default',
  [ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG]: 'logger (dynamic)',
};

const shown = (entry: DetailedConfigEntry) => (entry.sensitive ? '(sensitive)' : entry.value);

/**
 * What `config get` shows: for the keys asked (all when none), each broker's
 * value in force and where it comes from; without keys, only values that are
 * not Kafka's default. With target cluster-default, the dynamic defaults.
 */
export function configRows(brokers: readonly BrokerConfigs[], keys: readonly string[], target: ConfigTarget | null): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const names = keys.length > 0 ? keys : [...new Set(brokers.flatMap((b) => [...b.entries.keys()]))].sort();
  for (const key of names) {
    if (target?.kind === 'cluster-default') {
      const value = clusterDefaultOf(brokers, key);
      const entry = brokers.map((b) => b.entries.get(key)).find((e) => e !== undefined);
      if (value !== undefined && entry !== undefined) {
        rows.push({ key, scope: 'default', value: entry.sensitive ? '(sensitive)' : value, source: SOURCE_NAMES[ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG] ?? '', mode: 'dynamic' });
      }
      continue;
    }
    for (const b of brokers) {
      if (target?.kind === 'broker' && b.broker !== target.broker) continue;
      const entry = b.entries.get(key);
      if (entry === undefined) continue;
      if (keys.length === 0 && entry.source === ConfigSource.DEFAULT_CONFIG) continue;
      rows.push({ key, scope: String(b.broker), value: shown(entry), source: SOURCE_NAMES[entry.source] ?? String(entry.source), mode: entry.readOnly ? 'static' : 'dynamic' });
    }
  }
  return rows;
}

export interface ConfigDiffRow {
  key: string;
  /** Each broker's value in force, by broker id. */
  brokers: Record<string, string | null>;
  clusterDefault: string | null;
  /** The StatefulSet's env value for the key, null when it sets none. */
  statefulSet: string | null;
  /** What differs, in words. */
  differences: string[];
}

/**
 * What `config diff` shows: keys whose value differs between brokers, a broker
 * whose own dynamic value differs from the cluster default, and a StatefulSet
 * env value that a broker does not run (a restart is pending, or something
 * else overrides it).
 */
export function diffConfigs(brokers: readonly BrokerConfigs[], statefulSet: StatefulSetConfigFacts | null): ConfigDiffRow[] {
  const rows: ConfigDiffRow[] = [];
  const names = [...new Set(brokers.flatMap((b) => [...b.entries.keys()]))].sort();
  for (const key of names) {
    const entries = brokers.map((b) => ({ broker: b.broker, entry: b.entries.get(key) }));
    if (entries.some((e) => e.entry?.sensitive)) continue;
    const values = Object.fromEntries(entries.map((e) => [String(e.broker), e.entry?.value ?? null]));
    const clusterDefault = clusterDefaultOf(brokers, key) ?? null;
    const envName = statefulSet && statefulSet.convention !== 'none' ? kafkaSettingEnvName(statefulSet.convention, key) : null;
    const envValue = envName === null ? null : (statefulSet?.env.get(envName) ?? null);
    const differences: string[] = [];
    const distinct = new Set(entries.map((e) => (e.entry?.value ?? '').trim().toLowerCase()));
    if (distinct.size > 1) differences.push(`brokers differ: ${entries.map((e) => `${e.broker}=${e.entry?.value ?? '-'}`).join(' ')}`);
    for (const { broker, entry } of entries) {
      const own = valueAtLevel(entry, ConfigSource.DYNAMIC_BROKER_CONFIG);
      if (own !== undefined && clusterDefault !== null && !same(own, clusterDefault)) {
        differences.push(`broker ${broker} overrides the cluster default ${clusterDefault} with ${own ?? ''}`);
      }
      if (envValue !== null && entry !== undefined && !same(entry.value, envValue)) {
        differences.push(
          entry.readOnly
            ? `broker ${broker} runs ${entry.value ?? '-'}, the StatefulSet says ${envValue} (${envName ?? ''}): it takes the StatefulSet's value when it restarts`
            : `broker ${broker} runs ${entry.value ?? '-'}, the StatefulSet says ${envValue} (${envName ?? ''}): a dynamic value set live wins over it`,
        );
      }
    }
    if (differences.length > 0) rows.push({ key, brokers: values, clusterDefault, statefulSet: envValue, differences });
  }
  return rows;
}
