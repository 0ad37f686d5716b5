/**
 * Sandbox settings, read once from the environment. Every port is on
 * 127.0.0.1; the base ports can be moved with KAFKA_GUARD_SANDBOX_PORT_BASE
 * when something else already uses them.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError } from './process.js';

export interface SandboxConfig {
  repoRoot: string;
  cacheDir: string;
  /** Per-run state: certs, etcd data, volumes, logs, pid file. */
  stateDir: string;
  kubebuilderAssets: string | null;
  kafkaHome: string | null;
  /** The Kafka release the brokers run unless a broker pod's image names another (KAFKA_GUARD_KAFKA_VERSION). */
  kafkaVersion: string;
  /** How the brokers keep their metadata (KAFKA_GUARD_KAFKA_MODE): a KRaft quorum, or a ZooKeeper the sandbox starts (3.x only). */
  kafkaMode: KafkaMode;
  /** KAFKA_GUARD_SANDBOX_PORT_BASE: every port below is an offset from it. */
  portBase: number;
  ports: {
    etcdClient: number;
    etcdPeer: number;
    apiserver: number;
    controllerManager: number;
    scheduler: number;
    webhook: number;
    /** Broker id N listens on kafkaBase + N (PLAINTEXT), kafkaSecureBase + N (SASL_SSL); its controller on controllerBase + N. */
    kafkaBase: number;
    kafkaSecureBase: number;
    controllerBase: number;
    /** ZooKeeper's client port (ZooKeeper mode only). */
    zookeeper: number;
  };
  nodes: Array<{ name: string; zone: string }>;
  /** Broker ids that are KRaft controllers (static quorum). */
  controllerIds: number[];
  brokerHeapMb: number;
}

export type KafkaMode = 'kraft' | 'zookeeper';

/**
 * The Kafka release the sandbox runs by default: the newest the compatibility
 * matrix passes (test/compat.ts lists the others; docs/sandbox.md).
 */
export const DEFAULT_KAFKA_VERSION = '4.1.1';

/** A Kafka release number as Maven Central names it, e.g. 3.9.1 or 4.0.2. */
export function parseKafkaVersion(raw: string): { major: number; minor: number; patch: number } | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(raw);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : null;
}

/** Checks KAFKA_GUARD_KAFKA_VERSION and KAFKA_GUARD_KAFKA_MODE together: ZooKeeper mode exists only before Kafka 4.0. */
export function kafkaSetting(versionRaw: string | undefined, modeRaw: string | undefined): { kafkaVersion: string; kafkaMode: KafkaMode } {
  const kafkaVersion = versionRaw || DEFAULT_KAFKA_VERSION;
  const version = parseKafkaVersion(kafkaVersion);
  if (!version || version.major < 3) {
    throw new SandboxError(
      `KAFKA_GUARD_KAFKA_VERSION=${kafkaVersion} is not a Kafka release the sandbox can run`,
      `give a release number such as 3.9.1, 4.0.2 or 4.4.0 (3.x or newer), or unset it for ${DEFAULT_KAFKA_VERSION}`,
    );
  }
  const mode = (modeRaw || 'kraft').toLowerCase();
  if (mode !== 'kraft' && mode !== 'zookeeper') {
    throw new SandboxError(`KAFKA_GUARD_KAFKA_MODE=${modeRaw} is not a mode`, 'use kraft (the default) or zookeeper (Kafka 3.x only)');
  }
  if (mode === 'zookeeper' && version.major >= 4) {
    throw new SandboxError(
      `KAFKA_GUARD_KAFKA_MODE=zookeeper with Kafka ${kafkaVersion}: Kafka 4.0 and newer have no ZooKeeper mode (KRaft only)`,
      'use KAFKA_GUARD_KAFKA_VERSION=3.9.1 for ZooKeeper mode, or unset KAFKA_GUARD_KAFKA_MODE for KRaft',
    );
  }
  return { kafkaVersion, kafkaMode: mode };
}

export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const cacheDir = env.KAFKA_GUARD_CACHE ?? join(homedir(), '.cache', 'kafka-guard');
  const baseRaw = env.KAFKA_GUARD_SANDBOX_PORT_BASE ?? '20000';
  const base = Number(baseRaw);
  // Every port stays below the kernel's ephemeral range (32768+ by default), where a
  // client connection could already hold it.
  if (!Number.isInteger(base) || base < 1024 || base > 60000) {
    throw new SandboxError(
      `KAFKA_GUARD_SANDBOX_PORT_BASE=${baseRaw} is not a port between 1024 and 60000`,
      'unset it to use 20000, or choose another base with ~10000 free ports above it',
    );
  }
  const heapRaw = env.KAFKA_GUARD_SANDBOX_HEAP_MB || '256'; // empty is unset, as for the other settings
  const brokerHeapMb = Number(heapRaw);
  // Below 128 MB a broker does not start; the cap keeps a typo (a size in KB) from asking the JVM for the machine.
  if (!/^\d+$/.test(heapRaw) || brokerHeapMb < 128 || brokerHeapMb > 16384) {
    throw new SandboxError(
      `KAFKA_GUARD_SANDBOX_HEAP_MB=${heapRaw} is not a broker heap in MB between 128 and 16384`,
      'unset it for 256 MB per broker, or give a whole number of MB such as 2048 (about 10,000 partitions need that)',
    );
  }
  return {
    repoRoot,
    cacheDir,
    stateDir: env.KAFKA_GUARD_SANDBOX_DIR ?? join(cacheDir, 'sandbox'),
    kubebuilderAssets: env.KUBEBUILDER_ASSETS || null,
    kafkaHome: env.KAFKA_HOME || null,
    ...kafkaSetting(env.KAFKA_GUARD_KAFKA_VERSION, env.KAFKA_GUARD_KAFKA_MODE),
    portBase: base,
    ports: {
      etcdClient: base + 2379,
      etcdPeer: base + 2380,
      apiserver: base + 6443,
      controllerManager: base + 257,
      scheduler: base + 259,
      webhook: base + 8443,
      kafkaBase: base + 9092,
      controllerBase: base + 9192,
      kafkaSecureBase: base + 9292,
      zookeeper: base + 2181,
    },
    nodes: [
      { name: 'node-a1', zone: 'zone-a' },
      { name: 'node-a2', zone: 'zone-a' },
      { name: 'node-b1', zone: 'zone-b' },
      { name: 'node-b2', zone: 'zone-b' },
    ],
    controllerIds: [0, 1, 2],
    brokerHeapMb,
  };
}

export function statePaths(cfg: SandboxConfig) {
  const s = cfg.stateDir;
  return {
    pidFile: join(s, 'pids'),
    ownerFile: join(s, 'sandbox.pid'),
    readyFile: join(s, 'ready.env'),
    logs: join(s, 'logs'),
    certs: join(s, 'certs'),
    etcdData: join(s, 'etcd'),
    volumes: join(s, 'volumes'),
    kubeconfig: join(s, 'kubeconfig'),
    kafkaClusterIdFile: join(s, 'kafka-cluster-id'),
    zookeeperData: join(s, 'zookeeper'),
  };
}
