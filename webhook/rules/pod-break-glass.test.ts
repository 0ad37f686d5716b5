import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import type { BreakGlassSpec } from '../../shared/policy/types.js';
import type { AdmissionRequest, UserInfo } from '../admission/types.js';
import type { AdmissionVerdict, BreakGlassSetting } from '../admission/verdict.js';
import { FakeCluster, makePod, standardCluster, type PolicyOptions } from '../facts/fake.js';
import { createMetrics } from '../metrics.js';
import { classify, decide, type EngineDeps, type RouteRules } from './engine.js';
import { VALIDATING_RULES } from './index.js';
import { setsBreakGlass } from './pod-break-glass.js';

const BREAK_GLASS = 'kafkaguard.io/allow-disruption';
const validate: RouteRules = { route: 'validate', rules: VALIDATING_RULES, onError: 'deny' };

const ALICE: UserInfo = { username: 'alice', uid: null, groups: ['system:authenticated'] };
const CAROL_SRE: UserInfo = { username: 'carol', uid: null, groups: ['sre', 'system:authenticated'] };
const ONCALL_SA: UserInfo = {
  username: 'system:serviceaccount:ops:oncall-bot', uid: null, groups: ['system:serviceaccounts', 'system:serviceaccounts:ops', 'system:authenticated'],
};

/** A pod UPDATE of kafka-1 (from the pod-delete fixture) by `user`, from `before` to `after` annotations. */
function annotate(user: UserInfo, after: Record<string, string>, before: Record<string, string> = {}, edit: (r: { dryRun?: boolean }) => void = () => undefined): AdmissionRequest {
  return loadRequest('pod-delete', (review) => {
    const r = review.request;
    r.operation = 'UPDATE';
    r.userInfo = user;
    r.oldObject.metadata.annotations = { ...before };
    r.oldObject.metadata.uid = 'uid-kafka-1'; // the fake cluster's kafka-1

    r.object = structuredClone(r.oldObject);
    r.object.metadata.annotations = { ...after };
    edit(r);
  });
}

function deps(cluster: FakeCluster): EngineDeps {
  return {
    facts: cluster,
    effects: cluster,
    metrics: createMetrics({ processMetrics: false }),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    settings: { maxPartitionsNamed: 5, ledgerTtlMs: 60_000 },
  };
}

async function judge(cluster: FakeCluster, request: AdmissionRequest): Promise<AdmissionVerdict> {
  const classified = classify(validate, request);
  if (classified.kind !== 'rules') throw new Error(`not classified: ${JSON.stringify(classified)}`);
  return decide(validate, classified.rules, request, deps(cluster), 1000);
}

const cluster = (policy: PolicyOptions = {}) =>
  standardCluster({ policy, pods: [makePod('kafka-0'), makePod('kafka-1'), makePod('kafka-2')] });
const restricted = (breakGlass: BreakGlassSpec, more: PolicyOptions = {}) => cluster({ breakGlass, ...more });
const who = (settings: readonly BreakGlassSetting[]) => settings.map((s) => `${s.pod.uid}:${s.value}:${s.user}:${s.groups.join(',')}`);

function refusalText(verdict: AdmissionVerdict): string {
  if (verdict.outcome.kind !== 'deny') assert.fail(`expected a refusal, got ${verdict.outcome.kind}: ${JSON.stringify(verdict.outcome)}`);
  return JSON.stringify(verdict.outcome);
}

describe('setsBreakGlass (which pod UPDATEs the rule looks at)', () => {
  const table: Array<[string, Record<string, string>, Record<string, string>, boolean]> = [
    ['set', {}, { [BREAK_GLASS]: 'disk swap' }, true],
    ['changed to a new reason', { [BREAK_GLASS]: 'disk swap' }, { [BREAK_GLASS]: 'second window' }, true],
    ['unchanged, another annotation added', { [BREAK_GLASS]: 'disk swap' }, { [BREAK_GLASS]: 'disk swap', note: 'x' }, false],
    ['removed', { [BREAK_GLASS]: 'disk swap' }, {}, false],
    ['set to an empty value (no break-glass)', { [BREAK_GLASS]: 'disk swap' }, { [BREAK_GLASS]: '' }, false],
    ['set to blanks (no break-glass)', {}, { [BREAK_GLASS]: '   ' }, false],
    ['a blank value given a reason', { [BREAK_GLASS]: ' ' }, { [BREAK_GLASS]: 'disk swap' }, true],
    ['another annotation only', {}, { note: 'x' }, false],
  ];
  for (const [name, before, after, expected] of table) {
    it(`${expected ? 'looks at' : 'skips'}: ${name}`, () => assert.equal(setsBreakGlass(annotate(ALICE, after, before)), expected));
  }
  it('skips deletes and evictions', () => {
    assert.equal(setsBreakGlass(loadRequest('pod-delete')), false);
    assert.equal(setsBreakGlass(loadRequest('eviction')), false);
  });
});

describe('pod-break-glass: who may set the annotation', () => {
  it('without spec.breakGlass anyone may, as before; who set it is recorded in the ledger, with a warning saying what it does', async () => {
    const c = cluster();
    const verdict = await judge(c, annotate(ALICE, { [BREAK_GLASS]: 'disk swap' }));
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /break-glass set on pod kafka\/kafka-1 by alice \("disk swap"\): the next disruption of this pod a guard refuses is let through once/);
    assert.deepEqual(who(c.settings), ['uid-kafka-1:disk swap:alice:system:authenticated']);
  });

  it('refuses a user spec.breakGlass does not list, naming the user and who is allowed; nothing is recorded', async () => {
    const c = restricted({ allowedUsers: ['bob'], allowedGroups: ['sre'] });
    const verdict = await judge(c, annotate(ALICE, { [BREAK_GLASS]: 'disk swap' }));
    const text = refusalText(verdict);
    assert.equal(verdict.outcome.kind === 'deny' && verdict.outcome.code, 403);
    assert.match(text, /kafka-guard refused to set the break-glass annotation kafkaguard.io\/allow-disruption on pod kafka\/kafka-1/);
    assert.match(text, /alice may not set it: KafkaGuardPolicy kafka\/kafka \(spec.breakGlass\) allows user bob; group sre/);
    assert.match(text, /break-glass-not-allowed/);
    assert.deepEqual(c.settings, []);
    assert.deepEqual(c.events.map((e) => e.reason), ['KafkaGuardRefused']);
  });

  it('admits and records a listed user', async () => {
    const c = restricted({ allowedUsers: ['alice'] });
    assert.equal((await judge(c, annotate(ALICE, { [BREAK_GLASS]: 'disk swap' }))).outcome.kind, 'allow');
    assert.deepEqual(who(c.settings), ['uid-kafka-1:disk swap:alice:system:authenticated']);
  });

  it('admits a member of a listed group, recording the groups', async () => {
    const c = restricted({ allowedGroups: ['sre'] });
    assert.equal((await judge(c, annotate(CAROL_SRE, { [BREAK_GLASS]: 'disk swap' }))).outcome.kind, 'allow');
    assert.deepEqual(who(c.settings), ['uid-kafka-1:disk swap:carol:sre,system:authenticated']);
  });

  it('a ServiceAccount: admitted by its namespace\'s group, refused by name when another is listed', async () => {
    const byGroup = restricted({ allowedGroups: ['system:serviceaccounts:ops'] });
    assert.equal((await judge(byGroup, annotate(ONCALL_SA, { [BREAK_GLASS]: 'automation' }))).outcome.kind, 'allow');
    assert.equal(byGroup.settings[0]?.user, 'system:serviceaccount:ops:oncall-bot');
    const other = restricted({ allowedUsers: ['system:serviceaccount:ops:other-bot'] });
    assert.match(
      refusalText(await judge(other, annotate(ONCALL_SA, { [BREAK_GLASS]: 'automation' }))),
      /system:serviceaccount:ops:oncall-bot \(groups: system:serviceaccounts, system:serviceaccounts:ops\) may not set it.*allows user system:serviceaccount:ops:other-bot/,
    );
  });

  it('both lists empty: nobody may set it', async () => {
    const c = restricted({ allowedUsers: [], allowedGroups: [] });
    assert.match(refusalText(await judge(c, annotate(CAROL_SRE, { [BREAK_GLASS]: 'x' }))), /allows nobody/);
  });

  it('changing the value is setting it: refused to others, recorded as a new setting for the allowed', async () => {
    const c = restricted({ allowedUsers: ['alice'] });
    assert.equal((await judge(c, annotate(ALICE, { [BREAK_GLASS]: 'first' }))).outcome.kind, 'allow');
    assert.match(refusalText(await judge(c, annotate(CAROL_SRE, { [BREAK_GLASS]: 'second' }, { [BREAK_GLASS]: 'first' }))), /carol \(groups: sre\) may not set it/);
    assert.equal((await judge(c, annotate(ALICE, { [BREAK_GLASS]: 'second' }, { [BREAK_GLASS]: 'first' }))).outcome.kind, 'allow');
    assert.deepEqual(who(c.settings), ['uid-kafka-1:first:alice:system:authenticated', 'uid-kafka-1:second:alice:system:authenticated']);
  });

  it('removing it is never refused, and records nothing', async () => {
    const c = restricted({ allowedUsers: [] });
    const removal = await judge(c, annotate(CAROL_SRE, {}, { [BREAK_GLASS]: 'first' }));
    assert.equal(removal.outcome.kind, 'allow');
    assert.deepEqual([c.settings, c.events], [[], []]);
  });

  it('a retried edit (the apiserver calling again, a client retrying) records the setter once', async () => {
    const c = restricted({ allowedUsers: ['alice'] });
    const request = annotate(ALICE, { [BREAK_GLASS]: 'disk swap' });
    assert.equal((await judge(c, request)).outcome.kind, 'allow');
    assert.equal((await judge(c, request)).outcome.kind, 'allow');
    assert.equal(c.settings.length, 1);
  });

  it('a dry run gets the verdict and records nothing', async () => {
    const c = restricted({ allowedUsers: ['alice'] });
    const dry = annotate(ALICE, { [BREAK_GLASS]: 'disk swap' }, {}, (r) => (r.dryRun = true));
    assert.equal((await judge(c, dry)).outcome.kind, 'allow');
    assert.deepEqual(c.settings, []);
    assert.equal((await judge(c, annotate(CAROL_SRE, { [BREAK_GLASS]: 'x' }, {}, (r) => (r.dryRun = true)))).outcome.kind, 'deny');
  });

  it('Warn mode admits a refused setter with a warning, and records them', async () => {
    const c = restricted({ allowedUsers: ['bob'] }, { mode: 'Warn' });
    const verdict = await judge(c, annotate(ALICE, { [BREAK_GLASS]: 'x' }));
    assert.equal(verdict.outcome.kind, 'allow');
    assert.match(verdict.warnings.join('\n'), /Warn mode, kafka\/kafka\) would refuse: alice may not set the break-glass annotation on pod kafka\/kafka-1; spec.breakGlass allows user bob/);
    assert.equal(c.settings[0]?.user, 'alice');
  });

  it('mode Off and a pod no policy governs: admitted, nothing recorded', async () => {
    const off = restricted({ allowedUsers: [] }, { mode: 'Off' });
    assert.equal((await judge(off, annotate(ALICE, { [BREAK_GLASS]: 'x' }))).outcome.kind, 'allow');
    assert.deepEqual(off.settings, []);
    const other = restricted({ allowedUsers: [] }, { selector: { matchLabels: { app: 'zookeeper' } } });
    assert.equal((await judge(other, annotate(ALICE, { [BREAK_GLASS]: 'x' }))).outcome.kind, 'allow');
    assert.deepEqual(other.settings, []);
  });

  it('fails closed when who set it cannot be recorded: the edit is refused, to be retried', async () => {
    class UnwritableLedger extends FakeCluster {
      override async recordBreakGlassSetting(): Promise<void> {
        throw new Error('configmaps "kafka-guard-disruptions" is forbidden');
      }
    }
    const base = cluster();
    const c = new UnwritableLedger({ policies: base.policies, pods: base.pods, statefulSets: base.statefulSetList, kafka: base.kafka });
    const verdict = await judge(c, annotate(ALICE, { [BREAK_GLASS]: 'x' }));
    assert.deepEqual(verdict.outcome, {
      kind: 'errored',
      code: 503,
      message: 'kafka-guard could not record who set the break-glass annotation on pod kafka/kafka-1 (configmaps "kafka-guard-disruptions" is forbidden); try again.',
    });
  });
});
