/**
 * Broker identity: which Kafka broker id a pod runs, and which pod runs a given
 * broker id, following the policy's spec.brokers.idFrom. Pure functions on
 * plain pod-like objects; a @kubernetes/client-node V1Pod fits PodLike as is.
 *
 * A pod that yields no id is always an error naming the pod, the rule and the
 * value found: silently skipping it would leave a broker unguarded.
 */
import type { BrokerIdSource } from '../policy/types.js';
import { MAX_BROKER_ID } from '../policy/schema.js';

export interface OwnerReferenceLike {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

/** The parts of a Pod that identity reads. Fields are optional as in V1Pod; a missing name is an error. */
export interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReferenceLike[];
  };
}

/** Set by the StatefulSet controller since Kubernetes 1.28 (PodIndexLabel). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export type BrokerIdResult = { ok: true; id: number } | { ok: false; error: string };
export type PodNameResult = { ok: true; name: string } | { ok: false; error: string };
export type BrokerPodResult = { ok: true; name: string; pod: PodLike } | { ok: false; error: string };

/** Both directions between broker ids and pod names, built from the broker pods of one cluster. */
export interface BrokerDirectory {
  /** Broker id -> its pod. Ids claimed by more than one pod are left out (and reported in errors). */
  byId: Map<number, PodLike>;
  /** Pod name -> the broker id its idFrom rule gives, for every pod that yields one. */
  byPod: Map<string, number>;
  /** One line per pod that yields no id and per id claimed by several pods. */
  errors: string[];
}

/** The idFrom rule in words, for messages: `ordinal (offset 100)`, `label "strimzi.io/broker-id"`. */
export function describeIdSource(idFrom: BrokerIdSource): string {
  if ('ordinal' in idFrom) return `ordinal (offset ${idFrom.ordinal.offset})`;
  if ('label' in idFrom) return `label ${JSON.stringify(idFrom.label)}`;
  if ('annotation' in idFrom) return `annotation ${JSON.stringify(idFrom.annotation)}`;
  return 'podNameSuffix';
}

/** The Kafka broker id the pod runs under the idFrom rule, or why it has none. */
export function brokerIdOfPod(pod: PodLike, idFrom: BrokerIdSource): BrokerIdResult {
  const identified = identifyPod(pod, idFrom);
  return identified.ok ? { ok: true, id: identified.id } : identified;
}

type Identified = { ok: true; id: number; name: string } | { ok: false; error: string };

function identifyPod(pod: PodLike, idFrom: BrokerIdSource): Identified {
  const name = pod.metadata?.name;
  if (typeof name !== 'string' || name.length === 0) {
    return { ok: false, error: 'a pod without metadata.name has no broker id' };
  }
  const result = idByRule(pod, name, idFrom);
  return result.ok ? { ...result, name } : result;
}

function idByRule(pod: PodLike, name: string, idFrom: BrokerIdSource): BrokerIdResult {
  if ('ordinal' in idFrom) return ordinalBrokerId(pod, name, idFrom.ordinal.offset);
  if ('label' in idFrom) return keyedBrokerId(name, 'label', idFrom.label, pod.metadata?.labels);
  if ('annotation' in idFrom) return keyedBrokerId(name, 'annotation', idFrom.annotation, pod.metadata?.annotations);
  if ('podNameSuffix' in idFrom) return suffixBrokerId(name);
  return {
    ok: false,
    error: `pod ${name}: spec.brokers.idFrom sets none of ordinal, label, annotation, podNameSuffix; set exactly one`,
  };
}

function ordinalBrokerId(pod: PodLike, name: string, offset: number): BrokerIdResult {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    return { ok: false, error: `pod ${name}: idFrom ordinal offset ${String(offset)} is not an integer >= 0; fix spec.brokers.idFrom.ordinal.offset` };
  }
  const owner = controllerOf(pod);
  if (owner !== undefined && owner.kind !== 'StatefulSet') {
    return {
      ok: false,
      error:
        `pod ${name} has no broker id: idFrom ordinal reads StatefulSet ordinals, but the pod is controlled by ` +
        `${owner.kind ?? 'an owner of unknown kind'}${owner.name === undefined ? '' : ` ${owner.name}`}. ` +
        'Narrow spec.brokers.selector to the broker pods, or use idFrom podNameSuffix, label or annotation',
    };
  }
  const suffix = /-(\d+)$/.exec(name)?.[1];
  if (suffix === undefined) {
    return {
      ok: false,
      error:
        `pod ${name} has no broker id: idFrom ordinal takes the StatefulSet ordinal from the end of the pod name ` +
        `(<statefulset>-N), and "${name}" does not end in -N. ` +
        'If these pods are not StatefulSet pods, use idFrom podNameSuffix, label or annotation',
    };
  }
  const ordinal = parseId(suffix);
  if (ordinal === undefined) {
    return { ok: false, error: `pod ${name} has no broker id: its ordinal "${suffix}" ${idProblem(suffix)}` };
  }
  const indexLabel = pod.metadata?.labels?.[POD_INDEX_LABEL];
  if (indexLabel !== undefined && indexLabel !== String(ordinal)) {
    // Two sources disagree about which broker this is; guessing could guard the wrong broker.
    return {
      ok: false,
      error:
        `pod ${name} has no trustworthy broker id: its label ${POD_INDEX_LABEL} is "${indexLabel}" but its name ends ` +
        `in ordinal ${ordinal}. Remove or correct the label`,
    };
  }
  return withinBrokerIdRange(name, ordinal + offset, `ordinal ${ordinal} + offset ${offset}`);
}

function keyedBrokerId(
  name: string,
  where: 'label' | 'annotation',
  key: string,
  values: Record<string, string> | undefined,
): BrokerIdResult {
  const value = values !== undefined && Object.hasOwn(values, key) ? values[key] : undefined;
  if (value === undefined) {
    return {
      ok: false,
      error:
        `pod ${name} has no broker id: idFrom ${where} "${key}" is not set on the pod. ` +
        `Set the ${where} on every broker pod, or narrow spec.brokers.selector to pods that carry it`,
    };
  }
  const id = parseId(value);
  if (id === undefined) {
    return { ok: false, error: `pod ${name} has no broker id: its ${where} "${key}" is "${value}", which ${idProblem(value)}` };
  }
  return withinBrokerIdRange(name, id, `${where} "${key}"`);
}

function suffixBrokerId(name: string): BrokerIdResult {
  const digits = /(\d+)$/.exec(name)?.[1];
  if (digits === undefined) {
    return {
      ok: false,
      error: `pod ${name} has no broker id: idFrom podNameSuffix takes the digits at the end of the pod name, and "${name}" ends in none`,
    };
  }
  const id = parseId(digits);
  if (id === undefined) {
    return { ok: false, error: `pod ${name} has no broker id: its name suffix "${digits}" ${idProblem(digits)}` };
  }
  return withinBrokerIdRange(name, id, 'name suffix');
}

const CANONICAL_INTEGER = /^(0|[1-9][0-9]*)$/;

/** A canonical non-negative decimal integer ("7", not "07", " 7" or "7.0"). */
function parseId(text: string): number | undefined {
  return CANONICAL_INTEGER.test(text) ? Number(text) : undefined;
}

function idProblem(text: string): string {
  if (/^[0-9]+$/.test(text)) return 'has leading zeros; write broker ids without them';
  return 'is not a non-negative integer (expected e.g. "3")';
}

function withinBrokerIdRange(name: string, id: number, from: string): BrokerIdResult {
  if (id > MAX_BROKER_ID) {
    return { ok: false, error: `pod ${name} has no broker id: ${from} gives ${id}, above the largest Kafka broker id ${MAX_BROKER_ID}` };
  }
  return { ok: true, id };
}

function controllerOf(pod: PodLike): OwnerReferenceLike | undefined {
  return pod.metadata?.ownerReferences?.find((owner) => owner.controller === true);
}

/**
 * The StatefulSet a pod belongs to: its controlling owner when that is a
 * StatefulSet, else the pod name without its trailing -N (pods built from
 * fixtures carry no owner references); undefined when neither applies.
 */
export function statefulSetNameOfPod(pod: PodLike): string | undefined {
  const owner = controllerOf(pod);
  if (owner !== undefined) return owner.kind === 'StatefulSet' ? owner.name : undefined;
  const name = pod.metadata?.name;
  return name === undefined ? undefined : /^(.+)-\d+$/.exec(name)?.[1];
}

/**
 * The pod among candidates that runs broker `id`. Fails when none or several
 * do; a pod that may not exist yet (ordinal) is named by podNameForOrdinalBroker.
 */
export function podNameForBroker(id: number, idFrom: BrokerIdSource, candidates: readonly PodLike[]): BrokerPodResult {
  const matches: Array<{ name: string; pod: PodLike }> = [];
  const withoutId: string[] = [];
  for (const pod of candidates) {
    const identified = identifyPod(pod, idFrom);
    if (!identified.ok) withoutId.push(pod.metadata?.name ?? '(unnamed)');
    else if (identified.id === id) matches.push({ name: identified.name, pod });
  }
  const [only, ...others] = matches;
  if (only !== undefined && others.length === 0) return { ok: true, name: only.name, pod: only.pod };
  if (only !== undefined) {
    return {
      ok: false,
      error:
        `broker id ${id} is claimed by ${matches.length} pods (${namesPreview(matches.map((m) => m.name))}) ` +
        `under idFrom ${describeIdSource(idFrom)}; each broker must map to one pod`,
    };
  }
  const unidentified = withoutId.length === 0 ? '' : `; ${withoutId.length} of them yield no id (${namesPreview(withoutId)})`;
  return {
    ok: false,
    error: `no pod runs broker id ${id} under idFrom ${describeIdSource(idFrom)}: checked ${candidates.length} pods${unidentified}`,
  };
}

/** The name of the StatefulSet pod that runs broker `id` (ordinal = id - offset), whether or not it exists yet. */
export function podNameForOrdinalBroker(statefulSetName: string, id: number, offset: number): PodNameResult {
  if (!Number.isSafeInteger(id) || id < 0) return { ok: false, error: `broker id ${String(id)} is not an integer >= 0` };
  if (!Number.isSafeInteger(offset) || offset < 0) {
    return { ok: false, error: `idFrom ordinal offset ${String(offset)} is not an integer >= 0` };
  }
  if (id < offset) {
    return {
      ok: false,
      error: `broker id ${id} is below the ordinal offset ${offset}, so no pod of StatefulSet ${statefulSetName} runs it (ordinals start at 0 = broker ${offset})`,
    };
  }
  return { ok: true, name: `${statefulSetName}-${id - offset}` };
}

/** Maps broker ids to pods and back; pods without an id and ids claimed twice are reported, never skipped silently. */
export function buildBrokerDirectory(pods: readonly PodLike[], idFrom: BrokerIdSource): BrokerDirectory {
  const byPod = new Map<string, number>();
  const claims = new Map<number, Array<{ name: string; pod: PodLike }>>();
  const errors: string[] = [];
  for (const pod of pods) {
    const identified = identifyPod(pod, idFrom);
    if (!identified.ok) {
      errors.push(identified.error);
      continue;
    }
    const { name, id } = identified;
    const known = byPod.get(name);
    if (known === id) continue; // the same pod listed twice (e.g. merged lists)
    if (known !== undefined) {
      errors.push(`pod ${name} is listed twice with different broker ids (${known} and ${id}); list each pod once`);
      continue;
    }
    byPod.set(name, id);
    claims.set(id, [...(claims.get(id) ?? []), { name, pod }]);
  }
  const byId = new Map<number, PodLike>();
  for (const [id, claimants] of [...claims].sort(([a], [b]) => a - b)) {
    const [only, ...others] = claimants;
    if (only !== undefined && others.length === 0) {
      byId.set(id, only.pod);
      continue;
    }
    errors.push(
      `broker id ${id} is claimed by ${claimants.length} pods (${namesPreview(claimants.map((c) => c.name))}) ` +
        `under idFrom ${describeIdSource(idFrom)}; narrow spec.brokers.selector to one cluster's brokers or fix their ids`,
    );
  }
  return { byId, byPod, errors };
}

function namesPreview(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
