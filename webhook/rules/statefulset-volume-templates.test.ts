import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { makePolicy, makePvc, makeStatefulSet, standardCluster } from '../facts/fake.js';
import { statefulSetVolumeTemplates, type TemplatesFacts } from './statefulset-volume-templates.js';

const request = loadRequest('sts-scale');
const pvcs = [makePvc('data-kafka-0'), makePvc('data-kafka-1', { size: '100Gi', capacity: '120Gi' }), makePvc('data-zookeeper-0', { size: '500Gi' })];

function facts(size: string, beforeSize: string | null): TemplatesFacts {
  return {
    policy: makePolicy(),
    subject: {
      namespace: 'kafka',
      statefulSetName: 'kafka',
      statefulSet: makeStatefulSet('kafka', { volumes: [{ name: 'data', size }] }),
      before: beforeSize === null ? null : makeStatefulSet('kafka', { volumes: [{ name: 'data', size: beforeSize }] }),
    },
    pvcs,
  };
}

describe('statefulset-volume-templates decide', () => {
  it('allows templates at least as large as every existing volume', () => {
    assert.equal(statefulSetVolumeTemplates.decide(request, facts('120Gi', null)).allowed, true);
  });

  it('refuses a CREATE whose template is smaller than existing broker volumes, listing them', () => {
    const verdict = statefulSetVolumeTemplates.decide(request, facts('50Gi', null));
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.reasons[0]?.rule, 'volume-template-shrink');
    assert.match(verdict.outcome.reasons[0]?.message ?? '', /asks for 50Gi, less than existing broker volumes: data-kafka-0 \(100Gi\), data-kafka-1 \(120Gi\)\./);
    assert.doesNotMatch(verdict.outcome.reasons[0]?.message ?? '', /zookeeper/);
  });

  it('refuses an UPDATE that lowers the template', () => {
    assert.equal(statefulSetVolumeTemplates.decide(request, facts('50Gi', '100Gi')).allowed, false);
  });

  it('only warns on an UPDATE that leaves an old mismatch unchanged', () => {
    const verdict = statefulSetVolumeTemplates.decide(request, facts('100Gi', '100Gi'));
    assert.equal(verdict.allowed, true);
    assert.match(verdict.warnings.join('\n'), /volumeClaimTemplate data \(100Gi\) is smaller than 1 existing broker volume/);
  });
});

describe('statefulset-volume-templates locate', () => {
  it('locates broker StatefulSets with templates and gathers the namespace PVCs', async () => {
    const cluster = standardCluster();
    const located = await statefulSetVolumeTemplates.locate(request, cluster);
    assert.ok(located);
    const gathered = await statefulSetVolumeTemplates.gather(request, located, cluster, {} as never);
    assert.equal(gathered.pvcs.length, 3);
  });
});

describe('statefulset-volume-templates and kubectl kafka resize', () => {
  // The resize re-creates the StatefulSet after raising every claim's request; capacities follow later.
  const growing = [makePvc('data-kafka-0', { size: '200Gi', capacity: '100Gi' }), makePvc('data-kafka-1', { size: '200Gi', capacity: '200Gi' })];
  const table: Array<[string, string, string | null, boolean]> = [
    ['re-created larger, claims raised, capacities not yet: admitted', '200Gi', null, true],
    ['re-created at the old size while the claims grow: refused (new brokers would get less)', '100Gi', null, false],
    ['an UPDATE lowering the template below the raised requests: refused', '150Gi', '200Gi', false],
    ['re-created larger than every claim: admitted', '300Gi', null, true],
  ];
  for (const [name, size, before, allowed] of table) {
    it(name, () => {
      const base = facts(size, before);
      const verdict = statefulSetVolumeTemplates.decide(request, { ...base, pvcs: growing });
      assert.equal(verdict.allowed, allowed, JSON.stringify(verdict.outcome));
      if (!allowed) assert.match(JSON.stringify(verdict.outcome), /data-kafka-0 \(200Gi\)/);
    });
  }
});
