/**
 * The registrations' matchConditions (webhook/registration.ts), evaluated by
 * the real apiserver: updates that no guard can refuse never reach the
 * validating webhook, counted by the webhook's own
 * kafkaguard_admission_requests_total, while guarded changes still do and are
 * refused. Changes that could do harm are server-side dry runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createAssignedTopic, eventually, kafkaClient, kubeClients, kubectl, NAMESPACE, removeTopics, sandboxWebhook, uniqueName, webhookMetric,
} from './helpers.js';

const { port } = sandboxWebhook();
const admin = kafkaClient('e2e-scoping').admin();
const topic = uniqueName('scoping');
const webStatefulSet = uniqueName('web');

/** How many AdmissionReviews the sandbox webhook got on a route for a kind and operation. */
function received(route: 'validate' | 'mutate', kind: string, operation = 'UPDATE'): Promise<number> {
  return webhookMetric(port, 'kafkaguard_admission_requests_total', { route, kind, operation });
}

async function ok(args: string[]): Promise<string> {
  const res = await kubectl(args);
  assert.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
  return res.stdout + res.stderr;
}

before(async () => {
  await admin.connect();
  // Broker 2 holds a replica, so lowering the broker StatefulSet's replicas is refused.
  await createAssignedTopic(admin, topic, [[2, 0, 1]]);
  const { apps } = kubeClients();
  // Not a broker (no policy selects it), and with no pods to start.
  await apps.createNamespacedStatefulSet({
    namespace: NAMESPACE,
    body: {
      metadata: { name: webStatefulSet, labels: { app: 'web' } },
      spec: {
        replicas: 0, serviceName: webStatefulSet, selector: { matchLabels: { app: webStatefulSet } },
        template: { metadata: { labels: { app: webStatefulSet } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    },
  });
});

after(async () => {
  await kubectl(['delete', 'statefulset', webStatefulSet, '-n', NAMESPACE, '--wait=false']);
  await kubectl(['annotate', 'statefulset', 'kafka', '-n', NAMESPACE, 'e2e.kafkaguard.io/scoping-']);
  await kubectl(['label', 'pvc', 'data-kafka-1', '-n', NAMESPACE, 'e2e.kafkaguard.io/scoping-']);
  await removeTopics(admin, [topic]);
  await admin.disconnect();
});

test('StatefulSet label and annotation updates and scaling up skip the validating webhook', async () => {
  const { apps } = kubeClients();
  const generation = (await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: NAMESPACE })).metadata?.generation;
  const validatedBefore = await received('validate', 'StatefulSet');
  const scaleBefore = await received('validate', 'Scale');
  const mutatedBefore = await received('mutate', 'StatefulSet');

  await ok(['label', 'statefulset', webStatefulSet, '-n', NAMESPACE, 'e2e.kafkaguard.io/scoping=1']);
  await ok(['annotate', 'statefulset', webStatefulSet, '-n', NAMESPACE, 'e2e.kafkaguard.io/scoping=1']);
  await ok(['annotate', 'statefulset', 'kafka', '-n', NAMESPACE, 'e2e.kafkaguard.io/scoping=1']);
  await ok(['scale', 'statefulset', webStatefulSet, '-n', NAMESPACE, '--replicas=1', '--dry-run=server']);

  assert.equal(await received('validate', 'StatefulSet'), validatedBefore, 'a StatefulSet update no guard refuses reached /validate');
  assert.equal(await received('validate', 'Scale'), scaleBefore, 'scaling up reached /validate');
  // The apiserver did call kafka-guard for them: the defaults (no condition) still see every update.
  assert.ok(await received('mutate', 'StatefulSet') >= mutatedBefore + 3, 'the mutating webhook missed StatefulSet updates');
  assert.equal((await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: NAMESPACE })).metadata?.generation, generation,
    'annotating the broker StatefulSet changed its spec');
});

test('a PVC label update skips the validating webhook; a storage request change reaches it', async () => {
  const pvcBefore = await received('validate', 'PersistentVolumeClaim');
  await ok(['label', 'pvc', 'data-kafka-1', '-n', NAMESPACE, 'e2e.kafkaguard.io/scoping=1']);
  await ok(['label', 'pvc', 'data-kafka-1', '-n', NAMESPACE, 'e2e.kafkaguard.io/scoping-']);
  assert.equal(await received('validate', 'PersistentVolumeClaim'), pvcBefore, 'a PVC label update reached /validate');

  // data-kafka-0 is a network volume whose class allows expansion: a larger request passes the apiserver's own validation
  // (larger than any size kubectl kafka resize's e2e gives it; a dry run, so nothing grows).
  await ok(['patch', 'pvc', 'data-kafka-0', '-n', NAMESPACE, '-p', '{"spec":{"resources":{"requests":{"storage":"100Gi"}}}}', '--dry-run=server']);
  assert.equal(await received('validate', 'PersistentVolumeClaim'), pvcBefore + 1, 'a storage request change did not reach /validate');
});

test('lowering the broker StatefulSet replicas still reaches the validating webhook and is refused', async () => {
  const refusal = /admission webhook "statefulsets\.validate\.kafkaguard\.io" denied the request[\s\S]*\[holds-replicas\] broker 2 still holds replicas/;
  const patch = ['patch', 'statefulset', 'kafka', '-n', NAMESPACE, '-p', '{"spec":{"replicas":2}}', '--dry-run=server'];
  // The webhook reads Kafka after the request arrives; the short wait only covers brokers' metadata caches.
  const validatedBefore = await received('validate', 'StatefulSet');
  const refused = await eventually('the replicas patch to be refused', async () => {
    const res = await kubectl(patch);
    return res.code !== 0 && refusal.test(res.stderr) ? res : null;
  }, 3_000, 300);
  assert.notEqual(refused.code, 0);
  assert.ok(await received('validate', 'StatefulSet') > validatedBefore, 'the refusal did not come through /validate');

  const scaleBefore = await received('validate', 'Scale');
  const scale = await kubectl(['scale', 'statefulset', 'kafka', '-n', NAMESPACE, '--replicas=2', '--dry-run=server']);
  assert.notEqual(scale.code, 0, 'kubectl scale --replicas=2 was admitted');
  assert.match(scale.stderr, /\[holds-replicas\]/);
  assert.equal(await received('validate', 'Scale'), scaleBefore + 1);

  const retention = await kubectl(['patch', 'statefulset', 'kafka', '-n', NAMESPACE, '--dry-run=server',
    '-p', '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Delete"}}}']);
  assert.notEqual(retention.code, 0, 'a retention policy change to Delete was admitted');
  assert.match(retention.stderr, /\[pvc-retention-delete\]/);
});
