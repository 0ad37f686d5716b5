/**
 * Brings the whole sandbox up and down: control plane, node agent with real
 * Kafka brokers, the demo StatefulSet, and the webhook. Used by
 * `npm run sandbox` and by the end-to-end tests (one sandbox per test run).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { controlPlaneBinaries, kafkaDistribution, requireTools, zookeeperDistribution } from './binaries.js';
import { makeCerts, type SandboxCerts } from './certs.js';
import { loadSandboxConfig, parseKafkaVersion, statePaths, type KafkaMode, type SandboxConfig } from './config.js';
import { apiGet, startControlPlane, type ControlPlane } from './control-plane.js';
import { addZookeeperScramUser, bootstrapServers, newClusterId, secureBootstrapServers, startZookeeper, type KafkaSecurity } from './kafka-broker.js';
import { demoNamespace, demoObjects, demoPolicy, kafkaSecrets, storageClasses, DEMO_NAMESPACE, DEMO_STATEFULSET } from './manifests.js';
import { NodeAgent } from './node-agent.js';
import { isAlive, killRecorded, liveStamped, pidStamp, portFree, SandboxError, stopProcess, waitFor, type Supervised } from './process.js';
import { setUpOperator } from './operator.js';
import { startWebhook } from './webhook.js';

export interface Sandbox {
  cfg: SandboxConfig;
  kubeconfig: string;
  kubectl: string;
  binDir: string;
  bootstrapServers: string;
  /** The brokers' SASL_SSL listeners; credentials and CA in the Secrets of manifests.ts kafkaSecrets(). */
  secureBootstrapServers: string;
  kafkaLibs: string;
  kafkaVersion: string;
  kafkaMode: KafkaMode;
  certs: SandboxCerts;
  agent: NodeAgent;
  /** `export` lines for a shell. */
  exports: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: (line: string) => void;
  /** Start the webhook and register it (default true when it exists). */
  webhook?: boolean;
}

/** Fails with a clear message when a sandbox already runs in this state directory. */
export function assertNotRunning(cfg: SandboxConfig): void {
  const paths = statePaths(cfg);
  if (existsSync(paths.ownerFile)) {
    const pid = liveStamped(readFileSync(paths.ownerFile, 'utf8'));
    if (pid !== null && pid !== process.pid) {
      throw new SandboxError(`a sandbox is already running (pid ${pid}, state in ${cfg.stateDir})`,
        'use it (see ' + paths.readyFile + '), or stop it with `npm run sandbox -- --stop`');
    }
  }
}

/** Fails with a clear message when another sandbox is running, a port is taken or a tool is missing. */
async function preflight(cfg: SandboxConfig): Promise<void> {
  const paths = statePaths(cfg);
  assertNotRunning(cfg);
  // Leftovers of a sandbox that was killed hard: stop them before checking ports.
  await killRecorded(paths.pidFile, 5000);
  const ports: Array<[string, number]> = [
    ['etcd', cfg.ports.etcdClient], ['etcd peer', cfg.ports.etcdPeer], ['kube-apiserver', cfg.ports.apiserver],
    ['kube-controller-manager', cfg.ports.controllerManager], ['kube-scheduler', cfg.ports.scheduler], ['webhook', cfg.ports.webhook],
    ...[0, 1, 2, 3, 4].map((id): [string, number] => [`kafka broker ${id}`, cfg.ports.kafkaBase + id]),
    ...[0, 1, 2, 3, 4].map((id): [string, number] => [`kafka broker ${id} (SASL_SSL)`, cfg.ports.kafkaSecureBase + id]),
    ...cfg.controllerIds.map((id): [string, number] => [`kafka controller ${id}`, cfg.ports.controllerBase + id]),
    ...(cfg.kafkaMode === 'zookeeper' ? [['zookeeper', cfg.ports.zookeeper] as [string, number]] : []),
  ];
  for (const [what, port] of ports) {
    if (!(await portFree(port))) {
      throw new SandboxError(`port ${port} (for ${what}) on 127.0.0.1 is already in use`,
        `stop whatever listens there (ss -ltnp 'sport = :${port}'), or move every sandbox port with KAFKA_GUARD_SANDBOX_PORT_BASE=<base> (now ${cfg.ports.etcdClient - 2379})`);
    }
  }
  await requireTools(cfg);
}

export function loadObjects(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as KubernetesObject).filter((o) => o && o.kind);
}

export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    try {
      await api.create(obj);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) {
        throw new SandboxError(`creating ${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}: ${(err as Error).message}`);
      }
    }
  }
}

export async function startSandbox(opts: StartOptions = {}): Promise<Sandbox> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[sandbox] ${line}\n`));
  const cfg = loadSandboxConfig();
  const paths = statePaths(cfg);
  await preflight(cfg);
  rmSync(cfg.stateDir, { recursive: true, force: true });
  mkdirSync(paths.logs, { recursive: true });
  writeFileSync(paths.ownerFile, `${pidStamp(process.pid)}\n`);

  let controlPlane: ControlPlane | null = null;
  let agent: NodeAgent | null = null;
  let webhook: Supervised | null = null;
  let zookeeper: Supervised | null = null;
  const stop = async () => {
    if (agent) await agent.stop().catch(() => undefined);
    if (webhook) await stopProcess(webhook, 10_000);
    // After the brokers: their controlled shutdown goes through ZooKeeper.
    if (zookeeper) await stopProcess(zookeeper, 10_000);
    for (const p of [...(controlPlane?.processes ?? [])].reverse()) await stopProcess(p, 10_000);
    await killRecorded(paths.pidFile, 10_000);
    rmSync(paths.ownerFile, { force: true });
    rmSync(paths.readyFile, { force: true });
  };

  try {
    // Both settled before going on: a failed build must not leave a Maven fetch running behind it.
    const [built, fetched] = await Promise.allSettled([controlPlaneBinaries(cfg, log), kafkaDistribution(cfg, log)]);
    if (built.status === 'rejected') throw built.reason;
    if (fetched.status === 'rejected') throw fetched.reason;
    const bins = built.value;
    const dist = fetched.value;
    if (cfg.kafkaMode === 'zookeeper' && (parseKafkaVersion(dist.version)?.major ?? 4) >= 4) {
      throw new SandboxError(`KAFKA_GUARD_KAFKA_MODE=zookeeper, but KAFKA_HOME holds Kafka ${dist.version}, which has no ZooKeeper mode`,
        'point KAFKA_HOME at a Kafka 3.x distribution, or unset KAFKA_HOME and set KAFKA_GUARD_KAFKA_VERSION=3.9.1');
    }
    const certs = await makeCerts(paths.certs);
    controlPlane = await startControlPlane(cfg, bins, certs, log);
    const kc = new KubeConfig();
    kc.loadFromFile(controlPlane.kubeconfig);

    const crd = join(cfg.repoRoot, 'deploy/crd.yaml');
    await applyObjects(kc, [...storageClasses(), ...(existsSync(crd) ? loadObjects(crd) : [])]);
    await waitFor('the KafkaGuardPolicy CRD to be served', async () => (await apiGet(controlPlane?.server ?? '', '/apis/kafkaguard.io/v1alpha1', certs)).status === 200, { timeoutMs: 30_000 });
    // Fresh at every start, like the certificates: the sandbox is local and throw-away.
    const security: KafkaSecurity = {
      keystorePem: certs.kafkaKeystorePem,
      caCert: certs.caCert,
      plain: { username: 'guard_plain', password: randomBytes(16).toString('hex') },
      scram: { username: 'guard_scram', password: randomBytes(16).toString('hex') },
    };
    await applyObjects(kc, [demoNamespace(), ...kafkaSecrets(security)]);

    if (cfg.kafkaMode === 'zookeeper') {
      const zk = await zookeeperDistribution(cfg, log);
      log(`starting ZooKeeper ${zk.version} on 127.0.0.1:${cfg.ports.zookeeper} (Kafka ${dist.version} in ZooKeeper mode)`);
      zookeeper = startZookeeper(cfg, zk, paths.zookeeperData, join(paths.logs, 'zookeeper'), paths.pidFile);
      await waitFor('ZooKeeper to serve requests', () => zookeeperServing(cfg.ports.zookeeper),
        { timeoutMs: 60_000, intervalMs: 500, process: zookeeper, logFile: zookeeper.logFile });
      await addZookeeperScramUser(cfg, dist, security.scram);
    }
    const clusterId = await newClusterId(dist);
    writeFileSync(paths.kafkaClusterIdFile, clusterId);
    agent = new NodeAgent(cfg, dist, kc, clusterId, security, log);
    await agent.start();

    if (opts.webhook !== false) {
      webhook = await startWebhook(cfg, certs, kc, (k, objects) => applyObjects(k, objects as KubernetesObject[]), log);
      await setUpOperator(cfg, certs, kc, (k, objects) => applyObjects(k, objects as KubernetesObject[]));
      await applyObjects(kc, [demoPolicy(bootstrapServers(cfg))]);
    }

    log(`creating the demo Kafka StatefulSet ${DEMO_NAMESPACE}/${DEMO_STATEFULSET} (3 brokers)`);
    const core = kc.makeApiClient(CoreV1Api);
    await waitFor('the default ServiceAccount controller', async () => {
      await core.readNamespace({ name: 'default' });
      return true;
    }, { timeoutMs: 30_000 });
    if (webhook) {
      // The webhook's policy informer must have seen the demo policy before the StatefulSet
      // is created, or the StatefulSet is stored without kafka-guard's defaults.
      const sts = demoObjects(cfg).find((o) => o.kind === 'StatefulSet');
      const objects = KubernetesObjectApi.makeApiClient(kc);
      await waitFor('the webhook to see the demo policy', async () => {
        const dry = sts ? await objects.create(sts, undefined, 'All') : null;
        return dry?.metadata?.annotations?.['kafkaguard.io/applied-defaults'] !== undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 });
    }
    await applyObjects(kc, demoObjects(cfg));
    await waitFor('3 Ready broker pods with registered brokers', async () => {
      const pods = await core.listNamespacedPod({ namespace: DEMO_NAMESPACE, labelSelector: 'app.kubernetes.io/name=kafka' });
      const ready = pods.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 3;
    }, { timeoutMs: 240_000, intervalMs: 1000, logFile: join(paths.logs, 'brokers') });

    const bootstrap = bootstrapServers(cfg);
    const exports = [
      `export KUBECONFIG=${controlPlane.kubeconfig}`,
      `export KAFKA_BOOTSTRAP_SERVERS=${bootstrap}`,
      `export KAFKA_SECURE_BOOTSTRAP_SERVERS=${secureBootstrapServers(cfg)}`,
      `export PATH=${bins.binDir}:$PATH`,
      // The Kafka jars, for tests that cross-check with Kafka's own tools.
      `export KAFKA_LIBS=${dist.libsDir}`,
      // What the brokers run, for tests whose expectations differ by release or mode.
      `export KAFKA_GUARD_KAFKA_VERSION=${dist.version}`,
      `export KAFKA_GUARD_KAFKA_MODE=${cfg.kafkaMode}`,
    ];
    writeFileSync(paths.readyFile, exports.join('\n') + '\n');
    log('sandbox is ready');
    return {
      cfg, kubeconfig: controlPlane.kubeconfig, kubectl: bins.kubectl, binDir: bins.binDir, bootstrapServers: bootstrap,
      secureBootstrapServers: secureBootstrapServers(cfg),
      kafkaLibs: dist.libsDir, kafkaVersion: dist.version, kafkaMode: cfg.kafkaMode, certs, agent, exports, stop,
    };
  } catch (err) {
    log(`start-up failed; stopping everything it started`);
    await stop();
    throw err;
  }
}

/** ZooKeeper's `srvr` four-letter word: a server that is up but not serving says so instead of its mode. */
function zookeeperServing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('srvr'));
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (d: Buffer) => { reply += d.toString(); });
    socket.on('close', () => resolve(/^Mode: standalone$/m.test(reply)));
    socket.on('error', () => resolve(false));
  });
}

/** Stops a sandbox started by another process (`npm run sandbox -- --stop`). */
export async function stopRunningSandbox(): Promise<string> {
  const cfg = loadSandboxConfig();
  const paths = statePaths(cfg);
  const owner = existsSync(paths.ownerFile) ? liveStamped(readFileSync(paths.ownerFile, 'utf8')) : null;
  if (owner !== null) {
    process.kill(owner, 'SIGTERM');
    const deadline = Date.now() + 90_000;
    while (isAlive(owner) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  }
  const leftovers = await killRecorded(paths.pidFile, 10_000);
  rmSync(paths.ownerFile, { force: true });
  rmSync(paths.readyFile, { force: true });
  return owner !== null ? `stopped the sandbox (pid ${owner})` : leftovers > 0 ? `stopped ${leftovers} leftover processes` : 'no sandbox was running';
}
