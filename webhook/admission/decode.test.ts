import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadReview, type FixtureName } from '../../test/fixtures/admission/load.js';
import { decodeAdmissionReview } from './decode.js';

function refusal(body: unknown): string {
  const result = decodeAdmissionReview(body);
  if (result.ok) assert.fail('expected a decode error');
  return result.error.message;
}

describe('decodeAdmissionReview', () => {
  it('decodes an eviction review into a typed request', () => {
    const result = decodeAdmissionReview(loadReview('eviction'));
    assert.ok(result.ok);
    const request = result.request;
    assert.equal(request.uid, '7f3e2c1a-5b6d-4e8f-9a0b-1c2d3e4f5a61');
    assert.deepEqual(request.kind, { group: 'policy', version: 'v1', kind: 'Eviction' });
    assert.deepEqual(request.resource, { group: '', version: 'v1', resource: 'pods' });
    assert.equal(request.subResource, 'eviction');
    assert.equal(request.name, 'kafka-1');
    assert.equal(request.namespace, 'kafka');
    assert.equal(request.operation, 'CREATE');
    assert.equal(request.userInfo.username, 'kubernetes-admin');
    assert.deepEqual(request.userInfo.groups, ['system:masters', 'system:authenticated']);
    assert.equal(request.oldObject, null);
    assert.equal(request.dryRun, false);
  });

  // kubectl drain --dry-run=server: the flag is inside the Eviction, the review's own is false.
  const dryRuns: Array<[string, FixtureName, (r: ReturnType<typeof loadReview>) => void, boolean]> = [
    ['an Eviction with deleteOptions.dryRun ["All"]', 'eviction', (r) => (r.request.object.deleteOptions = { dryRun: ['All'] }), true],
    ['an Eviction with an empty deleteOptions.dryRun', 'eviction', (r) => (r.request.object.deleteOptions = { dryRun: [] }), false],
    ['an Eviction with deleteOptions but no dryRun', 'eviction', (r) => (r.request.object.deleteOptions = { gracePeriodSeconds: 0 }), false],
    ['a DELETE whose options carry dryRun ["All"]', 'pod-delete', (r) => (r.request.options = { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', dryRun: ['All'] }), true],
    ['the review flag itself', 'pod-delete', (r) => (r.request.dryRun = true), true],
  ];
  for (const [name, fixture, edit, expected] of dryRuns) {
    it(`reads a dry run from ${name}: ${expected}`, () => {
      const review = loadReview(fixture);
      edit(review);
      const result = decodeAdmissionReview(review);
      assert.ok(result.ok);
      assert.equal(result.request.dryRun, expected);
    });
  }

  it('normalises an empty subResource and namespace to null', () => {
    const review = loadReview('pod-delete');
    review.request.subResource = '';
    const result = decodeAdmissionReview(review);
    assert.ok(result.ok);
    assert.equal(result.request.subResource, null);

    const clusterScoped = loadReview('policy-create');
    delete clusterScoped.request.namespace;
    const scoped = decodeAdmissionReview(clusterScoped);
    assert.ok(scoped.ok);
    assert.equal(scoped.request.namespace, null);
  });

  const table: Array<[string, (review: Record<string, any>) => unknown, RegExp]> = [
    ['a body that is an array', () => [], /must be a JSON object .* got an array of 0/],
    ['a body that is a string', () => 'hello', /got string "hello"/],
    ['admission.k8s.io/v1beta1', (r) => ((r.apiVersion = 'admission.k8s.io/v1beta1'), r), /apiVersion is string "admission.k8s.io\/v1beta1"; kafka-guard accepts only admission.k8s.io\/v1/],
    ['another kind', (r) => ((r.kind = 'ConversionReview'), r), /kind is string "ConversionReview"; expected "AdmissionReview"/],
    ['no request', (r) => (delete r.request, r), /request is nothing; expected an object/],
    ['a missing uid', (r) => (delete r.request.uid, r), /request.uid is nothing; expected a non-empty string/],
    ['an empty uid', (r) => ((r.request.uid = ''), r), /request.uid is string ""/],
    ['a numeric uid', (r) => ((r.request.uid = 42), r), /request.uid is number 42/],
    ['a kind without kind', (r) => (delete r.request.kind.kind, r), /request.kind.kind is nothing/],
    ['a kind that is a string', (r) => ((r.request.kind = 'Pod'), r), /request.kind is string "Pod"; expected an object/],
    ['a resource without version', (r) => (delete r.request.resource.version, r), /request.resource.version is nothing/],
    ['an unknown operation', (r) => ((r.request.operation = 'PATCH'), r), /request.operation is string "PATCH"; expected one of CREATE, UPDATE, DELETE, CONNECT/],
    ['an object that is a list', (r) => ((r.request.object = [1]), r), /request.object is an array of 1; expected an object/],
    ['dryRun that is a string', (r) => ((r.request.dryRun = 'true'), r), /request.dryRun is string "true"; expected true or false/],
  ];
  for (const [name, build, message] of table) {
    it(`refuses ${name}`, () => {
      assert.match(refusal(build(loadReview('eviction'))), message);
    });
  }

  it('lists every problem, not only the first', () => {
    const review = loadReview('eviction');
    delete review.request.uid;
    review.request.operation = 'PATCH';
    const message = refusal(review);
    assert.match(message, /request.uid/);
    assert.match(message, /request.operation/);
  });

  it('shortens long values in messages', () => {
    const review = loadReview('eviction');
    review.request.uid = 7;
    review.apiVersion = 'x'.repeat(500);
    assert.ok(refusal(review).length < 400);
  });
});
