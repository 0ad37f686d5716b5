import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaSettingEnvName } from './env.js';

describe('kafkaSettingEnvName', () => {
  const cases: Array<[convention: 'apache' | 'bitnami', setting: string, name: string]> = [
    ['apache', 'unclean.leader.election.enable', 'KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE'],
    ['apache', 'min.insync.replicas', 'KAFKA_MIN_INSYNC_REPLICAS'],
    ['apache', 'broker.rack', 'KAFKA_BROKER_RACK'],
    // The apache/kafka image escapes - and _ so they survive the round trip back to a property name.
    ['apache', 'listener.name.external.scram-sha-512.sasl.jaas.config', 'KAFKA_LISTENER_NAME_EXTERNAL_SCRAM__SHA__512_SASL_JAAS_CONFIG'],
    ['apache', 'some_setting', 'KAFKA_SOME___SETTING'],
    ['bitnami', 'unclean.leader.election.enable', 'KAFKA_CFG_UNCLEAN_LEADER_ELECTION_ENABLE'],
    ['bitnami', 'default.replication.factor', 'KAFKA_CFG_DEFAULT_REPLICATION_FACTOR'],
  ];
  for (const [convention, setting, name] of cases) {
    it(`${convention}: ${setting} -> ${name}`, () => assert.equal(kafkaSettingEnvName(convention, setting), name));
  }
});
