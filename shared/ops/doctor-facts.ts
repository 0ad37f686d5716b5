/**
 * What `kubectl kafka doctor` reads before it decides (doctor.ts): the
 * kafka-guard webhook registrations, what their endpoints answer, the
 * namespaces and policies, each policy's broker pods, PodDisruptionBudgets,
 * claims and StorageClasses, and what Kafka says about its brokers, topics and
 * the principal's permissions. Everything here only reads.
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { isIP } from 'node:net';
import type { V1MutatingWebhook, V1ValidatingWebhook } from '@kubernetes/client-node';
import { KubeApiError, type KubeCluster } from '../k8s/cluster.js';
import { buildBrokerDirectory } from '../k8s/identity.js';
import { brokerClaimName } from '../k8s/pods.js';
import { selectorToString } from '../k8s/selector.js';
import type { KafkaApi } from '../kafka/client.js';
import { fetchClusterView } from '../kafka/cluster-view.js';
import { AUTHORIZED_OPERATIONS_OMITTED, DescribeCluster, Metadata } from '../kafka/protocol.js';
import { errorName } from '../kafka/errors.js';
import { parsePolicy } from '../policy/parse.js';
import type { LabelSelector } from '../policy/types.js';
import {
  endpointKey,
  type ClientConfigFacts,
  type DoctorFacts,
  type EndpointFacts,
  type HealthProbe,
  type KafkaFacts,
  type NamespaceFacts,
  type PdbFacts,
  type PolicyFacts,
  type StorageFacts,
  type WebhookFacts,
} from './doctor.js';
import { ZONE_LABEL } from './snapshot.js';

export interface DoctorScope {
  /** One namespace, or every namespace (-A). */
  namespace: string | null;
  /** Only this policy (--policy). */
  policy?: string;
}

/** Kafka for one policy, and closing it; the plugin builds it as for every command (Secrets, --bootstrap-server). */
export interface DoctorKafka {
  api: KafkaApi;
  bootstrapServers: readonly string[];
}

export interface DoctorDeps {
  kube: KubeCluster;
  /** Connects to the policy's Kafka; throws when its settings cannot be used (a missing Secret). */
  kafka(policy: PolicyFacts & { parsed: { ok: true } }): Promise<DoctorKafka>;
  /** GET https://host:port/healthz; the caller's timeout applies. */
  probe?(url: URL): Promise<HealthProbe>;
  /** Words for where policies were looked for. */
  scopeLabel: string;
}

const INJECT_CA_FROM = 'cert-manager.io/inject-ca-from';

export async function gatherDoctorFacts(scope: DoctorScope, deps: DoctorDeps): Promise<DoctorFacts> {
  const { kube } = deps;
  const probe = deps.probe ?? ((url: URL) => probeHealth(url, 3_000));
  const [mutating, validating, rawPolicies, classes] = await Promise.all([
    kube.listMutatingWebhookConfigurations(),
    kube.listValidatingWebhookConfigurations(),
    scope.namespace === null ? kube.listAllPolicies() : kube.listPolicies(scope.namespace),
    kube.listStorageClasses().then((items) => ({ ok: true as const, items }), (error: unknown) => ({ ok: false as const, error: messageOf(error) })),
  ]);
  const webhooks = [
    ...mutating.flatMap((c) => webhookFacts('Mutating', c.metadata?.name ?? '', c.metadata?.annotations?.[INJECT_CA_FROM] ?? null, c.webhooks ?? [])),
    ...validating.flatMap((c) => webhookFacts('Validating', c.metadata?.name ?? '', c.metadata?.annotations?.[INJECT_CA_FROM] ?? null, c.webhooks ?? [])),
  ];
  const endpoints = await gatherEndpoints(kube, webhooks, probe);

  const wanted = rawPolicies.filter((item) => scope.policy === undefined || metadataOf(item).name === scope.policy);
  const policies: DoctorFacts['policies'] = [];
  const pdbsByNamespace = new Map<string, Promise<PdbFacts>>();
  for (const item of wanted) {
    const { name, namespace } = metadataOf(item);
    const facts = await gatherPolicy(namespace, name, item, deps);
    if (!pdbsByNamespace.has(namespace)) pdbsByNamespace.set(namespace, readPdbs(kube, namespace));
    const pdbs = await (pdbsByNamespace.get(namespace) as Promise<PdbFacts>);
    const storage = await gatherStorage(kube, facts, classes);
    policies.push({ policy: facts, pdbs, storage });
  }

  const namespaceNames = [...new Set(wanted.map((item) => metadataOf(item).namespace))].sort();
  const namespaces: NamespaceFacts[] = await Promise.all(
    namespaceNames.map(async (namespace) => {
      const names = wanted.filter((item) => metadataOf(item).namespace === namespace).map((item) => metadataOf(item).name);
      try {
        const ns = await kube.readNamespace(namespace);
        return { namespace, labels: ns?.metadata?.labels ?? {}, error: null, policies: names };
      } catch (error) {
        return { namespace, labels: null, error: messageOf(error), policies: names };
      }
    }),
  );
  return { webhooks, endpoints, namespaces, policies, scope: deps.scopeLabel };
}

/** kafka-guard's webhooks (named `*.kafkaguard.io`) of one configuration, with the apiserver's defaults filled in. */
export function webhookFacts(
  kind: WebhookFacts['kind'], configuration: string, injectCaFrom: string | null, webhooks: ReadonlyArray<V1MutatingWebhook | V1ValidatingWebhook>,
): WebhookFacts[] {
  return webhooks
    .filter((w) => w.name.endsWith('.kafkaguard.io'))
    .map((w) => {
      const caBundle = w.clientConfig.caBundle ?? '';
      const service = w.clientConfig.service;
      const clientConfig: ClientConfigFacts = service
        ? { kind: 'service', namespace: service.namespace, name: service.name, port: service.port ?? 443, path: service.path ?? '/', caBundle }
        : { kind: 'url', url: w.clientConfig.url ?? '', caBundle };
      return {
        configuration,
        kind,
        name: w.name,
        failurePolicy: w.failurePolicy ?? 'Fail',
        timeoutSeconds: w.timeoutSeconds ?? 10,
        clientConfig,
        namespaceSelector: (w.namespaceSelector ?? {}) as LabelSelector,
        injectCaFrom,
      };
    });
}

async function gatherEndpoints(kube: KubeCluster, webhooks: readonly WebhookFacts[], probe: (url: URL) => Promise<HealthProbe>): Promise<EndpointFacts[]> {
  const byKey = new Map<string, ClientConfigFacts>();
  for (const webhook of webhooks) {
    try {
      byKey.set(endpointKey(webhook.clientConfig), webhook.clientConfig);
    } catch {
      // A URL the apiserver accepted but URL() does not: reported by the probe below as unreachable.
      byKey.set(webhook.clientConfig.kind === 'url' ? webhook.clientConfig.url : webhook.name, webhook.clientConfig);
    }
  }
  return Promise.all(
    [...byKey].map(async ([key, config]): Promise<EndpointFacts> => {
      if (config.kind === 'url') {
        let url: URL;
        try {
          url = new URL('/healthz', config.url);
        } catch (error) {
          return { kind: 'url', key, probe: { reached: false, error: messageOf(error), outsideCluster: false } };
        }
        return { kind: 'url', key, probe: await probe(url) };
      }
      const service = `${config.namespace}/${config.name}`;
      const found = await kube.readService(config.namespace, config.name);
      if (found === null) return { kind: 'service', key, service, namespace: config.namespace, exists: false, readyEndpoints: 0, probe: null };
      const slices = await kube.listEndpointSlices(config.namespace, config.name);
      const ready = new Set<string>();
      for (const slice of slices) {
        for (const endpoint of slice.endpoints ?? []) {
          // An unset ready condition means ready (discovery.k8s.io/v1).
          if (endpoint.conditions?.ready === false) continue;
          for (const address of endpoint.addresses) ready.add(address);
        }
      }
      const health = ready.size === 0 ? null : await probe(new URL(`https://${config.name}.${config.namespace}.svc:${config.port}/healthz`));
      return { kind: 'service', key, service, namespace: config.namespace, exists: true, readyEndpoints: ready.size, probe: health };
    }),
  );
}

/** GET /healthz over HTTPS, keeping the certificate served whether or not it verifies (doctor.ts decides that). */
export function probeHealth(url: URL, timeoutMs: number): Promise<HealthProbe> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'GET', agent: false, rejectUnauthorized: false, timeout: timeoutMs, ...(isIP(host) ? {} : { servername: host }) },
      (res) => {
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.();
        const servingCertificate = peer?.raw ? new X509Certificate(peer.raw).toString() : null;
        res.resume();
        resolve({ reached: true, status: res.statusCode ?? 0, host, servingCertificate });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const outsideCluster = error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN';
      resolve({ reached: false, error: error.message, outsideCluster });
    });
    req.end();
  });
}

async function gatherPolicy(namespace: string, name: string, item: unknown, deps: DoctorDeps): Promise<PolicyFacts> {
  const parsed = parsePolicy(item);
  const facts: PolicyFacts = { namespace, name, parsed, pods: [], claims: [], directory: null, kafka: null };
  if (!parsed.ok) return facts;
  const brokers = parsed.policy.spec.brokers;
  const pods = await deps.kube.listPods(namespace, selectorToString(brokers.selector));
  pods.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));
  facts.pods = pods.map((p) => ({ name: p.metadata?.name ?? '', labels: p.metadata?.labels ?? {}, zone: p.metadata?.labels?.[ZONE_LABEL] ?? null }));
  facts.directory = buildBrokerDirectory(pods, brokers.idFrom);
  facts.claims = pods.map((p) => brokerClaimName(p, brokers.containerName)).filter((c): c is string => c !== null);
  facts.kafka = await gatherKafka(() => deps.kafka(facts as PolicyFacts & { parsed: { ok: true } }));
  return facts;
}

export async function gatherKafka(connect: () => Promise<DoctorKafka>): Promise<KafkaFacts> {
  let kafka: DoctorKafka;
  let view;
  try {
    kafka = await connect();
    view = await fetchClusterView(kafka.api);
  } catch (error) {
    return { reachable: false, error: messageOf(error) };
  }
  let clusterOperations: number | null = null;
  let aclError: string | null = null;
  const topicOperations = new Map<string, number | null>();
  try {
    const cluster = await kafka.api.call('any', DescribeCluster, { includeClusterAuthorizedOperations: true });
    if (cluster.errorCode !== 0) aclError = cluster.errorMessage ?? errorName(cluster.errorCode);
    else if (cluster.clusterAuthorizedOperations !== AUTHORIZED_OPERATIONS_OMITTED) clusterOperations = cluster.clusterAuthorizedOperations;
    else aclError = 'DescribeCluster did not report them';
    const metadata = await kafka.api.call('any', Metadata, { topics: null, includeTopicAuthorizedOperations: true });
    for (const topic of metadata.topics) {
      const ops = topic.authorizedOperations;
      topicOperations.set(topic.name, ops === undefined || ops === AUTHORIZED_OPERATIONS_OMITTED ? null : ops);
    }
  } catch (error) {
    aclError = messageOf(error);
  }
  return {
    reachable: true,
    bootstrapServers: [...kafka.bootstrapServers],
    brokers: view.brokers,
    topics: view.topics,
    clusterOperations,
    aclError,
    topicOperations,
  };
}

async function readPdbs(kube: KubeCluster, namespace: string): Promise<PdbFacts> {
  try {
    const budgets = await kube.listPodDisruptionBudgets(namespace);
    return { ok: true, budgets: budgets.map((b) => ({ name: b.metadata?.name ?? '', selector: (b.spec?.selector ?? null) as LabelSelector | null })) };
  } catch (error) {
    if (error instanceof KubeApiError) return { ok: false, error: error.message };
    throw error;
  }
}

async function gatherStorage(
  kube: KubeCluster, facts: PolicyFacts,
  classes: { ok: true; items: Awaited<ReturnType<KubeCluster['listStorageClasses']>> } | { ok: false; error: string },
): Promise<StorageFacts> {
  if (!classes.ok) return { ok: false, error: classes.error };
  const wanted = new Set(facts.claims);
  if (wanted.size === 0) return { ok: true, claims: [], classes: [] };
  let pvcs;
  try {
    pvcs = await kube.listPvcs(facts.namespace);
  } catch (error) {
    if (error instanceof KubeApiError) return { ok: false, error: error.message };
    throw error;
  }
  return {
    ok: true,
    claims: pvcs
      .filter((c) => wanted.has(c.metadata?.name ?? ''))
      .map((c) => ({ claim: c.metadata?.name ?? '', storageClass: c.spec?.storageClassName ?? null })),
    classes: classes.items.map((c) => ({ name: c.metadata?.name ?? '', allowVolumeExpansion: c.allowVolumeExpansion === true })),
  };
}

function metadataOf(item: unknown): { name: string; namespace: string } {
  const metadata = typeof item === 'object' && item !== null ? (item as { metadata?: { name?: unknown; namespace?: unknown } }).metadata : undefined;
  return {
    name: typeof metadata?.name === 'string' ? metadata.name : '(unnamed)',
    namespace: typeof metadata?.namespace === 'string' ? metadata.namespace : '',
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
