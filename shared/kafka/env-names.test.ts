import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaSettingEnvName, settingOfEnvName } from './env-names.js';

describe('settingOfEnvName', () => {
  const cases: Array<[convention: 'apache' | 'bitnami' | 'none', name: string, setting: string | null]> = [
    ['apache', 'KAFKA_QUEUED_MAX_REQUESTS', 'queued.max.requests'],
    ['apache', 'KAFKA_LISTENER_NAME_EXTERNAL_SCRAM__SHA__512_SASL_JAAS_CONFIG', 'listener.name.external.scram-sha-512.sasl.jaas.config'],
    ['apache', 'KAFKA_SOME___SETTING', 'some_setting'],
    // JVM and script variables are not broker settings.
    ['apache', 'KAFKA_HEAP_OPTS', null],
    ['apache', 'KAFKA_OPTS', null],
    ['apache', 'JAVA_HOME', null],
    ['bitnami', 'KAFKA_CFG_NUM_PARTITIONS', 'num.partitions'],
    ['bitnami', 'KAFKA_HEAP_OPTS', null],
    ['none', 'KAFKA_NUM_PARTITIONS', null],
  ];
  for (const [convention, name, setting] of cases) {
    it(`${convention}: ${name} -> ${String(setting)}`, () => assert.equal(settingOfEnvName(convention, name), setting));
  }

  for (const setting of ['log.retention.ms', 'listener.name.a-b.x_y', 'queued.max.requests']) {
    it(`apache round trip of ${setting}`, () => assert.equal(settingOfEnvName('apache', kafkaSettingEnvName('apache', setting)), setting));
  }
});
