/**
 * Where the sandbox gets its binaries: KUBEBUILDER_ASSETS / KAFKA_HOME when
 * set, otherwise built or fetched once into the cache by the scripts in
 * test/sandbox/build/.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

export async function kafkaDistribution(cfg: SandboxConfig, log: (line: string) => void): Promise<KafkaDistribution> {
  if (cfg.kafkaHome) {
    const libsDir = join(cfg.kafkaHome, 'libs');
    const core = existsSync(libsDir) ? readdirSync(libsDir).find((f) => /^kafka_2\.13-.*\.jar$/.test(f) && !f.includes('test')) : undefined;
    if (!core) throw new SandboxError(`KAFKA_HOME=${cfg.kafkaHome} has no libs/kafka_2.13-*.jar`, 'point KAFKA_HOME at an unpacked Kafka distribution, or unset it');
    return { libsDir, version: core.replace(/^kafka_2\.13-|\.jar$/g, '') };
  }
  const { pom, version, dir } = kafkaCache(cfg);
  const libsDir = join(dir, 'libs');
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) {
    log(`fetching Kafka ${version} jars from Maven Central (first run only)`);
    try {
      await runRecorded({
        name: 'mvn dependency:copy-dependencies', command: 'mvn', pidFile: statePaths(cfg).pidFile,
        args: ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libsDir}`, '-DincludeScope=runtime'],
      });
      writeFileSync(marker, '');
    } catch (err) {
      const out = (err as { stdout?: string }).stdout ?? '';
      throw new SandboxError(`fetching Kafka jars failed:\n${out.split('\n').slice(-15).join('\n')}`, 'check Maven can reach Maven Central, or set KAFKA_HOME');
    }
  }
  return { libsDir, version };
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
  if (!cfg.kafkaHome && !existsSync(join(kafkaCache(cfg).dir, '.complete'))) {
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

function kafkaCache(cfg: SandboxConfig): { pom: string; version: string; dir: string } {
  const pom = join(cfg.repoRoot, 'test/sandbox/build/kafka/pom.xml');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pom, 'utf8'))?.[1];
  if (!version) throw new SandboxError(`no <kafka.version> in ${pom}`);
  return { pom, version, dir: join(cfg.cacheDir, `kafka-${version}`) };
}

async function requireTool(tool: string, versionArg: string, hint: string): Promise<void> {
  try {
    await run(tool, [versionArg]);
  } catch {
    throw new SandboxError(`${tool} is not installed or not on PATH`, hint);
  }
}
