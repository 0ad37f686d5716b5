/**
 * The objects that install kafka-guard's webhook on a real cluster, rendered
 * to deploy/kafka-guard.yaml (and deploy/cert-manager.yaml) by
 * scripts/gen-deploy.ts; a test keeps the files in step with this source.
 */
import { stringify } from 'yaml';
import { KUBERNETES_YAML } from '../shared/policy/crd.js';
import { POLICY_GROUP, POLICY_PLURAL } from '../shared/policy/types.js';
import { webhookConfigurations } from './registration.js';

export const INSTALL_NAMESPACE = 'kafka-guard';
export const APP_NAME = 'kafka-guard';
export const IMAGE = 'ghcr.io/kafka-guard/kafka-guard:0.1.0';
export const TLS_SECRET = 'kafka-guard-tls';
export const REGENERATE_DEPLOY_COMMAND = 'node --import tsx scripts/gen-deploy.ts';

const labels = { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/component': 'webhook' };
const ns = INSTALL_NAMESPACE;

export function installObjects(): Array<Record<string, unknown>> {
  const [mutating, validating] = webhookConfigurations({
    clientConfig: (path) => ({ service: { namespace: ns, name: APP_NAME, path, port: 443 } }),
    ownNamespace: ns,
    // cert-manager's CA injector fills caBundle from the serving certificate.
    annotations: { 'cert-manager.io/inject-ca-from': `${ns}/${TLS_SECRET}` },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: APP_NAME, namespace: ns, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: APP_NAME, labels },
      rules: [
        // Facts: informers in the namespaces policies cover, nodes and storage classes for the defaults' warnings.
        { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims', 'nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [POLICY_GROUP], resources: [POLICY_PLURAL], verbs: ['get', 'list', 'watch'] },
        // status.brokers and status.conditions: what the webhook last observed (facts/policy-status.ts).
        { apiGroups: [POLICY_GROUP], resources: [`${POLICY_PLURAL}/status`], verbs: ['get', 'patch'] },
        // Kafka credentials named by policies (TLS / SASL).
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
        // Effects: break-glass consumption (JSON Patch test+remove) and Events.
        { apiGroups: [''], resources: ['pods'], verbs: ['patch'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
        // Evacuation on cordon (policies with spec.evacuation.onCordon): the maintenance record in the
        // policy's namespace (ConfigMap kafka-guard-maintenance) and listing policies in every namespace.
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: APP_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: APP_NAME },
      subjects: [{ kind: 'ServiceAccount', name: APP_NAME, namespace: ns }],
    },
    {
      // The disruption ledger shared by the replicas.
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `${APP_NAME}-ledger`, namespace: ns, labels },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update'] },
        // One evacuation controller at a time (webhook/evacuation/lease.ts).
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${APP_NAME}-ledger`, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${APP_NAME}-ledger` },
      subjects: [{ kind: 'ServiceAccount', name: APP_NAME, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: APP_NAME, namespace: ns, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: APP_NAME,
            // Two replicas on different nodes: the validating webhooks fail closed (ADR 0001).
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } }] } },
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'webhook', image: IMAGE,
              args: ['--in-cluster', '--port', '8443', '--tls-cert-file', '/etc/kafka-guard/tls/tls.crt', '--tls-key-file', '/etc/kafka-guard/tls/tls.key'],
              env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              ports: [{ name: 'https', containerPort: 8443 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3 },
              // Let the endpoint be removed before the server stops accepting requests.
              lifecycle: { preStop: { sleep: { seconds: 5 } } },
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tls', mountPath: '/etc/kafka-guard/tls', readOnly: true }],
            }],
            volumes: [{ name: 'tls', secret: { secretName: TLS_SECRET } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: APP_NAME, namespace: ns, labels },
      spec: { selector: labels, ports: [{ name: 'https', port: 443, targetPort: 'https' }] },
    },
    {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: APP_NAME, namespace: ns, labels },
      spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
    mutating,
    validating,
  ];
}

/** The serving certificate, issued by cert-manager (install cert-manager first, or provide the Secret yourself). */
export function certManagerObjects(): Array<Record<string, unknown>> {
  return [
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: `${APP_NAME}-selfsigned`, namespace: ns }, spec: { selfSigned: {} } },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: TLS_SECRET, namespace: ns },
      spec: {
        secretName: TLS_SECRET,
        dnsNames: [`${APP_NAME}.${ns}.svc`, `${APP_NAME}.${ns}.svc.cluster.local`],
        issuerRef: { kind: 'Issuer', name: `${APP_NAME}-selfsigned` },
        duration: '2160h', renewBefore: '360h',
      },
    },
  ];
}

export function renderYaml(objects: Array<Record<string, unknown>>, header: string): string {
  return `# ${header}\n# Generated from webhook/install.ts by: ${REGENERATE_DEPLOY_COMMAND}\n`
    + objects.map((o) => `---\n${stringify(o, KUBERNETES_YAML)}`).join('');
}
