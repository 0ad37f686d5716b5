/** The sandbox's Kafka release and mode settings, the image-tag rule of the node agent, and each mode's broker config. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_KAFKA_VERSION, kafkaSetting, loadSandboxConfig, parseKafkaVersion } from './config.js';
import { serverProperties, type KafkaSecurity } from './kafka-broker.js';
import { kafkaVersionOfImage } from './node-agent.js';

test('kafkaSetting: release and mode, defaults, and clear refusals', () => {
  assert.deepEqual(kafkaSetting(undefined, undefined), { kafkaVersion: DEFAULT_KAFKA_VERSION, kafkaMode: 'kraft' });
  assert.deepEqual(kafkaSetting('', ''), { kafkaVersion: DEFAULT_KAFKA_VERSION, kafkaMode: 'kraft' });
  assert.deepEqual(kafkaSetting('3.9.1', 'zookeeper'), { kafkaVersion: '3.9.1', kafkaMode: 'zookeeper' });
  assert.deepEqual(kafkaSetting('3.9.1', 'ZooKeeper'), { kafkaVersion: '3.9.1', kafkaMode: 'zookeeper' });
  assert.deepEqual(kafkaSetting('4.0.2', 'kraft'), { kafkaVersion: '4.0.2', kafkaMode: 'kraft' });
  const cases: Array<[string | undefined, string | undefined, RegExp]> = [
    ['4.0.2', 'zookeeper', /zookeeper with Kafka 4\.0\.2: Kafka 4\.0 and newer have no ZooKeeper mode[\s\S]*fix: use KAFKA_GUARD_KAFKA_VERSION=3\.9\.1/],
    [undefined, 'zookeeper', new RegExp(`Kafka ${DEFAULT_KAFKA_VERSION.replaceAll('.', '\\.')}: Kafka 4\\.0 and newer have no ZooKeeper mode`)],
    ['4.1', undefined, /KAFKA_GUARD_KAFKA_VERSION=4\.1 is not a Kafka release[\s\S]*fix: give a release number such as 3\.9\.1/],
    ['latest', undefined, /KAFKA_GUARD_KAFKA_VERSION=latest is not a Kafka release/],
    ['2.8.2', undefined, /KAFKA_GUARD_KAFKA_VERSION=2\.8\.2 is not a Kafka release the sandbox can run[\s\S]*3\.x or newer/],
    ['3.9.1', 'zk', /KAFKA_GUARD_KAFKA_MODE=zk is not a mode[\s\S]*fix: use kraft \(the default\) or zookeeper/],
  ];
  for (const [version, mode, message] of cases) {
    assert.throws(() => kafkaSetting(version, mode), message, `${version} ${mode}`);
  }
});

test('loadSandboxConfig reads KAFKA_GUARD_KAFKA_VERSION and KAFKA_GUARD_KAFKA_MODE; ZooKeeper gets a port under the base', () => {
  const cfg = loadSandboxConfig({ KAFKA_GUARD_KAFKA_VERSION: '3.9.1', KAFKA_GUARD_KAFKA_MODE: 'zookeeper', KAFKA_GUARD_SANDBOX_PORT_BASE: '20140' });
  assert.equal(cfg.kafkaVersion, '3.9.1');
  assert.equal(cfg.kafkaMode, 'zookeeper');
  assert.equal(cfg.ports.zookeeper, 20140 + 2181);
  const others = Object.entries(cfg.ports).filter(([k]) => k !== 'zookeeper').map(([, v]) => v);
  for (const port of others) assert.ok(Math.abs(port - cfg.ports.zookeeper) > 5, `zookeeper's port ${cfg.ports.zookeeper} is next to ${port}`);
  assert.throws(() => loadSandboxConfig({ KAFKA_GUARD_KAFKA_VERSION: '4.4.0', KAFKA_GUARD_KAFKA_MODE: 'zookeeper' }), /no ZooKeeper mode/);
});

test('KAFKA_GUARD_SANDBOX_HEAP_MB: 256 MB unless set; a bad value is refused naming it', () => {
  assert.equal(loadSandboxConfig({}).brokerHeapMb, 256);
  assert.equal(loadSandboxConfig({ KAFKA_GUARD_SANDBOX_HEAP_MB: '1024' }).brokerHeapMb, 1024);
  assert.equal(loadSandboxConfig({ KAFKA_GUARD_SANDBOX_HEAP_MB: '' }).brokerHeapMb, 256);
  for (const bad of ['abc', '1e3', '64', '1024.5', '-512', '2147483648', '1024m']) {
    assert.throws(() => loadSandboxConfig({ KAFKA_GUARD_SANDBOX_HEAP_MB: bad }), (e: Error) => e.message.includes(`KAFKA_GUARD_SANDBOX_HEAP_MB=${bad} `), bad);
  }
});

test('parseKafkaVersion', () => {
  assert.deepEqual(parseKafkaVersion('3.9.1'), { major: 3, minor: 9, patch: 1 });
  assert.deepEqual(parseKafkaVersion('4.10.0'), { major: 4, minor: 10, patch: 0 });
  for (const bad of ['4.1', '4.1.1-rc1', 'v4.1.1', '', '4..1']) assert.equal(parseKafkaVersion(bad), null, bad);
});

test('kafkaVersionOfImage: the release a broker image names, or null', () => {
  const cases: Array<[string, string | null]> = [
    ['apache/kafka:4.0.2', '4.0.2'],
    ['apache/kafka:3.9.1', '3.9.1'],
    ['docker.io/apache/kafka-native:4.1.1', '4.1.1'],
    ['bitnami/kafka:3.9.0-debian-12-r4', '3.9.0'],
    ['quay.io/strimzi/kafka:0.45.0-kafka-3.9.0', '3.9.0'],
    ['registry.local:5000/kafka:4.4.0', '4.4.0'],
    ['apache/kafka:4.0.2@sha256:0123abcd', '4.0.2'],
    ['registry.local:5000/kafka', null],
    ['apache/kafka', null],
    ['apache/kafka:latest', null],
    ['apache/kafka@sha256:0123abcd', null],
    ['my-kafka:prod-4', null],
    ['apache/kafka:4.1', null],
    ['', null],
  ];
  for (const [image, version] of cases) assert.equal(kafkaVersionOfImage(image), version, image);
});

const security: KafkaSecurity = {
  keystorePem: '/certs/kafka.pem', caCert: '/certs/ca.crt',
  plain: { username: 'p', password: 'pp' }, scram: { username: 's', password: 'ss' },
};
const props = (text: string) => new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

test('serverProperties: KRaft brokers are quorum members; ZooKeeper brokers know only ZooKeeper', () => {
  const spec = { id: 1, rack: 'zone-a', dataDir: '/v/1', workDir: '/w/1' };
  const kraft = props(serverProperties(loadSandboxConfig({ KAFKA_GUARD_SANDBOX_PORT_BASE: '20000' }), spec, security));
  assert.equal(kraft.get('process.roles'), 'broker,controller');
  assert.equal(kraft.get('node.id'), '1');
  assert.equal(kraft.get('controller.quorum.voters'), '0@127.0.0.1:29192,1@127.0.0.1:29193,2@127.0.0.1:29194');
  assert.match(kraft.get('listeners') ?? '', /CONTROLLER:\/\/127\.0\.0\.1:29193/);
  assert.match(kraft.get('listener.security.protocol.map') ?? '', /CONTROLLER:PLAINTEXT/);
  assert.equal(kraft.has('zookeeper.connect'), false);

  const zk = props(serverProperties(loadSandboxConfig({ KAFKA_GUARD_SANDBOX_PORT_BASE: '20000', KAFKA_GUARD_KAFKA_VERSION: '3.9.1', KAFKA_GUARD_KAFKA_MODE: 'zookeeper' }), spec, security));
  assert.equal(zk.get('broker.id'), '1');
  assert.equal(zk.get('zookeeper.connect'), '127.0.0.1:22181');
  for (const kraftOnly of ['process.roles', 'node.id', 'controller.quorum.voters', 'controller.listener.names', 'broker.session.timeout.ms']) {
    assert.equal(zk.has(kraftOnly), false, `${kraftOnly} is KRaft-only`);
  }
  assert.equal(zk.get('listeners'), 'PLAINTEXT://127.0.0.1:29093,SASL_SSL://127.0.0.1:29293');
  assert.equal(zk.get('listener.security.protocol.map'), 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL');
  // The same for both: data on the pod's volume, the rack, the SASL_SSL listener.
  for (const both of ['log.dirs', 'broker.rack', 'advertised.listeners', 'listener.name.sasl_ssl.sasl.enabled.mechanisms']) {
    assert.equal(zk.get(both), kraft.get(both), both);
  }
});
