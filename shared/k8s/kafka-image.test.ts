import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { imageParts, templateKafkaVersion, versionOfImage } from './kafka-image.js';

describe('versionOfImage', () => {
  const cases: Array<[string, string | null]> = [
    ['apache/kafka:4.1.1', '4.1.1'],
    ['docker.io/apache/kafka-native:4.0.2', '4.0.2'],
    ['registry.local:5000/mirror/apache/kafka:3.9.1@sha256:abcd', '3.9.1'],
    ['bitnami/kafka:4.0.0-debian-12-r3', '4.0.0'],
    ['bitnamilegacy/kafka:3.9', '3.9'],
    ['quay.io/strimzi/kafka:0.45.0-kafka-3.9.0', '3.9.0'],
    ['apache/kafka', null],
    ['apache/kafka:latest', null],
    ['apache/kafka@sha256:abcd', null],
    ['confluentinc/cp-kafka:7.6.0', null],
    ['busybox:1.36', null],
    ['apache/kafka:4294967296.1.1', null],
    ['', null],
  ];
  for (const [image, want] of cases) {
    test(`${JSON.stringify(image)} -> ${String(want)}`, () => assert.equal(versionOfImage(image)?.text ?? null, want));
  }
  test('imageParts keeps a registry port out of the tag', () => {
    assert.deepEqual(imageParts('registry.local:5000/kafka'), { name: 'kafka', tag: null });
  });
});

describe('templateKafkaVersion', () => {
  const template = (image: string, annotations: Record<string, string> = {}) => ({
    metadata: { annotations },
    spec: { containers: [{ name: 'sidecar', image: 'busybox:1' }, { name: 'kafka', image }] },
  });

  test('the named container, else the first', () => {
    const named = templateKafkaVersion(template('apache/kafka:4.1.1'), { containerName: 'kafka' });
    assert.ok(named.known && named.version.text === '4.1.1' && named.from === 'image apache/kafka:4.1.1');
    assert.equal(templateKafkaVersion(template('apache/kafka:4.1.1'), {}).known, false, 'the first container is busybox');
    const missing = templateKafkaVersion(template('apache/kafka:4.1.1'), { containerName: 'broker' });
    assert.ok(!missing.known && /no container broker/.test(missing.reason));
  });

  test('the policy\'s annotation wins over the tag; a bad value is unknown, never guessed', () => {
    const a = templateKafkaVersion(template('corp/kafka-custom:build-77', { 'example.com/kafka-version': '4.0.2' }), { containerName: 'kafka', versionAnnotation: 'example.com/kafka-version' });
    assert.ok(a.known && a.version.text === '4.0.2' && a.from === 'annotation example.com/kafka-version');
    const bad = templateKafkaVersion(template('apache/kafka:4.1.1', { v: 'four' }), { containerName: 'kafka', versionAnnotation: 'v' });
    assert.ok(!bad.known && /"four" is not a Kafka version/.test(bad.reason));
  });

  test('an unknown image says how to name the version', () => {
    const r = templateKafkaVersion(template('corp/broker:77'), { containerName: 'kafka' });
    assert.ok(!r.known && /spec\.brokers\.versionAnnotation/.test(r.reason));
  });
});
