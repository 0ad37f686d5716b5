/**
 * What every command starts from: the apiserver (kubectl's flags and
 * defaults), the KafkaGuardPolicy that describes the Kafka cluster in the
 * namespace, and a Kafka client built from that policy (Secrets read through
 * the apiserver), unless --bootstrap-server says where Kafka is.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { gatherFacts, type ClusterFacts } from '../../shared/ops/snapshot.js';
import { createKafkaAdmin, resolveConnection, type KafkaAdmin, type KafkaLogEntry } from '../../shared/kafka/client.js';
import { KubeCluster, loadKubeSession, type KubeConnectionOptions } from '../../shared/k8s/cluster.js';
import { LEDGER_DEFAULTS, type LedgerLocation } from '../../shared/k8s/ledger.js';
import { buildBrokerDirectory, type BrokerDirectory } from '../../shared/k8s/identity.js';
import { selectorToString } from '../../shared/k8s/selector.js';
import { formatPolicyErrors, parsePolicy } from '../../shared/policy/parse.js';
import { POLICY_KIND, type KafkaGuardPolicy } from '../../shared/policy/types.js';
import { KafkaSettingsError, UsageError } from './errors.js';
import { bootstrapServerRefused, kafkaClientLog, kafkaSettingsInvalid, noPolicy, policyNotFound, severalPolicies } from '../messages.js';

export interface SessionOptions extends KubeConnectionOptions {
  /** --policy: which KafkaGuardPolicy when the namespace has several. */
  policy?: string;
  /** --bootstrap-server: Kafka addresses that replace the policy's (e.g. from outside the cluster). */
  bootstrapServers?: string[];
  /** Kafka client warnings to stderr. */
  verbose?: boolean;
  /** Where client warnings go (stderr by default). */
  warn?: (line: string) => void;
  /** The webhook's disruption ledger (default: where the webhook keeps it by default). */
  ledger?: LedgerLocation;
}

/** Kafka client settings for interactive, long-running operations (the webhook's are tighter). */
const PLUGIN_KAFKA_OPTIONS = {
  clientId: 'kubectl-kafka',
  requestTimeoutMs: 15_000,
  connectionTimeoutMs: 3_000,
  retry: { retries: 3, initialDelayMs: 200, maxDelayMs: 2_000 },
  // Brokers restart during these commands; learn their addresses again soon.
  metadataMaxAgeMs: 5_000,
} as const;

export class Session {
  private admin: KafkaAdmin | null = null;

  constructor(
    readonly kube: KubeCluster,
    readonly namespace: string,
    readonly context: string,
    readonly policy: KafkaGuardPolicy,
    private readonly options: SessionOptions,
  ) {}

  /** The webhook's disruption ledger ConfigMap. */
  get ledger(): LedgerLocation {
    return this.options.ledger ?? LEDGER_DEFAULTS;
  }

  /** The label selector string of the policy's broker pods. */
  get brokerSelector(): string {
    return selectorToString(this.policy.spec.brokers.selector);
  }

  /** The Kafka client, connected on first use. */
  async kafka(): Promise<KafkaAdmin> {
    if (this.admin !== null) return this.admin;
    const spec = this.options.bootstrapServers?.length
      ? { ...this.policy.spec.kafka, bootstrapServers: this.options.bootstrapServers }
      : this.policy.spec.kafka;
    let connection;
    try {
      connection = await resolveConnection(spec, (name) => this.kube.readSecret(this.namespace, name));
    } catch (error) {
      // A malformed --bootstrap-server is a usage error; Secret trouble means Kafka cannot be reached as configured.
      if (this.options.bootstrapServers?.length && error instanceof Error && /bootstrapServers/.test(error.message)) {
        throw new UsageError(bootstrapServerRefused(error.message));
      }
      if (error instanceof Error) {
        throw new KafkaSettingsError(kafkaSettingsInvalid(error.message, this.namespace, this.policy.metadata.name), { cause: error });
      }
      throw error;
    }
    const warn = this.options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
    const verbose = this.options.verbose === true;
    this.admin = createKafkaAdmin(connection, {
      ...PLUGIN_KAFKA_OPTIONS,
      logLevel: verbose ? 'warn' : 'nothing',
      log: (entry: KafkaLogEntry) => {
        if (verbose) warn(kafkaClientLog(entry.level, entry.namespace, entry.message));
      },
    });
    return this.admin;
  }

  /** A fresh snapshot for the shared operations (shared/ops). */
  snapshot(): Promise<ClusterFacts> {
    return gatherFacts(this, { nodes: false });
  }

  /** The policy's broker pods, Terminating ones included. */
  brokerPods(): Promise<V1Pod[]> {
    return this.kube.listPods(this.namespace, this.brokerSelector);
  }

  directory(pods: readonly V1Pod[]): BrokerDirectory {
    return buildBrokerDirectory(pods, this.policy.spec.brokers.idFrom);
  }

  /** `namespace/name` of the policy, for messages. */
  get policyName(): string {
    return `${this.policy.metadata.namespace}/${this.policy.metadata.name}`;
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect();
  }
}

/** The apiserver, before any policy is chosen. */
export interface ClusterConnection {
  kube: KubeCluster;
  /** -n, else the context's namespace. */
  namespace: string;
  context: string;
}

/** Loads the kubeconfig as kubectl does; nothing is requested yet. */
export function openClusterConnection(options: KubeConnectionOptions): ClusterConnection {
  const kubeSession = loadKubeSession(options);
  return { kube: new KubeCluster(kubeSession.kc), namespace: kubeSession.namespace, context: kubeSession.context };
}

/** Connects to the apiserver and finds the policy; errors say which flag to use. */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { kube, namespace, context } = openClusterConnection(options);
  const policy = await findPolicy(kube, namespace, options.policy);
  return new Session(kube, namespace, context, policy, options);
}

async function findPolicy(kube: KubeCluster, namespace: string, wanted: string | undefined): Promise<KafkaGuardPolicy> {
  const items = await kube.listPolicies(namespace);
  const named = items.map((item) => ({ item, name: nameOf(item) }));
  const names = named.map((n) => n.name).sort();
  let chosen: unknown;
  if (wanted !== undefined) {
    chosen = named.find((n) => n.name === wanted)?.item;
    if (chosen === undefined) {
      throw new UsageError(policyNotFound(wanted, POLICY_KIND, namespace, names));
    }
  } else if (named.length === 0) {
    throw new UsageError(noPolicy(POLICY_KIND, namespace));
  } else if (named.length > 1) {
    throw new UsageError(severalPolicies(POLICY_KIND, namespace, names));
  } else {
    chosen = named[0]?.item;
  }
  const parsed = parsePolicy(chosen);
  if (!parsed.ok) throw new UsageError(formatPolicyErrors(parsed.errors, `${namespace}/${nameOf(chosen)}`));
  return parsed.policy;
}

function nameOf(item: unknown): string {
  const metadata = typeof item === 'object' && item !== null ? (item as { metadata?: { name?: unknown } }).metadata : undefined;
  return typeof metadata?.name === 'string' ? metadata.name : '(unnamed)';
}
