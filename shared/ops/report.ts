/**
 * `kubectl kafka report`: a diagnostic bundle for support (issue 12, section 6).
 * It gathers, per part, what doctor, status and throttles read already (the
 * broker StatefulSets, pods, claims, Events, policies, webhook configurations,
 * the webhook's recent logs, and Kafka's description), redacts it, and hands
 * back the files to archive. A part that fails becomes an error note in the
 * bundle; the bundle is written anyway. Secret values never go in: Secrets are
 * not read, env values from secretKeyRef stay references, and annotations
 * that could copy a whole object (last-applied-configuration) are removed.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeCluster } from '../k8s/cluster.js';
import { reportText } from './messages.js';

/** Annotations removed from every object: they can hold a full copy of an object, Secret manifests included. */
export const DROPPED_ANNOTATIONS: readonly string[] = ['kubectl.kubernetes.io/last-applied-configuration'];

/** Object fields that only add noise to a bundle. */
const DROPPED_METADATA = ['managedFields'];

export interface ReportFile {
  path: string;
  content: string;
}

export interface ReportPartOutcome {
  part: string;
  ok: boolean;
  files: string[];
  error: string | null;
}

export interface ReportManifest {
  createdAt: string;
  namespace: string;
  parts: ReportPartOutcome[];
  files: string[];
  /** Parts that failed, for the warning. */
  failed: string[];
}

/**
 * A deep copy of an apiserver object fit for the bundle: Secret data and
 * stringData removed, env values from secretKeyRef kept as references,
 * managedFields and DROPPED_ANNOTATIONS removed. Anything of kind Secret keeps
 * only its name, type and keys.
 */
export function redactObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactObject);
  if (value === null || typeof value !== 'object') return value;
  const input = value as Record<string, unknown>;
  if (input.kind === 'Secret') {
    const data = { ...((input.data as Record<string, unknown>) ?? {}), ...((input.stringData as Record<string, unknown>) ?? {}) };
    const meta = (input.metadata ?? {}) as Record<string, unknown>;
    return { kind: 'Secret', metadata: { name: meta.name, namespace: meta.namespace }, type: input.type, keys: Object.keys(data).sort() };
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(input)) {
    if (key === 'metadata' && child !== null && typeof child === 'object') {
      out.metadata = redactMetadata(child as Record<string, unknown>);
    } else if (key === 'env' && Array.isArray(child)) {
      out.env = child.map(redactEnvVar);
    } else {
      out[key] = redactObject(child);
    }
  }
  return out;
}

function redactMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(metadata)) {
    if (DROPPED_METADATA.includes(key)) continue;
    if (key === 'annotations' && child !== null && typeof child === 'object') {
      out.annotations = Object.fromEntries(Object.entries(child as Record<string, string>).filter(([name]) => !DROPPED_ANNOTATIONS.includes(name)));
    } else {
      out[key] = redactObject(child);
    }
  }
  return out;
}

/** An env entry from a secretKeyRef keeps the reference only; a literal value beside it is dropped too. */
export function redactEnvVar(entry: unknown): unknown {
  if (entry === null || typeof entry !== 'object') return entry;
  const env = entry as { name?: unknown; value?: unknown; valueFrom?: { secretKeyRef?: unknown } };
  if (env.valueFrom?.secretKeyRef !== undefined) return { name: env.name, valueFrom: { secretKeyRef: env.valueFrom.secretKeyRef } };
  return redactObject(entry);
}

/** Removes any of `secrets` (values known to the caller, e.g. the SASL password Kafka was reached with) from free text such as logs. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join('<redacted>');
  }
  return out;
}

export const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A part of the bundle: its name and what it gathers. */
export interface ReportPart {
  name: string;
  collect(): Promise<ReportFile[]>;
}

/** Runs every part; one that throws becomes errors/<part>.txt. Never throws. */
export async function collectReport(parts: readonly ReportPart[], createdAt: Date, namespace: string, secrets: readonly string[] = []): Promise<{ files: ReportFile[]; manifest: ReportManifest }> {
  const files: ReportFile[] = [{ path: 'README.txt', content: reportText.readme(createdAt.toISOString(), namespace) }];
  const outcomes: ReportPartOutcome[] = [];
  for (const part of parts) {
    try {
      const got = (await part.collect()).map((f) => ({ path: f.path, content: scrubText(f.content, secrets) }));
      files.push(...got);
      outcomes.push({ part: part.name, ok: true, files: got.map((f) => f.path), error: null });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const path = `errors/${part.name}.txt`;
      files.push({ path, content: scrubText(reportText.partFailed(part.name, message), secrets) });
      outcomes.push({ part: part.name, ok: false, files: [path], error: scrubText(message, secrets) });
    }
  }
  const manifest: ReportManifest = {
    createdAt: createdAt.toISOString(),
    namespace,
    parts: outcomes,
    files: [...files.map((f) => f.path), 'manifest.json'],
    failed: outcomes.filter((o) => !o.ok).map((o) => o.part),
  };
  files.push({ path: 'manifest.json', content: toJson(manifest) });
  return { files, manifest };
}

const objectFile = (path: string, items: unknown) => ({ path, content: toJson(redactObject(items)) });

/** The apiserver parts; `policyItems` unparsed as listed. */
export function kubeParts(kube: KubeCluster, namespace: string, logTailLines = 500): ReportPart[] {
  const webhookConfigurations = async () => ({
    mutating: await kube.listMutatingWebhookConfigurations(),
    validating: await kube.listValidatingWebhookConfigurations(),
  });
  return [
    { name: 'statefulsets', collect: async () => [objectFile('kubernetes/statefulsets.json', await kube.listStatefulSets(namespace))] },
    { name: 'pods', collect: async () => [objectFile('kubernetes/pods.json', await kube.listPods(namespace, ''))] },
    { name: 'pvcs', collect: async () => [objectFile('kubernetes/pvcs.json', await kube.listPvcs(namespace))] },
    { name: 'events', collect: async () => [objectFile('kubernetes/events.json', await kube.listEvents(namespace))] },
    { name: 'policies', collect: async () => [objectFile('kubernetes/kafkaguardpolicies.json', await kube.listPolicies(namespace))] },
    {
      name: 'webhook-configurations',
      collect: async () => {
        const { mutating, validating } = await webhookConfigurations();
        return [objectFile('kubernetes/mutatingwebhookconfigurations.json', mutating), objectFile('kubernetes/validatingwebhookconfigurations.json', validating)];
      },
    },
    {
      name: 'webhook-logs',
      collect: async () => {
        const { mutating, validating } = await webhookConfigurations();
        const services = new Map<string, { namespace: string; name: string }>();
        for (const c of [...mutating, ...validating]) {
          for (const w of c.webhooks ?? []) {
            const s = w.clientConfig.service;
            if (w.name.endsWith('.kafkaguard.io') && s) services.set(`${s.namespace}/${s.name}`, { namespace: s.namespace, name: s.name });
          }
        }
        const pods: V1Pod[] = [];
        for (const s of services.values()) {
          const service = await kube.readService(s.namespace, s.name);
          const selector = service?.spec?.selector;
          if (!selector || Object.keys(selector).length === 0) continue;
          pods.push(...(await kube.listPods(s.namespace, Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(','))));
        }
        if (pods.length === 0) return [{ path: 'webhook/NOTE.txt', content: reportText.noWebhookPods() }];
        const files: ReportFile[] = [];
        for (const pod of pods) {
          const ns = pod.metadata?.namespace ?? '';
          const name = pod.metadata?.name ?? '';
          try {
            files.push({ path: `webhook/logs/${ns}_${name}.log`, content: await kube.readPodLog(ns, name, logTailLines) });
          } catch (error) {
            files.push({ path: `webhook/logs/${ns}_${name}.NOTE.txt`, content: reportText.logForbidden(`${ns}/${name}`, error instanceof Error ? error.message : String(error)) });
          }
        }
        return files;
      },
    },
  ];
}

/** What the Kafka parts are built from: status's facts (gatherFacts with sizes). */
export interface KafkaReportFacts {
  clusterId: string;
  controllerId: number;
  brokers: unknown[];
  topics: Array<{ name: string; partitions: Array<{ topic: string; partition: number; replicas: number[]; isr: number[]; leader: number; addingReplicas: number[]; removingReplicas: number[] }> }>;
  throttles: unknown;
  logDirSizes: unknown;
}

/** The Kafka files: description, under-replicated partitions, reassignments, throttles, log dir sizes. */
export function kafkaFiles(facts: KafkaReportFacts): ReportFile[] {
  const partitions = facts.topics.flatMap((t) => t.partitions);
  const underReplicated = partitions.filter((p) => p.isr.length < p.replicas.length);
  const reassignments = partitions.filter((p) => p.addingReplicas.length > 0 || p.removingReplicas.length > 0);
  return [
    {
      path: 'kafka/cluster.json',
      content: toJson({ clusterId: facts.clusterId, controllerId: facts.controllerId, brokers: facts.brokers, topics: facts.topics.length, partitions: partitions.length }),
    },
    { path: 'kafka/under-replicated-partitions.json', content: toJson(underReplicated) },
    { path: 'kafka/reassignments.json', content: toJson(reassignments) },
    { path: 'kafka/throttles.json', content: toJson(facts.throttles) },
    { path: 'kafka/log-dir-sizes.json', content: toJson(facts.logDirSizes) },
  ];
}

/** Replica bytes and file system space per broker, from fetchReplicaSizes' answer (Maps are not JSON). */
export function logDirSizesOf(result: import('../kafka/replica-sizes.js').ReplicaSizesResult | null): unknown {
  if (result === null) return null;
  if (!result.ok) return { ok: false, reason: result.reason };
  const brokers = [...result.sizes.keys(), ...result.space.keys()].filter((id, i, all) => all.indexOf(id) === i).sort((a, b) => a - b);
  return {
    ok: true,
    brokers: brokers.map((id) => {
      const replicas = result.sizes.get(id) ?? new Map<string, number>();
      const space = result.space.get(id) ?? null;
      return {
        broker: id,
        replicaBytes: [...replicas.values()].reduce((a, b) => a + b, 0),
        replicas: Object.fromEntries([...replicas].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))),
        totalBytes: space?.totalBytes ?? -1,
        usableBytes: space?.usableBytes ?? -1,
      };
    }),
  };
}
