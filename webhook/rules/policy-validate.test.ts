import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest, type Review } from '../../test/fixtures/admission/load.js';
import { standardCluster } from '../facts/fake.js';
import { policyValidate } from './policy-validate.js';

async function verdictFor(edit?: (review: Review) => void) {
  const request = loadRequest('policy-create', edit);
  const located = await policyValidate.locate(request, standardCluster());
  assert.ok(located);
  return policyValidate.decide(request, await policyValidate.gather(request, located, standardCluster(), {} as never));
}

describe('policy-validate', () => {
  it('admits the fixture policy', async () => {
    assert.equal((await verdictFor()).allowed, true);
  });

  it('refuses an empty bootstrap list with 422 and names the field', async () => {
    const verdict = await verdictFor((r) => (r.request.object.spec.kafka.bootstrapServers = []));
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.code, 422);
    assert.equal(verdict.outcome.statusReason, 'Invalid');
    assert.equal(verdict.outcome.summary, 'kafka-guard refused KafkaGuardPolicy kafka/kafka: it is invalid.');
    assert.match(verdict.outcome.reasons[0]?.message ?? '', /spec\.kafka\.bootstrapServers/);
  });

  it('refuses a typo in a field name instead of ignoring it', async () => {
    const verdict = await verdictFor((r) => (r.request.object.spec.gaurds = { eviction: false }));
    assert.equal(verdict.allowed, false);
    assert.match(verdict.outcome.kind === 'deny' ? verdict.outcome.reasons[0]?.message ?? '' : '', /gaurds/);
  });

  it('is not switched off by the policy itself', () => {
    assert.equal(policyValidate.guard, null);
  });
});
