/**
 * Growing broker volumes (issue 11, item 3). A StatefulSet's
 * volumeClaimTemplates cannot be changed in place (kubernetes#69041), so a
 * resize is: every broker claim's request grows; the StatefulSet is
 * re-created with the larger template, deleted with the orphan cascade so
 * no pod is touched; the claims are waited for; and only the brokers whose
 * volume still needs the node side of the resize (FileSystemResizePending)
 * are restarted, by the guarded restart. shared/ops/resize.ts runs it; this
 * file is the pure part: reading the flag, the claims' state, the plan, and
 * the manifest of the re-created StatefulSet.
 */
import { formatQuantity, parseQuantity } from '../k8s/quantity.js';

export const QUANTITY_FORMS = 'a Kubernetes quantity, e.g. 20Gi, 500G or 21474836480';

export interface StorageSize {
  bytes: bigint;
  /** As the user wrote it; written to the claims and the template as is (the apiserver accepts any valid quantity). */
  quantity: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `--storage`: a positive Kubernetes quantity below 2^63 bytes. */
export function parseStorageSize(text: string): Parsed<StorageSize> {
  const trimmed = text.trim();
  const parsed = parseQuantity(trimmed);
  const shown = JSON.stringify(text);
  if (!parsed.ok) {
    const why = {
      syntax: 'is not a Kubernetes quantity',
      negative: 'is negative; a volume size is larger than zero',
      'too-large': 'is 2^63 bytes or more, beyond what Kubernetes can hold',
    }[parsed.problem];
    return { ok: false, error: `--storage ${shown} ${why}; write ${QUANTITY_FORMS}` };
  }
  if (parsed.bytes === 0n) return { ok: false, error: `--storage ${shown} is zero; write the new, larger size, e.g. 20Gi` };
  return { ok: true, value: { bytes: parsed.bytes, quantity: trimmed } };
}

/** One broker claim as the plan reads it. */
export interface ClaimState {
  claim: string;
  ordinal: number;
  pod: string;
  /** Broker id, null when it cannot be known (no pod and idFrom is not the ordinal). */
  broker: number | null;
  /** False when the claim does not exist (yet): the StatefulSet will make it from the new template. */
  exists: boolean;
  /** status.phase is Bound: only bound claims can be resized. */
  bound: boolean;
  storageClass: string | null;
  requestBytes: bigint | null;
  /** status.capacity: what the volume has now. */
  capacityBytes: bigint | null;
  /** The FileSystemResizePending condition is True: the volume grew, its file system grows when the pod next starts on a node. */
  fileSystemResizePending: boolean;
  /** Why the resize failed, when the resizer says so (a ...Infeasible status, a resize error condition); null otherwise. */
  resizeFailure: string | null;
}

export interface StorageClassState {
  name: string;
  allowVolumeExpansion: boolean;
  isDefault: boolean;
}

interface PvcLike {
  metadata?: { name?: string };
  spec?: { storageClassName?: string; resources?: { requests?: Record<string, unknown> } };
  status?: {
    phase?: string;
    capacity?: Record<string, unknown>;
    conditions?: Array<{ type?: string; status?: string; message?: string }>;
    allocatedResourceStatuses?: Record<string, string>;
  };
}

function storageOf(map: Record<string, unknown> | undefined): bigint | null {
  const value = map?.['storage'];
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const parsed = parseQuantity(String(value));
  return parsed.ok ? parsed.bytes : null;
}

/** The claim's resize state from its spec and status (what external-resizer and the kubelet write). */
export function readClaimState(pvc: PvcLike | null, at: { claim: string; ordinal: number; pod: string; broker: number | null }): ClaimState {
  if (pvc === null) {
    return { ...at, exists: false, bound: false, storageClass: null, requestBytes: null, capacityBytes: null, fileSystemResizePending: false, resizeFailure: null };
  }
  const conditions = pvc.status?.conditions ?? [];
  const holds = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const infeasible = Object.values(pvc.status?.allocatedResourceStatuses ?? {}).find((s) => /Infeasible$/.test(s));
  const failed = holds('ControllerResizeError') ?? holds('NodeResizeError');
  return {
    ...at,
    exists: true,
    bound: pvc.status?.phase === 'Bound',
    storageClass: pvc.spec?.storageClassName ?? null,
    requestBytes: storageOf(pvc.spec?.resources?.requests),
    capacityBytes: storageOf(pvc.status?.capacity),
    fileSystemResizePending: holds('FileSystemResizePending') !== undefined,
    resizeFailure:
      failed !== undefined ? `${failed.type}: ${failed.message ?? ''}`.trim() : infeasible !== undefined ? `the resizer reports ${infeasible}` : null,
  };
}

/** What happens to one claim. */
export type ClaimAction =
  /** Its request grows to the new size. */
  | 'expand'
  /** Already asked for (an earlier run): only waited for. */
  | 'resizing'
  /** Already at the new size. */
  | 'done'
  /** No claim yet: the re-created StatefulSet makes it at the new size. */
  | 'absent';

export interface ClaimPlan {
  claim: string;
  pod: string;
  broker: number | null;
  storageClass: string | null;
  from: string | null;
  to: string;
  action: ClaimAction;
  /** Its pod is restarted already now (FileSystemResizePending from an earlier run). */
  restartPending: boolean;
}

export interface ResizeInput {
  statefulSet: string;
  template: string;
  /** The template's request now (from the live StatefulSet, or from the record of an interrupted re-creation). */
  templateBytes: bigint | null;
  target: StorageSize;
  claims: readonly ClaimState[];
  storageClasses: readonly StorageClassState[];
  /** The StatefulSet is gone (or going) and its manifest is recorded: it is created from the record. */
  createFromRecord: boolean;
}

export type ResizePlan =
  | { kind: 'refused'; reasons: string[] }
  | { kind: 'nothing'; note: string }
  | {
      kind: 'resize';
      statefulSet: string;
      template: string;
      templateFrom: string | null;
      templateTo: string;
      /** How the StatefulSet gets the larger template. */
      templateStep: 'recreate' | 'create-from-record' | 'unchanged';
      claims: ClaimPlan[];
    };

const show = (bytes: bigint | null) => (bytes === null ? null : formatQuantity(bytes));

/**
 * Pure: what a resize of `template` to `target` does, or why not. Refused
 * (nothing changes): a smaller size (Kubernetes never shrinks a volume, and a
 * smaller template than existing volumes is what kafka-guard's webhook
 * refuses), a claim already larger, an unbound claim, a class without
 * volume expansion. Nothing to do: template and every claim at the size.
 */
export function planResize(input: ResizeInput): ResizePlan {
  const { target } = input;
  const to = formatQuantity(target.bytes);
  const reasons: string[] = [];
  if (input.templateBytes !== null && target.bytes < input.templateBytes) {
    reasons.push(
      `volumeClaimTemplate ${input.template} of StatefulSet ${input.statefulSet} asks for ${formatQuantity(input.templateBytes)}; ` +
        `${target.quantity} is smaller, and Kubernetes cannot shrink a volume (to make brokers smaller, drain and rebuild them on new volumes)`,
    );
  }
  const classes = new Map(input.storageClasses.map((c) => [c.name, c]));
  const refusedClasses = new Set<string>();
  for (const claim of input.claims) {
    if (!claim.exists) continue;
    const size = [claim.capacityBytes, claim.requestBytes].reduce<bigint | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
    if (size !== null && size > target.bytes) {
      reasons.push(`claim ${claim.claim} is already ${formatQuantity(size)}, more than ${target.quantity}; resize to at least ${formatQuantity(size)}`);
      continue;
    }
    const done = (claim.capacityBytes ?? 0n) >= target.bytes && !claim.fileSystemResizePending;
    if (done) continue;
    if (!claim.bound) {
      reasons.push(`claim ${claim.claim} is not bound to a volume (only bound claims can grow); resize once pod ${claim.pod} runs`);
      continue;
    }
    if ((claim.requestBytes ?? 0n) >= target.bytes) continue; // asked for already: its class let it
    const className = claim.storageClass ?? '';
    const storageClass = classes.get(className);
    if (className === '' || storageClass === undefined) {
      reasons.push(
        `claim ${claim.claim} ${className === '' ? 'names no StorageClass' : `names StorageClass ${className}, which does not exist`}, ` +
          'and Kubernetes only grows claims whose class has allowVolumeExpansion: true',
      );
    } else if (!storageClass.allowVolumeExpansion && !refusedClasses.has(className)) {
      refusedClasses.add(className);
      const users = input.claims.filter((c) => c.exists && c.storageClass === className).map((c) => c.claim);
      reasons.push(
        `StorageClass ${className} (claims ${users.join(', ')}) does not allow volume expansion (allowVolumeExpansion is not true). ` +
          `If its driver can expand volumes: kubectl patch storageclass ${className} -p '{"allowVolumeExpansion": true}'; ` +
          'otherwise move the brokers to a class that can, one at a time (kubectl kafka drain, then a new claim)',
      );
    }
  }
  if (reasons.length > 0) return { kind: 'refused', reasons };

  const claims: ClaimPlan[] = input.claims.map((c) => {
    const action: ClaimAction = !c.exists
      ? 'absent'
      : (c.capacityBytes ?? 0n) >= target.bytes && !c.fileSystemResizePending
        ? 'done'
        : (c.requestBytes ?? 0n) >= target.bytes
          ? 'resizing'
          : 'expand';
    return {
      claim: c.claim,
      pod: c.pod,
      broker: c.broker,
      storageClass: c.storageClass,
      from: show(c.capacityBytes ?? c.requestBytes),
      to,
      action,
      restartPending: c.exists && c.fileSystemResizePending && (c.requestBytes ?? 0n) >= target.bytes,
    };
  });
  const templateDone = input.templateBytes !== null && input.templateBytes === target.bytes;
  const templateStep = input.createFromRecord ? 'create-from-record' : templateDone ? 'unchanged' : 'recreate';
  if (templateStep === 'unchanged' && claims.every((c) => c.action === 'done' || c.action === 'absent')) {
    return {
      kind: 'nothing',
      note: `StatefulSet ${input.statefulSet}'s volumeClaimTemplate ${input.template} and its broker claims are already ${to}; nothing to do`,
    };
  }
  return { kind: 'resize', statefulSet: input.statefulSet, template: input.template, templateFrom: show(input.templateBytes), templateTo: to, templateStep, claims };
}

interface StatefulSetManifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    volumeClaimTemplates?: Array<{ metadata?: { name?: string }; spec?: { resources?: { requests?: Record<string, unknown> } } }>;
  };
  status?: unknown;
}

/** Server-set metadata a new object must not carry. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/**
 * Pure: the StatefulSet to create again: the same object without status and
 * server-set metadata (uid, resourceVersion, ...; the `orphan` finalizer a
 * deletion in progress adds), the template `template` asking for `quantity`.
 * The pod template is untouched, so the StatefulSet controller finds its
 * pods at their current revision and restarts none of them.
 */
export function recreatedStatefulSet<T extends StatefulSetManifest>(live: T, template: string, quantity: string): T {
  const copy = structuredClone(live);
  delete copy.status;
  const metadata = (copy.metadata ?? {}) as Record<string, unknown> & { name?: string };
  for (const key of SERVER_METADATA) delete metadata[key];
  const finalizers = (metadata['finalizers'] as string[] | undefined)?.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
  if (finalizers === undefined || finalizers.length === 0) delete metadata['finalizers'];
  else metadata['finalizers'] = finalizers;
  copy.apiVersion ??= 'apps/v1';
  copy.kind ??= 'StatefulSet';
  const found = (copy.spec?.volumeClaimTemplates ?? []).find((t) => t.metadata?.name === template);
  if (found === undefined) throw new Error(`StatefulSet ${metadata.name ?? '?'} has no volumeClaimTemplate ${template}`);
  found.spec ??= {};
  found.spec.resources ??= {};
  found.spec.resources.requests = { ...(found.spec.resources.requests ?? {}), storage: quantity };
  return copy;
}

/** The template's storage request in bytes, null when absent or unreadable. */
export function templateStorage(sts: StatefulSetManifest, template: string): bigint | null {
  const found = (sts.spec?.volumeClaimTemplates ?? []).find((t) => t.metadata?.name === template);
  return storageOf(found?.spec?.resources?.requests);
}

/** The record kept while a StatefulSet is re-created: enough to create it again after any interruption. */
export interface RecreationRecord {
  statefulSet: string;
  template: string;
  storage: string;
  /** uid of the StatefulSet being replaced. */
  uid: string;
  recordedAt: string;
  /** The StatefulSet to create (recreatedStatefulSet of the live one). */
  manifest: StatefulSetManifest;
}

/** Reads a stored record; null when it is not one. */
export function parseRecreationRecord(raw: string | undefined): RecreationRecord | null {
  if (raw === undefined) return null;
  try {
    const value = JSON.parse(raw) as Partial<RecreationRecord>;
    if (typeof value.statefulSet !== 'string' || typeof value.template !== 'string' || typeof value.storage !== 'string') return null;
    if (typeof value.uid !== 'string' || typeof value.manifest !== 'object' || value.manifest === null) return null;
    return value as RecreationRecord;
  } catch {
    return null;
  }
}
