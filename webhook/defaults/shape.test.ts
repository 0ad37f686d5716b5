import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import jsonPatch from 'fast-json-patch';
import { cloneJson } from './shape.js';

describe('cloneJson', () => {
  it('copies every JSON value deeply: equal to the original, sharing no object with it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = cloneJson(value);
        assert.deepStrictEqual(copy, value);
        const shared = (a: unknown, b: unknown): boolean =>
          typeof a === 'object' && a !== null && (a === b || Object.keys(a).some((k) => shared((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])));
        assert.equal(shared(copy, value), false);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a "__proto__" key as an own data property, and the copy an ordinary object', () => {
    const original = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"},"app":"kafka"}}}') as { metadata: { labels: Record<string, unknown> } };
    const copy = cloneJson(original);
    assert.deepEqual(Object.keys(copy.metadata.labels), ['__proto__', 'app']);
    assert.equal(Object.getPrototypeOf(copy.metadata.labels), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    // What the defaults rely on: an untouched copy diffs to no patch at all.
    assert.deepEqual(jsonPatch.compare(original, copy), []);
  });

  it('changing the copy leaves the original as it was', () => {
    const original = { spec: { template: { spec: { containers: [{ name: 'kafka', env: [{ name: 'A', value: '1' }] }] } } } };
    const copy = cloneJson(original);
    copy.spec.template.spec.containers[0]!.env.push({ name: 'B', value: '2' });
    assert.equal(original.spec.template.spec.containers[0]!.env.length, 1);
  });
});
