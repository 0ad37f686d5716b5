import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectReport, kafkaFiles, logDirSizesOf, redactEnvVar, redactObject, scrubText } from './report.js';

describe('redactObject', () => {
  const cases: Array<{ name: string; input: unknown; expected: unknown }> = [
    {
      name: 'a Secret keeps its name, type and keys only',
      input: { kind: 'Secret', metadata: { name: 's', namespace: 'kafka', annotations: { a: 'b' } }, type: 'Opaque', data: { password: 'c2VjcmV0' }, stringData: { user: 'u' } },
      expected: { kind: 'Secret', metadata: { name: 's', namespace: 'kafka' }, type: 'Opaque', keys: ['password', 'user'] },
    },
    {
      name: 'last-applied-configuration and managedFields go',
      input: { metadata: { name: 'kafka', managedFields: [{ manager: 'x' }], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"x"}}', keep: 'yes' } } },
      expected: { metadata: { name: 'kafka', annotations: { keep: 'yes' } } },
    },
    {
      name: 'secretKeyRef env keeps the reference only, plain env stays',
      input: { spec: { containers: [{ env: [{ name: 'P', value: 'leak', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } }, { name: 'A', value: '1' }] }] } },
      expected: { spec: { containers: [{ env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } }, { name: 'A', value: '1' }] }] } },
    },
    {
      name: 'Secrets nested in a list are reduced too',
      input: [{ kind: 'Secret', metadata: { name: 't' }, data: { 'tls.key': 'S0VZ' } }, 3, null],
      expected: [{ kind: 'Secret', metadata: { name: 't', namespace: undefined }, type: undefined, keys: ['tls.key'] }, 3, null],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(redactObject(c.input), c.expected));

  it('does not change its input', () => {
    const input = { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x' } } };
    redactObject(input);
    assert.equal(input.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], 'x');
  });

  it('redactEnvVar leaves a configMapKeyRef alone', () => {
    const env = { name: 'C', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } };
    assert.deepEqual(redactEnvVar(env), env);
  });
});

describe('scrubText', () => {
  const cases: Array<[string, string[], string]> = [
    ['user=admin password=hunter22 done', ['hunter22'], 'user=admin password=<redacted> done'],
    ['a hunter22 b hunter22', ['hunter22'], 'a <redacted> b <redacted>'],
    ['short abc stays', ['abc'], 'short abc stays'],
    ['nothing', [], 'nothing'],
  ];
  for (const [text, secrets, expected] of cases) it(`${text} -> ${expected}`, () => assert.equal(scrubText(text, secrets), expected));
});

describe('collectReport', () => {
  it('a failing part becomes an error note and the others are kept', async () => {
    const { files, manifest } = await collectReport(
      [
        { name: 'pods', collect: async () => [{ path: 'kubernetes/pods.json', content: '[]\n' }] },
        { name: 'kafka', collect: async () => { throw new Error('connect ECONNREFUSED 10.0.0.1:9092 (secret pw1234)'); } },
      ],
      new Date('2026-12-03T14:00:00Z'),
      'kafka',
      ['pw1234'],
    );
    assert.deepEqual(manifest.failed, ['kafka']);
    assert.deepEqual(manifest.files, ['README.txt', 'kubernetes/pods.json', 'errors/kafka.txt', 'manifest.json']);
    const note = files.find((f) => f.path === 'errors/kafka.txt');
    assert.match(note?.content ?? '', /ECONNREFUSED/);
    assert.doesNotMatch(files.map((f) => f.content).join(''), /pw1234/);
    assert.equal(JSON.parse(files.at(-1)?.content ?? '').parts[1].ok, false);
  });
});

describe('kafkaFiles', () => {
  it('lists under-replicated partitions and reassignments in flight', () => {
    const p = (partition: number, replicas: number[], isr: number[], adding: number[] = []) => ({ topic: 't', partition, replicas, isr, leader: replicas[0] ?? -1, addingReplicas: adding, removingReplicas: [] });
    const files = kafkaFiles({
      clusterId: 'c', controllerId: 1, brokers: [{ id: 0 }, { id: 1 }, { id: 2 }],
      topics: [{ name: 't', partitions: [p(0, [0, 1, 2], [0, 1, 2]), p(1, [0, 1, 2], [0, 1]), p(2, [0, 1, 2, 3], [0, 1, 2], [3])] }],
      throttles: { brokers: [], topics: [] }, logDirSizes: null,
    });
    const byPath = new Map(files.map((f) => [f.path, JSON.parse(f.content)]));
    assert.deepEqual(byPath.get('kafka/under-replicated-partitions.json').map((x: { partition: number }) => x.partition), [1, 2]);
    assert.deepEqual(byPath.get('kafka/reassignments.json').map((x: { partition: number }) => x.partition), [2]);
    assert.equal(byPath.get('kafka/cluster.json').brokers.length, 3);
    assert.equal(byPath.get('kafka/cluster.json').partitions, 3);
  });
});

describe('logDirSizesOf', () => {
  it('sums replica bytes per broker and keeps the file system space', () => {
    const out = logDirSizesOf({ ok: true, sizes: new Map([[0, new Map([['t-0', 10], ['t-1', 5]])]]), space: new Map([[0, { totalBytes: 100, usableBytes: 60 }]]) });
    assert.deepEqual(out, { ok: true, brokers: [{ broker: 0, replicaBytes: 15, replicas: { 't-0': 10, 't-1': 5 }, totalBytes: 100, usableBytes: 60 }] });
    assert.deepEqual(logDirSizesOf({ ok: false, reason: 'old broker' }), { ok: false, reason: 'old broker' });
    assert.equal(logDirSizesOf(null), null);
  });
});
