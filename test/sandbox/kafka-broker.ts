/**
 * One real Kafka broker JVM, started by the node agent for a broker pod: in
 * KRaft mode a combined broker+controller for the quorum members, in
 * ZooKeeper mode (Kafka 3.x) a broker of the sandbox's ZooKeeper. Its log
 * directory lives on the pod's volume, so its data goes where the volume goes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KafkaDistribution } from './binaries.js';
import type { SandboxConfig } from './config.js';
import { startProcess, SandboxError, type Supervised } from './process.js';

const run = promisify(execFile);

/**
 * Every broker also opens a SASL_SSL listener, as a secured production
 * cluster would, so connecting with TLS and SASL (PLAIN, SCRAM) credentials
 * from Secrets is tested against real brokers. Inter-broker and controller
 * traffic stays on PLAINTEXT.
 */
export interface KafkaSecurity {
  /** PEM file with the listener's private key (PKCS#8, unencrypted) and certificate. */
  keystorePem: string;
  /** The CA that signed it, for clients. */
  caCert: string;
  plain: SaslUser;
  /** Has SCRAM-SHA-256 and SCRAM-SHA-512 credentials, created when the cluster is formatted. */
  scram: SaslUser;
}

export interface SaslUser {
  username: string;
  password: string;
}

export interface BrokerSpec {
  id: number;
  /** broker.rack; none when empty, like an image given an empty rack variable. */
  rack: string;
  /** The pod's volume directory; the Kafka log dir is a subdirectory. */
  dataDir: string;
  /** Where to put server.properties and the broker's log. */
  workDir: string;
  /** Settings from the pod's env, as the image would write them; they win over the sandbox's own. */
  settings?: ReadonlyArray<readonly [key: string, value: string]>;
}

/** One java.util.Properties line (backslashes and line breaks escaped). */
const propertyLine = ([key, value]: readonly [string, string]) => `${key}=${value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`;

export function brokerPort(cfg: SandboxConfig, id: number): number {
  return cfg.ports.kafkaBase + id;
}

export function bootstrapServers(cfg: SandboxConfig): string {
  return cfg.controllerIds.map((id) => `127.0.0.1:${brokerPort(cfg, id)}`).join(',');
}

export function secureBrokerPort(cfg: SandboxConfig, id: number): number {
  return cfg.ports.kafkaSecureBase + id;
}

/** The SASL_SSL listeners of the quorum brokers. */
export function secureBootstrapServers(cfg: SandboxConfig): string {
  return cfg.controllerIds.map((id) => `127.0.0.1:${secureBrokerPort(cfg, id)}`).join(',');
}

/** A JAAS option value, quoted (the passwords are hex, but quote anyway). */
const jaasString = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** How the broker finds its cluster's metadata: KRaft's controller quorum, or ZooKeeper (where any broker may become the controller). */
function metadataProperties(cfg: SandboxConfig, spec: BrokerSpec): { roles: string[]; listeners: string[]; protocols: string[] } {
  if (cfg.kafkaMode === 'zookeeper') {
    return {
      roles: [
        `broker.id=${spec.id}`,
        `zookeeper.connect=127.0.0.1:${cfg.ports.zookeeper}`,
        // A broker that dies leaves ZooKeeper (and so the cluster) quickly, as broker.session.timeout.ms does in KRaft.
        'zookeeper.session.timeout.ms=6000',
        'zookeeper.connection.timeout.ms=18000',
      ],
      listeners: [],
      protocols: [],
    };
  }
  const isController = cfg.controllerIds.includes(spec.id);
  const voters = cfg.controllerIds.map((id) => `${id}@127.0.0.1:${cfg.ports.controllerBase + id}`).join(',');
  return {
    roles: [
      `process.roles=${isController ? 'broker,controller' : 'broker'}`,
      `node.id=${spec.id}`,
      `controller.quorum.voters=${voters}`,
      'controller.listener.names=CONTROLLER',
      'broker.session.timeout.ms=9000',
      'broker.heartbeat.interval.ms=1000',
    ],
    listeners: isController ? [`CONTROLLER://127.0.0.1:${cfg.ports.controllerBase + spec.id}`] : [],
    protocols: ['CONTROLLER:PLAINTEXT'],
  };
}

export function serverProperties(cfg: SandboxConfig, spec: BrokerSpec, security: KafkaSecurity): string {
  const metadata = metadataProperties(cfg, spec);
  const plaintext = `PLAINTEXT://127.0.0.1:${brokerPort(cfg, spec.id)}`;
  const secure = `SASL_SSL://127.0.0.1:${secureBrokerPort(cfg, spec.id)}`;
  const listeners = [plaintext, secure, ...metadata.listeners];
  const { plain } = security;
  return [
    ...metadata.roles,
    `listeners=${listeners.join(',')}`,
    `advertised.listeners=${plaintext},${secure}`,
    `listener.security.protocol.map=${['PLAINTEXT:PLAINTEXT', ...metadata.protocols, 'SASL_SSL:SASL_SSL'].join(',')}`,
    'inter.broker.listener.name=PLAINTEXT',
    'listener.name.sasl_ssl.ssl.keystore.type=PEM',
    `listener.name.sasl_ssl.ssl.keystore.location=${security.keystorePem}`,
    'listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ' +
      `user_${plain.username}=${jaasString(plain.password)};`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `log.dirs=${join(spec.dataDir, 'kafka-logs')}`,
    ...(spec.rack ? [`broker.rack=${spec.rack}`] : []),
    'num.partitions=1',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=3',
    'transaction.state.log.replication.factor=3',
    'transaction.state.log.min.isr=2',
    'group.initial.rebalance.delay.ms=0',
    'controlled.shutdown.enable=true',
    'unclean.leader.election.enable=false',
    'auto.create.topics.enable=false',
    // A stopped broker drops out of the ISR quickly, so tests see it without long waits.
    'replica.lag.time.max.ms=10000',
    'num.network.threads=2',
    'num.io.threads=2',
    'num.replica.fetchers=1',
    'log.segment.bytes=16777216',
    // Last, so they win (the last of duplicate keys does).
    ...(spec.settings ?? []).map(propertyLine),
    '',
  ].join('\n');
}

const LOG4J2 = `status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
`;

function javaArgs(cfg: SandboxConfig, dist: KafkaDistribution, spec: BrokerSpec, mainClass: string, rest: string[]): string[] {
  const log4j = join(spec.workDir, 'log4j2.properties');
  if (!existsSync(log4j)) writeFileSync(log4j, LOG4J2);
  return [
    `-Xms${cfg.brokerHeapMb}m`, `-Xmx${cfg.brokerHeapMb}m`,
    // Two cores for everything: a cheap collector and C1-only JIT keep the brokers light.
    '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:+ExitOnOutOfMemoryError',
    `-Dlog4j2.configurationFile=${log4j}`, `-Dkafka.logs.dir=${spec.workDir}`,
    '-cp', `${dist.libsDir}/*`, mainClass, ...rest,
  ];
}

/** Formats the volume for this cluster when it is new (an empty volume is a new broker disk). */
export async function prepareBroker(
  cfg: SandboxConfig,
  dist: KafkaDistribution,
  spec: BrokerSpec,
  clusterId: string,
  security: KafkaSecurity,
): Promise<string> {
  mkdirSync(spec.workDir, { recursive: true });
  mkdirSync(spec.dataDir, { recursive: true });
  const props = join(spec.workDir, 'server.properties');
  writeFileSync(props, serverProperties(cfg, spec, security));
  // A ZooKeeper-mode broker needs no format: it registers in ZooKeeper and writes meta.properties itself.
  if (cfg.kafkaMode === 'kraft' && !existsSync(join(spec.dataDir, 'kafka-logs', 'meta.properties'))) {
    // SCRAM credentials live in the cluster metadata; the first format of the quorum seeds them
    // (a later format of a fresh disk joins the existing metadata and ignores them).
    const { username, password } = security.scram;
    const scram = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${username},password=${password}]`]);
    try {
      await run('java', javaArgs(cfg, dist, spec, 'kafka.tools.StorageTool', ['format', '--ignore-formatted', '-t', clusterId, '-c', props, ...scram]));
    } catch (err) {
      throw new SandboxError(`formatting broker ${spec.id}'s volume failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
  }
  return props;
}

export function startBroker(cfg: SandboxConfig, dist: KafkaDistribution, spec: BrokerSpec, props: string, pidFile: string): Supervised {
  return startProcess({
    name: `kafka-broker-${spec.id}`,
    command: 'java',
    args: javaArgs(cfg, dist, spec, 'kafka.Kafka', [props]),
    logFile: join(spec.workDir, 'stdout.log'),
    pidFile,
  });
}

export async function newClusterId(dist: KafkaDistribution): Promise<string> {
  const { stdout } = await run('java', ['-cp', `${dist.libsDir}/*`, 'kafka.tools.StorageTool', 'random-uuid']);
  const id = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!/^[A-Za-z0-9_-]{22}$/.test(id)) throw new SandboxError(`kafka-storage random-uuid printed ${JSON.stringify(stdout)}`);
  return id;
}

/** ZooKeeper for the sandbox's ZooKeeper mode: one standalone server on 127.0.0.1, data in the state directory. */
export function startZookeeper(cfg: SandboxConfig, zk: { libsDir: string }, dataDir: string, logDir: string, pidFile: string): Supervised {
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const config = join(logDir, 'zoo.cfg');
  writeFileSync(config, [
    `dataDir=${dataDir}`,
    `clientPort=${cfg.ports.zookeeper}`,
    'clientPortAddress=127.0.0.1',
    'tickTime=2000',
    'maxClientCnxns=0',
    // No AdminServer: it would take port 8080, outside the sandbox's port base.
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr',
    '',
  ].join('\n'));
  const log4j = join(logDir, 'log4j2.properties');
  writeFileSync(log4j, LOG4J2);
  return startProcess({
    name: 'zookeeper',
    command: 'java',
    args: ['-Xms64m', '-Xmx128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${log4j}`, `-Dkafka.logs.dir=${logDir}`,
      '-cp', `${zk.libsDir}/*`, 'org.apache.zookeeper.server.ZooKeeperServerMain', config],
    logFile: join(logDir, 'stdout.log'),
    pidFile,
  });
}

/**
 * ZooKeeper mode keeps SCRAM credentials in ZooKeeper; they are written there
 * before the brokers start, as an operator bootstraps a ZooKeeper cluster
 * (kafka-configs --zookeeper; KRaft seeds them when formatting instead).
 */
export async function addZookeeperScramUser(cfg: SandboxConfig, dist: KafkaDistribution, user: SaslUser): Promise<void> {
  const config = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map((m) => `${m}=[password=${user.password}]`).join(',');
  try {
    await run('java', ['-Xmx128m', '-cp', `${dist.libsDir}/*`, 'kafka.admin.ConfigCommand', '--zookeeper', `127.0.0.1:${cfg.ports.zookeeper}`,
      '--alter', '--entity-type', 'users', '--entity-name', user.username, '--add-config', config]);
  } catch (err) {
    throw new SandboxError(`adding SCRAM user ${user.username} in ZooKeeper failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
}
