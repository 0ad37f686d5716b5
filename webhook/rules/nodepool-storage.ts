/**
 * Strimzi KafkaNodePool (kafka.strimzi.io) UPDATE lowering spec.storage: the
 * size of a persistent-claim volume, or of a JBOD volume (matched by id).
 * Strimzi cannot shrink volumes; a lower size in the spec is at best ignored
 * and gives new brokers smaller disks than the replicas they take over.
 * Removing a JBOD volume deletes its data unless it was emptied first, which
 * the webhook cannot see, so that only warns.
 * https://strimzi.io/docs/operators/latest/deploying#con-config-storage-str
 */
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, type AdmissionVerdict, type DenialReasonInput } from '../admission/verdict.js';
import type { AdmissionRequest, JsonObject } from '../admission/types.js';
import { isJsonObject } from '../admission/decode.js';
import type { FactsSource } from '../facts/types.js';
import { jbodVolumeRemovedWarning, nodePoolShrinkReason, nodePoolSummary } from '../messages.js';
import { formatBytes, metadataOf, storageBytes } from './brokers.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

/** Pod label Strimzi puts on every pod of a node pool. */
export const STRIMZI_POOL_LABEL = 'strimzi.io/pool-name';
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

interface Volume {
  /** For messages: "volume" or "JBOD volume 1". */
  label: string;
  size: bigint | null;
}

/** Persistent volumes of a Strimzi storage spec, keyed so that the same volume has the same key before and after. */
export function storageVolumes(storage: unknown): Map<string, Volume> {
  const volumes = new Map<string, Volume>();
  if (!isJsonObject(storage)) return volumes;
  if (storage['type'] === 'persistent-claim') {
    volumes.set('persistent-claim', { label: 'the volume', size: storageBytes(storage['size']) });
  } else if (storage['type'] === 'jbod' && Array.isArray(storage['volumes'])) {
    for (const volume of storage['volumes']) {
      if (!isJsonObject(volume) || volume['type'] !== 'persistent-claim') continue;
      const id = String(volume['id'] ?? '0');
      volumes.set(`jbod:${id}`, { label: `JBOD volume ${id}`, size: storageBytes(volume['size']) });
    }
  }
  return volumes;
}

export interface StorageChange {
  shrunk: Array<{ label: string; from: bigint; to: bigint }>;
  /** JBOD volume ids present before and gone after. */
  removed: string[];
}

export function storageChange(before: unknown, after: unknown): StorageChange {
  const old = storageVolumes(before);
  const next = storageVolumes(after);
  const change: StorageChange = { shrunk: [], removed: [] };
  for (const [key, volume] of old) {
    const now = next.get(key);
    if (now === undefined) {
      if (key.startsWith('jbod:')) change.removed.push(key.slice('jbod:'.length));
      continue;
    }
    if (volume.size !== null && now.size !== null && now.size < volume.size) {
      change.shrunk.push({ label: now.label, from: volume.size, to: now.size });
    }
  }
  return change;
}

function specStorage(object: JsonObject | null): unknown {
  const spec = object?.['spec'];
  return isJsonObject(spec) ? spec['storage'] : undefined;
}

export interface NodePoolFacts {
  namespace: string;
  pool: string;
  change: StorageChange;
}

export const nodePoolStorage: Rule<NodePoolFacts, NodePoolFacts> = {
  name: 'nodepool-storage',
  guard: 'volumes',
  resources: [RESOURCES.kafkaNodePools],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.kafkaNodePools) && request.operation === 'UPDATE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<NodePoolFacts> | null> {
    if (request.namespace === null || request.object === null || request.oldObject === null) return null;
    const change = storageChange(specStorage(request.oldObject), specStorage(request.object));
    if (change.shrunk.length === 0 && change.removed.length === 0) return null;
    const pool = request.name;
    const cluster = metadataOf(request.object)?.labels?.[STRIMZI_CLUSTER_LABEL];
    const policy = await policyOfPool(request.namespace, pool, cluster, facts);
    if (policy === null) return null;
    return {
      policy,
      subject: { namespace: request.namespace, pool, change },
      involvedObject: {
        apiVersion: `${request.resource.group}/${request.resource.version}`,
        kind: request.kind.kind,
        namespace: request.namespace,
        name: pool,
        uid: metadataOf(request.object)?.uid ?? '',
      },
      breakGlass: null,
    };
  },

  async gather(_request: AdmissionRequest, located: Located<NodePoolFacts>) {
    return located.subject;
  },

  decide(_request: AdmissionRequest, facts: NodePoolFacts): AdmissionVerdict {
    const reasons: DenialReasonInput[] = facts.change.shrunk.map((s) =>
      nodePoolShrinkReason(s.label, formatBytes(s.from), formatBytes(s.to)),
    );
    const warnings = facts.change.removed.map((id) => jbodVolumeRemovedWarning(facts.pool, id));
    const verdict = reasons.length > 0 ? deny(reasons, { summary: nodePoolSummary(facts.namespace, facts.pool) }) : allow();
    return verdict.withWarnings(...warnings);
  },
};

/**
 * The policy guarding a node pool: the one whose broker pods belong to the
 * pool (Strimzi labels them with the pool name and the cluster name). A pool
 * without pods holds no data and needs no guard.
 */
async function policyOfPool(
  namespace: string,
  pool: string,
  cluster: string | undefined,
  facts: FactsSource,
): Promise<KafkaGuardPolicy | null> {
  for (const policy of await facts.policiesIn(namespace)) {
    const pods = await facts.brokerPods(policy);
    const inPool = pods.some((pod) => {
      const labels = pod.metadata?.labels ?? {};
      return labels[STRIMZI_POOL_LABEL] === pool && (cluster === undefined || labels[STRIMZI_CLUSTER_LABEL] === cluster);
    });
    if (inPool) return policy;
  }
  return null;
}
