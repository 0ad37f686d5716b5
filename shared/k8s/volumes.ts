/**
 * Where a broker's data lives, from its PersistentVolumeClaim and the bound
 * PersistentVolume: node-local (the data stays on its node: a `local` volume
 * or a volume whose node affinity names hosts) or network
 * (the data follows the claim to any node the volume's affinity allows, e.g.
 * an EBS volume within its zone). Pure functions on plain objects; client-node
 * objects fit as they are.
 *
 * Only what the PersistentVolume declares counts: a hostPath volume without
 * node affinity is taken for network storage, because the scheduler will put
 * its pod anywhere (single-node and test clusters use such volumes as shared disks).
 *
 * Node affinity semantics follow the scheduler's VolumeBinding plugin:
 * nodeSelectorTerms are ORed, the expressions within a term are ANDed.
 * https://kubernetes.io/docs/concepts/storage/persistent-volumes/#node-affinity
 */
import { setRequirementHolds } from './selector.js';

export interface NodeSelectorRequirementLike {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTermLike {
  matchExpressions?: NodeSelectorRequirementLike[];
  matchFields?: NodeSelectorRequirementLike[];
}

export interface PersistentVolumeLike {
  metadata?: { name?: string };
  spec?: {
    storageClassName?: string;
    capacity?: Record<string, unknown>;
    local?: { path?: string };
    hostPath?: { path?: string };
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTermLike[] } };
    persistentVolumeReclaimPolicy?: string;
  };
}

export interface PersistentVolumeClaimLike {
  metadata?: { name?: string };
  spec?: { storageClassName?: string; volumeName?: string; resources?: { requests?: Record<string, unknown> } };
  status?: { phase?: string; capacity?: Record<string, unknown> };
}

/** The well-known node labels a volume's affinity usually names. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export type VolumeKind = 'node-local' | 'network' | 'ephemeral' | 'unknown';

export interface BrokerVolume {
  /** The claim's name; null when the broker pod has no PersistentVolumeClaim. */
  claim: string | null;
  volume: string | null;
  storageClass: string | null;
  /** Capacity as Kubernetes writes it (e.g. "10Gi"); the request while unbound. */
  size: string | null;
  kind: VolumeKind;
  /** Nodes the data can be used on, when the volume's affinity pins hostnames. */
  nodes: string[];
  /** Zones the data can be used in, when the affinity pins zones. */
  zones: string[];
  /** Why the kind was chosen, for `status` and the move plan. */
  reason: string;
}

function quantity(map: Record<string, unknown> | undefined): string | null {
  const value = map?.storage;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** The values an `In` requirement on `key` allows, over every term (terms are ORed). */
function allowedValues(terms: readonly NodeSelectorTermLike[], key: string): string[] {
  const values = new Set<string>();
  for (const term of terms) {
    for (const requirement of term.matchExpressions ?? []) {
      if (requirement.key === key && requirement.operator === 'In') for (const v of requirement.values ?? []) values.add(v);
    }
  }
  return [...values].sort();
}

/** Classifies a broker's volume; `pvc`/`pv` null when missing or not yet bound. */
export function describeBrokerVolume(
  claimName: string | null,
  pvc: PersistentVolumeClaimLike | null,
  pv: PersistentVolumeLike | null,
): BrokerVolume {
  if (claimName === null) {
    return { claim: null, volume: null, storageClass: null, size: null, kind: 'ephemeral', nodes: [], zones: [], reason: 'no PersistentVolumeClaim: the data is lost with the pod' };
  }
  const storageClass = pvc?.spec?.storageClassName ?? pv?.spec?.storageClassName ?? null;
  const size = quantity(pvc?.status?.capacity) ?? quantity(pv?.spec?.capacity) ?? quantity(pvc?.spec?.resources?.requests);
  const base = { claim: claimName, volume: pv?.metadata?.name ?? pvc?.spec?.volumeName ?? null, storageClass, size };
  if (pvc === null) return { ...base, kind: 'unknown', nodes: [], zones: [], reason: `claim ${claimName} does not exist` };
  if (pv === null) return { ...base, kind: 'unknown', nodes: [], zones: [], reason: `claim ${claimName} is not bound to a volume yet` };
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  const nodes = allowedValues(terms, HOSTNAME_LABEL);
  const zones = allowedValues(terms, ZONE_LABEL);
  if (pv.spec?.local !== undefined) {
    return { ...base, kind: 'node-local', nodes, zones, reason: `local volume${nodes.length > 0 ? ` on ${nodes.join(', ')}` : ''}` };
  }
  if (nodes.length > 0) {
    return { ...base, kind: 'node-local', nodes, zones, reason: `volume node affinity pins ${HOSTNAME_LABEL} to ${nodes.join(', ')}` };
  }
  if (zones.length > 0) return { ...base, kind: 'network', nodes, zones, reason: `network volume usable in zone ${zones.join(', ')}` };
  return { ...base, kind: 'network', nodes, zones, reason: terms.length > 0 ? 'network volume with node affinity' : 'network volume: usable on any node' };
}

/** Whether a node with these labels satisfies required node selector terms (no terms: any node). */
export function nodeMatchesTerms(nodeName: string, labels: Record<string, string>, terms: readonly NodeSelectorTermLike[]): boolean {
  if (terms.length === 0) return true;
  return terms.some((term) => {
    const expressions = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    // A term with no requirements selects nothing (as in the scheduler).
    if (expressions.length === 0 && fields.length === 0) return false;
    return (
      expressions.every((r) => requirementHolds(Object.hasOwn(labels, r.key) ? labels[r.key] : undefined, r)) &&
      fields.every((r) => requirementHolds(r.key === 'metadata.name' ? nodeName : undefined, r))
    );
  });
}

function requirementHolds(value: string | undefined, requirement: NodeSelectorRequirementLike): boolean {
  const values = requirement.values ?? [];
  if (requirement.operator !== 'Gt' && requirement.operator !== 'Lt') return setRequirementHolds(value, requirement.operator, values);
  const bound = Number(values[0]);
  const number = Number(value);
  if (value === undefined || !Number.isInteger(number) || !Number.isInteger(bound)) return false;
  return requirement.operator === 'Gt' ? number > bound : number < bound;
}

/** Whether the volume's data can be used on the node (its required node affinity allows it). */
export function volumeUsableOn(pv: PersistentVolumeLike, nodeName: string, labels: Record<string, string>): boolean {
  return nodeMatchesTerms(nodeName, labels, pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []);
}
