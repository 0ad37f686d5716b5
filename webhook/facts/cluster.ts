/**
 * The production facts and effects: informer caches on the apiserver, one
 * reused Kafka client and a background-refreshed cluster view per policy, and
 * the disruption ledger in a ConfigMap shared by every webhook replica.
 *
 * Caches are scoped to what policies cover: policies, Nodes and StorageClasses
 * cluster-wide (small), and Pods, StatefulSets, PVCs and PDBs only in the
 * namespaces that hold a KafkaGuardPolicy, started and stopped as policies
 * come and go.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PolicyV1Api, StorageV1Api, makeInformer, PatchStrategy, setHeaderOptions,
  type Informer, type KubernetesListObject, type KubernetesObject, type ObjectCache, type V1ConfigMap, type V1Node,
  type V1PersistentVolumeClaim, type V1Pod, type V1PodDisruptionBudget, type V1StatefulSet, type V1StorageClass,
} from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { KafkaClientCache, resolveConnection, WEBHOOK_CLIENT_DEFAULTS, type KafkaAdmin } from '../../shared/kafka/client.js';
import { fetchClusterView } from '../../shared/kafka/cluster-view.js';
import { fetchReplicaSizes, type ReplicaSizesResult } from '../../shared/kafka/replica-sizes.js';
import type { ClusterView } from '../../shared/kafka/types.js';
import { breakGlassPodUids, ledgerKey, parseLedger, pendingBrokers } from '../../shared/k8s/ledger.js';
import { buildPolicyStatus, type PolicyStatus, type PolicyStatusInput } from './policy-status.js';
import { matchesSelector } from '../../shared/k8s/selector.js';
import { parsePolicy, formatPolicyErrors } from '../../shared/policy/parse.js';
import { POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION, type KafkaGuardPolicy } from '../../shared/policy/types.js';
import { indexCluster, type ClusterIndex } from '../../shared/safety/cluster-index.js';
import type { WebhookConfig } from '../config.js';
import type { WebhookMetrics } from '../metrics.js';
import {
  policyKey, type BreakGlassConsumption, type Deadline, type Effects, type FactsSource, type KafkaIndexResult, type KafkaViewOptions,
  type LedgerReading, type ObjectReference, type PersistentVolumeClaimFact, type PodFact, type Reservation,
  type StatefulSetFact, type StorageClassFact,
} from './types.js';

/** A repeat of an Event within this window adds to its count instead of making a new one. */
const EVENT_SERIES_MS = 10 * 60_000;
const MAX_EVENT_SERIES = 1000;


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

interface ViewEntry {
  view: ClusterView;
  index: ClusterIndex;
  /** When the fetch that read the view started (epoch ms): nothing after it is missing from the view. */
  startedAt: number;
  /** The policy's Kafka connection spec the view was read with: a changed spec makes it stale. */
  connection: string;
}

/** An error's message, for logs and refusal texts (an Error serialises to {}). */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export class ClusterFacts implements FactsSource, Effects {
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
  private readonly clients: KafkaClientCache;
  private readonly views = new Map<string, ViewEntry>();
  private readonly inflight = new Map<string, { startedAt: number; entry: Promise<ViewEntry> }>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private readonly statusWarned = new Set<string>();
  /** Events recorded recently, by what makes them the same event: name, count, last time. */
  private readonly recentEvents = new Map<string, { name: string; count: number; at: number }>();
  private closed = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly config: WebhookConfig,
    private readonly metrics: WebhookMetrics,
    private readonly log: FastifyBaseLogger,
    /** Names this replica in Events it records (the pod name in a cluster). */
    private readonly instanceName: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.policyApi = kc.makeApiClient(PolicyV1Api);
    this.storage = kc.makeApiClient(StorageV1Api);
    this.clients = new KafkaClientCache({
      ...WEBHOOK_CLIENT_DEFAULTS,
      log: (entry) => this.log[entry.level === 'debug' ? 'debug' : entry.level]({ kafka: entry.namespace, ...entry.fields }, entry.message),
    });
    this.metrics.reportKafkaViews(() => [...this.views].map(([key, entry]) => [key, entry.view.fetchedAt] as const));
  }

  /** Starts the cluster-wide caches; namespace caches follow the policies. */
  async start(): Promise<void> {
    this.policies = this.watch<KubernetesObject>(`/apis/${POLICY_GROUP}/${POLICY_VERSION}/${POLICY_PLURAL}`,
      () => this.custom.listClusterCustomObject({ group: POLICY_GROUP, version: POLICY_VERSION, plural: POLICY_PLURAL }) as Promise<KubernetesListObject<KubernetesObject>>);
    this.nodes = this.watch<V1Node>('/api/v1/nodes', () => this.core.listNode());
    this.storageClassCache = this.watch<V1StorageClass>('/apis/storage.k8s.io/v1/storageclasses', () => this.storage.listStorageClass());
    for (const verb of ['add', 'update', 'delete'] as const) this.policies.cache.on(verb, () => this.syncNamespaces());
    this.refreshTimer = setInterval(() => this.refreshAllViews(), this.config.kafkaViewRefreshMs);
    this.refreshTimer.unref();
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

  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    const all: Array<WatchedCache<KubernetesObject>> = [this.policies, this.nodes as unknown as WatchedCache<KubernetesObject>, this.storageClassCache as unknown as WatchedCache<KubernetesObject>];
    for (const c of this.namespaces.values()) all.push(...(Object.values(c) as Array<WatchedCache<KubernetesObject>>));
    await Promise.allSettled(all.filter(Boolean).map((w) => w.stop()));
    await this.clients.close();
  }

  private watch<T extends KubernetesObject>(path: string, list: () => Promise<KubernetesListObject<T>>): WatchedCache<T> {
    const cache = makeInformer<T>(this.kc, path, list);
    const watched: WatchedCache<T> = { cache, synced: false, stop: () => cache.stop() };
    const start = () => {
      if (this.closed) return;
      cache.start().then(() => { watched.synced = true; }, (error: unknown) => {
        this.log.warn({ path, error: messageOf(error) }, 'informer failed to list; retrying');
        setTimeout(start, 2000).unref();
      });
    };
    // client-node stops an informer on a watch error; start it again (it lists anew).
    cache.on('error', (error: unknown) => {
      if (this.closed) return;
      this.log.warn({ path, error: messageOf(error) }, 'informer watch failed; restarting');
      setTimeout(start, 1000).unref();
    });
    start();
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

  // ------------------------------------------------------------------ FactsSource

  async policyFor(namespace: string, labels: Readonly<Record<string, string>>): Promise<KafkaGuardPolicy | null> {
    return this.policiesOf(namespace).find((p) => matchesSelector({ ...labels }, p.spec.brokers.selector)) ?? null;
  }

  async policiesIn(namespace: string): Promise<KafkaGuardPolicy[]> {
    return this.policiesOf(namespace);
  }

  async pod(namespace: string, name: string): Promise<PodFact | null> {
    const cached = this.namespaces.get(namespace)?.pods.cache.get(name, namespace);
    if (cached) return cached as PodFact;
    if (this.namespaces.has(namespace)) return null;
    // Not a namespace any policy covers: a direct read, rare by construction (the webhook configuration is scoped).
    return (await this.core.readNamespacedPod({ name, namespace }).catch(() => null)) as PodFact | null;
  }

  async brokerPods(policy: KafkaGuardPolicy): Promise<PodFact[]> {
    const pods = this.namespaces.get(policy.metadata.namespace)?.pods.cache.list(policy.metadata.namespace) ?? [];
    return pods.filter((p) => matchesSelector(p.metadata?.labels ?? {}, policy.spec.brokers.selector)) as PodFact[];
  }

  async statefulSet(namespace: string, name: string): Promise<StatefulSetFact | null> {
    const cached = this.namespaces.get(namespace)?.statefulSets.cache.get(name, namespace);
    if (cached) return cached as StatefulSetFact;
    if (this.namespaces.has(namespace)) return null;
    return (await this.apps.readNamespacedStatefulSet({ name, namespace }).catch(() => null)) as StatefulSetFact | null;
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

  async kafkaIndex(policy: KafkaGuardPolicy, options: KafkaViewOptions): Promise<KafkaIndexResult> {
    const key = policyKey(policy);
    const cached = this.views.get(key);
    const notBefore = options.notBefore;
    if (cached && cached.connection === JSON.stringify(policy.spec.kafka) && cached.startedAt >= notBefore) {
      return { ok: true, index: cached.index, fetchedAt: cached.view.fetchedAt };
    }
    const remaining = options.deadline.remainingMs();
    if (remaining <= 0) return { ok: false, error: 'no time left before the admission deadline to ask Kafka' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Kafka did not answer within ${remaining} ms (admission deadline)`)), remaining);
    });
    try {
      const fresh = await Promise.race([this.refreshView(policy, notBefore), timeout]);
      return { ok: true, index: fresh.index, fetchedAt: fresh.view.fetchedAt };
    } catch (error) {
      return { ok: false, error: `cannot read the Kafka cluster of policy ${key} (${policy.spec.kafka.bootstrapServers.join(',')}): ${messageOf(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async replicaSizes(policy: KafkaGuardPolicy, brokers: readonly number[], deadline: Deadline): Promise<ReplicaSizesResult> {
    const remaining = deadline.remainingMs();
    if (remaining <= 0) return { ok: false, reason: 'no time left before the admission deadline' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ReplicaSizesResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: `DescribeLogDirs did not answer within ${remaining} ms` }), remaining);
    });
    try {
      return await Promise.race([this.clientFor(policy).then((client) => fetchReplicaSizes(client, brokers, null)), timeout]);
    } catch (error) {
      return { ok: false, reason: messageOf(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One fetch per policy at a time: concurrent admissions share it, unless it
   * started before `notBefore` (an admission needs one that started after it arrived).
   */
  private refreshView(policy: KafkaGuardPolicy, notBefore = 0): Promise<ViewEntry> {
    const connection = JSON.stringify(policy.spec.kafka);
    const key = `${policyKey(policy)} ${connection}`;
    const running = this.inflight.get(key);
    if (running && running.startedAt >= notBefore) return running.entry;
    const startedAt = Date.now();
    const entry = (async () => {
      const client = await this.clientFor(policy);
      const view = await fetchClusterView(client);
      const fetched = { view, index: indexCluster(view), connection, startedAt };
      // A slower, older fetch finishing last must not replace a newer view.
      const current = this.views.get(policyKey(policy));
      if (!current || current.connection !== connection || current.startedAt <= startedAt) this.views.set(policyKey(policy), fetched);
      return fetched;
    })().finally(() => {
      if (this.inflight.get(key)?.entry === entry) this.inflight.delete(key);
    });
    this.inflight.set(key, { startedAt, entry });
    return entry;
  }

  private refreshAllViews(): void {
    const policies = this.policies.cache.list().flatMap((p) => this.policiesOf(p.metadata?.namespace ?? ''));
    const seen = new Set<string>();
    for (const policy of policies) {
      const key = policyKey(policy);
      if (seen.has(key) || policy.spec.mode === 'Off') continue;
      seen.add(key);
      this.refreshView(policy)
        .then(
          (entry) => this.publishStatus(policy, { ok: true, index: entry.index }),
          (error: unknown) => {
            this.log.debug({ policy: key, error: messageOf(error) }, 'background Kafka view refresh failed');
            return this.publishStatus(policy, { ok: false, error: messageOf(error) });
          },
        )
        .catch((error: unknown) => this.warnStatusOnce(key, error));
    }
    for (const key of this.views.keys()) if (!seen.has(key)) this.views.delete(key);
  }

  /**
   * Writes the policy's status (policy-status.ts) when it differs from the stored
   * one. Every webhook replica computes the same status from the same cluster, so
   * replicas write rarely and never disagree for long.
   */
  private async publishStatus(policy: KafkaGuardPolicy, kafka: PolicyStatusInput['kafka']): Promise<void> {
    const { namespace, name } = policy.metadata;
    const pods = this.namespaces.get(namespace)?.pods;
    if (this.closed || !pods?.synced) return;
    const stored = this.policies.cache.get(name, namespace) as (KubernetesObject & { status?: PolicyStatus }) | undefined;
    if (stored === undefined) return;
    const pending = await this.pendingDisruptions(policyKey(policy));
    const status = buildPolicyStatus({
      policy,
      previous: stored.status,
      kafka,
      pods: await this.brokerPods(policy),
      pending,
      now: new Date(),
    });
    if (isDeepStrictEqual(status, stored.status)) return;
    // A JSON Patch, not a merge patch: in a merge patch the null of a broker without a pod would mean "remove".
    await this.custom.patchNamespacedCustomObjectStatus(
      { group: POLICY_GROUP, version: POLICY_VERSION, plural: POLICY_PLURAL, namespace, name, body: [{ op: 'add', path: '/status', value: status }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    this.statusWarned.delete(policyKey(policy));
  }

  /** A status that cannot be written (e.g. RBAC without kafkaguardpolicies/status) is logged once per policy, not every 4 s. */
  private warnStatusOnce(key: string, error: unknown): void {
    if (this.statusWarned.has(key)) return;
    this.statusWarned.add(key);
    this.log.warn({ policy: key, error: messageOf(error) }, 'cannot write the KafkaGuardPolicy status');
  }

  private async clientFor(policy: KafkaGuardPolicy): Promise<KafkaAdmin> {
    const namespace = policy.metadata.namespace;
    const connection = await resolveConnection(policy.spec.kafka, async (name) => {
      const secret = await this.core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    });
    return this.clients.get(policyKey(policy), connection);
  }

  // ------------------------------------------------------------------ the ledger

  private async readLedger(): Promise<V1ConfigMap | null> {
    try {
      return await this.core.readNamespacedConfigMap({ name: this.config.ledger.name, namespace: this.config.ledger.namespace });
    } catch (error) {
      if (statusCode(error) === 404) return null;
      throw error;
    }
  }

  async pendingDisruptions(key: string): Promise<LedgerReading> {
    const cm = await this.readLedger();
    const namespace = key.split('/')[0] ?? '';
    const pods = this.namespaces.get(namespace)?.pods;
    const live = pods?.synced ? new Set(pods.cache.list(namespace).map((p) => p.metadata?.uid ?? '')) : null;
    const entries = parseLedger(cm?.data?.[ledgerKey(key)], Date.now());
    return {
      brokers: pendingBrokers(entries, live),
      unknown: null,
      version: cm?.metadata?.resourceVersion ?? '',
      breakGlassPods: breakGlassPodUids(entries),
    };
  }

  async reserveDisruption(reservation: Reservation): Promise<boolean> {
    const { name, namespace } = this.config.ledger;
    const cm = await this.readLedger();
    const version = cm?.metadata?.resourceVersion ?? '';
    if (version !== reservation.expectedVersion) return false;
    const dataKey = ledgerKey(reservation.policyKey);
    const now = Date.now();
    const entries = parseLedger(cm?.data?.[dataKey], now).filter((e) => e.podUid !== reservation.podUid);
    entries.push({
      brokerId: reservation.brokerId,
      podUid: reservation.podUid,
      expiresAt: now + reservation.ttlMs,
      ...(reservation.breakGlass ? { breakGlass: true as const } : {}),
    });
    const data = { ...(cm?.data ?? {}), [dataKey]: JSON.stringify(entries) };
    try {
      if (cm) {
        // resourceVersion makes this a compare-and-swap: a concurrent writer gets 409.
        await this.core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, data } });
      } else {
        await this.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'kafka-guard' } }, data } });
      }
      return true;
    } catch (error) {
      if (statusCode(error) === 409) return false;
      throw error;
    }
  }

  async consumeBreakGlass(consumption: BreakGlassConsumption): Promise<boolean> {
    const path = '/metadata/annotations/kafkaguard.io~1allow-disruption';
    try {
      await this.core.patchNamespacedPod(
        { name: consumption.pod.name, namespace: consumption.pod.namespace, body: [
          ...(consumption.pod.uid ? [{ op: 'test', path: '/metadata/uid', value: consumption.pod.uid }] : []),
          { op: 'test', path, value: consumption.expectedValue },
          { op: 'remove', path },
        ] },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      return true;
    } catch (error) {
      // 422: the test failed (someone consumed it first); 404: the pod is gone.
      if ([404, 409, 422].includes(statusCode(error) ?? 0)) return false;
      throw error;
    }
  }

  /**
   * Records an Event; the same event again (same object, type, reason and
   * message, within EVENT_SERIES_MS) bumps the count and lastTimestamp of the
   * first instead, as client-go's event correlator does. A StatefulSet
   * controller retrying a refused delete during a stalled rollout then leaves
   * one Event with a count, not hundreds.
   */
  async recordEvent(involvedObject: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
    const text = message.slice(0, 1024);
    const key = JSON.stringify([involvedObject.namespace, involvedObject.name, involvedObject.uid, type, reason, text]);
    const earlier = this.recentEvents.get(key);
    try {
      if (earlier !== undefined && now.getTime() - earlier.at < EVENT_SERIES_MS) {
        try {
          await this.core.patchNamespacedEvent(
            { name: earlier.name, namespace: involvedObject.namespace, body: { count: earlier.count + 1, lastTimestamp: now } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
          earlier.count += 1;
          earlier.at = now.getTime();
          return;
        } catch (error) {
          if (statusCode(error) !== 404) throw error;
          // Expired or deleted: start a new one.
        }
      }
      const name = `${involvedObject.name}.${randomBytes(8).toString('hex')}`;
      await this.core.createNamespacedEvent({
        namespace: involvedObject.namespace,
        body: {
          metadata: { name, namespace: involvedObject.namespace },
          involvedObject: { ...involvedObject, uid: involvedObject.uid || undefined },
          type, reason, message: text,
          source: { component: 'kafka-guard' },
          reportingComponent: 'kafkaguard.io/webhook',
          reportingInstance: this.instanceName,
          firstTimestamp: now, lastTimestamp: now, count: 1,
        },
      });
      this.recentEvents.delete(key);
      this.recentEvents.set(key, { name, count: 1, at: now.getTime() });
      // Oldest first (insertion order): keep the map bounded.
      for (const oldest of this.recentEvents.keys()) {
        if (this.recentEvents.size <= MAX_EVENT_SERIES) break;
        this.recentEvents.delete(oldest);
      }
    } catch (error) {
      this.log.warn({ involvedObject, reason, error: messageOf(error) }, 'recording an Event failed');
    }
  }
}
