/**
 * The facts cache: informers on the apiserver, scoped to what policies cover.
 * Policies, Nodes and StorageClasses are watched cluster-wide (small); Pods,
 * StatefulSets, PVCs and PDBs only in the namespaces that hold a
 * KafkaGuardPolicy, started and stopped as policies come and go.
 *
 * Answers every FactsSource lookup except the Kafka view (kafka-views.ts) and
 * the ledger (disruption-ledger.ts).
 */
import {
  AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PolicyV1Api, StorageV1Api, makeInformer,
  type Informer, type KubernetesListObject, type KubernetesObject, type ObjectCache, type V1Node,
  type V1PersistentVolumeClaim, type V1Pod, type V1PodDisruptionBudget, type V1StatefulSet, type V1StorageClass,
} from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { matchesSelector } from '../../shared/k8s/selector.js';
import { parsePolicy, formatPolicyErrors } from '../../shared/policy/parse.js';
import { POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION, type KafkaGuardPolicy } from '../../shared/policy/types.js';
import { messageOf } from './api-errors.js';
import type { PolicyStatus } from './policy-status.js';
import type {
  FactsSource, PersistentVolumeClaimFact, PodFact, StatefulSetFact, StorageClassFact,
} from './types.js';

type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

interface WatchedCache<T extends KubernetesObject> {
  cache: Cache<T>;
  synced: boolean;
  stop(): Promise<void>;
}

interface NamespaceCaches {
  pods: WatchedCache<V1Pod>;
  statefulSets: WatchedCache<V1StatefulSet>;
  pvcs: WatchedCache<V1PersistentVolumeClaim>;
  pdbs: WatchedCache<V1PodDisruptionBudget>;
}

/** A policy as the informer stores it, with the status the webhook last wrote. */
export type StoredPolicy = KubernetesObject & { status?: PolicyStatus };

/** The lookups answered from caches (all of FactsSource but the Kafka view and the ledger). */
export type CachedFacts = Omit<FactsSource, 'kafkaIndex' | 'pendingDisruptions' | 'breakGlassSetter'>;

export class KubeCaches implements CachedFacts {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly policyApi: PolicyV1Api;
  private readonly storage: StorageV1Api;
  private readonly namespaces = new Map<string, NamespaceCaches>();
  private policies!: WatchedCache<KubernetesObject>;
  private nodes!: WatchedCache<V1Node>;
  private storageClassCache!: WatchedCache<V1StorageClass>;
  private readonly parsedPolicies = new Map<string, { resourceVersion: string; policy: KafkaGuardPolicy | null }>();
  private closed = false;

  constructor(private readonly kc: KubeConfig, private readonly log: FastifyBaseLogger) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.policyApi = kc.makeApiClient(PolicyV1Api);
    this.storage = kc.makeApiClient(StorageV1Api);
  }

  /** Starts the cluster-wide caches; namespace caches follow the policies. */
  start(): void {
    this.policies = this.watch<KubernetesObject>(`/apis/${POLICY_GROUP}/${POLICY_VERSION}/${POLICY_PLURAL}`,
      () => this.custom.listClusterCustomObject({ group: POLICY_GROUP, version: POLICY_VERSION, plural: POLICY_PLURAL }) as Promise<KubernetesListObject<KubernetesObject>>);
    this.nodes = this.watch<V1Node>('/api/v1/nodes', () => this.core.listNode());
    this.storageClassCache = this.watch<V1StorageClass>('/apis/storage.k8s.io/v1/storageclasses', () => this.storage.listStorageClass());
    for (const verb of ['add', 'update', 'delete'] as const) this.policies.cache.on(verb, () => this.syncNamespaces());
  }

  /** Ready when every cache has listed once (readyz). */
  readiness(): { ready: boolean; reason: string } {
    const caches: Array<[string, WatchedCache<KubernetesObject>]> = [
      ['policies', this.policies], ['nodes', this.nodes as unknown as WatchedCache<KubernetesObject>],
      ['storageclasses', this.storageClassCache as unknown as WatchedCache<KubernetesObject>],
    ];
    for (const [ns, c] of this.namespaces) {
      for (const [kind, w] of Object.entries(c)) caches.push([`${kind} in ${ns}`, w as WatchedCache<KubernetesObject>]);
    }
    const pending = caches.filter(([, w]) => !w?.synced).map(([name]) => name);
    return pending.length === 0 ? { ready: true, reason: 'caches synced' } : { ready: false, reason: `waiting for caches: ${pending.join(', ')}` };
  }

  /** True from the moment stop() is called: nothing is restarted or written after it. */
  get stopped(): boolean {
    return this.closed;
  }

  /** Stops every informer; a failed one is not restarted after this. */
  async stop(): Promise<void> {
    this.closed = true;
    const all: Array<WatchedCache<KubernetesObject>> = [this.policies, this.nodes as unknown as WatchedCache<KubernetesObject>, this.storageClassCache as unknown as WatchedCache<KubernetesObject>];
    for (const c of this.namespaces.values()) all.push(...(Object.values(c) as Array<WatchedCache<KubernetesObject>>));
    await Promise.allSettled(all.filter(Boolean).map((w) => w.stop()));
  }

  private watch<T extends KubernetesObject>(path: string, list: () => Promise<KubernetesListObject<T>>): WatchedCache<T> {
    const cache = makeInformer<T>(this.kc, path, list);
    const watched: WatchedCache<T> = { cache, synced: false, stop: () => cache.stop() };
    superviseInformer(cache, watched, {
      closed: () => this.closed,
      onListError: (error) => this.log.warn({ path, error: messageOf(error) }, 'informer failed to list; retrying'),
      onWatchError: (error) => this.log.warn({ path, error: messageOf(error) }, 'informer watch failed; restarting'),
    });
    return watched;
  }

  /** Starts caches for namespaces that gained a policy and stops those that lost their last one. */
  private syncNamespaces(): void {
    const wanted = new Set(this.policies.cache.list().map((p) => p.metadata?.namespace ?? '').filter(Boolean));
    for (const ns of wanted) {
      if (this.namespaces.has(ns)) continue;
      this.namespaces.set(ns, {
        pods: this.watch<V1Pod>(`/api/v1/namespaces/${ns}/pods`, () => this.core.listNamespacedPod({ namespace: ns })),
        statefulSets: this.watch<V1StatefulSet>(`/apis/apps/v1/namespaces/${ns}/statefulsets`, () => this.apps.listNamespacedStatefulSet({ namespace: ns })),
        pvcs: this.watch<V1PersistentVolumeClaim>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, () => this.core.listNamespacedPersistentVolumeClaim({ namespace: ns })),
        pdbs: this.watch<V1PodDisruptionBudget>(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, () => this.policyApi.listNamespacedPodDisruptionBudget({ namespace: ns })),
      });
    }
    for (const [ns, caches] of this.namespaces) {
      if (wanted.has(ns)) continue;
      this.namespaces.delete(ns);
      for (const w of Object.values(caches) as Array<WatchedCache<KubernetesObject>>) void w.stop();
    }
  }

  /** Parsed policies of a namespace; an invalid stored policy is logged and ignored (the webhook refuses new invalid ones). */
  private policiesOf(namespace: string): KafkaGuardPolicy[] {
    const out: KafkaGuardPolicy[] = [];
    for (const raw of this.policies.cache.list(namespace)) {
      const key = `${raw.metadata?.namespace}/${raw.metadata?.name}`;
      const rv = raw.metadata?.resourceVersion ?? '';
      let cached = this.parsedPolicies.get(key);
      if (cached?.resourceVersion !== rv) {
        const parsed = parsePolicy(raw);
        if (!parsed.ok) this.log.warn({ policy: key, problems: formatPolicyErrors(parsed.errors) }, 'ignoring an invalid KafkaGuardPolicy');
        cached = { resourceVersion: rv, policy: parsed.ok ? parsed.policy : null };
        this.parsedPolicies.set(key, cached);
      }
      if (cached.policy) out.push(cached.policy);
    }
    return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Every valid policy, namespace by namespace (in the order the cache lists them), each namespace's sorted by name. */
  allPolicies(): KafkaGuardPolicy[] {
    const namespaces = new Set(this.policies.cache.list().map((p) => p.metadata?.namespace ?? ''));
    return [...namespaces].flatMap((ns) => this.policiesOf(ns));
  }

  /** The policy object as stored (with its status), or undefined when the cache does not hold it. */
  storedPolicy(namespace: string, name: string): StoredPolicy | undefined {
    return this.policies.cache.get(name, namespace) as StoredPolicy | undefined;
  }

  /** Whether the namespace's pod cache has listed once (a policy status needs the pods). */
  podsSynced(namespace: string): boolean {
    return this.namespaces.get(namespace)?.pods.synced === true;
  }

  /** The uids of every pod in the namespace; null when its pod cache has not listed yet (then nothing is known gone). */
  livePodUids(namespace: string): Set<string> | null {
    const pods = this.namespaces.get(namespace)?.pods;
    return pods?.synced ? new Set(pods.cache.list(namespace).map((p) => p.metadata?.uid ?? '')) : null;
  }

  // ------------------------------------------------------------------ FactsSource

  async policyFor(namespace: string, labels: Readonly<Record<string, string>>): Promise<KafkaGuardPolicy | null> {
    return this.policiesOf(namespace).find((p) => matchesSelector({ ...labels }, p.spec.brokers.selector)) ?? null;
  }

  async policiesIn(namespace: string): Promise<KafkaGuardPolicy[]> {
    return this.policiesOf(namespace);
  }

  async pod(namespace: string, name: string): Promise<PodFact | null> {
    return this.cachedOrRead(namespace, name, 'pods', () => this.core.readNamespacedPod({ name, namespace })) as Promise<PodFact | null>;
  }

  async brokerPods(policy: KafkaGuardPolicy): Promise<PodFact[]> {
    const pods = this.namespaces.get(policy.metadata.namespace)?.pods.cache.list(policy.metadata.namespace) ?? [];
    return pods.filter((p) => matchesSelector(p.metadata?.labels ?? {}, policy.spec.brokers.selector)) as PodFact[];
  }

  async statefulSet(namespace: string, name: string): Promise<StatefulSetFact | null> {
    return this.cachedOrRead(namespace, name, 'statefulSets', () => this.apps.readNamespacedStatefulSet({ name, namespace })) as Promise<StatefulSetFact | null>;
  }

  /**
   * An object from its namespace's cache: null when a watched namespace does
   * not hold it. In a namespace no policy covers, a direct read, rare by
   * construction (the webhook configuration is scoped); a failed read is null.
   */
  private async cachedOrRead(namespace: string, name: string, kind: 'pods' | 'statefulSets', read: () => Promise<KubernetesObject>): Promise<KubernetesObject | null> {
    const caches = this.namespaces.get(namespace);
    if (caches) return caches[kind].cache.get(name, namespace) ?? null;
    return read().catch(() => null);
  }

  async statefulSets(namespace: string): Promise<StatefulSetFact[]> {
    return (this.namespaces.get(namespace)?.statefulSets.cache.list(namespace) ?? []) as StatefulSetFact[];
  }

  async pvcs(namespace: string): Promise<PersistentVolumeClaimFact[]> {
    return (this.namespaces.get(namespace)?.pvcs.cache.list(namespace) ?? []) as PersistentVolumeClaimFact[];
  }

  async pdbCoversBrokers(policy: KafkaGuardPolicy, newPodLabels: Record<string, string> | null): Promise<boolean | null> {
    const caches = this.namespaces.get(policy.metadata.namespace);
    if (!caches?.pdbs.synced) return null;
    const pods = await this.brokerPods(policy);
    const labelSets = pods.length > 0 ? pods.map((p) => p.metadata?.labels ?? {}) : newPodLabels ? [newPodLabels] : null;
    if (!labelSets) return null;
    return caches.pdbs.cache.list(policy.metadata.namespace).some((pdb) =>
      pdb.spec?.selector && labelSets.every((labels) => matchesSelector(labels, pdb.spec?.selector as never)));
  }

  async storageClasses(): Promise<StorageClassFact[] | null> {
    if (!this.storageClassCache.synced) return null;
    return this.storageClassCache.cache.list().map((sc) => ({
      name: sc.metadata?.name ?? '',
      allowVolumeExpansion: sc.allowVolumeExpansion === true,
      isDefault: sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
    }));
  }

  async schedulableNodeCount(): Promise<number | null> {
    if (!this.nodes.synced) return null;
    return this.nodes.cache.list().filter((n) => !n.spec?.unschedulable
      && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  }
}

/**
 * Keeps one informer running: starts it, starts it again after a failed list
 * (every `retryMs`) or a watch error (client-node stops an informer on one;
 * it lists anew after `restartMs`). `state.synced` is true only while the
 * informer holds a list and a live watch: a watch error clears it until the
 * restart has listed and watches again, so /readyz says not ready while the
 * apiserver cannot be reached instead of serving a cache that no longer
 * follows it (issue 13, faults).
 */
export function superviseInformer(
  informer: { start(): Promise<void>; on(event: 'error', cb: (error: unknown) => void): void },
  state: { synced: boolean },
  opts: { closed: () => boolean; onListError?: (error: unknown) => void; onWatchError?: (error: unknown) => void; retryMs?: number; restartMs?: number },
): void {
  // client-node's start() resolves even when the watch it opens fails at once (the error is
  // emitted first): a start counts only if no error came after it began.
  let errors = 0;
  const start = () => {
    if (opts.closed()) return;
    const errorsBefore = errors;
    informer.start().then(() => { if (!opts.closed() && errors === errorsBefore) state.synced = true; }, (error: unknown) => {
      opts.onListError?.(error);
      setTimeout(start, opts.retryMs ?? 2000).unref();
    });
  };
  informer.on('error', (error: unknown) => {
    if (opts.closed()) return;
    errors += 1;
    state.synced = false;
    opts.onWatchError?.(error);
    setTimeout(start, opts.restartMs ?? 1000).unref();
  });
  start();
}
