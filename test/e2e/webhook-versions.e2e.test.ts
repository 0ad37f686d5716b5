/**
 * The Kafka version guard, through the real apiserver and brokers: a
 * `kubectl set image` of the broker StatefulSet to a release that cannot run
 * the cluster's finalized metadata.version is refused, naming the level and
 * the safe way; an image whose version cannot be read warns and is admitted;
 * the same version under another registry name is admitted without a word.
 * Server-side dry runs: the webhook decides, nothing changes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kafkaClient, kubectl, NAMESPACE, waitForHealthyCluster } from './helpers.js';
import { levelName, levelsOf, parseKafkaVersion, RELEASE_LEVELS } from '../../shared/kafka/features.js';
import { versionOfImage } from '../../shared/k8s/kafka-image.js';

const kafka = kafkaClient('e2e-versions');
const admin = kafka.admin();
let image = '';

async function finalizedLevel(): Promise<number> {
  const out = await kubectl(['get', 'sts', 'kafka', '-n', NAMESPACE, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
  image = out.stdout.trim();
  const version = versionOfImage(image) ?? assert.fail(`the sandbox image ${image} names no version`);
  const levels = levelsOf(version);
  assert.ok(levels.known);
  return levels.max; // the sandbox formats its storage at its release's newest level
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
});

after(async () => {
  await admin.disconnect();
});

const setImage = (to: string) => kubectl(['set', 'image', 'statefulset/kafka', `kafka=${to}`, '-n', NAMESPACE, '--dry-run=server']);

test('kubectl set image to a release below the finalized metadata.version is refused, naming it and the safe way', async () => {
  const level = await finalizedLevel();
  const older = [...RELEASE_LEVELS].reverse().find((r) => r.max < level);
  assert.ok(older !== undefined, `no release in the table runs below ${level}`);
  const target = `apache/kafka:${older.release}.0`;
  const res = await setImage(target);
  assert.notEqual(res.code, 0, `kubectl set image ${target} was admitted:\n${res.stdout}`);
  assert.match(res.stderr, new RegExp(`finalized metadata\\.version ${levelName(level).replace(/[().]/g, '\\$&')}`));
  assert.match(res.stderr, new RegExp(`Kafka ${older.release}\\.0 .*runs at most ${older.max}`));
  assert.match(res.stderr, /kubectl kafka upgrade/);
  console.log(`refusal: ${res.stderr.trim().split('\n')[0]}`);
});

test('an image whose version cannot be read is admitted with a warning; the same version elsewhere, silently', async () => {
  await finalizedLevel();
  const unknown = await setImage('registry.example/corp/kafka-broker:build-77');
  assert.equal(unknown.code, 0, unknown.stderr);
  assert.match(unknown.stderr, /Warning: kafka-guard: the Kafka version of the broker image was not checked/);
  const version = versionOfImage(image)?.text ?? '';
  assert.ok(parseKafkaVersion(version) !== null);
  const same = await setImage(`mirror.example:5000/apache/kafka:${version}`);
  assert.equal(same.code, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /kafka-guard/);
});

test('kubectl set env of the brokers\' id or data directory is refused naming the setting; other settings pass', async () => {
  const setEnv = (...pairs: string[]) => kubectl(['set', 'env', 'statefulset/kafka', ...pairs, '-n', NAMESPACE, '--dry-run=server']);
  const id = await setEnv('KAFKA_NODE_ID=7');
  assert.notEqual(id.code, 0, `kubectl set env KAFKA_NODE_ID=7 was admitted:\n${id.stdout}`);
  assert.match(id.stderr, /changes the brokers' identity or data directory/);
  // The sandbox's StatefulSet sets KAFKA_NODE_ID from the pod-index label: the refusal shows that source.
  assert.match(id.stderr, /node\.id \(KAFKA_NODE_ID\) goes from (unset|valueFrom \{.*pod-index.*\}) to "7"/);
  assert.match(id.stderr, /put KAFKA_NODE_ID back as it was/);
  const dirs = await setEnv('KAFKA_LOG_DIRS=/elsewhere');
  assert.notEqual(dirs.code, 0, dirs.stdout);
  assert.match(dirs.stderr, /log\.dirs \(KAFKA_LOG_DIRS\) goes from .* to "\/elsewhere": .*start on an empty directory/);
  const other = await setEnv('KAFKA_NUM_IO_THREADS=9');
  assert.equal(other.code, 0, other.stderr);
  console.log(`refusal: ${id.stderr.trim().split('\n')[0]}`);
});
