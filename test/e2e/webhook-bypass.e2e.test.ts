/**
 * No way around the guard (issue 10), through the real apiserver: relabelling
 * a live broker pod out of its policy's selector is refused (the label stays),
 * and keys such as __proto__ and constructor in a valid object get a decision
 * from the webhook, never a failed webhook call. Break-glass is governed
 * (issue 12): a policy's spec.breakGlass refuses whom it does not name, the
 * setter is recorded, and the Event of its use names both people.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAssignedTopic, eventually, isReady, kafkaClient, kubeClients, kubectl, NAMESPACE, removeTopics, sandboxEnv, uniqueName } from './helpers.js';

const POD = 'kafka-1';
const SELECTOR_LABEL = 'app.kubernetes.io/name';
const BREAK_GLASS = 'kafkaguard.io/allow-disruption';
const scratch = mkdtempSync(join(tmpdir(), 'kg-bypass-'));

async function labels(): Promise<Record<string, string>> {
  const { core } = kubeClients();
  return (await core.readNamespacedPod({ name: POD, namespace: NAMESPACE })).metadata?.labels ?? {};
}

after(async () => {
  // Should the guard ever let it through, the sandbox gets its broker back.
  await kubectl(['label', 'pod', POD, `${SELECTOR_LABEL}=kafka`, '--overwrite', '-n', NAMESPACE]);
  await kubectl(['label', 'pod', POD, 'e2e-bypass-', 'constructor-', '-n', NAMESPACE]);
  await kubectl(['annotate', 'pod', POD, `${BREAK_GLASS}-`, '-n', NAMESPACE]);
  rmSync(scratch, { recursive: true, force: true });
});

test('removing a live broker pod\'s selector label is refused, naming the label; other labels may change', async () => {
  const refused = await kubectl(['label', 'pod', POD, `${SELECTOR_LABEL}-`, '-n', NAMESPACE]);
  assert.notEqual(refused.code, 0, refused.stdout);
  assert.match(refused.stderr, /kafka-guard refused to change the labels of pod kafka\/kafka-1 \(Kafka broker 1\)/);
  assert.match(refused.stderr, /removes label app\.kubernetes\.io\/name \(was "kafka"\)/);
  assert.match(refused.stderr, /kubectl label pod kafka-1 app\.kubernetes\.io\/name=kafka --overwrite -n kafka/);
  assert.doesNotMatch(refused.stderr, /failed calling webhook/);
  assert.equal((await labels())[SELECTOR_LABEL], 'kafka');

  const changed = await kubectl(['label', 'pod', POD, `${SELECTOR_LABEL}=not-kafka`, '--overwrite', '--dry-run=server', '-n', NAMESPACE]);
  assert.notEqual(changed.code, 0, 'a server dry run is judged too');
  assert.match(changed.stderr, /changes label app\.kubernetes\.io\/name from "kafka" to "not-kafka"/);

  const unrelated = await kubectl(['label', 'pod', POD, 'e2e-bypass=yes', '-n', NAMESPACE]);
  assert.equal(unrelated.code, 0, unrelated.stderr);
  assert.equal((await kubectl(['label', 'pod', POD, 'e2e-bypass-', '-n', NAMESPACE])).code, 0);
});

test('a constructor label on a broker pod and a __proto__ key in a policy\'s matchLabels get decisions', async () => {
  const constructorLabel = await kubectl(['label', 'pod', POD, 'constructor=yes', '--dry-run=server', '-n', NAMESPACE]);
  assert.equal(constructorLabel.code, 0, constructorLabel.stderr);

  const name = uniqueName('proto');
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'kafkaguard.io/v1alpha1', kind: 'KafkaGuardPolicy',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      brokers: { selector: { matchLabels: { ['__proto__']: 'x', 'e2e-bypass': name } }, idFrom: { ordinal: { offset: 0 } } },
      kafka: { bootstrapServers: sandboxEnv().bootstrap },
    },
  }));
  assert.match(readFileSync(file, 'utf8'), /"__proto__":"x"/, 'a computed key is an own property, so it is written');
  const created = await kubectl(['create', '-f', file, '--dry-run=server']);
  assert.notEqual(created.code, 0, created.stdout);
  assert.doesNotMatch(created.stderr, /failed calling webhook/);
  assert.match(created.stderr, /__proto__/);
  assert.match(created.stderr, /not a valid label key/);
});

test('break-glass lets the relabel through with a warning, through the apiserver\'s own retries', async () => {
  assert.equal((await kubectl(['annotate', 'pod', POD, `${BREAK_GLASS}=e2e relabel`, '--overwrite', '-n', NAMESPACE])).code, 0);
  const relabel = await kubectl(['label', 'pod', POD, `${SELECTOR_LABEL}-`, '-n', NAMESPACE]);
  // Put the broker back at once: the StatefulSet controller re-adopts it.
  const restore = await kubectl(['label', 'pod', POD, `${SELECTOR_LABEL}=kafka`, '-n', NAMESPACE]);
  assert.equal(relabel.code, 0, relabel.stderr);
  assert.match(relabel.stderr, /break-glass annotation kafkaguard\.io\/allow-disruption on pod kafka\/kafka-1 \("e2e relabel"\)/);
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal((await kubectl(['annotate', 'pod', POD, `${BREAK_GLASS}-`, '-n', NAMESPACE])).code, 0);
  const { core } = kubeClients();
  await eventually('kafka-1 owned by its StatefulSet and Ready again', async () => {
    const pod = await core.readNamespacedPod({ name: POD, namespace: NAMESPACE });
    return pod.metadata?.ownerReferences?.some((o) => o.kind === 'StatefulSet' && o.name === 'kafka') === true && isReady(pod);
  }, 60_000);
});


/**
 * A stand-in broker: a plain pod (the sandbox's node agent marks it Ready, no
 * JVM) that a policy of its own selects and maps to broker 2 by a label. An
 * RF 1 topic on broker 2 makes its deletion a refusal, which break-glass then
 * overrides, without taking a real broker down.
 */
test('spec.breakGlass: a user it does not name is refused setting break-glass, an allowed one is recorded, and the Event of the use names both', async () => {
  const name = uniqueName('bg');
  const group = `${name}-editors`;
  const as = (user: string) => [`--as=${user}`, `--as-group=${group}`];
  const [mallory, alice, bob] = [`${name}-mallory`, `${name}-alice`, `${name}-bob`];
  const admin = kafkaClient('e2e-bypass').admin();
  await admin.connect();
  const topic = `${name}-rf1`;
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [
      // RBAC lets the impersonated users edit and delete pods, so what refuses them is the webhook.
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: NAMESPACE }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'delete'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: NAMESPACE }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }] },
      {
        apiVersion: 'kafkaguard.io/v1alpha1', kind: 'KafkaGuardPolicy', metadata: { name, namespace: NAMESPACE },
        spec: {
          brokers: { selector: { matchLabels: { 'e2e-break-glass': name } }, idFrom: { label: 'e2e-broker-id' } },
          kafka: { bootstrapServers: sandboxEnv().bootstrap },
          defaults: { enabled: false },
          breakGlass: { allowedUsers: [alice] },
        },
      },
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE, labels: { 'e2e-break-glass': name, 'e2e-broker-id': '2' } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
      },
    ],
  }));
  const { core } = kubeClients();
  const podAnnotation = async () => (await core.readNamespacedPod({ name, namespace: NAMESPACE })).metadata?.annotations?.[BREAK_GLASS];
  try {
    await createAssignedTopic(admin, topic, [[2]]);
    const applied = await kubectl(['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    await eventually(`${name} Ready`, async () => isReady(await core.readNamespacedPod({ name, namespace: NAMESPACE })), 60_000);
    await eventually(`the webhook to refuse deleting ${name} (its policy and ${topic} seen)`, async () => {
      const res = await kubectl(['delete', 'pod', name, '-n', NAMESPACE, '--dry-run=server']);
      return res.code !== 0 && res.stderr.includes(`${topic}-0`);
    }, 30_000, 500);

    const refused = await kubectl(['annotate', 'pod', name, '-n', NAMESPACE, `${BREAK_GLASS}=e2e: mallory wants out`, ...as(mallory)]);
    assert.notEqual(refused.code, 0, 'a user spec.breakGlass does not name set the annotation');
    assert.match(refused.stderr, new RegExp(`kafka-guard refused to set the break-glass annotation kafkaguard\\.io/allow-disruption on pod kafka/${name}`));
    assert.match(refused.stderr, new RegExp(`${mallory} \\(groups: ${group}\\) may not set it: KafkaGuardPolicy kafka/${name} \\(spec\\.breakGlass\\) allows user ${alice}`));
    assert.doesNotMatch(refused.stderr, /failed calling webhook/);
    assert.equal(await podAnnotation(), undefined);
    // Other annotations are none of the webhook's business (the matchCondition keeps them away).
    assert.equal((await kubectl(['annotate', 'pod', name, '-n', NAMESPACE, 'e2e-note=x', ...as(mallory)])).code, 0);

    const set = await kubectl(['annotate', 'pod', name, '-n', NAMESPACE, `${BREAK_GLASS}=e2e: planned by alice`, ...as(alice)]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, new RegExp(`Warning: kafka-guard: break-glass set on pod kafka/${name} by ${alice} \\(groups: ${group}\\)`));
    const uid = (await core.readNamespacedPod({ name, namespace: NAMESPACE })).metadata?.uid;
    const ledger = await core.readNamespacedConfigMap({ namespace: 'kafka-guard', name: 'kafka-guard-disruptions' });
    const settings = JSON.parse(ledger.data?.['break-glass-set'] ?? '[]') as Array<{ podUid: string; value: string; user: string; groups: string[] }>;
    assert.ok(
      settings.some((s) => s.podUid === uid && s.value === 'e2e: planned by alice' && s.user === alice && s.groups.includes(group)),
      `who set it is not in the ledger: ${JSON.stringify(settings)}`,
    );
    const changed = await kubectl(['annotate', 'pod', name, '-n', NAMESPACE, '--overwrite', `${BREAK_GLASS}=e2e: mallory's reason`, ...as(mallory)]);
    assert.notEqual(changed.code, 0, 'a user spec.breakGlass does not name changed the value');
    assert.equal(await podAnnotation(), 'e2e: planned by alice');

    const disrupted = await kubectl(['delete', 'pod', name, '-n', NAMESPACE, '--wait=false', ...as(bob)]);
    assert.equal(disrupted.code, 0, disrupted.stderr);
    assert.match(disrupted.stderr, new RegExp(`break-glass on pod kafka/${name} set by ${alice} \\(groups: ${group}\\), used by ${bob}`));
    const event = await eventually('the KafkaGuardBreakGlass Event', async () => {
      const list = await core.listNamespacedEvent({ namespace: NAMESPACE, fieldSelector: `involvedObject.name=${name}` });
      return list.items.find((e) => e.reason === 'KafkaGuardBreakGlass') ?? null;
    }, 30_000, 500);
    assert.match(event.message ?? '', new RegExp(`^\\[pod-delete\\] requested by ${bob}: kafka-guard: break-glass on pod kafka/${name} set by ${alice} \\(groups: ${group}\\), used by ${bob} \\("e2e: planned by alice"\\)`));
  } finally {
    // The topic first and the policy next, so the stand-in's deletion is no longer refused.
    await removeTopics(admin, [topic]);
    await admin.disconnect();
    await kubectl(['delete', 'kafkaguardpolicy,role,rolebinding', name, '-n', NAMESPACE, '--ignore-not-found']);
    await kubectl(['delete', 'pod', name, '-n', NAMESPACE, '--ignore-not-found', '--force', '--grace-period=0']);
  }
});
