import { appendEnv, findEnv, kafkaSettingEnvName, mayInjectEnv } from './env.js';
import type { DefaultDefinition, DefaultTarget, DefaultsContext } from './types.js';

/** Broker settings that protect data whatever the cluster size. */
const ALWAYS: ReadonlyArray<readonly [setting: string, value: string]> = [
  // An out-of-sync replica must never become leader: that silently drops acknowledged writes.
  ['unclean.leader.election.enable', 'false'],
  // Move leadership away before stopping, so a restart is not a leader failover.
  ['controlled.shutdown.enable', 'true'],
];

/** The replication factor kafka-guard recommends: one broker down still leaves two in-sync copies. */
export const RECOMMENDED_REPLICATION_FACTOR = 3;

/** Settings that need at least RECOMMENDED_REPLICATION_FACTOR brokers to be satisfiable. */
const WITH_ENOUGH_BROKERS: ReadonlyArray<readonly [setting: string, value: string]> = [
  // Topics created without an explicit factor survive one broker down...
  ['default.replication.factor', String(RECOMMENDED_REPLICATION_FACTOR)],
  // ...and acks=all producers keep two copies of every write.
  ['min.insync.replicas', String(RECOMMENDED_REPLICATION_FACTOR - 1)],
];

/** The settings kafkaSettings injects for a StatefulSet of `replicas` brokers (null: a Pod, size unknown). */
export function kafkaSettingsFor(replicas: number | null): ReadonlyArray<readonly [string, string]> {
  return replicas !== null && replicas >= RECOMMENDED_REPLICATION_FACTOR ? [...ALWAYS, ...WITH_ENOUGH_BROKERS] : ALWAYS;
}

/**
 * Safe broker settings through the image's env convention (see
 * kafkaSettingEnvName); `none` injects nothing. A variable the user set is
 * never overridden.
 */
export function applyKafkaSettings(target: DefaultTarget, ctx: DefaultsContext): boolean {
  const convention = ctx.defaults.kafkaSettings.envConvention;
  if (convention === 'none') return false;
  const broker = target.pod.broker;
  const missing = kafkaSettingsFor(target.replicas)
    .map(([setting, value]) => ({ name: kafkaSettingEnvName(convention, setting), value }))
    .filter((variable) => findEnv(broker, variable.name) === undefined);
  if (missing.length === 0) return false;
  if (!mayInjectEnv(target, 'kafkaSettings', missing.map((variable) => variable.name))) return false;
  for (const variable of missing) appendEnv(broker, variable);
  return true;
}

export const kafkaSettings: DefaultDefinition = {
  name: 'kafkaSettings',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podSpec',
  apply: applyKafkaSettings,
};
