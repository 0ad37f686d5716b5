/**
 * Reaching Kafka over TLS with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512),
 * with the CA and credentials read from the Secrets a KafkaGuardPolicy names,
 * against the sandbox brokers' real SASL_SSL listeners: through the plugin
 * and through the webhook. Wrong credentials and a missing CA are clear
 * errors. The sandbox creates the Secrets (kafka-tls, kafka-user-plain,
 * kafka-user-scram) as an operator of a secured cluster would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTopicsLed, eventually, kafkaClient, kubectl, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { expectPlugin } from './plugin-helpers.js';

const SECURE = (process.env.KAFKA_SECURE_BOOTSTRAP_SERVERS ?? '').split(',').filter(Boolean);
const kafka = kafkaClient('e2e-kafka-secure');
const admin = kafka.admin();
const topic = uniqueName('secure-rf1');
const WRONG_SECRET = 'kafka-user-wrong';
const created: string[] = [];

type Mechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

function secureKafka(mechanism: Mechanism, secret = mechanism === 'plain' ? 'kafka-user-plain' : 'kafka-user-scram') {
  return { bootstrapServers: SECURE, tls: { secretRef: { name: 'kafka-tls' } }, sasl: { mechanism, secretRef: { name: secret } } };
}

async function apply(object: unknown): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'kafka-secure-e2e-')), 'object.json');
  writeFileSync(file, JSON.stringify(object));
  const result = await kubectl(['apply', '-f', file]);
  assert.equal(result.code, 0, result.stderr);
}

async function applyPolicy(name: string, kafkaSpec: unknown): Promise<void> {
  await apply({
    apiVersion: 'kafkaguard.io/v1alpha1',
    kind: 'KafkaGuardPolicy',
    metadata: { name, namespace: NAMESPACE },
    spec: { brokers: { selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } }, idFrom: { ordinal: { offset: 0 } } }, kafka: kafkaSpec },
  });
  created.push(name);
}

async function demoPolicyKafka(): Promise<unknown> {
  return JSON.parse((await kubectl(['get', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '-o', 'jsonpath={.spec.kafka}'])).stdout);
}

async function patchDemoPolicyKafka(kafkaSpec: unknown): Promise<void> {
  const patch = JSON.stringify([{ op: 'replace', path: '/spec/kafka', value: kafkaSpec }]);
  const result = await kubectl(['patch', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '--type', 'json', '-p', patch]);
  assert.equal(result.code, 0, result.stderr);
}

let plaintext: unknown;

before(async () => {
  assert.ok(SECURE.length > 0, 'KAFKA_SECURE_BOOTSTRAP_SERVERS is not set: run through test/run-all.ts (the sandbox exports it)');
  await admin.connect();
  await waitForHealthyCluster(admin);
  // Broker 2 holds the only replica: deleting kafka-2 would take it offline, so the webhook refuses.
  await createTopicsLed(admin, [{ topic, replicaAssignment: [{ partition: 0, replicas: [2] }] }]);
  await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: WRONG_SECRET, namespace: NAMESPACE }, stringData: { username: 'guard_scram', password: 'not-the-password' } });
  plaintext = await demoPolicyKafka();
});

after(async () => {
  if (plaintext !== undefined) await patchDemoPolicyKafka(plaintext).catch(() => undefined);
  for (const name of created) await kubectl(['delete', 'kafkaguardpolicy', name, '-n', NAMESPACE, '--ignore-not-found']);
  await kubectl(['delete', 'secret', WRONG_SECRET, '-n', NAMESPACE, '--ignore-not-found']);
  await removeTopics(admin, [topic]);
  await admin.disconnect();
});

for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
  test(`kubectl kafka status over SASL_SSL with ${mechanism}: CA and credentials from the policy's Secrets`, async () => {
    const name = `secure-${mechanism}`;
    await applyPolicy(name, secureKafka(mechanism));
    const run = await expectPlugin(['status', '--policy', name, '-o', 'json'], 0);
    const status = JSON.parse(run.stdout) as { policy: string; brokers: Array<{ id: number; registered: boolean; replicas: number }> };
    assert.equal(status.policy, `${NAMESPACE}/${name}`);
    assert.deepEqual(status.brokers.map((b) => [b.id, b.registered]), [[0, true], [1, true], [2, true]]);
    assert.ok((status.brokers.find((b) => b.id === 2)?.replicas ?? 0) >= 1, 'the view over SASL_SSL sees broker 2\'s replica of the test topic');
  });
}

test('a wrong password, a missing CA and a missing Secret are clear errors with exit code 3', async () => {
  await applyPolicy('secure-wrong-password', secureKafka('scram-sha-512', WRONG_SECRET));
  const wrong = await expectPlugin(['status', '--policy', 'secure-wrong-password'], 3);
  assert.match(wrong.stderr, /authentication/i);
  await applyPolicy('secure-no-ca', { bootstrapServers: SECURE, tls: {}, sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-user-scram' } } });
  const untrusted = await expectPlugin(['status', '--policy', 'secure-no-ca'], 3);
  assert.match(untrusted.stderr, /certificate/i);
  await applyPolicy('secure-no-secret', secureKafka('scram-sha-512', 'no-such-secret'));
  const missing = await expectPlugin(['status', '--policy', 'secure-no-secret'], 3);
  assert.match(missing.stderr, /cannot read Secret "no-such-secret" named by spec\.kafka\.sasl\.secretRef: .*not found .*KafkaGuardPolicy kafka\/secure-no-secret/);
});

test('the webhook reads Kafka with the policy\'s TLS and SASL Secrets', async () => {
  const deletePod = ['delete', 'pod', 'kafka-2', '-n', NAMESPACE, '--dry-run=server'];
  // Wrong credentials: Kafka cannot be read, and onKafkaUnreachable: Deny refuses, naming why.
  await patchDemoPolicyKafka(secureKafka('scram-sha-512', WRONG_SECRET));
  await eventually('the webhook to refuse for want of Kafka (wrong SCRAM password)', async () => {
    const result = await kubectl(deletePod);
    return result.code !== 0 && /cannot read the Kafka cluster of policy kafka\/kafka .*authentication/is.test(result.stderr) ? result : null;
  }, 60_000, 1000);
  // The right ones: the webhook decides on the real view, naming the partition only broker 2 holds.
  await patchDemoPolicyKafka(secureKafka('scram-sha-512'));
  await eventually(`the webhook to refuse naming ${topic}-0`, async () => {
    const result = await kubectl(deletePod);
    return result.code !== 0 && result.stderr.includes(`${topic}-0`) && !/cannot read the Kafka cluster/.test(result.stderr) ? result : null;
  }, 60_000, 1000);
});

test('a credentials Secret changed in place is in use by the webhook within 30 s plus a refresh, with no policy change', async () => {
  const rotating = 'kafka-user-rotating';
  const scram = JSON.parse((await kubectl(['get', 'secret', 'kafka-user-scram', '-n', NAMESPACE, '-o', 'json'])).stdout) as { data: Record<string, string> };
  const right = Object.fromEntries(Object.entries(scram.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  const secretWith = (stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: rotating, namespace: NAMESPACE }, type: 'Opaque', stringData });
  const deletePod = ['delete', 'pod', 'kafka-2', '-n', NAMESPACE, '--dry-run=server'];
  const decidesOnKafka = async () => {
    const result = await kubectl(deletePod);
    return result.code !== 0 && result.stderr.includes(`${topic}-0`) && !/cannot read the Kafka cluster/.test(result.stderr) ? result : null;
  };
  const refusedForAuthentication = async () => {
    const result = await kubectl(deletePod);
    return result.code !== 0 && /cannot read the Kafka cluster of policy kafka\/kafka .*authentication/is.test(result.stderr) ? result : null;
  };
  try {
    await apply(secretWith(right));
    await patchDemoPolicyKafka(secureKafka('scram-sha-512', rotating));
    await eventually('the webhook to decide on Kafka read with the rotating Secret', decidesOnKafka, 60_000, 1000);

    // The password in the Secret changes (as a rotation that went wrong would): the webhook's next client uses it.
    let changed = Date.now();
    await apply(secretWith({ ...right, password: 'rotated-to-a-wrong-one' }));
    await eventually('the changed password in use (Kafka refuses it)', refusedForAuthentication, 60_000, 1000);
    const toWrong = Date.now() - changed;

    changed = Date.now();
    await apply(secretWith(right));
    await eventually('the right password in use again', decidesOnKafka, 60_000, 1000);
    const toRight = Date.now() - changed;
    console.log(`secret rotation figures: wrong password in use after ${toWrong} ms, right one again after ${toRight} ms`);
    // 30 s of cache, a view refresh and the poll's own second: well inside the eventually's minute.
    assert.ok(toWrong < 45_000 && toRight < 45_000, `rotation took ${toWrong} / ${toRight} ms`);
  } finally {
    await patchDemoPolicyKafka(secureKafka('scram-sha-512'));
    await kubectl(['delete', 'secret', rotating, '-n', NAMESPACE, '--ignore-not-found']);
  }
});
