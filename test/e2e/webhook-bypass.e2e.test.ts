/**
 * No way around the guard (issue 10), through the real apiserver: relabelling
 * a live broker pod out of its policy's selector is refused (the label stays),
 * and keys such as __proto__ and constructor in a valid object get a decision
 * from the webhook, never a failed webhook call.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, isReady, kubeClients, kubectl, NAMESPACE, sandboxEnv, uniqueName } from './helpers.js';

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

