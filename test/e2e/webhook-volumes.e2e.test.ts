/**
 * The volume guards and policy validation through the real apiserver, beyond
 * `kubectl delete pvc` (webhook-guards): the orphan-and-recreate "resize" of a
 * StatefulSet with smaller volumeClaimTemplates, a PVC retention policy that
 * deletes volumes, a Strimzi KafkaNodePool storage decrease (with a minimal
 * KafkaNodePool CRD installed for the test), and a KafkaGuardPolicy only the
 * webhook can find wrong. All with server-side dry runs or on objects made for
 * the test: the demo cluster is left as it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, kubectl, NAMESPACE, sandboxEnv } from './helpers.js';

const STRIMZI_NS = 'strimzi-e2e';
const KNP_CRD = 'kafkanodepools.kafka.strimzi.io';

async function apply(objects: unknown[], extra: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'webhook-volumes-e2e-')), 'objects.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  return kubectl(['apply', '-f', file, ...extra]);
}

async function mustApply(objects: unknown[]): Promise<void> {
  const result = await apply(objects);
  assert.equal(result.code, 0, result.stderr);
}

before(async () => {
  // Kafka's Strimzi operator is not needed: the guard reads the KafkaNodePool objects only.
  await mustApply([{
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: KNP_CRD },
    spec: {
      group: 'kafka.strimzi.io',
      scope: 'Namespaced',
      names: { kind: 'KafkaNodePool', plural: 'kafkanodepools', singular: 'kafkanodepool', listKind: 'KafkaNodePoolList' },
      versions: [{ name: 'v1beta2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  }]);
  await eventually('the KafkaNodePool API', async () => (await kubectl(['get', '--raw', '/apis/kafka.strimzi.io/v1beta2'])).code === 0, 30_000, 500);
});

after(async () => {
  // Waited for, so a second run in the same sandbox does not meet a Terminating namespace.
  await kubectl(['delete', 'namespace', STRIMZI_NS, '--ignore-not-found', '--timeout=90s']);
  await kubectl(['delete', 'crd', KNP_CRD, '--ignore-not-found', '--timeout=60s']);
});

test('re-creating the StatefulSet with smaller volumeClaimTemplates is refused, naming the existing volumes', async () => {
  const sts = JSON.parse((await kubectl(['get', 'statefulset', 'kafka', '-n', NAMESPACE, '-o', 'json'])).stdout) as {
    metadata: Record<string, unknown>;
    spec: { volumeClaimTemplates: Array<{ metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }> };
    status?: unknown;
  };
  const copy = { ...sts, metadata: { name: 'kafka', namespace: NAMESPACE, labels: sts.metadata['labels'] }, status: undefined };
  const template = copy.spec.volumeClaimTemplates.find((t) => t.metadata.name === 'data');
  assert.ok(template, 'the demo StatefulSet has a data template');
  template.spec.resources.requests.storage = '100Mi';
  const file = join(mkdtempSync(join(tmpdir(), 'webhook-volumes-e2e-')), 'sts.json');
  writeFileSync(file, JSON.stringify(copy));
  // What `kubectl delete sts kafka --cascade=orphan` followed by a create would send.
  const result = await kubectl(['create', '--dry-run=server', '-f', file]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /kafka-guard refused StatefulSet kafka\/kafka: its volumeClaimTemplates are smaller/);
  // The sizes the claims have now (1Gi in a fresh sandbox; kubectl kafka resize's e2e grows them).
  const sizes = await Promise.all([0, 1, 2].map(async (i) => {
    const pvc = JSON.parse((await kubectl(['get', 'pvc', `data-kafka-${i}`, '-n', NAMESPACE, '-o', 'json'])).stdout) as { status?: { capacity?: { storage?: string } } };
    return `data-kafka-${i} \\(${pvc.status?.capacity?.storage ?? '?'}\\)`;
  }));
  assert.match(result.stderr, new RegExp(`\\[volume-template-shrink\\] volumeClaimTemplate data asks for 100Mi, less than existing broker volumes: ${sizes.join(', ')}`));
});

test('a PVC retention policy that deletes broker volumes on scale-down is refused; Retain is allowed', async () => {
  const patch = (whenScaled: string) =>
    kubectl(['patch', 'statefulset', 'kafka', '-n', NAMESPACE, '--dry-run=server', '--type', 'merge', '-p', JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenScaled } } })]);
  const refused = await patch('Delete');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /\[pvc-retention-delete\] persistentVolumeClaimRetentionPolicy.whenScaled is Delete/);
  const allowed = await patch('Retain');
  assert.equal(allowed.code, 0, allowed.stderr);
});

test('a KafkaNodePool storage decrease is refused; growing is allowed', async () => {
  const cluster = 'my-cluster';
  const labels = { 'strimzi.io/cluster': cluster, 'strimzi.io/pool-name': 'pool-a' };
  await mustApply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: STRIMZI_NS, labels: { 'kafkaguard.io/guard': 'enabled' } } },
    {
      apiVersion: 'kafkaguard.io/v1alpha1',
      kind: 'KafkaGuardPolicy',
      metadata: { name: cluster, namespace: STRIMZI_NS },
      spec: {
        brokers: { selector: { matchLabels: { 'strimzi.io/cluster': cluster } }, idFrom: { podNameSuffix: {} } },
        kafka: { bootstrapServers: sandboxEnv().bootstrap },
      },
    },
    // A pool's broker pod as Strimzi names and labels it; it never schedules (no such node).
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${cluster}-pool-a-0`, namespace: STRIMZI_NS, labels },
      spec: { nodeSelector: { 'kubernetes.io/hostname': 'no-such-node' }, containers: [{ name: 'kafka', image: 'apache/kafka:4.1.1' }] },
    },
    {
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaNodePool',
      metadata: { name: 'pool-a', namespace: STRIMZI_NS, labels: { 'strimzi.io/cluster': cluster } },
      spec: { replicas: 1, roles: ['broker'], storage: { type: 'persistent-claim', size: '100Gi' } },
    },
  ]);
  const resize = (size: string) =>
    kubectl(['patch', 'kafkanodepool', 'pool-a', '-n', STRIMZI_NS, '--dry-run=server', '--type', 'merge', '-p', JSON.stringify({ spec: { storage: { size } } })]);
  // The webhook starts watching the namespace once it sees its policy.
  const refused = await eventually('the node pool shrink to be refused', async () => {
    const result = await resize('50Gi');
    return result.code !== 0 ? result : null;
  }, 60_000, 1000);
  assert.match(refused.stderr, /nodepools\.validate\.kafkaguard\.io" denied the request: kafka-guard refused to shrink the storage of KafkaNodePool strimzi-e2e\/pool-a/);
  assert.match(refused.stderr, /\[volume-shrink\] the volume would shrink from 100Gi to 50Gi/);
  const grown = await resize('200Gi');
  assert.equal(grown.code, 0, grown.stderr);
});

test('a KafkaGuardPolicy the CRD schema lets through but the webhook finds wrong is refused with the field, the value and why', async () => {
  const result = await apply(
    [{
      apiVersion: 'kafkaguard.io/v1alpha1',
      kind: 'KafkaGuardPolicy',
      metadata: { name: 'bad-label-value', namespace: NAMESPACE },
      spec: { brokers: { selector: { matchLabels: { app: 'has space' } }, idFrom: { ordinal: { offset: 0 } } }, kafka: { bootstrapServers: sandboxEnv().bootstrap } },
    }],
    ['--dry-run=server'],
  );
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /policies\.validate\.kafkaguard\.io/);
  assert.match(result.stderr, /spec\.brokers\.selector\.matchLabels\.app = "has space": is not a valid label value/);
});
