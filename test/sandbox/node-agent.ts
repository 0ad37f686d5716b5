/**
 * The node agent plays the kubelet (and a volume provisioner) for the
 * sandbox's fake Nodes:
 * - registers the Nodes with zone labels and keeps their Leases renewed, so
 *   the node lifecycle controller leaves them alone;
 * - provisions PersistentVolumes for the two sandbox storage classes: a
 *   node-local one (PV pinned to the node, data stays there) and a network one
 *   (data follows the claim to any node); deletes released volumes' data;
 * - grows those volumes when a bound claim asks for more, as external-resizer
 *   and a kubelet do (see expandVolume): the PV's capacity grows and the claim
 *   gets FileSystemResizePending; a network volume's file system then grows
 *   online while its pod runs, a node-local one's only when a pod using it
 *   next starts on the node;
 * - for every broker pod bound to one of its nodes, starts a real Kafka broker
 *   JVM on the pod's volume, marks the pod Running, and Ready once the broker
 *   has registered with the cluster; on deletion stops the JVM with SIGTERM
 *   (controlled shutdown) and then completes the deletion. Other pods are
 *   simply marked Running and Ready. A broker runs the Kafka release its
 *   image's tag names (`apache/kafka:4.0.2`), fetched and cached like the
 *   sandbox's own, so `kubectl set image` and a restart really upgrade it;
 *   an image without a release number runs the sandbox's release.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoordinationV1Api, CoreV1Api, KubeConfig, makeInformer,
  type V1Pod, type V1PersistentVolumeClaim, type V1PersistentVolume, type V1Node, type Informer, type ObjectCache, type KubernetesObject,
} from '@kubernetes/client-node';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaDistribution, type KafkaDistribution } from './binaries.js';
import { parseKafkaVersion, statePaths, type SandboxConfig } from './config.js';
import { versionOfImage } from '../../shared/k8s/kafka-image.js';
import { prepareBroker, startBroker, bootstrapServers, type KafkaSecurity } from './kafka-broker.js';
import { settingOfEnvName } from '../../shared/kafka/env-names.js';
import { stopProcess, type Supervised } from './process.js';
import { parseQuantity } from '../../shared/k8s/quantity.js';

export const PROVISIONER_NODE_LOCAL = 'sandbox.kafkaguard.io/node-local';
export const PROVISIONER_NETWORK = 'sandbox.kafkaguard.io/network';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

interface RunningPod {
  uid: string;
  namespace: string;
  name: string;
  brokerId: number | null;
  process: Supervised | null;
  stopping: boolean;
  restarts: number;
}

export class NodeAgent {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly nodeNames: Set<string>;
  private readonly pods = new Map<string, RunningPod>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly informers: Array<Informer<KubernetesObject>> = [];
  private podCache: ObjectCache<V1Pod> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly kafka: Kafka;

  constructor(
    private readonly cfg: SandboxConfig,
    private readonly dist: KafkaDistribution,
    private readonly kc: KubeConfig,
    private readonly clusterId: string,
    private readonly security: KafkaSecurity,
    private readonly log: (line: string) => void,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.nodeNames = new Set(cfg.nodes.map((n) => n.name));
    this.kafka = new Kafka({ clientId: 'sandbox-node-agent', brokers: bootstrapServers(cfg).split(','), logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } });
  }

  async start(): Promise<void> {
    await this.registerNodes();
    this.heartbeat = setInterval(() => { void this.renewLeases(); }, 10_000);
    await this.renewLeases();

    const pvcInformer = makeInformer<V1PersistentVolumeClaim>(this.kc, '/api/v1/persistentvolumeclaims', () => this.core.listPersistentVolumeClaimForAllNamespaces());
    pvcInformer.on('add', (pvc) => this.enqueue(`pvc/${pvc.metadata?.uid}`, () => this.provision(pvc)));
    pvcInformer.on('update', (pvc) => this.enqueue(`pvc/${pvc.metadata?.uid}`, () => this.provision(pvc)));
    pvcInformer.on('update', (pvc) => this.enqueue(`pvc/${pvc.metadata?.uid}`, () => this.expandVolume(pvc)));
    const pvInformer = makeInformer<V1PersistentVolume>(this.kc, '/api/v1/persistentvolumes', () => this.core.listPersistentVolume());
    pvInformer.on('update', (pv) => this.enqueue(`pv/${pv.metadata?.name}`, () => this.reclaim(pv)));
    pvInformer.on('add', (pv) => this.enqueue(`pv/${pv.metadata?.name}`, () => this.reclaim(pv)));
    const podInformer = makeInformer<V1Pod>(this.kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces());
    const onPod = (pod: V1Pod) => { if (pod.metadata?.uid) this.enqueue(`pod/${pod.metadata.uid}`, () => this.syncPod(pod)); };
    podInformer.on('add', onPod);
    podInformer.on('update', onPod);
    podInformer.on('delete', (pod) => { if (pod.metadata?.uid) this.enqueue(`pod/${pod.metadata.uid}`, () => this.podGone(pod.metadata?.uid ?? '')); });
    this.podCache = podInformer;
    for (const informer of [pvcInformer, pvInformer, podInformer] as Array<Informer<KubernetesObject>>) {
      // A restart that fails to list (the apiserver down, test/e2e/faults.e2e.test.ts) is tried again, or the agent stops following pods.
      const restart = (): void => {
        if (!this.stopped) void informer.start().catch(() => { setTimeout(restart, 1000); });
      };
      informer.on('error', () => { setTimeout(restart, 1000); });
      await informer.start();
      this.informers.push(informer);
    }
  }

  /** Stops every broker gracefully (controlled shutdown), then the informers. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
    await Promise.all([...this.pods.values()].map(async (p) => { if (p.process) await stopProcess(p.process, 30_000); }));
  }

  /** Serialises work per object so events for one pod never interleave. */
  private enqueue(key: string, work: () => Promise<void>): void {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(work).catch((err: unknown) => {
      this.log(`node-agent: ${key}: ${err instanceof Error ? err.message : String(err)}`);
    });
    this.queues.set(key, next);
    void next.then(() => { if (this.queues.get(key) === next) this.queues.delete(key); });
  }

  private nodeBody(name: string, zone: string): V1Node {
    const now = new Date();
    const conditions = [
      { type: 'Ready', status: 'True', reason: 'SandboxAgentReady', message: 'kafka-guard sandbox node agent is running' },
      { type: 'MemoryPressure', status: 'False', reason: 'SandboxAgent', message: '' },
      { type: 'DiskPressure', status: 'False', reason: 'SandboxAgent', message: '' },
      { type: 'PIDPressure', status: 'False', reason: 'SandboxAgent', message: '' },
    ].map((c) => ({ ...c, lastHeartbeatTime: now, lastTransitionTime: now }));
    const capacity = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': zone, 'topology.kubernetes.io/region': 'sandbox',
        },
      },
      status: {
        capacity, allocatable: capacity, conditions,
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }],
        nodeInfo: {
          architecture: 'amd64', bootID: name, containerRuntimeVersion: 'sandbox://1', kernelVersion: 'sandbox', kubeProxyVersion: '',
          kubeletVersion: 'v1.34.4', machineID: name, operatingSystem: 'linux', osImage: 'kafka-guard sandbox', systemUUID: name,
        },
      },
    };
  }

  private async registerNodes(): Promise<void> {
    for (const { name, zone } of this.cfg.nodes) {
      const body = this.nodeBody(name, zone);
      await this.core.createNode({ body }).catch((err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });
      await this.writeNodeStatus(name, body);
    }
  }

  /** Read-modify-write of a Node's status; the node controllers update Nodes too, so conflicts are retried. */
  private async writeNodeStatus(name: string, body: V1Node): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const node = await this.core.readNode({ name });
      node.status = { ...node.status, ...body.status };
      try {
        await this.core.replaceNodeStatus({ name, body: node });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 10) throw err;
      }
    }
  }

  private async renewLeases(): Promise<void> {
    for (const { name, zone } of this.cfg.nodes) {
      try {
        // Lease times are MicroTime: the apiserver wants six fractional digits.
        const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
        try {
          const lease = await this.coordination.readNamespacedLease({ name, namespace: 'kube-node-lease' });
          lease.spec = { ...lease.spec, renewTime: now, holderIdentity: name, leaseDurationSeconds: 40 };
          await this.coordination.replaceNamespacedLease({ name, namespace: 'kube-node-lease', body: lease });
        } catch {
          await this.coordination.createNamespacedLease({ namespace: 'kube-node-lease', body: { metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now } } });
        }
        // Refresh the Ready condition's heartbeat now and then, as a kubelet does.
        const node = await this.core.readNode({ name });
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
        if (!ready || ready.status !== 'True' || Date.now() - new Date(ready.lastHeartbeatTime ?? 0).getTime() > 60_000) {
          await this.writeNodeStatus(name, this.nodeBody(name, zone));
        }
      } catch (err) {
        if (!this.stopped) this.log(`node-agent: heartbeat of ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private volumeDir(pvName: string, node: string | null): string {
    const volumes = statePaths(this.cfg).volumes;
    return node ? join(volumes, node, pvName) : join(volumes, 'network', pvName);
  }

  /** Dynamic provisioning for the sandbox storage classes (the role of an external provisioner). */
  private async provision(pvc: V1PersistentVolumeClaim): Promise<void> {
    const annotations = pvc.metadata?.annotations ?? {};
    const provisioner = annotations['volume.kubernetes.io/storage-provisioner'];
    if (provisioner !== PROVISIONER_NODE_LOCAL && provisioner !== PROVISIONER_NETWORK) return;
    if (pvc.spec?.volumeName || pvc.status?.phase !== 'Pending' || pvc.metadata?.deletionTimestamp) return;
    const selectedNode = annotations['volume.kubernetes.io/selected-node'] ?? null;
    if (provisioner === PROVISIONER_NODE_LOCAL && !selectedNode) return; // waits for the scheduler to pick a node
    const name = `pvc-${pvc.metadata?.uid}`;
    const nodeLocal = provisioner === PROVISIONER_NODE_LOCAL;
    const path = this.volumeDir(name, nodeLocal ? selectedNode : null);
    mkdirSync(path, { recursive: true });
    const pv: V1PersistentVolume = {
      metadata: { name, annotations: { [PROVISIONED_BY]: provisioner }, labels: { 'sandbox.kafkaguard.io/volume-kind': nodeLocal ? 'node-local' : 'network' } },
      spec: {
        capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: pvc.spec?.storageClassName,
        volumeMode: 'Filesystem',
        hostPath: { path, type: 'DirectoryOrCreate' },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid },
        ...(nodeLocal && selectedNode ? {
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [selectedNode] }] }] } },
        } : {}),
      },
    };
    try {
      await this.core.createPersistentVolume({ body: pv });
      this.log(`node-agent: provisioned ${nodeLocal ? `node-local volume on ${selectedNode}` : 'network volume'} ${name} for ${pvc.metadata?.namespace}/${pvc.metadata?.name}`);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }

  /** Deletes a released volume of ours and its data (reclaim policy Delete). */
  private async reclaim(pv: V1PersistentVolume): Promise<void> {
    const provisioner = pv.metadata?.annotations?.[PROVISIONED_BY];
    if (provisioner !== PROVISIONER_NODE_LOCAL && provisioner !== PROVISIONER_NETWORK) return;
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const path = pv.spec?.hostPath?.path;
    if (path && path.startsWith(statePaths(this.cfg).volumes)) rmSync(path, { recursive: true, force: true });
    await this.core.deletePersistentVolume({ name: pv.metadata?.name ?? '' }).catch(() => undefined);
    this.log(`node-agent: deleted released volume ${pv.metadata?.name}`);
  }

  /**
   * The controller side of a volume expansion (external-resizer's job): a
   * bound claim of ours asks for more than its PV has, so the PV grows and the
   * claim gets FileSystemResizePending: the volume is larger, its file system
   * is not yet. A network volume's file system then grows online, while its
   * pod runs (as kubelets do for drivers with online expansion); a node-local
   * one's waits for a pod using it to start on the node (growFileSystemsOf).
   */
  private async expandVolume(pvc: V1PersistentVolumeClaim): Promise<void> {
    const volumeName = pvc.spec?.volumeName;
    if (!volumeName || pvc.status?.phase !== 'Bound' || pvc.metadata?.deletionTimestamp) return;
    const requested = storageBytes(pvc.spec?.resources?.requests?.storage);
    if (requested === null) return;
    const pv = await this.core.readPersistentVolume({ name: volumeName }).catch(() => null);
    const provisioner = pv?.metadata?.annotations?.[PROVISIONED_BY];
    if (!pv || (provisioner !== PROVISIONER_NODE_LOCAL && provisioner !== PROVISIONER_NETWORK)) return;
    const name = pvc.metadata?.name ?? '';
    const namespace = pvc.metadata?.namespace ?? '';
    const had = storageBytes(pv.spec?.capacity?.storage) ?? 0n;
    if (requested > had) {
      const size = pvc.spec?.resources?.requests?.storage ?? '';
      await this.core.patchPersistentVolume({ name: volumeName, body: [{ op: 'replace', path: '/spec/capacity/storage', value: size }] });
      await this.writeClaimResizeStatus(namespace, name, { pending: true, capacity: null, allocated: size });
      this.log(`node-agent: volume ${volumeName} of ${namespace}/${name} grown to ${size}; its file system grows ${provisioner === PROVISIONER_NETWORK ? 'online' : 'when its pod next starts'}`);
    }
    if (provisioner !== PROVISIONER_NETWORK) return;
    const current = await this.core.readNamespacedPersistentVolumeClaim({ name, namespace });
    if (!hasResizePending(current)) return;
    const usedByRunningPod = (this.podCache?.list() ?? []).some((p) =>
      p.metadata?.namespace === namespace && !p.metadata?.deletionTimestamp && this.pods.get(p.metadata?.uid ?? '')?.process &&
      (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name));
    if (!usedByRunningPod) return;
    await sleep(2000); // a kubelet's sync period, roughly
    await this.finishFileSystemResize(namespace, name);
  }

  /** The node side, at a pod's start (a kubelet grows the file system when it mounts the volume): every claim it uses that waits for it. */
  private async growFileSystemsOf(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    for (const volume of pod.spec?.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (claim) await this.finishFileSystemResize(namespace, claim);
    }
  }

  /** Capacity = the PV's, FileSystemResizePending gone; nothing when the claim is not waiting for it. */
  private async finishFileSystemResize(namespace: string, name: string): Promise<void> {
    const pvc = await this.core.readNamespacedPersistentVolumeClaim({ name, namespace }).catch(() => null);
    const volumeName = pvc?.spec?.volumeName;
    if (!pvc || !volumeName || !hasResizePending(pvc)) return;
    const pv = await this.core.readPersistentVolume({ name: volumeName });
    const size = pv.spec?.capacity?.storage;
    if (size === undefined) return;
    await this.writeClaimResizeStatus(namespace, name, { pending: false, capacity: size, allocated: size });
    this.log(`node-agent: file system of ${namespace}/${name} grown to ${size}`);
  }

  /** Read-modify-write of a claim's resize status (conditions, capacity, allocated size), retried on conflicts. */
  private async writeClaimResizeStatus(namespace: string, name: string, state: { pending: boolean; capacity: string | null; allocated: string }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const pvc = await this.core.readNamespacedPersistentVolumeClaim({ name, namespace });
      const others = (pvc.status?.conditions ?? []).filter((c) => c.type !== 'FileSystemResizePending' && c.type !== 'Resizing');
      const now = new Date();
      pvc.status = {
        ...pvc.status,
        ...(state.capacity === null ? {} : { capacity: { ...pvc.status?.capacity, storage: state.capacity } }),
        allocatedResources: { ...pvc.status?.allocatedResources, storage: state.allocated },
        conditions: state.pending
          ? [...others, {
            type: 'FileSystemResizePending', status: 'True', lastTransitionTime: now, lastProbeTime: now,
            message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.',
          }]
          : others,
      };
      if (state.pending) pvc.status.allocatedResourceStatuses = { ...pvc.status.allocatedResourceStatuses, storage: 'NodeResizePending' };
      else if (pvc.status.allocatedResourceStatuses) {
        const { storage: _done, ...rest } = pvc.status.allocatedResourceStatuses;
        pvc.status.allocatedResourceStatuses = rest;
      }
      try {
        await this.core.replaceNamespacedPersistentVolumeClaimStatus({ name, namespace, body: pvc });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 10) throw err;
      }
    }
  }

  private async syncPod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const node = pod.spec?.nodeName;
    if (!node || !this.nodeNames.has(node) || this.stopped) return;
    const running = this.pods.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      await this.terminate(pod, running);
      return;
    }
    if (running || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const brokerId = brokerIdOf(pod);
    const entry: RunningPod = { uid, namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', brokerId, process: null, stopping: false, restarts: 0 };
    this.pods.set(uid, entry);
    if (brokerId === null) {
      await this.setStatus(entry, { running: true, ready: true });
      return;
    }
    await this.launchBroker(entry, pod, node);
  }

  private async launchBroker(entry: RunningPod, pod: V1Pod, node: string): Promise<void> {
    const brokerId = entry.brokerId ?? 0;
    const dataDir = await this.podDataDir(pod);
    await this.growFileSystemsOf(pod);
    const zone = this.cfg.nodes.find((n) => n.name === node)?.zone ?? 'unknown';
    const rack = rackOf(pod) ?? zone;
    const settings = brokerSettingsOf(pod);
    const spec = { id: brokerId, rack, dataDir, workDir: join(statePaths(this.cfg).logs, 'brokers', `${entry.name}-${entry.uid.slice(0, 8)}`), settings };
    await this.setStatus(entry, { running: true, ready: false });
    const dist = await this.distributionFor(pod);
    const props = await prepareBroker(this.cfg, dist, spec, this.clusterId, this.security);
    const proc = startBroker(this.cfg, dist, spec, props, statePaths(this.cfg).pidFile);
    entry.process = proc;
    this.log(
      `node-agent: started broker ${brokerId} (Kafka ${dist.version}) for pod ${entry.namespace}/${entry.name} on ${node} (${zone}, rack ${JSON.stringify(rack)}), data ${dataDir}` +
        (settings.length > 0 ? `, settings from env: ${settings.map(([k, v]) => `${k}=${v}`).join(' ')}` : ''),
    );
    void proc.exited.then((code) => this.enqueue(`pod/${entry.uid}`, () => this.brokerExited(entry, pod, node, code)));
    void this.watchRegistration(entry, proc);
  }

  /**
   * The Kafka release a broker pod runs: the one its image's tag names, else
   * the sandbox's. KAFKA_HOME holds one release only, so with it every broker
   * runs that one.
   */
  private async distributionFor(pod: V1Pod): Promise<KafkaDistribution> {
    const image = pod.spec?.containers?.[0]?.image ?? '';
    const version = kafkaVersionOfImage(image);
    if (version === null || version === this.dist.version || this.cfg.kafkaHome) return this.dist;
    if (this.cfg.kafkaMode === 'zookeeper' && (parseKafkaVersion(version)?.major ?? 0) >= 4) {
      // Stays Running, not Ready, like a broker that cannot start; the log says why.
      throw new Error(`pod ${pod.metadata?.name}'s image ${image} names Kafka ${version}, which has no ZooKeeper mode; this sandbox runs ZooKeeper mode (a ZooKeeper cluster must move to KRaft before Kafka 4)`);
    }
    return kafkaDistribution(this.cfg, this.log, version);
  }

  private async watchRegistration(entry: RunningPod, proc: Supervised): Promise<void> {
    const admin = this.kafka.admin();
    try {
      while (!this.stopped && !entry.stopping && entry.process === proc && proc.child.exitCode === null) {
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          if (cluster.brokers.some((b) => b.nodeId === entry.brokerId)) {
            await this.setStatus(entry, { running: true, ready: true });
            this.log(`node-agent: broker ${entry.brokerId} registered; pod ${entry.namespace}/${entry.name} is Ready`);
            return;
          }
        } catch {
          // the cluster may not have a quorum yet: keep polling
        }
        await sleep(1000);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async brokerExited(entry: RunningPod, pod: V1Pod, node: string, code: number | string): Promise<void> {
    if (entry.stopping || this.stopped || this.pods.get(entry.uid) !== entry) return;
    entry.restarts += 1;
    this.log(`node-agent: broker ${entry.brokerId} (pod ${entry.name}) exited with ${code}; restarting (restart ${entry.restarts})`);
    await this.setStatus(entry, { running: true, ready: false });
    await sleep(Math.min(30_000, 2000 * entry.restarts));
    if (entry.stopping || this.stopped) return;
    await this.launchBroker(entry, pod, node);
  }

  private async terminate(pod: V1Pod, entry: RunningPod | undefined): Promise<void> {
    const { name = '', namespace = '', uid = '' } = pod.metadata ?? {};
    if (entry && !entry.stopping) {
      entry.stopping = true;
      if (entry.process) {
        const graceMs = (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
        this.log(`node-agent: stopping broker ${entry.brokerId} (pod ${namespace}/${name}) with SIGTERM`);
        await stopProcess(entry.process, graceMs);
        this.log(`node-agent: broker ${entry.brokerId} stopped`);
      }
    }
    this.pods.delete(uid);
    await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } })
      .catch((err: unknown) => { if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409) throw err; });
  }

  private async podGone(uid: string): Promise<void> {
    const entry = this.pods.get(uid);
    if (!entry) return;
    entry.stopping = true;
    if (entry.process) await stopProcess(entry.process, 30_000);
    this.pods.delete(uid);
  }

  private async podDataDir(pod: V1Pod): Promise<string> {
    const namespace = pod.metadata?.namespace ?? '';
    const claim = (pod.spec?.volumes ?? []).find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
    if (!claim) return join(statePaths(this.cfg).volumes, 'ephemeral', pod.metadata?.uid ?? 'unknown');
    for (let attempt = 0; ; attempt++) {
      const pvc = await this.core.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
      const volumeName = pvc.spec?.volumeName;
      if (volumeName) {
        const pv = await this.core.readPersistentVolume({ name: volumeName });
        const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
        if (path) return path;
      }
      if (attempt > 60) throw new Error(`claim ${namespace}/${claim} of pod ${pod.metadata?.name} is not bound to a volume with a path`);
      await sleep(1000);
    }
  }

  private async setStatus(entry: RunningPod, state: { running: boolean; ready: boolean }): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      let pod: V1Pod;
      try {
        pod = await this.core.readNamespacedPod({ name: entry.name, namespace: entry.namespace });
      } catch {
        return; // gone
      }
      if (pod.metadata?.uid !== entry.uid) return;
      const now = new Date();
      const ready = state.ready ? 'True' : 'False';
      const previous = new Map((pod.status?.conditions ?? []).map((c) => [c.type, c]));
      const condition = (type: string, status: string) => ({
        type, status,
        lastTransitionTime: previous.get(type)?.status === status ? previous.get(type)?.lastTransitionTime ?? now : now,
      });
      pod.status = {
        ...pod.status,
        phase: state.running ? 'Running' : 'Pending',
        hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }], podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }],
        startTime: pod.status?.startTime ?? now,
        conditions: [
          condition('PodScheduled', 'True'), condition('Initialized', 'True'),
          condition('ContainersReady', ready), condition('Ready', ready),
        ],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name, image: c.image ?? '', imageID: '', ready: state.ready, restartCount: entry.restarts, started: state.running,
          containerID: `sandbox://${entry.uid}/${c.name}`,
          state: state.running ? { running: { startedAt: now } } : { waiting: { reason: 'ContainerCreating' } },
        })),
      };
      try {
        await this.core.replaceNamespacedPodStatus({ name: entry.name, namespace: entry.namespace, body: pod });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
  }

  /** Pods of ours, for tests and the CLI. */
  runningBrokers(): Array<{ pod: string; brokerId: number; pid: number | undefined }> {
    return [...this.pods.values()].filter((p) => p.brokerId !== null && p.process)
      .map((p) => ({ pod: `${p.namespace}/${p.name}`, brokerId: p.brokerId ?? -1, pid: p.process?.child.pid }));
  }

  podCount(): number {
    return this.podCache?.list().length ?? 0;
  }
}

/**
 * A pod is a broker pod when its first container runs a Kafka image. Its id
 * comes from the container's KAFKA_NODE_ID env (a literal, or a fieldRef to a
 * pod label / annotation), as the Apache image reads it.
 */
/** The rack variables of the images kafka-guard's rack default knows (webhook/defaults/env.ts). */
const RACK_VARIABLES = ['KAFKA_BROKER_RACK', 'KAFKA_CFG_BROKER_RACK'];

/**
 * The broker's rack as its image would see it: the rack variable of its first
 * container, resolved as a kubelet resolves it (a value, or a downward-API
 * label or annotation of the pod, empty when absent). Null when the container
 * sets none; the agent then uses its node's zone, standing in for a broker
 * configured some other way.
 */
export function rackOf(pod: V1Pod): string | null {
  const variable = pod.spec?.containers?.[0]?.env?.find((e) => RACK_VARIABLES.includes(e.name));
  if (!variable) return null;
  if (variable.value !== undefined) return variable.value;
  const path = variable.valueFrom?.fieldRef?.fieldPath ?? '';
  const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (!m?.[1] || !m[2]) return '';
  const source = m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
  return source?.[m[2]] ?? '';
}

/**
 * The Kafka release an image's tag names, as the webhook's version guard reads
 * it (shared/k8s/kafka-image.ts), with a patch number: the node agent fetches
 * that release's jars. null for a tag without one (`latest`, a digest only,
 * `my-kafka:prod`, `apache/kafka:4.1`).
 */
export function kafkaVersionOfImage(image: string): string | null {
  const version = versionOfImage(image);
  return version !== null && /^\d+\.\d+\.\d+$/.test(version.text) ? version.text : null;
}

export function brokerIdOf(pod: V1Pod): number | null {
  const container = pod.spec?.containers?.[0];
  if (!container || !/kafka/.test(container.image ?? '')) return null;
  const env = container.env?.find((e) => e.name === 'KAFKA_NODE_ID');
  let raw: string | undefined = env?.value;
  const fieldPath = env?.valueFrom?.fieldRef?.fieldPath;
  if (fieldPath) {
    const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
    if (m?.[1] === 'labels') raw = pod.metadata?.labels?.[m[2] ?? ''];
    if (m?.[1] === 'annotations') raw = pod.metadata?.annotations?.[m[2] ?? ''];
  }
  raw ??= pod.metadata?.labels?.['apps.kubernetes.io/pod-index'];
  const id = Number(raw);
  return raw !== undefined && Number.isInteger(id) && id >= 0 ? id : null;
}

/** Bytes of a storage quantity; null when absent or unreadable. */
function storageBytes(value: unknown): bigint | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const parsed = parseQuantity(String(value));
  return parsed.ok ? parsed.bytes : null;
}

function hasResizePending(pvc: V1PersistentVolumeClaim): boolean {
  return (pvc.status?.conditions ?? []).some((c) => c.type === 'FileSystemResizePending' && c.status === 'True');
}

/**
 * Settings the sandbox decides itself, whatever the pod's env says: the
 * broker's identity, addresses, storage, quorum and rack (the agent sets them
 * from its own layout), and the two settings kafka-guard's kafkaSettings
 * default injects that the sandbox's tests run without (they create RF 1
 * topics, which a broker-wide min.insync.replicas=2 would make unwritable with
 * acks=all).
 */
const SANDBOX_OWNED_SETTINGS = new Set([
  'node.id', 'broker.id', 'process.roles', 'controller.quorum.voters', 'listeners', 'advertised.listeners',
  'controller.listener.names', 'listener.security.protocol.map', 'inter.broker.listener.name', 'log.dirs', 'log.dir',
  'broker.rack', 'min.insync.replicas', 'default.replication.factor',
]);

/**
 * The broker settings of the pod's first container, read as the apache/kafka
 * image reads them (KAFKA_<KEY>, the demo StatefulSet's image): literal values
 * only, less the ones the sandbox owns. A static setting changed in the
 * StatefulSet therefore takes effect when the pod is recreated, as on a real cluster.
 */
export function brokerSettingsOf(pod: V1Pod): Array<[string, string]> {
  const settings: Array<[string, string]> = [];
  for (const variable of pod.spec?.containers?.[0]?.env ?? []) {
    if (variable.value === undefined) continue;
    const key = settingOfEnvName('apache', variable.name);
    if (key === null || SANDBOX_OWNED_SETTINGS.has(key) || key.startsWith('listener.name.')) continue;
    settings.push([key, variable.value]);
  }
  return settings;
}
