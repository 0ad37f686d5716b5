import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { webhookConfigurations } from '../webhook/registration.js';
import { CHART_DIR, helm, plainManifests, RENDER_MANIFESTS_COMMAND, renderChart, renderedObjects } from './chart.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type Hook = { name: string; timeoutSeconds: number; clientConfig: Record<string, unknown>; namespaceSelector: { matchExpressions: Array<{ key: string; operator: string; values: string[] }> } };

const find = (objects: ReturnType<typeof renderedObjects>, kind: string, name: string, namespace?: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
const rulesOf = (o: Record<string, unknown> | undefined) => ((o?.['rules'] ?? []) as Rule[]);
const hooks = (objects: ReturnType<typeof renderedObjects>) =>
  objects.filter((o) => o.kind.endsWith('WebhookConfiguration')).flatMap((o) => o['webhooks'] as Hook[]);
const grants = (rules: Rule[], group: string, resource: string, verb: string) =>
  rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

describe('the Helm chart', () => {
  test('helm lint --strict passes', async () => {
    const out = await helm(['lint', '--strict', CHART_DIR]);
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  test('deploy/kafka-guard.yaml is the chart rendered (no drift)', async () => {
    for (const [name, expected] of Object.entries(await plainManifests())) {
      assert.equal(readFileSync(new URL(`../deploy/${name}`, import.meta.url), 'utf8'), expected, `deploy/${name} is stale: run ${RENDER_MANIFESTS_COMMAND}`);
    }
  });

  test('the registrations are webhook/registration.ts\'s (its CEL matchConditions are tested there)', async () => {
    const objects = renderedObjects(await renderChart());
    const [mutating, validating] = webhookConfigurations({
      clientConfig: (path) => ({ service: { namespace: 'kafka-guard', name: 'kafka-guard', path, port: 443 } }),
      ownNamespace: 'kafka-guard',
    });
    assert.deepEqual(find(objects, 'MutatingWebhookConfiguration', 'kafka-guard'), mutating);
    assert.deepEqual(find(objects, 'ValidatingWebhookConfiguration', 'kafka-guard'), validating);
  });

  test('no guarded webhook is routed the webhook\'s own namespace or kube-system', async () => {
    for (const hook of hooks(renderedObjects(await renderChart([], 'guard-system')))) {
      const excluded = hook.namespaceSelector.matchExpressions.find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
      assert.deepEqual(excluded?.values.sort(), ['guard-system', 'kube-system'], hook.name);
    }
  });

  test('least privilege: no cluster-wide pod writes or Secret reads; Secrets by a Role in each namespace it is told', async () => {
    const objects = renderedObjects(await renderChart(['secretsNamespaces={kafka,payments}']));
    const cluster = rulesOf(find(objects, 'ClusterRole', 'kafka-guard'));
    for (const verb of ['patch', 'update', 'create', 'delete']) assert.ok(!grants(cluster, '', 'pods', verb), `cluster-wide ${verb} pods`);
    assert.ok(!cluster.some((r) => r.resources.includes('secrets')), 'cluster-wide Secrets');
    for (const ns of ['kafka', 'payments']) {
      assert.deepEqual(rulesOf(find(objects, 'Role', 'kafka-guard-secrets', ns)), [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
      const binding = find(objects, 'RoleBinding', 'kafka-guard-secrets', ns);
      assert.deepEqual(binding?.['subjects'], [{ kind: 'ServiceAccount', name: 'kafka-guard', namespace: 'kafka-guard' }]);
    }
    assert.equal(objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'kafka-guard-secrets').length, 2);
    assert.equal(find(renderedObjects(await renderChart()), 'Role', 'kafka-guard-secrets'), undefined, 'no Secrets Role unless asked');
  });

  test('values: replicas, image, resources, timeouts, guarded namespaces, evacuation', async () => {
    const objects = renderedObjects(await renderChart([
      'replicas=3', 'image.repository=registry.example/kg', 'image.tag=9.9.9', 'resources.requests.cpu=250m',
      'timeouts.pods=7', 'timeouts.defaults=2', 'guard.namespaces={kafka,payments}', 'evacuation.intervalMs=9000',
    ]));
    const deployment = find(objects, 'Deployment', 'kafka-guard') as { spec: { replicas: number; template: { spec: { containers: Array<{ image: string; args: string[]; resources: { requests: { cpu: string } } }> } } } } | undefined;
    assert.equal(deployment?.spec.replicas, 3);
    const container = deployment?.spec.template.spec.containers[0];
    assert.equal(container?.image, 'registry.example/kg:9.9.9');
    assert.equal(container?.resources.requests.cpu, '250m');
    assert.ok(container?.args.includes('--evacuation-interval-ms=9000'), String(container?.args));
    const byName = new Map(hooks(objects).map((h) => [h.name, h]));
    assert.equal(byName.get('pods.validate.kafkaguard.io')?.timeoutSeconds, 7);
    assert.equal(byName.get('defaults.mutate.kafkaguard.io')?.timeoutSeconds, 2);
    assert.equal(byName.get('pvcs.validate.kafkaguard.io')?.timeoutSeconds, 3);
    assert.deepEqual(byName.get('pvcs.validate.kafkaguard.io')?.namespaceSelector.matchExpressions[0], { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['kafka', 'payments'] });
    // The policy webhook validates policies wherever they are created.
    assert.equal(byName.get('policies.validate.kafkaguard.io')?.namespaceSelector.matchExpressions.length, 1);
  });

  test('evacuation off: interval 0 and none of its RBAC', async () => {
    const objects = renderedObjects(await renderChart(['evacuation.enabled=false']));
    const args = (find(objects, 'Deployment', 'kafka-guard') as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } } | undefined)?.spec.template.spec.containers[0]?.args ?? [];
    assert.ok(args.includes('--evacuation-interval-ms=0'), String(args));
    assert.ok(!grants(rulesOf(find(objects, 'ClusterRole', 'kafka-guard')), '', 'configmaps', 'update'));
    assert.ok(!grants(rulesOf(find(objects, 'Role', 'kafka-guard-ledger')), 'coordination.k8s.io', 'leases', 'get'));
    assert.ok(grants(rulesOf(find(objects, 'Role', 'kafka-guard-ledger')), '', 'configmaps', 'update'), 'the ledger stays');
  });

  test('certificates: cert-manager injects the CA; self-managed carries the given caBundle', async () => {
    const managed = renderedObjects(await renderChart(['certificates.mode=cert-manager']));
    for (const o of managed.filter((m) => m.kind.endsWith('WebhookConfiguration'))) {
      assert.deepEqual((o.metadata as { annotations?: unknown }).annotations, { 'cert-manager.io/inject-ca-from': 'kafka-guard/kafka-guard-tls' });
    }
    const certificate = find(managed, 'Certificate', 'kafka-guard-tls') as { spec?: { privateKey?: unknown } } | undefined;
    assert.deepEqual(certificate?.spec?.privateKey, { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' }, 'a P-256 key, new at each renewal');
    const selfManaged = renderedObjects(await renderChart(['certificates.mode=self-managed', 'certificates.caBundle=Q0FCVU5ETEU=']));
    assert.equal(find(selfManaged, 'Certificate', 'kafka-guard-tls'), undefined);
    for (const hook of hooks(selfManaged)) assert.equal(hook.clientConfig['caBundle'], 'Q0FCVU5ETEU=', hook.name);
    assert.ok(!selfManaged.some((o) => o.kind.endsWith('WebhookConfiguration') && (o.metadata as { annotations?: unknown }).annotations), 'no cert-manager annotation');
  });

  test('certificates auto: cert-manager where the cluster serves cert-manager.io/v1, else generated', async () => {
    const withCertManager = renderedObjects(await helm(['template', 'kafka-guard', CHART_DIR, '--namespace', 'kafka-guard', '--api-versions', 'cert-manager.io/v1']));
    assert.ok(find(withCertManager, 'Certificate', 'kafka-guard-tls'));
    assert.equal(find(withCertManager, 'Role', 'kafka-guard-certificates'), undefined);
    const without = renderedObjects(await renderChart());
    assert.equal(find(without, 'Certificate', 'kafka-guard-tls'), undefined);
    assert.ok(find(without, 'Role', 'kafka-guard-certificates'), 'auto without cert-manager is generated');
  });

  test('certificates generated: an empty Secret, no caBundle, the webhook told where; RBAC only by name, no create', async () => {
    const objects = renderedObjects(await renderChart(['certificates.mode=generated', 'certificates.secretName=kg-certs', 'certificates.overlap=20m']));
    const secret = find(objects, 'Secret', 'kg-certs', 'kafka-guard') as { data?: unknown; metadata: { annotations?: Record<string, string> } } | undefined;
    assert.ok(secret);
    assert.equal(secret.data, undefined, 'no data: an upgrade leaves what the webhook wrote');
    assert.deepEqual(secret.metadata.annotations, { 'kafkaguard.io/certificates': 'generated' });
    for (const hook of hooks(objects)) assert.equal(hook.clientConfig['caBundle'], undefined, hook.name);
    const pod = (find(objects, 'Deployment', 'kafka-guard') as { spec: { template: { spec: { volumes?: unknown; containers: Array<{ args: string[]; volumeMounts?: unknown }> } } } } | undefined)?.spec.template.spec;
    const args = pod?.containers[0]?.args ?? [];
    for (const arg of ['--certificates=generated', '--certificates-secret=kg-certs', '--webhook-configuration-name=kafka-guard',
      '--certificates-hosts=kafka-guard.kafka-guard.svc,kafka-guard.kafka-guard.svc.cluster.local', '--certificates-overlap=20m']) {
      assert.ok(args.includes(arg), `${arg} in ${args.join(' ')}`);
    }
    assert.ok(!args.some((a) => a.startsWith('--tls-cert-file')));
    assert.equal(pod?.volumes, undefined);
    assert.deepEqual(rulesOf(find(objects, 'Role', 'kafka-guard-certificates', 'kafka-guard')),
      [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kg-certs'], verbs: ['get', 'update'] }]);
    assert.deepEqual(rulesOf(find(objects, 'ClusterRole', 'kafka-guard-certificates')), [{
      apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], resourceNames: ['kafka-guard'], verbs: ['get', 'update'],
    }]);
    for (const [kind, name] of [['RoleBinding', 'kafka-guard-certificates'], ['ClusterRoleBinding', 'kafka-guard-certificates']] as const) {
      assert.deepEqual(find(objects, kind, name)?.['subjects'], [{ kind: 'ServiceAccount', name: 'kafka-guard', namespace: 'kafka-guard' }]);
    }
    const selfManaged = renderedObjects(await renderChart(['certificates.mode=self-managed', 'certificates.caBundle=Q0E=']));
    assert.deepEqual(selfManaged.filter((o) => o.metadata.name === 'kafka-guard-certificates' || o.kind === 'Secret'), [], 'no certificate RBAC or Secret in other modes');
  });

  test('a webhook outside the cluster (webhookUrl): URL clientConfigs, no Deployment, Service or Certificate', async () => {
    const objects = renderedObjects(await renderChart(['webhookUrl=https://127.0.0.1:8443/', 'certificates.mode=self-managed', 'certificates.caBundle=Q0E=']));
    for (const hook of hooks(objects)) assert.match(String(hook.clientConfig['url']), /^https:\/\/127\.0\.0\.1:8443\/(validate|mutate)$/);
    assert.deepEqual(objects.filter((o) => ['Deployment', 'Service', 'Certificate', 'Issuer', 'PodDisruptionBudget'].includes(o.kind)), []);
  });

  const refusals: Array<[string[], RegExp]> = [
    [['certificates.mode=vault'], /certificates\.mode="vault": expected auto, cert-manager, generated or self-managed/],
    [['certificates.mode=self-managed'], /certificates\.caBundle .* is required with certificates\.mode=self-managed/],
    [['timeouts.pods=31'], /timeouts\.pods=31: the apiserver accepts timeoutSeconds from 1 to 30/],
    [['timeouts.pvcs=0'], /timeouts\.pvcs=0: the apiserver accepts timeoutSeconds from 1 to 30/],
    [['decisionDeadlineMs=3000'], /decisionDeadlineMs=3000 must stay below the smallest validating timeout \(3s\)/],
    [['webhookUrl=http://127.0.0.1:8443'], /webhookUrl="http:\/\/127\.0\.0\.1:8443": the apiserver calls webhooks over HTTPS only/],
  ];
  for (const [set, message] of refusals) {
    test(`refuses ${set.join(' ')} with what to fix`, async () => {
      await assert.rejects(renderChart(set), message);
    });
  }
});
