/**
 * Contract of the mutating half: Kafka-aware defaults for broker StatefulSets
 * and Pods. The webhook routes (webhook/admission, webhook/rules) gather the
 * facts and call `mutateStatefulSet` / `mutatePod` (webhook/defaults/mutate.ts);
 * everything here is pure data.
 */
import type { Operation } from 'fast-json-patch';
import type { V1Container, V1PodSpec, V1StatefulSetSpec } from '@kubernetes/client-node';
import type { DefaultsSpec, LabelSelector } from '../../shared/policy/types.js';

/** The name of one default: a key of `DefaultsSpec` (also the word used in the skip/applied annotations). */
export type DefaultName = Exclude<keyof DefaultsSpec, 'enabled'>;

/** Every default, in the order they are applied (the order of `DefaultsSpec`). */
export const DEFAULT_NAMES: readonly DefaultName[] = [
  'antiAffinity',
  'zoneSpread',
  'rackAwareness',
  'terminationGracePeriod',
  'pvcRetention',
  'updateStrategy',
  'safeToEvictAnnotation',
  'resources',
  'kafkaSettings',
  'readinessProbe',
];

export interface StorageClassFact {
  name: string;
  allowVolumeExpansion: boolean;
  /** Carries the `storageclass.kubernetes.io/is-default-class: "true"` annotation. */
  isDefault: boolean;
}

/** Cluster facts gathered by the caller before deciding; null means "unknown" and never produces a warning. */
export interface DefaultsFacts {
  /** Whether some PodDisruptionBudget selects the broker pods. */
  pdbCoversBrokers: boolean | null;
  storageClasses: StorageClassFact[] | null;
  /** Nodes a broker pod could be scheduled on (Ready, not cordoned). */
  schedulableNodeCount: number | null;
}

export interface DefaultsContext {
  /** The policy's `spec.defaults`, every field filled in. */
  defaults: DefaultsSpec;
  /** The policy's `spec.brokers.selector`; objects whose pod labels it does not match are left alone. */
  brokerSelector: LabelSelector;
  operation: 'CREATE' | 'UPDATE';
  facts: DefaultsFacts;
  /** The policy's `spec.brokers.containerName`; the first container when absent. */
  containerName?: string;
  /**
   * The object before the change (AdmissionReview `request.oldObject`), on UPDATE.
   * A StatefulSet UPDATE changes the pod template only when the update already
   * changes it: otherwise injecting a default would start a rolling restart of
   * every broker that nobody asked for. Without `oldObject` an UPDATE is treated
   * as not changing the template.
   */
  oldObject?: unknown;
  /**
   * On a StatefulSet CREATE: its pods that run already (`<name>-<ordinal>`), so
   * this CREATE re-creates a StatefulSet deleted with --cascade=orphan (what
   * `kubectl kafka resize` does to grow volumeClaimTemplates). The new
   * StatefulSet adopts them; a pod template changed by a default would then
   * restart every broker, so template defaults wait as on an UPDATE that
   * leaves the template alone. Absent or empty: an ordinary CREATE.
   */
  adoptedPods?: readonly string[];
}

export type MutationResult =
  | {
      ok: true;
      /** JSON Patch (RFC 6902) from the request's object to the defaulted object; empty when nothing changes. */
      patch: Operation[];
      /** Defaults applied by this call, in application order. */
      applied: DefaultName[];
      /** Human-readable lines for the AdmissionReview response `warnings`. */
      warnings: string[];
    }
  | { ok: false; error: string };

/** Which part of the object a default writes; decides when it may run (see mutate.ts). */
export type DefaultScope =
  /** StatefulSet spec outside the pod template (mutable on UPDATE without restarting pods). */
  | 'workload'
  /** Pod (template) annotations. */
  | 'podMetadata'
  /** Pod (template) spec. */
  | 'podSpec';

export type TargetKind = 'StatefulSet' | 'Pod';

/** The broker container inside the pod (template) spec being mutated. */
export interface BrokerContainer {
  container: V1Container;
  /** Field path for messages, e.g. `spec.template.spec.containers[0]` ("kafka"). */
  path: string;
}

/** The pod part of the object being mutated: the StatefulSet's pod template, or the Pod itself. */
export interface PodPart {
  /** Field path of the pod spec for messages: `spec.template.spec` or `spec`. */
  specPath: string;
  /** Field path of the pod metadata for messages: `spec.template.metadata` or `metadata`. */
  metadataPath: string;
  labels: Readonly<Record<string, string>>;
  spec: V1PodSpec;
  broker: BrokerContainer;
  annotation(key: string): string | undefined;
  /** Sets an annotation, creating `metadata` / `annotations` only when needed. */
  setAnnotation(key: string, value: string): void;
}

/** What one default sees: the deep clone being mutated, with its parts already checked. */
export interface DefaultTarget {
  kind: TargetKind;
  /** The StatefulSet's spec (null for a Pod). */
  statefulSetSpec: V1StatefulSetSpec | null;
  /** `spec.replicas` of a StatefulSet (1, the Kubernetes default, when unset); null for a Pod. */
  replicas: number | null;
  pod: PodPart;
  /** Adds a line to the response warnings (kept only if this default's change is kept). */
  warn(message: string): void;
}

/** One default: writes into `target` where the user has not set the field; returns whether it changed anything. */
export type ApplyDefault = (target: DefaultTarget, ctx: DefaultsContext) => boolean;

export interface DefaultDefinition {
  name: DefaultName;
  kinds: readonly TargetKind[];
  scope: DefaultScope;
  apply: ApplyDefault;
}
