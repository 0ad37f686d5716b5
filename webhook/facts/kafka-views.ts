/**
 * The Kafka view refresher: one reused Kafka client and one cached cluster
 * view per policy. An admission asks for a view whose fetch started after the
 * request arrived (`notBefore`); concurrent admissions share one fetch that
 * qualifies, and a background refresh keeps the views (and the policy status)
 * current between admissions.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { KafkaClientCache, resolveConnection, WEBHOOK_CLIENT_DEFAULTS, type KafkaAdmin } from '../../shared/kafka/client.js';
import { ClusterViewReader, fetchClusterView } from '../../shared/kafka/cluster-view.js';
import { fetchReplicaSizes, type ReplicaSizesResult } from '../../shared/kafka/replica-sizes.js';
import { readFeatures } from '../../shared/kafka/features.js';
import type { ClusterView } from '../../shared/kafka/types.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { indexCluster, type ClusterIndex } from '../../shared/safety/cluster-index.js';
import type { WebhookMetrics } from '../metrics.js';
import { messageOf } from './api-errors.js';
import type { PolicyStatusInput } from './policy-status.js';
import { SecretCache } from './secret-cache.js';
import { policyKey, type Deadline, type KafkaFeaturesResult, type KafkaIndexResult, type KafkaViewOptions } from './types.js';

interface ViewEntry {
  view: ClusterView;
  index: ClusterIndex;
  /** When the fetch that read the view started (epoch ms): nothing after it is missing from the view. */
  startedAt: number;
  /** The policy's Kafka connection spec the view was read with: a changed spec makes it stale. */
  connection: string;
}

/**
 * When the next background refresh of a view may start, so that refreshes use
 * at most `cpuPercent` of one core: one that started at `startedAt` and cost
 * `cpuMs` of CPU is followed no sooner than cpuMs / (cpuPercent / 100) after
 * its start. The refresh timer still sets the usual pace; this only holds back
 * refreshes too costly for it. Pure, for tests.
 */
export function nextRefreshAllowedAt(startedAt: number, cpuMs: number, cpuPercent: number): number {
  return startedAt + (Math.max(0, cpuMs) * 100) / cpuPercent;
}

/** What one background refresh read for a policy: its index, or why Kafka could not be read. */
export type KafkaReading = PolicyStatusInput['kafka'];

export class KafkaViews {
  private readonly clients: KafkaClientCache;
  /** The TLS and SASL Secrets policies name, kept between refreshes (secret-cache.ts). */
  private readonly secrets: SecretCache;
  private readonly views = new Map<string, ViewEntry>();
  private readonly inflight = new Map<string, { startedAt: number; entry: Promise<ViewEntry> }>();
  /**
   * One reader per client: it keeps the last answers, so that a refresh that
   * finds nothing changed reuses the view, and the index built from it.
   * Topic configs are read fresh on every refresh (max age 0): an admission
   * shares a refresh, and must not decide on a min.insync.replicas older than itself.
   */
  private readonly readers = new WeakMap<KafkaAdmin, ClusterViewReader>();
  private readonly indexes = new WeakMap<ClusterView, ClusterIndex>();

  /** By policy key: before this (epoch ms) no background refresh starts (nextRefreshAllowedAt). */
  private readonly refreshAllowedAt = new Map<string, number>();

  constructor(
    /** Reads the Secrets a policy's TLS and SASL settings name. */
    core: CoreV1Api,
    metrics: WebhookMetrics,
    private readonly log: FastifyBaseLogger,
    /** Share of one core background refreshes of one view may use (WebhookConfig.kafkaViewRefreshCpuPercent). */
    private readonly refreshCpuPercent = 25,
  ) {
    this.clients = new KafkaClientCache({
      ...WEBHOOK_CLIENT_DEFAULTS,
      log: (entry) => this.log[entry.level === 'debug' ? 'debug' : entry.level]({ kafka: entry.namespace, ...entry.fields }, entry.message),
    });
    this.secrets = new SecretCache(
      async (namespace, name) => {
        const secret = await core.readNamespacedSecret({ name, namespace });
        return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      },
      {
        onStaleKept: (namespace, name, error) =>
          this.log.warn({ secret: `${namespace}/${name}`, error: messageOf(error) }, 'cannot read the Kafka credentials Secret again; the copy read before stays in use'),
      },
    );
    metrics.reportKafkaViews(() => [...this.views].map(([key, entry]) => [key, entry.view.fetchedAt] as const));
  }

  /** FactsSource.kafkaIndex: never throws; gives up at the admission deadline. */
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
      timer = setTimeout(() => reject(new Error(this.waitedFor(policy, remaining))), remaining);
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

  /**
   * Refreshes the view of every policy given (Off ones aside; a policy key
   * once) and forgets the views of policies no longer given. `refreshed` hears
   * each outcome and must not reject.
   */
  refreshAll(policies: readonly KafkaGuardPolicy[], refreshed: (policy: KafkaGuardPolicy, kafka: KafkaReading) => Promise<void>): void {
    const seen = new Set<string>();
    for (const policy of policies) {
      const key = policyKey(policy);
      if (seen.has(key) || policy.spec.mode === 'Off') continue;
      seen.add(key);
      const startedAt = Date.now();
      if (startedAt < (this.refreshAllowedAt.get(key) ?? 0)) continue;
      // Process-wide CPU over the refresh: it counts whatever else ran meanwhile, so it errs on the side of refreshing less.
      const cpuBefore = process.cpuUsage();
      this.refreshView(policy)
        .finally(() => {
          const cpu = process.cpuUsage(cpuBefore);
          this.refreshAllowedAt.set(key, nextRefreshAllowedAt(startedAt, (cpu.user + cpu.system) / 1000, this.refreshCpuPercent));
        })
        .then(
          (entry): KafkaReading => ({ ok: true, index: entry.index }),
          (error: unknown): KafkaReading => {
            this.log.debug({ policy: key, error: messageOf(error) }, 'background Kafka view refresh failed');
            return { ok: false, error: messageOf(error) };
          },
        )
        .then((kafka) => refreshed(policy, kafka));
    }
    for (const key of this.views.keys()) if (!seen.has(key)) this.views.delete(key);
    for (const key of this.refreshAllowedAt.keys()) if (!seen.has(key)) this.refreshAllowedAt.delete(key);
  }

  /** Closes the Kafka clients and forgets the credentials read. */
  async close(): Promise<void> {
    this.secrets.clear();
    await this.clients.close();
  }

  /** What an admission that gave up after `ms` waited for: the apiserver's first read of a Secret, or Kafka. */
  private waitedFor(policy: KafkaGuardPolicy, ms: number): string {
    const namespace = policy.metadata.namespace;
    const names = [policy.spec.kafka.tls?.secretRef?.name, policy.spec.kafka.sasl?.secretRef.name].filter((n): n is string => n !== undefined);
    const loading = names.filter((name) => this.secrets.loading(namespace, name));
    if (loading.length > 0) {
      return `the apiserver did not return the Kafka credentials (Secret ${loading.map((n) => `${namespace}/${n}`).join(', ')}) within ${ms} ms (admission deadline)`;
    }
    return `Kafka did not answer within ${ms} ms (admission deadline)`;
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
      let reader = this.readers.get(client);
      if (!reader) {
        reader = new ClusterViewReader(client, { topicConfigMaxAgeMs: 0 });
        this.readers.set(client, reader);
      }
      const { view, sameAs } = await reader.read();
      const previousIndex = sameAs ? this.indexes.get(sameAs) : undefined;
      const index = previousIndex ? { ...previousIndex, view } : indexCluster(view);
      if (!previousIndex) this.indexes.set(view, index);
      const fetched = { view, index, connection, startedAt };
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

  /** Replica sizes and log-dir capacity of `brokers` (DescribeLogDirs), within the admission deadline; never throws. */
  async replicaSizes(policy: KafkaGuardPolicy, brokers: readonly number[], deadline: Deadline): Promise<ReplicaSizesResult> {
    const result = await this.withinDeadline('DescribeLogDirs', deadline, async () => fetchReplicaSizes(await this.clientFor(policy), brokers, null));
    return result.ok ? result.value : result;
  }

  /** FactsSource.kafkaFeatures: every registered broker's ApiVersions, fresh. */
  async kafkaFeatures(policy: KafkaGuardPolicy, deadline: Deadline): Promise<KafkaFeaturesResult> {
    const result = await this.withinDeadline('ApiVersions', deadline, async () => {
      const client = await this.clientFor(policy);
      const brokers = (await fetchClusterView(client)).brokers.map((b) => b.id);
      return readFeatures(client, brokers);
    });
    return result.ok ? { ok: true, features: result.value } : result;
  }

  /** Runs `read`, or gives up when the admission deadline comes first; never throws. */
  private async withinDeadline<T>(what: string, deadline: Deadline, read: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    const remaining = deadline.remainingMs();
    if (remaining <= 0) return { ok: false, reason: 'no time left before the admission deadline' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: `${what} did not answer within ${remaining} ms` }), remaining);
    });
    try {
      return await Promise.race([read().then((value) => ({ ok: true as const, value })), timeout]);
    } catch (error) {
      return { ok: false, reason: messageOf(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  private async clientFor(policy: KafkaGuardPolicy): Promise<KafkaAdmin> {
    const namespace = policy.metadata.namespace;
    const connection = await resolveConnection(policy.spec.kafka, (name) => this.secrets.get(namespace, name));
    return this.clients.get(policyKey(policy), connection);
  }
}
