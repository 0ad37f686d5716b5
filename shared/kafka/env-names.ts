/**
 * How Kafka images read broker settings from environment variables, both ways:
 * the webhook's defaults write them, `kubectl kafka config` writes and reads them,
 * the sandbox's node agent reads them as the image would.
 */
import type { EnvConvention } from '../policy/types.js';

/**
 * Env var name a Kafka image turns into the broker setting `setting`.
 * - apache (the `apache/kafka` image, same rule as Confluent's): `KAFKA_` +
 *   upper case, `.` -> `_`, `-` -> `__`, `_` -> `___`.
 * - bitnami: `KAFKA_CFG_` + upper case, `.` -> `_`.
 */
export function kafkaSettingEnvName(convention: Exclude<EnvConvention, 'none'>, setting: string): string {
  if (convention === 'bitnami') return `KAFKA_CFG_${setting.replaceAll('.', '_').toUpperCase()}`;
  const escaped = setting.replace(/[._-]/g, (character) => (character === '.' ? '_' : character === '-' ? '__' : '___'));
  return `KAFKA_${escaped.toUpperCase()}`;
}

/**
 * Variables of the apache/kafka image that start with KAFKA_ but configure the
 * JVM or the scripts, not the broker (the image's configure step skips them).
 */
const APACHE_NON_SETTINGS = new Set([
  'KAFKA_VERSION', 'KAFKA_HOME', 'KAFKA_DEBUG', 'KAFKA_GC_LOG_OPTS', 'KAFKA_HEAP_OPTS', 'KAFKA_JMX_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS', 'KAFKA_LOG', 'KAFKA_OPTS', 'KAFKA_LOG4J_OPTS', 'KAFKA_LOG4J_LOGGERS',
  'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_TOOLS_LOG4J_LOGLEVEL', 'KAFKA_JMX_HOSTNAME', 'KAFKA_JMX_PORT', 'KAFKA_CLUSTER_ID',
]);

/**
 * The broker setting an env var stands for under `convention`, or null when it
 * stands for none. Bitnami's rule loses `-` and `_` (both read as `.`), so its
 * reverse is a best guess for the few settings that contain them.
 */
export function settingOfEnvName(convention: EnvConvention, name: string): string | null {
  if (convention === 'bitnami') {
    const m = /^KAFKA_CFG_([A-Z0-9_]+)$/.exec(name);
    return m?.[1] ? m[1].toLowerCase().replaceAll('_', '.') : null;
  }
  if (convention !== 'apache' || APACHE_NON_SETTINGS.has(name)) return null;
  const m = /^KAFKA_([A-Z0-9_]+)$/.exec(name);
  if (!m?.[1]) return null;
  return m[1].replace(/___|__|_/g, (run) => (run === '___' ? '_' : run === '__' ? '-' : '.')).toLowerCase();
}
