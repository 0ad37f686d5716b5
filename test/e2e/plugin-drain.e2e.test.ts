/**
 * kubectl kafka scale, drain (with eviction; interrupted with Ctrl-C, killed
 * mid-way and resumed) and rebalance, against the sandbox, with real data.
 *
 * Every RF 3 partition of a 3-broker cluster has a replica on every broker, so
 * no broker can be drained there: the tests first scale the StatefulSet to 4
 * brokers (scale up + rebalance), drain on 4, and end by scaling back to 3
 * (scale down: drain broker 3, scale, delete its volume) and rebalancing, so
 * the next test file starts from 3 healthy brokers with replicas spread.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { consumeAll, createTopicsLed, eventually, kafkaClient, kubectl, NAMESPACE, produceNumbered, removeTopics, uniqueName, waitForHealthyCluster } from './helpers.js';
import {
  applyTestPolicy,
  deleteTestPolicy,
  expectPlugin,
  partitionsOn,
  podOf,
  replicasOf,
  runPlugin,
  startPlugin,
  throttlesLeft,
  waitForBrokers,
} from './plugin-helpers.js';

const kafka = kafkaClient('e2e-plugin-drain');
const admin = kafka.admin();
const rf3 = uniqueName('drain-rf3');
const rf1 = uniqueName('drain-rf1');
const bigA = uniqueName('drain-big-a');
const bigB = uniqueName('drain-big-b');
const MESSAGES = 2000;
/** 10 KB each: 4 MB per partition of the big topics. */
const BIG_MESSAGES = 800;

async function readsEverything(topics: Array<[string, number]>): Promise<void> {
  for (const [topic, count] of topics) {
    const values = await consumeAll(kafka, topic, count, 90_000);
    assert.equal(new Set(values).size, count, `${topic}: read ${new Set(values).size} distinct of ${count}`);
  }
}

/** A topic with 4 MB in each of 2 partitions, led by broker 2: a follower fetches up to 1 MiB
 * per partition at once, then waits out the throttle's window, so a slow throttle keeps it moving. */
async function fillBroker2(topic: string): Promise<void> {
  await createTopicsLed(admin, [{ topic, replicaAssignment: [{ partition: 0, replicas: [2, 0] }, { partition: 1, replicas: [2, 1] }] }]);
  const producer = kafka.producer();
  await producer.connect();
  const padding = 'x'.repeat(10_000);
  for (let i = 0; i < BIG_MESSAGES / 10; i += 1) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, j) => ({ partition: j % 2, value: `${i}-${j}-${padding}` })) });
  }
  await producer.disconnect();
}

async function stsReplicas(): Promise<number> {
  return Number((await kubectl(['get', 'statefulset', 'kafka', '-n', NAMESPACE, '-o', 'jsonpath={.spec.replicas}'])).stdout);
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
  await createTopicsLed(admin, [
      { topic: rf3, numPartitions: 4, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      { topic: rf1, numPartitions: 3, replicationFactor: 1 },
    ]);
  await produceNumbered(kafka, rf3, MESSAGES);
  await produceNumbered(kafka, rf1, MESSAGES);
});

after(async () => {
  // Whatever happened above, leave 3 brokers with replicas spread for the next file.
  if ((await stsReplicas()) !== 3) await runPlugin(['scale', 'kafka', '--replicas', '3', '--delete-volumes', '--yes']);
  await removeTopics(admin, [rf3, rf1, bigA, bigB]);
  await runPlugin(['throttles', '--clear', '--yes']);
  await deleteTestPolicy();
  await waitForHealthyCluster(admin).catch(() => undefined);
  await admin.disconnect();
});

test('scale kafka --replicas 4: the new broker registers and replicas are rebalanced onto it', async () => {
  const run = await expectPlugin(['scale', 'kafka', '--replicas', '4', '--yes', '-o', 'json'], 0);
  const result = JSON.parse(run.stdout) as { direction: string; rebalance: { reassignment: { partitions: number } } };
  assert.equal(result.direction, 'up');
  assert.ok(result.rebalance.reassignment.partitions > 0, run.stderr);
  await waitForBrokers(admin, 4);
  assert.ok((await partitionsOn(admin, 3)).length > 0, 'broker 3 got replicas');
  assert.deepEqual(await throttlesLeft(admin), []);
});

test('drain kafka-2 --evict: no replica left on broker 2, the eviction goes through, every message readable, no throttle left', async () => {
  assert.ok((await partitionsOn(admin, 2)).length > 0);
  const before = await podOf('kafka-2');
  const run = await expectPlugin(['drain', 'kafka-2', '--evict', '--yes', '--throttle', '10MiB/s', '--max-moves-per-broker', '10'], 0);
  assert.match(run.stdout, /evicted pod kafka-2/);
  assert.match(run.stderr, /batch 1 of \d+/);
  assert.deepEqual(await partitionsOn(admin, 2), []);
  const after = await podOf('kafka-2');
  assert.notEqual(after?.metadata?.uid, before?.metadata?.uid, 'kafka-2 was evicted and recreated');
  assert.deepEqual(await throttlesLeft(admin), []);
  await waitForBrokers(admin, 4);
  await readsEverything([[rf3, MESSAGES], [rf1, MESSAGES]]);
  await expectPlugin(['rebalance', '--yes'], 0);
});

test('drain interrupted (Ctrl-C, then SIGKILL) and run again: throttles cleared on Ctrl-C, in-flight reassignments picked up, completes, no throttle left', async () => {
  // While a partition is reassigned, Metadata lists its old and new replicas together
  // (kafkajs's listPartitionReassignments answers empty against this Kafka, so it is not used).
  const moving = async (topic: string) => Object.values(await replicasOf(admin, [topic])).some((replicas) => replicas.length > 2);
  async function interruptDrain(topic: string, signal: 'SIGINT' | 'SIGKILL'): Promise<{ code: number | null; output: string }> {
    await fillBroker2(topic);
    // One batch and a slow throttle, so the topic's partitions are in flight when the signal comes.
    const child = startPlugin(['drain', 'kafka-2', '--yes', '--throttle', '64KiB/s', '--max-moves-per-broker', '1000']);
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await eventually(`the drain to move ${topic}`, () => moving(topic), 120_000, 250).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${error instanceof Error ? error.message : String(error)}; the plugin said:\n${output}`);
    });
    await sleep(1000);
    child.kill(signal);
    return { code: await exited, output };
  }

  // Ctrl-C: the plugin removes its throttle and exits 130; the reassignment keeps running.
  const interrupted = await interruptDrain(bigA, 'SIGINT');
  assert.equal(interrupted.code, 130, interrupted.output);
  assert.match(interrupted.output, /interrupted: replication throttles cleared/);
  assert.deepEqual(await throttlesLeft(admin), []);
  // Killed outright: nothing cleans up, the batch's throttle stays and the move goes on.
  await interruptDrain(bigB, 'SIGKILL');
  assert.ok(await moving(bigB), `${bigB} is still moving after the kill`);
  assert.notDeepEqual(await throttlesLeft(admin), [], 'the killed run left its throttle (the next run must remove it)');

  const run = await expectPlugin(['drain', 'kafka-2', '--yes'], 0);
  assert.match(run.stderr, /already in flight are picked up/);
  assert.match(run.stderr, /removed throttles an earlier run left/);
  assert.deepEqual(await partitionsOn(admin, 2), []);
  assert.deepEqual(await throttlesLeft(admin), []);
  assert.equal(await moving(bigB), false);
  await readsEverything([[bigA, BIG_MESSAGES], [bigB, BIG_MESSAGES], [rf3, MESSAGES], [rf1, MESSAGES]]);
});

test('scale kafka --replicas 3 --delete-volumes: broker 3 is drained, its pod and volume go, it is unregistered', async () => {
  await expectPlugin(['rebalance', '--yes'], 0);
  const run = await expectPlugin(['scale', 'kafka', '--replicas', '3', '--delete-volumes', '--yes', '-o', 'json'], 0);
  const result = JSON.parse(run.stdout) as { direction: string; deletedClaims: string[]; unregistered: { unregistered: number[] } };
  assert.equal(result.direction, 'down');
  assert.deepEqual(result.deletedClaims, ['data-kafka-3']);
  assert.deepEqual(result.unregistered.unregistered, [3]);
  assert.equal(await stsReplicas(), 3);
  assert.equal(await podOf('kafka-3'), undefined);
  const claim = await kubectl(['get', 'pvc', 'data-kafka-3', '-n', NAMESPACE, '--ignore-not-found', '-o', 'name']);
  assert.equal(claim.stdout.trim(), '');
  await expectPlugin(['rebalance', '--yes'], 0);
  await waitForHealthyCluster(admin);
  const replicas = await replicasOf(admin, [rf3, rf1, bigA, bigB]);
  assert.ok(Object.values(replicas).every((r) => !r.includes(3)));
  // Replicas spread: every broker holds some of the RF 1 partitions again or of the rest.
  for (const broker of [0, 1, 2]) assert.ok((await partitionsOn(admin, broker)).length > 0, `broker ${broker} holds replicas`);
  await readsEverything([[rf3, MESSAGES], [rf1, MESSAGES], [bigA, BIG_MESSAGES], [bigB, BIG_MESSAGES]]);
});

test('scale kafka --replicas 2 is refused while RF 3 partitions need 3 brokers: exit 1, nothing changed', async () => {
  const before = await replicasOf(admin, [rf3, rf1]);
  const run = await expectPlugin(['scale', 'kafka', '--replicas', '2', '--yes'], 1);
  assert.match(run.stderr, /cannot scale kafka to 2: Cannot drain broker 2: \d+ partitions would need more brokers than are left .*Nothing was changed/);
  assert.equal(await stsReplicas(), 3);
  assert.deepEqual(await replicasOf(admin, [rf3, rf1]), before);
});
