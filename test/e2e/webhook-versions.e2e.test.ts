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
