/**
 * Where the sandbox gets its binaries: KUBEBUILDER_ASSETS / KAFKA_HOME when
 * set, otherwise built or fetched once into the cache by the scripts in
 * test/sandbox/build/.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { statePaths, type SandboxConfig } from './config.js';
import { runRecorded, SandboxError } from './process.js';

const run = promisify(execFile);

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  /** kubectl of the same release when we built it, else the one on PATH. */
  kubectl: string;
  binDir: string;
}

export async function controlPlaneBinaries(cfg: SandboxConfig, log: (line: string) => void): Promise<ControlPlaneBinaries> {
  let binDir: string;
  if (cfg.kubebuilderAssets) {
    binDir = cfg.kubebuilderAssets;
  } else {
    if (!(await controlPlaneCached(cfg))) log('building etcd and Kubernetes from the Go module proxy (first run only: ~15 min on 2 cores)');
    try {
      const { stdout } = await runRecorded({
        name: 'build-kube.sh', command: 'bash', args: [join(cfg.repoRoot, 'test/sandbox/build/build-kube.sh')],
        env: { ...process.env, KAFKA_GUARD_CACHE: cfg.cacheDir }, pidFile: statePaths(cfg).pidFile,
      });
      binDir = stdout.trim().split('\n').pop() ?? '';
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new SandboxError(`building the control plane failed:\n${stderr.split('\n').slice(-15).join('\n')}`,
        'fix the error above, or set KUBEBUILDER_ASSETS to prebuilt binaries');
    }
  }
  const need = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
  const missing = need.filter((b) => !existsSync(join(binDir, b)));
  if (missing.length > 0) {
    throw new SandboxError(`${binDir} lacks ${missing.join(', ')}`,
      cfg.kubebuilderAssets ? 'KUBEBUILDER_ASSETS must hold all four binaries (setup-envtest ships only etcd/kube-apiserver: unset it to build them all)' : 'remove the cache directory and start again');
  }
  return {
    etcd: join(binDir, 'etcd'),
    kubeApiserver: join(binDir, 'kube-apiserver'),
    kubeControllerManager: join(binDir, 'kube-controller-manager'),
    kubeScheduler: join(binDir, 'kube-scheduler'),
    kubectl: existsSync(join(binDir, 'kubectl')) ? join(binDir, 'kubectl') : 'kubectl',
    binDir,
  };
}

export interface KafkaDistribution {
  /** Directory of jars for the java classpath (`dir/*`). */
  libsDir: string;
  version: string;
}

/**
 * The jars of one Kafka release: KAFKA_HOME's when set (one release only),
 * otherwise `version` (default: the sandbox's KAFKA_GUARD_KAFKA_VERSION)
 * fetched once from Maven Central into ~/.cache/kafka-guard/kafka-<version>/.
 * Concurrent calls for one release share one fetch (two brokers whose pods
 * name the same new image start together).
 */
export function kafkaDistribution(cfg: SandboxConfig, log: (line: string) => void, version: string = cfg.kafkaVersion): Promise<KafkaDistribution> {
  const key = `${cfg.cacheDir}\0${cfg.kafkaHome ?? ''}\0${version}`;
  let pending = fetches.get(key);
  if (!pending) {
    pending = resolveKafka(cfg, log, version);
    fetches.set(key, pending);
    pending.catch(() => fetches.delete(key)); // a failed fetch may be retried
  }
  return pending;
}

const fetches = new Map<string, Promise<KafkaDistribution>>();

async function resolveKafka(cfg: SandboxConfig, log: (line: string) => void, version: string): Promise<KafkaDistribution> {
  if (cfg.kafkaHome) {
    const libsDir = join(cfg.kafkaHome, 'libs');
    const core = existsSync(libsDir) ? readdirSync(libsDir).find((f) => /^kafka_2\.13-.*\.jar$/.test(f) && !f.includes('test')) : undefined;
    if (!core) throw new SandboxError(`KAFKA_HOME=${cfg.kafkaHome} has no libs/kafka_2.13-*.jar`, 'point KAFKA_HOME at an unpacked Kafka distribution, or unset it');
    return { libsDir, version: core.replace(/^kafka_2\.13-|\.jar$/g, '') };
  }
  const { pom, dir } = kafkaCache(cfg, version);
  const libsDir = join(dir, 'libs');
  await mavenFetch(cfg, log, { what: `Kafka ${version}`, pom, dir, property: `-Dkafka.version=${version}`,
    hint: `check Maven can reach Maven Central and that Kafka ${version} is released (org.apache.kafka:kafka_2.13), or set KAFKA_HOME` });
  return { libsDir, version };
}

export interface ZookeeperDistribution {
  libsDir: string;
  version: string;
}

/** ZooKeeper's server jars (org.apache.zookeeper:zookeeper), for the sandbox's ZooKeeper mode, cached like Kafka's. */
export async function zookeeperDistribution(cfg: SandboxConfig, log: (line: string) => void): Promise<ZookeeperDistribution> {
  const { pom, version, dir } = zookeeperCache(cfg);
  await mavenFetch(cfg, log, { what: `ZooKeeper ${version}`, pom, dir, property: `-Dzookeeper.version=${version}`,
    hint: 'check Maven can reach Maven Central' });
  return { libsDir: join(dir, 'libs'), version };
}

/**
 * Resolves a pom's runtime jars into dir/libs once; dir/.complete marks a finished fetch.
 * Sandboxes started side by side (the compatibility matrix, cold) share the cache and
 * Maven's local repository, which takes no concurrent writers: every fetch holds one
 * lock (flock(1) on cacheDir/maven.lock), and a second sandbox of the same release waits,
 * then finds the first one's marker and fetches nothing.
 */
async function mavenFetch(cfg: SandboxConfig, log: (line: string) => void, job: { what: string; pom: string; dir: string; property: string; hint: string }): Promise<void> {
  const marker = join(job.dir, '.complete');
  if (existsSync(marker)) return;
  log(`fetching ${job.what} jars from Maven Central (first run only)`);
  try {
    await runRecorded({
      name: 'mvn dependency:copy-dependencies', command: 'flock', pidFile: statePaths(cfg).pidFile,
      // The marker is checked again and written under the lock: a sandbox that waited for another's fetch of the same release must not copy over jars its brokers already run from.
      args: [join(cfg.cacheDir, 'maven.lock'), 'sh', '-c', '[ -f "$1" ] && exit 0; m="$1"; shift; "$@" && touch "$m"', 'sh', marker, 'mvn', '-q', '-B', '-f', job.pom, job.property, 'dependency:copy-dependencies', `-DoutputDirectory=${join(job.dir, 'libs')}`, '-DincludeScope=runtime'],
    });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    throw new SandboxError(`fetching ${job.what} jars failed:\n${out.split('\n').slice(-15).join('\n')}`, job.hint);
  }
}

/**
 * Checks every tool this start needs before anything runs, so a missing one is
 * named at once and nothing is left half-started: Go only when the control
 * plane is neither given nor cached, Maven only when the Kafka jars are not.
 */
export async function requireTools(cfg: SandboxConfig): Promise<void> {
  if (!cfg.kubebuilderAssets && !(await controlPlaneCached(cfg))) {
    await requireTool('go', 'version', 'install Go >= 1.24, or set KUBEBUILDER_ASSETS to a directory with etcd, kube-apiserver, kube-controller-manager and kube-scheduler');
  }
  await requireTool('java', '-version', 'install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)');
  const zookeeperMissing = cfg.kafkaMode === 'zookeeper' && !existsSync(join(zookeeperCache(cfg).dir, '.complete'));
  if ((!cfg.kafkaHome && !existsSync(join(kafkaCache(cfg, cfg.kafkaVersion).dir, '.complete'))) || zookeeperMissing) {
    await requireTool('mvn', '-v', 'install Maven (apt-get install maven), or set KAFKA_HOME to an unpacked Kafka distribution');
  }
  await requireTool('openssl', 'version', 'install openssl (apt-get install openssl)');
}

/** True when build-kube.sh has a finished build for its pinned versions (it alone knows its cache key). */
async function controlPlaneCached(cfg: SandboxConfig): Promise<boolean> {
  try {
    await run('bash', [join(cfg.repoRoot, 'test/sandbox/build/build-kube.sh'), '--cached'], { env: { ...process.env, KAFKA_GUARD_CACHE: cfg.cacheDir } });
    return true;
  } catch {
    return false;
  }
}

function kafkaCache(cfg: SandboxConfig, version: string): { pom: string; dir: string } {
  return { pom: join(cfg.repoRoot, 'test/sandbox/build/kafka/pom.xml'), dir: join(cfg.cacheDir, `kafka-${version}`) };
}

function zookeeperCache(cfg: SandboxConfig): { pom: string; version: string; dir: string } {
  const pom = join(cfg.repoRoot, 'test/sandbox/build/zookeeper/pom.xml');
  const version = /<zookeeper\.version>([^<]+)<\/zookeeper\.version>/.exec(readFileSync(pom, 'utf8'))?.[1];
  if (!version) throw new SandboxError(`no <zookeeper.version> in ${pom}`);
  return { pom, version, dir: join(cfg.cacheDir, `zookeeper-${version}`) };
}

async function requireTool(tool: string, versionArg: string, hint: string): Promise<void> {
  try {
    await run(tool, [versionArg]);
  } catch {
    throw new SandboxError(`${tool} is not installed or not on PATH`, hint);
  }
}
