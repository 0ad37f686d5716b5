/** Environment variables of the broker container: what the user set, and how Kafka images read settings from env. */
import type { V1EnvVar } from '@kubernetes/client-node';
import { ANNOTATIONS } from '../../shared/policy/types.js';
import { ensureArray } from './shape.js';
import type { BrokerContainer, DefaultName, DefaultTarget } from './types.js';

export { kafkaSettingEnvName } from '../../shared/kafka/env-names.js';

export function findEnv(broker: BrokerContainer, name: string): V1EnvVar | undefined {
  return (broker.container.env ?? []).find((variable) => variable.name === name);
}

export function appendEnv(broker: BrokerContainer, variable: V1EnvVar): void {
  ensureArray<V1EnvVar>(broker.container, 'env').push(variable);
}

/**
 * `envFrom` sources (ConfigMaps, Secrets) are invisible at admission time, and an
 * explicit `env` entry silently wins over them: injecting a variable could
 * override one the user set there. So env-based defaults do not inject into a
 * container with `envFrom`; this returns false and says so in a warning.
 */
export function mayInjectEnv(target: DefaultTarget, defaultName: DefaultName, names: readonly string[]): boolean {
  const broker = target.pod.broker;
  const sources = broker.container.envFrom ?? [];
  if (sources.length === 0) return true;
  const described = sources.map((source) =>
    source.configMapRef !== undefined ? `ConfigMap ${source.configMapRef.name ?? '?'}` : source.secretRef !== undefined ? `Secret ${source.secretRef.name ?? '?'}` : 'an unnamed source',
  );
  target.warn(
    `kafka-guard did not set ${names.join(', ')} (${defaultName}): ${broker.path} takes variables from envFrom (${described.join(', ')}), ` +
      `which kafka-guard cannot read, and an explicit env entry would override them. Set the variables in env, ` +
      `or add ${defaultName} to the ${ANNOTATIONS.skipDefaults} annotation to silence this.`,
  );
  return false;
}
