/**
 * kubectl kafka config set against the real brokers:
 * - a dynamic key cluster-wide is applied live: no pod restarts, and Kafka
 *   (asked through kafkajs, not the plugin) reports the new value on every broker;
 * - a static key goes into the StatefulSet and is rolled one broker at a time,
 *   controller last, only onto brokers whose value changes, while Kafka's own
 *   VerifiableProducer writes with acks=all: no acknowledged message is lost,
 *   and every broker reports the new value afterwards;
 * - refusals change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import kafkajs, { type Admin } from 'kafkajs';
import { brokerPods, createTopicsLed, eventually, kafkaClient, kubeClients, NAMESPACE, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin } from './plugin-helpers.js';
import { readBack, startVerifiableProducer, zeroLossFigures } from './verifiable.js';

const { ConfigResourceTypes } = kafkajs;
const kafka = kafkaClient('e2e-plugin-config');
const admin = kafka.admin();
const topic = uniqueName('config-rf3');
const STATEFULSET = 'kafka';
const BROKERS = ['0', '1', '2'];

/** Each broker's value of `key`, as Kafka reports it to kafkajs. */
async function brokerValues(client: Admin, key: string): Promise<Record<string, string>> {
  const described = await client.describeConfigs({
    includeSynonyms: false,
    resources: BROKERS.map((name) => ({ type: ConfigResourceTypes.BROKER, name, configNames: [key] })),
  });
  return Object.fromEntries(described.resources.map((r) => [r.resourceName, String(r.configEntries.find((e) => e.configName === key)?.configValue ?? null)]));
}

async function podUids(): Promise<Record<string, string>> {
  return Object.fromEntries((await brokerPods()).map((p) => [p.metadata?.name ?? '', p.metadata?.uid ?? '']));
}

async function statefulSet() {
  return kubeClients().apps.readNamespacedStatefulSet({ namespace: NAMESPACE, name: STATEFULSET });
}

const every = (value: string) => Object.fromEntries(BROKERS.map((b) => [b, value]));

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
  await createTopicsLed(admin, [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }]);
});

after(async () => {
  await removeTopics(admin, [topic]);
  await deleteTestPolicy();
  await waitForHealthyCluster(admin).catch(() => undefined);
  await admin.disconnect();
});

test('a dynamic key cluster-wide is applied live: no pod restarted, every broker reports it', async (t: TestContext) => {
  const key = 'log.retention.ms';
  const before = await brokerValues(admin, key);
  // Unset by default (log.retention.hours rules): Kafka reports null. Three days, unlike the default's seven.
  const wanted = before['0'] === '259200000' ? '172800000' : '259200000';
  const uids = await podUids();

  const dry = await expectPlugin(['config', 'set', `${key}=${wanted}`, '--cluster-default', '--dry-run', '-o', 'json'], 0);
  const plan = JSON.parse(dry.stdout) as { keys: Array<{ key: string; mode: string; brokers: number[] }> };
  assert.deepEqual(plan.keys.map((k) => [k.key, k.mode, k.brokers]), [[key, 'live', [0, 1, 2]]]);
  assert.deepEqual(await brokerValues(admin, key), before, 'the dry run changed nothing');

  try {
    const run = await expectPlugin(['config', 'set', `${key}=${wanted}`, '--cluster-default', '--yes', '-o', 'json'], 0);
    const result = JSON.parse(run.stdout) as { live: { keys: string[]; durationMs: number }; roll: unknown };
    assert.deepEqual(result.live.keys, [key]);
    assert.equal(result.roll, null);
    assert.deepEqual(await brokerValues(admin, key), every(wanted), 'Kafka reports the new value on every broker');
    assert.deepEqual(await podUids(), uids, 'no broker pod was restarted');
    t.diagnostic(`${key}=${wanted} live on 3 brokers in ${result.live.durationMs} ms (plugin run ${run.ms} ms), no pod restarted`);

    // The same value again: nothing to change.
    const again = await expectPlugin(['config', 'set', `${key}=${wanted}`, '--cluster-default', '--yes', '-o', 'json'], 0);
    assert.deepEqual((JSON.parse(again.stdout) as { keys: Array<{ mode: string }> }).keys.map((k) => k.mode), ['unchanged']);
  } finally {
    await expectPlugin(['config', 'set', '--unset', key, '--cluster-default', '--yes'], 0);
  }
  assert.deepEqual(await brokerValues(admin, key), before, '--unset puts the previous value back');
});

test('refusals change nothing: unknown key, a value Kafka rejects, keys never changed, a static key per broker', async () => {
  const unknown = await expectPlugin(['config', 'set', 'log.retention.mss=1', '--cluster-default', '--yes'], 1);
  assert.match(unknown.stderr, /log\.retention\.mss is not a broker config.*did you mean log\.retention\.ms/);

  const threads = await brokerValues(admin, 'num.io.threads');
  const rejected = await expectPlugin(['config', 'set', 'num.io.threads=0', '--broker', '0', '--yes'], 1);
  assert.match(rejected.stderr, /Kafka refused the change \(nothing was changed\).*broker 0: (INVALID_REQUEST|INVALID_CONFIG|POLICY_VIOLATION)/);
  assert.deepEqual(await brokerValues(admin, 'num.io.threads'), threads);

  const typed = await expectPlugin(['config', 'set', 'log.retention.ms=soon', '--cluster-default'], 1);
  assert.match(typed.stderr, /log\.retention\.ms takes a whole number, got "soon"/);

  const never = await expectPlugin(['config', 'set', 'advertised.listeners=PLAINTEXT://x:9092', '--broker', '1', '--yes'], 1);
  assert.match(never.stderr, /advertised\.listeners is how clients and brokers reach the broker/);

  const perBroker = await expectPlugin(['config', 'set', 'queued.max.requests=700', '--broker', '1', '--yes'], 1);
  assert.match(perBroker.stderr, /queued\.max\.requests is static.*--cluster-default/);

  await expectPlugin(['config', 'set', 'log.retention.ms=1'], 2);
});

test('a static key rolls, one broker at a time, only onto the brokers it changes; no acknowledged message lost', async (t: TestContext) => {
  const key = 'queued.max.requests';
  const before = await brokerValues(admin, key);
  const original = before['0'] ?? '500';
  const wanted = String(Number(original) + 100);
  const strategyBefore = (await statefulSet()).spec?.updateStrategy;
  const uids = await podUids();

  const dry = await expectPlugin(['config', 'set', `${key}=${wanted}`, '--cluster-default', '--dry-run', '-o', 'json'], 0);
  const plan = JSON.parse(dry.stdout) as { keys: Array<{ key: string; mode: string; envName: string }>; restartBrokers: number[] };
  assert.deepEqual(plan.keys.map((k) => [k.key, k.mode, k.envName]), [[key, 'restart', 'KAFKA_QUEUED_MAX_REQUESTS']]);
  assert.deepEqual(plan.restartBrokers, [0, 1, 2]);
  assert.deepEqual(await podUids(), uids, 'the dry run restarted nothing');

  const load = await startVerifiableProducer({ topic, throughput: 150 });
  let produced;
  try {
    const run = await expectPlugin(['config', 'set', `${key}=${wanted}`, '--cluster-default', '--yes', '-o', 'json'], 0, 1_500_000);
    const result = JSON.parse(run.stdout) as { roll: { steps: Array<{ broker: number; pod: string; totalMs: number; podDownMs: number }>; durationMs: number } };
    assert.equal(result.roll.steps.length, 3);
    assert.deepEqual(result.roll.steps.map((s) => s.broker).sort(), [0, 1, 2], 'each broker restarted once');
    t.diagnostic(`roll: ${result.roll.steps.map((s) => `${s.pod} down ${Math.round(s.podDownMs / 1000)}s, in sync after ${Math.round(s.totalMs / 1000)}s`).join('; ')}; total ${Math.round(result.roll.durationMs / 1000)}s`);
  } finally {
    produced = await load.stop();
  }
  const now = await podUids();
  for (const [name, uid] of Object.entries(uids)) assert.notEqual(now[name], uid, `${name} was restarted`);
  // The test's own kafkajs connections to the restarted brokers are dead ("write after end"): kafkajs
  // reconnects on the next call, so ask again until every broker answers, then compare.
  const values = await eventually('every restarted broker answers DescribeConfigs', () => brokerValues(admin, key), 30_000);
  assert.deepEqual(values, every(wanted), 'every broker runs the new value');
  const sts = await statefulSet();
  assert.deepEqual(sts.spec?.updateStrategy, strategyBefore, 'the update strategy is restored');
  assert.equal(sts.metadata?.annotations?.['kafkaguard.io/config-roll'], undefined);
  assert.equal(sts.spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === 'KAFKA_QUEUED_MAX_REQUESTS')?.value, wanted);

  const check = await readBack(produced);
  t.diagnostic(`${zeroLossFigures(produced, check)}, ${produced.errors} send errors`);
  assert.ok(check.acked > 100, `only ${check.acked} messages acknowledged`);
  assert.deepEqual(check.lost.slice(0, 10), [], `${check.lost.length} acknowledged messages lost`);

  // Nothing left to change: the same command restarts no broker.
  await waitForHealthyCluster(admin);
  const settled = await podUids();
  const again = await expectPlugin(['config', 'set', `${key}=${wanted}`, '--cluster-default', '--yes', '-o', 'json'], 0);
  assert.deepEqual((JSON.parse(again.stdout) as { keys: Array<{ mode: string }>; restartBrokers: number[] }).restartBrokers, []);
  assert.deepEqual(await podUids(), settled, 'no broker restarted when every broker already runs the value');

  // diff agrees: brokers and StatefulSet agree on the key.
  const diff = JSON.parse((await expectPlugin(['config', 'diff', '-o', 'json'], 0)).stdout) as { rows: Array<{ key: string }> };
  assert.equal(diff.rows.find((r) => r.key === key), undefined, JSON.stringify(diff.rows.find((r) => r.key === key)));
  // The new value stays: a request queue 100 longer changes nothing for the other tests, and
  // putting it back would be another three-broker roll on CI's two cores.
  await waitForHealthyCluster(admin);
});
