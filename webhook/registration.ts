/**
 * The webhook registrations, in one place for both installs: deploy/ (a
 * Service clientConfig, CA injected by cert-manager) and the sandbox (a URL
 * clientConfig with a CA bundle made at start-up). The choices of
 * failurePolicy, timeoutSeconds and sideEffects are explained in
 * docs/adr/0001-webhook-error-semantics.md.
 */
import { ANNOTATIONS, POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION } from '../shared/policy/types.js';

/** Namespaces carrying this label are guarded (and get defaults). */
export const GUARD_NAMESPACE_LABEL = 'kafkaguard.io/guard';
export const GUARD_NAMESPACE_VALUE = 'enabled';

export type ClientConfig =
  | { url: string; caBundle?: string }
  | { service: { namespace: string; name: string; path: string; port: number }; caBundle?: string };

export interface RegistrationOptions {
  /** The clientConfig for an endpoint path (`/validate`, `/mutate`). */
  clientConfig(path: '/validate' | '/mutate'): ClientConfig;
  /** The webhook's own namespace, never routed to the webhook. */
  ownNamespace: string;
  /** Name of both configurations (default kafka-guard). */
  name?: string;
  /** Extra metadata (e.g. cert-manager's inject-ca-from annotation). */
  annotations?: Record<string, string>;
}

const TIMEOUT_SECONDS = 3;

/*
 * matchConditions (CEL, GA since Kubernetes 1.30) keep requests no guard can
 * refuse away from the webhook, so a webhook outage (failurePolicy Fail) does not
 * block them and the webhook does not spend a call on them. A condition that
 * errors falls back to failurePolicy, i.e. refuses: every expression checks a
 * field with has() before reading it. The variables are untyped maps, and an
 * AdmissionRequest field left empty (e.g. subResource) is absent, not "".
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#matching-requests-matchconditions
 */

/** CEL: every field on the path from `root` down is present (`has(a.b) && has(a.b.c)`). */
function celPresent(root: string, path: readonly string[]): string {
  return path.map((_, i) => `has(${[root, ...path.slice(0, i + 1)].join('.')})`).join(' && ');
}

/** CEL: the field at `path` differs between object and oldObject, present vs absent included; never errors. */
export function celFieldChanged(path: readonly string[]): string {
  const now = celPresent('object', path);
  const before = celPresent('oldObject', path);
  const field = path.join('.');
  return `((${now}) != (${before}) || ((${now}) && object.${field} != oldObject.${field}))`;
}

/** CEL: the integer at `path`, or `fallback` when absent (a Scale's omitted replicas is 0, a StatefulSet's 1). */
function celIntOr(root: string, path: readonly string[], fallback: number): string {
  return `(${celPresent(root, path)} ? ${[root, ...path].join('.')} : ${fallback})`;
}

const REPLICAS = ['spec', 'replicas'] as const;

/**
 * statefulsets UPDATE reaches the validating webhook only when a rule could
 * refuse it: fewer replicas (statefulset-scale-down), changed
 * volumeClaimTemplates (statefulset-volume-templates refuses only a changed
 * template) or a changed persistentVolumeClaimRetentionPolicy
 * (statefulset-retention-policy refuses only a change to Delete), changed
 * containers or pod-template annotations (statefulset-kafka-version: the image
 * or the version annotation may name another Kafka release). The scale
 * subresource only when it lowers replicas (statefulset-scale-subresource).
 * CREATE always passes: every template and retention setting is new.
 */
export const STATEFULSET_MATCH_CONDITION = {
  name: 'guarded-statefulset-change',
  expression: [
    "request.operation != 'UPDATE'",
    `(has(request.subResource) && request.subResource == 'scale' && ${celIntOr('object', REPLICAS, 0)} < ${celIntOr('oldObject', REPLICAS, 0)})`,
    `(!has(request.subResource) && (${[
      `${celIntOr('object', REPLICAS, 1)} < ${celIntOr('oldObject', REPLICAS, 1)}`,
      celFieldChanged(['spec', 'volumeClaimTemplates']),
      celFieldChanged(['spec', 'persistentVolumeClaimRetentionPolicy']),
      celFieldChanged(['spec', 'template', 'spec', 'containers']),
      celFieldChanged(['spec', 'template', 'metadata', 'annotations']),
    ].join(' || ')}))`,
  ].join(' || '),
};

/**
 * persistentvolumeclaims UPDATE only when the storage request changes (pvc-shrink
 * refuses lowering it); the binder's and users' metadata updates stay away.
 * DELETE always passes (pvc-delete).
 */
export const PVC_MATCH_CONDITION = {
  name: 'storage-request-change',
  expression: `request.operation != 'UPDATE' || ${celFieldChanged(['spec', 'resources', 'requests', 'storage'])}`,
};

/** KafkaNodePool UPDATE only when spec.storage changes (nodepool-storage). */
export const NODEPOOL_MATCH_CONDITION = {
  name: 'storage-change',
  expression: `request.operation != 'UPDATE' || ${celFieldChanged(['spec', 'storage'])}`,
};

/** The final delete of an already-terminating pod (the kubelet's) never waits for the webhook. */
export const POD_MATCH_CONDITION = {
  name: 'not-already-terminating',
  expression: "request.operation != 'DELETE' || request.resource.resource != 'pods' || !has(oldObject.metadata.deletionTimestamp)",
};

/** CEL: the annotation `key` of `root` is there and non-empty; never errors (a key with '/' is read with `in` and []). */
function celAnnotationSet(root: string, key: string): string {
  const annotations = `${root}.metadata.annotations`;
  return `(${celPresent(root, ['metadata', 'annotations'])} && '${key}' in ${annotations} && ${annotations}['${key}'] != '')`;
}

/**
 * CEL: the update gives the pod a break-glass reason it did not have: set, or
 * changed to another non-empty value (pod-break-glass). Removing it, the
 * usual edit after a use, stays away. A blank value (spaces) is sent too; the
 * rule reads it as no break-glass and admits it.
 */
export function celBreakGlassSet(): string {
  const key = ANNOTATIONS.allowDisruption;
  return `(${celAnnotationSet('object', key)} && (!${celAnnotationSet('oldObject', key)} || object.metadata.annotations['${key}'] != oldObject.metadata.annotations['${key}']))`;
}

/**
 * A pod UPDATE reaches the webhook only when its labels change
 * (pod-selector-labels refuses taking a live broker out of its policy's
 * selector) or it sets or changes the break-glass annotation (pod-break-glass
 * records who, and refuses whom spec.breakGlass does not allow). Status
 * updates go to pods/status, which is not registered; spec, finalizer and
 * other annotation edits stay away.
 */
export const POD_LABELS_MATCH_CONDITION = {
  name: 'pod-update-labels-or-break-glass',
  expression: `request.operation != 'UPDATE' || ${celFieldChanged(['metadata', 'labels'])} || ${celBreakGlassSet()}`,
};

/** Excludes kube-system and the webhook's own namespace, for registrations not scoped by the guard label. */
function notSystem(ownNamespace: string) {
  return { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', ownNamespace] }] };
}

function guarded(ownNamespace: string) {
  return {
    matchExpressions: [
      { key: GUARD_NAMESPACE_LABEL, operator: 'In', values: [GUARD_NAMESPACE_VALUE] },
      ...notSystem(ownNamespace).matchExpressions,
    ],
  };
}

export function webhookConfigurations(opts: RegistrationOptions): [Record<string, unknown>, Record<string, unknown>] {
  const common = { admissionReviewVersions: ['v1'], matchPolicy: 'Equivalent', timeoutSeconds: TIMEOUT_SECONDS };
  const metadata = (name: string) => ({ name, labels: { 'app.kubernetes.io/name': 'kafka-guard' }, ...(opts.annotations ? { annotations: opts.annotations } : {}) });
  const validate = opts.clientConfig('/validate');
  const validating = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: metadata(opts.name ?? 'kafka-guard'),
    webhooks: [
      {
        name: 'pods.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'NoneOnDryRun', namespaceSelector: guarded(opts.ownNamespace),
        rules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE', 'UPDATE'], resources: ['pods'], scope: 'Namespaced' },
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods/eviction'], scope: 'Namespaced' },
        ],
        matchConditions: [POD_MATCH_CONDITION, POD_LABELS_MATCH_CONDITION],
      },
      {
        name: 'statefulsets.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'NoneOnDryRun', namespaceSelector: guarded(opts.ownNamespace),
        rules: [
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['statefulsets'], scope: 'Namespaced' },
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['statefulsets/scale'], scope: 'Namespaced' },
        ],
        matchConditions: [STATEFULSET_MATCH_CONDITION],
      },
      {
        name: 'pvcs.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'NoneOnDryRun', namespaceSelector: guarded(opts.ownNamespace),
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE', 'UPDATE'], resources: ['persistentvolumeclaims'], scope: 'Namespaced' }],
        matchConditions: [PVC_MATCH_CONDITION],
      },
      {
        // A rule for a resource that is not installed is harmless: it applies once Strimzi is.
        name: 'nodepools.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'NoneOnDryRun', namespaceSelector: guarded(opts.ownNamespace),
        rules: [{ apiGroups: ['kafka.strimzi.io'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['kafkanodepools'], scope: 'Namespaced' }],
        matchConditions: [NODEPOOL_MATCH_CONDITION],
      },
      {
        name: 'policies.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'None', namespaceSelector: notSystem(opts.ownNamespace),
        rules: [{ apiGroups: [POLICY_GROUP], apiVersions: [POLICY_VERSION], operations: ['CREATE', 'UPDATE'], resources: [POLICY_PLURAL], scope: 'Namespaced' }],
      },
    ],
  };
  const mutating = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: metadata(opts.name ?? 'kafka-guard'),
    webhooks: [{
      name: 'defaults.mutate.kafkaguard.io', ...common, clientConfig: opts.clientConfig('/mutate'),
      failurePolicy: 'Ignore', sideEffects: 'None', reinvocationPolicy: 'IfNeeded', namespaceSelector: guarded(opts.ownNamespace),
      rules: [
        { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['statefulsets'], scope: 'Namespaced' },
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' },
      ],
    }],
  };
  return [mutating, validating];
}
