import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { makePolicy, makePvc, standardCluster } from '../facts/fake.js';
import { pvcShrink } from './pvc-shrink.js';

function update(before: { size: string; capacity?: string }, afterSize: string) {
  return loadRequest('pvc-delete', (r) => {
    r.request.operation = 'UPDATE';
    r.request.oldObject = makePvc('data-kafka-2', before);
    r.request.object = makePvc('data-kafka-2', { size: afterSize, ...(before.capacity ? { capacity: before.capacity } : { capacity: before.size }) });
  });
}

describe('pvc-shrink decide', () => {
  const cases: Array<[string, { size: string; capacity?: string }, string, 'allow' | 'deny', RegExp | null]> = [
    ['growing', { size: '100Gi' }, '200Gi', 'allow', null],
    ['unchanged', { size: '100Gi' }, '100Gi', 'allow', null],
    ['shrinking below the capacity', { size: '100Gi' }, '50Gi', 'deny', /data-kafka-2 would shrink from 100Gi to 50Gi/],
    ['the same size in other units', { size: '100Gi' }, '107374182400', 'allow', null],
    ['a decimal unit below the binary one', { size: '100Gi' }, '100G', 'deny', /from 100Gi to 93.1Gi/],
    ['recovering from a failed expansion above the capacity', { size: '200Gi', capacity: '100Gi' }, '150Gi', 'allow', /recovery from a failed expansion/],
    ['recovering below the capacity', { size: '200Gi', capacity: '100Gi' }, '80Gi', 'deny', /from 100Gi to 80Gi/],
  ];
  for (const [name, before, after, expected, text] of cases) {
    it(`${expected === 'allow' ? 'allows' : 'refuses'} ${name}`, () => {
      const request = update(before, after);
      const facts = { policy: makePolicy(), namespace: 'kafka', pvcName: 'data-kafka-2', before: request.oldObject ?? {}, after: request.object ?? {} };
      const verdict = pvcShrink.decide(request, facts);
      assert.equal(verdict.allowed, expected === 'allow');
      if (text === null) return;
      const said = verdict.outcome.kind === 'deny' ? verdict.outcome.reasons.map((r) => r.message).join('\n') : verdict.warnings.join('\n');
      assert.match(said, text);
    });
  }
});

describe('pvc-shrink locate', () => {
  it('skips updates that do not lower the request, without lookups', async () => {
    const cluster = standardCluster();
    assert.equal(await pvcShrink.locate(update({ size: '100Gi' }, '200Gi'), cluster), null);
    assert.deepEqual(cluster.calls, []);
  });

  it('locates a lowered broker volume', async () => {
    const located = await pvcShrink.locate(update({ size: '100Gi' }, '50Gi'), standardCluster());
    assert.equal(located?.subject.volume.podName, 'kafka-2');
  });
});
