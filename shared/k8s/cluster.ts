/**
 * The Kubernetes side of the plugin: kubeconfig loading with kubectl's rules
 * (--kubeconfig, KUBECONFIG, --context, -n), and the few reads and writes the
 * guarded operations make, each turning client-node's errors into two kinds a
 * caller can act on:
 * - KubeUnreachableError: no answer from the apiserver (address, TLS, network);
 * - KubeApiError: the apiserver answered with an error status (404, 409, 429...).
 *
 * Writes go through the apiserver like any kubectl command, so admission
 * webhooks (kafka-guard's own included) and PodDisruptionBudgets see them.
 */
import { existsSync } from 'node:fs';
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  PolicyV1Api,
  StorageV1Api,
  type CoreV1Event,
  type V1ConfigMap,
  type V1EndpointSlice,
  type V1MutatingWebhookConfiguration,
  type V1Namespace,
  type V1PodDisruptionBudget,
  type V1Service,
  type V1ValidatingWebhookConfiguration,
  type V1Node,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StatefulSet,
  type V1StorageClass,
} from '@kubernetes/client-node';
import { POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION } from '../policy/types.js';

// ---------------------------------------------------------------- errors

/** The apiserver could not be reached at all. */
export class KubeUnreachableError extends Error {
  override readonly name = 'KubeUnreachableError';
}

/** The apiserver answered with an error status. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    /** HTTP status, e.g. 404, 409, 429. */
    readonly status: number,
    /** The Status object's reason, e.g. NotFound, TooManyRequests; '' when none. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The kubeconfig is missing, unreadable or names a context it does not have. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

interface StatusBody {
  message?: string;
  reason?: string;
}

function statusBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return statusBody(JSON.parse(body) as unknown);
    } catch {
      return { message: body };
    }
  }
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  return {
    ...(typeof record.message === 'string' ? { message: record.message } : {}),
    ...(typeof record.reason === 'string' ? { reason: record.reason } : {}),
  };
}

/**
 * client-node throws ApiException (code + body) for error statuses and a
 * node-fetch FetchError (with a system error code) when nothing answered.
 */
export function classifyKubeError(error: unknown, what: string, server: string): Error {
  if (error instanceof KubeApiError || error instanceof KubeUnreachableError) return error;
  if (typeof error === 'object' && error !== null) {
    const record = error as { code?: unknown; body?: unknown; name?: unknown; message?: unknown; errno?: unknown };
    if (typeof record.code === 'number' && record.code >= 400) {
      const body = statusBody(record.body);
      const detail = body.message ?? `HTTP ${record.code}`;
      return new KubeApiError(`${what}: ${detail}`, record.code, body.reason ?? '', { cause: error });
    }
    const code = typeof record.code === 'string' ? record.code : typeof record.errno === 'string' ? record.errno : '';
    if (record.name === 'FetchError' || NETWORK_CODES.has(code) || /certificate|self[- ]signed|ssl|tls/i.test(String(record.message))) {
      const reason = typeof record.message === 'string' ? record.message : String(error);
      return new KubeUnreachableError(
        `${what}: cannot reach the Kubernetes apiserver at ${server}: ${reason}. ` +
          'Check --kubeconfig / --context (or KUBECONFIG) and that the cluster is up',
        { cause: error },
      );
    }
  }
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

// ---------------------------------------------------------------- kubeconfig

/** kubectl's connection flags. */
export interface KubeConnectionOptions {
  /** --kubeconfig; otherwise KUBECONFIG (a path list) or ~/.kube/config, else in-cluster. */
  kubeconfig?: string;
  /** --context; otherwise the kubeconfig's current context. */
  context?: string;
  /** -n / --namespace; otherwise the context's namespace, else "default". */
  namespace?: string;
}

export interface KubeSession {
  kc: KubeConfig;
  context: string;
  namespace: string;
  server: string;
}

/** Loads the kubeconfig the way kubectl does; throws KubeConfigError with what to fix. */
export function loadKubeSession(options: KubeConnectionOptions): KubeSession {
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined) {
    if (!existsSync(options.kubeconfig)) throw new KubeConfigError(`--kubeconfig ${options.kubeconfig}: no such file`);
    try {
      kc.loadFromFile(options.kubeconfig);
    } catch (error) {
      throw new KubeConfigError(`--kubeconfig ${options.kubeconfig} is not a valid kubeconfig: ${messageOf(error)}`);
    }
  } else {
    try {
      // Honours KUBECONFIG (merging every listed file), then ~/.kube/config, then in-cluster.
      kc.loadFromDefault();
    } catch (error) {
      throw new KubeConfigError(`cannot load a kubeconfig (KUBECONFIG or ~/.kube/config): ${messageOf(error)}`);
    }
  }
  if (options.context !== undefined) {
    const known = kc.getContexts().map((c) => c.name);
    if (!known.includes(options.context)) {
      throw new KubeConfigError(`--context ${options.context} is not in the kubeconfig; its contexts are: ${known.join(', ') || '(none)'}`);
    }
    kc.setCurrentContext(options.context);
  }
  const contextName = kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new KubeConfigError(
      `the kubeconfig has no cluster for context "${contextName || '(none)'}"; pick one with --context or set KUBECONFIG`,
    );
  }
  return {
    kc,
    context: contextName,
    namespace: options.namespace ?? (context?.namespace || 'default'),
    server: cluster.server,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------- the cluster

/** One JSON Patch operation (RFC 6902). */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

export type EvictionResult =
  | { evicted: true }
  /** 429: a PodDisruptionBudget or an admission webhook said "not now"; the message says why. */
  | { evicted: false; status: number; message: string };

/** Reads and writes against one apiserver; every method names what it did in its errors. */
export class KubeCluster {
  readonly server: string;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly storage: StorageV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly kc: KubeConfig;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.server = kc.getCurrentCluster()?.server ?? '(no server)';
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.storage = kc.makeApiClient(StorageV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw classifyKubeError(error, what, this.server);
    }
  }

  /** A read that answers null for 404. */
  private async read<T>(what: string, request: () => Promise<T>): Promise<T | null> {
    try {
      return await this.call(what, request);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** KafkaGuardPolicies in the namespace, as the apiserver returns them (unparsed). */
  async listPolicies(namespace: string): Promise<unknown[]> {
    const list = await this.call(`listing ${POLICY_PLURAL}.${POLICY_GROUP} in namespace ${namespace}`, () =>
      this.custom.listNamespacedCustomObject({ group: POLICY_GROUP, version: POLICY_VERSION, namespace, plural: POLICY_PLURAL }),
    );
    const items = (list as { items?: unknown }).items;
    return Array.isArray(items) ? items : [];
  }

  /** KafkaGuardPolicies in every namespace, unparsed. */
  async listAllPolicies(): Promise<unknown[]> {
    const list = await this.call(`listing ${POLICY_PLURAL}.${POLICY_GROUP}`, () =>
      this.custom.listClusterCustomObject({ group: POLICY_GROUP, version: POLICY_VERSION, plural: POLICY_PLURAL }),
    );
    const items = (list as { items?: unknown }).items;
    return Array.isArray(items) ? items : [];
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.call(`listing pods (${labelSelector}) in namespace ${namespace}`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector }),
    );
    return list.items;
  }

  readPod(namespace: string, name: string): Promise<V1Pod | null> {
    return this.read(`reading pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ namespace, name }));
  }

  async listNodes(): Promise<V1Node[]> {
    return (await this.call('listing nodes', () => this.core.listNode())).items;
  }

  readNode(name: string): Promise<V1Node | null> {
    return this.read(`reading node ${name}`, () => this.core.readNode({ name }));
  }

  /** Marks the node unschedulable (kubectl cordon). */
  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    await this.call(`${unschedulable ? 'cordoning' : 'uncordoning'} node ${name}`, () =>
      this.core.patchNode({ name, body: [{ op: 'add', path: '/spec/unschedulable', value: unschedulable }] }),
    );
  }

  /**
   * Asks the Eviction API (policy/v1) to evict the pod: PodDisruptionBudgets and
   * admission webhooks decide. 429 and 403 come back as a result, not an error,
   * so the caller can wait and retry as kubectl drain does.
   */
  async evictPod(namespace: string, name: string): Promise<EvictionResult> {
    try {
      await this.call(`evicting pod ${namespace}/${name}`, () =>
        this.core.createNamespacedPodEviction({
          namespace,
          name,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
        }),
      );
      return { evicted: true };
    } catch (error) {
      if (error instanceof KubeApiError && (error.status === 429 || error.status === 403 || error.status === 500)) {
        return { evicted: false, status: error.status, message: error.message };
      }
      throw error;
    }
  }

  /** Deletes the pod, only when it still has `uid` (so a replacement is never hit). */
  async deletePod(namespace: string, name: string, uid?: string): Promise<void> {
    await this.call(`deleting pod ${namespace}/${name}`, () =>
      this.core.deleteNamespacedPod({
        namespace,
        name,
        ...(uid === undefined ? {} : { body: { preconditions: { uid } } }),
      }),
    );
  }

  async patchPod(namespace: string, name: string, patch: JsonPatchOperation[]): Promise<V1Pod> {
    return this.call(`patching pod ${namespace}/${name}`, () => this.core.patchNamespacedPod({ namespace, name, body: patch }));
  }

  readPvc(namespace: string, name: string): Promise<V1PersistentVolumeClaim | null> {
    return this.read(`reading PersistentVolumeClaim ${namespace}/${name}`, () =>
      this.core.readNamespacedPersistentVolumeClaim({ namespace, name }),
    );
  }

  async deletePvc(namespace: string, name: string): Promise<void> {
    await this.call(`deleting PersistentVolumeClaim ${namespace}/${name}`, () =>
      this.core.deleteNamespacedPersistentVolumeClaim({ namespace, name }),
    );
  }

  async patchPvc(namespace: string, name: string, patch: JsonPatchOperation[]): Promise<V1PersistentVolumeClaim> {
    return this.call(`patching PersistentVolumeClaim ${namespace}/${name}`, () =>
      this.core.patchNamespacedPersistentVolumeClaim({ namespace, name, body: patch }),
    );
  }

  async listPvcs(namespace: string): Promise<V1PersistentVolumeClaim[]> {
    return (await this.call(`listing PersistentVolumeClaims in namespace ${namespace}`, () =>
      this.core.listNamespacedPersistentVolumeClaim({ namespace }),
    )).items;
  }

  readPv(name: string): Promise<V1PersistentVolume | null> {
    return this.read(`reading PersistentVolume ${name}`, () => this.core.readPersistentVolume({ name }));
  }

  async listStorageClasses(): Promise<V1StorageClass[]> {
    return (await this.call('listing StorageClasses', () => this.storage.listStorageClass())).items;
  }

  readStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | null> {
    return this.read(`reading StatefulSet ${namespace}/${name}`, () => this.apps.readNamespacedStatefulSet({ namespace, name }));
  }

  async patchStatefulSet(namespace: string, name: string, patch: JsonPatchOperation[]): Promise<V1StatefulSet> {
    return this.call(`patching StatefulSet ${namespace}/${name}`, () =>
      this.apps.patchNamespacedStatefulSet({ namespace, name, body: patch }),
    );
  }

  /**
   * A JSON Patch built from a fresh read, guarded by a `test` of its
   * resourceVersion; retried with a new read when the object changed in
   * between (the StatefulSet controller writes status all the time).
   */
  async patchStatefulSetFresh(namespace: string, name: string, build: (sts: V1StatefulSet) => JsonPatchOperation[]): Promise<V1StatefulSet> {
    for (let attempt = 1; ; attempt++) {
      const sts = await this.readStatefulSet(namespace, name);
      if (sts === null) throw new KubeApiError(`StatefulSet ${namespace}/${name} not found`, 404, 'NotFound');
      try {
        return await this.patchStatefulSet(namespace, name, [
          { op: 'test', path: '/metadata/resourceVersion', value: sts.metadata?.resourceVersion },
          ...build(sts),
        ]);
      } catch (error) {
        const changed = error instanceof KubeApiError && (error.status === 409 || error.status === 422);
        if (!changed || attempt >= 8) throw error;
      }
    }
  }

  async createStatefulSet(namespace: string, body: V1StatefulSet): Promise<V1StatefulSet> {
    return this.call(`creating StatefulSet ${namespace}/${body.metadata?.name ?? '?'}`, () => this.apps.createNamespacedStatefulSet({ namespace, body }));
  }

  /**
   * Deletes the StatefulSet with the orphan cascade (kubectl delete --cascade=orphan):
   * its pods and claims stay. Only when it still has `uid` and `resourceVersion`
   * (409 otherwise), so a StatefulSet changed since it was read is never deleted.
   */
  async deleteStatefulSetOrphan(namespace: string, name: string, preconditions: { uid: string; resourceVersion: string }): Promise<void> {
    await this.call(`deleting StatefulSet ${namespace}/${name} (orphaning its pods)`, () =>
      this.apps.deleteNamespacedStatefulSet({ namespace, name, body: { propagationPolicy: 'Orphan', preconditions } }),
    );
  }

  /** Sets spec.replicas through the scale subresource, as `kubectl scale` does. */
  async scaleStatefulSet(namespace: string, name: string, replicas: number): Promise<void> {
    await this.call(`scaling StatefulSet ${namespace}/${name} to ${replicas}`, () =>
      this.apps.patchNamespacedStatefulSetScale({ namespace, name, body: [{ op: 'replace', path: '/spec/replicas', value: replicas }] }),
    );
  }

  readConfigMap(namespace: string, name: string): Promise<V1ConfigMap | null> {
    return this.read(`reading ConfigMap ${namespace}/${name}`, () => this.core.readNamespacedConfigMap({ namespace, name }));
  }

  /**
   * Sets one key of a ConfigMap (null removes it), creating the ConfigMap when
   * missing. Each write carries the resourceVersion read, and a conflict (409)
   * reads again: two writers never lose each other's keys.
   */
  async setConfigMapKey(namespace: string, name: string, key: string, value: string | null, labels: Record<string, string> = {}): Promise<void> {
    const what = `writing key ${key} of ConfigMap ${namespace}/${name}`;
    for (let attempt = 1; ; attempt++) {
      const current = await this.readConfigMap(namespace, name);
      const data = { ...(current?.data ?? {}) };
      if (value === null) delete data[key];
      else data[key] = value;
      try {
        if (current === null) {
          if (value === null) return;
          await this.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace, labels }, data } });
        } else {
          await this.core.replaceNamespacedConfigMap({ namespace, name, body: { ...current, data } });
        }
        return;
      } catch (error) {
        const status = classifyKubeError(error, what, this.server);
        // 409: someone wrote in between (or created it first); read again.
        if (status instanceof KubeApiError && status.status === 409 && attempt < 10) continue;
        throw status;
      }
    }
  }

  // ---- read-only views of the installation (kubectl kafka doctor)

  async listMutatingWebhookConfigurations(): Promise<V1MutatingWebhookConfiguration[]> {
    const api = this.kc.makeApiClient(AdmissionregistrationV1Api);
    return (await this.call('listing MutatingWebhookConfigurations', () => api.listMutatingWebhookConfiguration())).items;
  }

  async listValidatingWebhookConfigurations(): Promise<V1ValidatingWebhookConfiguration[]> {
    const api = this.kc.makeApiClient(AdmissionregistrationV1Api);
    return (await this.call('listing ValidatingWebhookConfigurations', () => api.listValidatingWebhookConfiguration())).items;
  }

  readNamespace(name: string): Promise<V1Namespace | null> {
    return this.read(`reading namespace ${name}`, () => this.core.readNamespace({ name }));
  }

  readService(namespace: string, name: string): Promise<V1Service | null> {
    return this.read(`reading Service ${namespace}/${name}`, () => this.core.readNamespacedService({ namespace, name }));
  }

  /** The EndpointSlices of one Service (label kubernetes.io/service-name). */
  async listEndpointSlices(namespace: string, service: string): Promise<V1EndpointSlice[]> {
    const api = this.kc.makeApiClient(DiscoveryV1Api);
    return (await this.call(`listing EndpointSlices of Service ${namespace}/${service}`, () =>
      api.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` }),
    )).items;
  }

  // ---- read-only views for the diagnostic bundle (kubectl kafka report)

  async listStatefulSets(namespace: string): Promise<V1StatefulSet[]> {
    return (await this.call(`listing StatefulSets in namespace ${namespace}`, () => this.apps.listNamespacedStatefulSet({ namespace }))).items;
  }

  async listEvents(namespace: string): Promise<CoreV1Event[]> {
    return (await this.call(`listing Events in namespace ${namespace}`, () => this.core.listNamespacedEvent({ namespace }))).items;
  }

  /** The last lines a pod's container wrote (pods/log). */
  async readPodLog(namespace: string, name: string, tailLines: number): Promise<string> {
    return this.call(`reading the log of pod ${namespace}/${name}`, () => this.core.readNamespacedPodLog({ namespace, name, tailLines }));
  }

  async listPodDisruptionBudgets(namespace: string): Promise<V1PodDisruptionBudget[]> {
    const api = this.kc.makeApiClient(PolicyV1Api);
    return (await this.call(`listing PodDisruptionBudgets in namespace ${namespace}`, () => api.listNamespacedPodDisruptionBudget({ namespace }))).items;
  }

  /** A Secret's data decoded to text. */
  async readSecret(namespace: string, name: string): Promise<Record<string, string>> {
    const secret = await this.call(`reading Secret ${namespace}/${name}`, () => this.core.readNamespacedSecret({ namespace, name }));
    const decoded: Record<string, string> = {};
    for (const [key, value] of Object.entries(secret.data ?? {})) decoded[key] = Buffer.from(value, 'base64').toString('utf8');
    for (const [key, value] of Object.entries(secret.stringData ?? {})) decoded[key] = value;
    return decoded;
  }
}
