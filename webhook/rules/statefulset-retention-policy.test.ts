import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { makeStatefulSet, standardCluster } from '../facts/fake.js';
import { statefulSetRetentionPolicy, type RetentionFacts } from './statefulset-retention-policy.js';

const request = loadRequest('sts-scale');

function facts(now: { whenDeleted?: string; whenScaled?: string }, before: { whenDeleted?: string; whenScaled?: string } | null): RetentionFacts {
  return {
    namespace: 'kafka',
    statefulSetName: 'kafka',
    statefulSet: makeStatefulSet('kafka', { retention: now }),
    before: before === null ? null : makeStatefulSet('kafka', { retention: before }),
  };
}

describe('statefulset-retention-policy decide', () => {
  const table: Array<[string, RetentionFacts, string[], number]> = [
    ['Retain everywhere', facts({ whenDeleted: 'Retain', whenScaled: 'Retain' }, null), [], 0],
    ['a new StatefulSet deleting on scale-down', facts({ whenScaled: 'Delete' }, null), ['whenScaled'], 0],
    ['a new StatefulSet deleting on both', facts({ whenDeleted: 'Delete', whenScaled: 'Delete' }, null), ['whenDeleted', 'whenScaled'], 0],
    ['an update switching to Delete', facts({ whenDeleted: 'Delete' }, { whenDeleted: 'Retain' }), ['whenDeleted'], 0],
    ['an update keeping an old Delete', facts({ whenDeleted: 'Delete' }, { whenDeleted: 'Delete' }), [], 1],
  ];
  for (const [name, input, refusedFields, warnings] of table) {
    it(`${refusedFields.length > 0 ? 'refuses' : 'allows'} ${name}`, () => {
      const verdict = statefulSetRetentionPolicy.decide(request, input);
      const messages = verdict.outcome.kind === 'deny' ? verdict.outcome.reasons.map((r) => r.message) : [];
      assert.equal(messages.length, refusedFields.length);
      refusedFields.forEach((field, i) => assert.match(messages[i] ?? '', new RegExp(`persistentVolumeClaimRetentionPolicy.${field} is Delete`)));
      assert.equal(verdict.warnings.length, warnings);
    });
  }
});

describe('statefulset-retention-policy locate', () => {
  it('does no lookup unless Delete is set', async () => {
    const cluster = standardCluster();
    assert.equal(await statefulSetRetentionPolicy.locate(request, cluster), null);
    assert.deepEqual(cluster.calls, []);
    const deleting = loadRequest('sts-scale', (r) => (r.request.object.spec.persistentVolumeClaimRetentionPolicy.whenScaled = 'Delete'));
    assert.ok(await statefulSetRetentionPolicy.locate(deleting, cluster));
  });
});
