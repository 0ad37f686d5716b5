/**
 * The webhook registrations, in one place for both installs: deploy/ (a
 * Service clientConfig, CA injected by cert-manager) and the sandbox (a URL
 * clientConfig with a CA bundle made at start-up). The choices of
 * failurePolicy, timeoutSeconds and sideEffects are explained in
 * docs/adr/0001-webhook-error-semantics.md.
 */
import { POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION } from '../shared/policy/types.js';

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
          { apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['pods'], scope: 'Namespaced' },
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods/eviction'], scope: 'Namespaced' },
        ],
        // The final delete of an already-terminating pod (the kubelet's) never waits for us.
        matchConditions: [{ name: 'not-already-terminating', expression: "request.operation != 'DELETE' || request.resource.resource != 'pods' || !has(oldObject.metadata.deletionTimestamp)" }],
      },
      {
        name: 'statefulsets.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'NoneOnDryRun', namespaceSelector: guarded(opts.ownNamespace),
        rules: [
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['statefulsets'], scope: 'Namespaced' },
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['statefulsets/scale'], scope: 'Namespaced' },
        ],
      },
      {
        name: 'pvcs.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'NoneOnDryRun', namespaceSelector: guarded(opts.ownNamespace),
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE', 'UPDATE'], resources: ['persistentvolumeclaims'], scope: 'Namespaced' }],
      },
      {
        // A rule for a resource that is not installed is harmless: it applies once Strimzi is.
        name: 'nodepools.validate.kafkaguard.io', ...common, clientConfig: validate,
        failurePolicy: 'Fail', sideEffects: 'NoneOnDryRun', namespaceSelector: guarded(opts.ownNamespace),
        rules: [{ apiGroups: ['kafka.strimzi.io'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['kafkanodepools'], scope: 'Namespaced' }],
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
