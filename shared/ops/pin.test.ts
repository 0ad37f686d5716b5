import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withoutPin, withPin } from './pin.js';

const pinExpr = { key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b1'] };

describe('withPin / withoutPin', () => {
  test('adds a required node term when there is none, and takes it out to nothing', () => {
    const antiAffinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } };
    const pinned = withPin(antiAffinity, 'node-b1');
    assert.deepEqual(pinned.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchExpressions: [pinExpr] }]);
    assert.deepEqual(pinned.podAntiAffinity, antiAffinity.podAntiAffinity);
    assert.deepEqual(withoutPin(pinned, 'node-b1'), antiAffinity);
    assert.equal(withoutPin(withPin(undefined, 'node-b1'), 'node-b1'), undefined);
  });

  test('ANDs the pin into every existing term (terms are ORed) and restores them exactly', () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'pool', operator: 'In', values: ['kafka'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-b1'] }] },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
      },
    };
    const pinned = withPin(affinity, 'node-b1');
    const terms = pinned.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    assert.equal(terms.length, 2);
    assert.ok(terms.every((t) => t.matchExpressions?.some((e) => e.key === 'kubernetes.io/hostname')));
    assert.deepEqual(withoutPin(pinned, 'node-b1'), affinity);
    assert.deepEqual(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchExpressions?.length, 1, 'input not mutated');
  });
});
