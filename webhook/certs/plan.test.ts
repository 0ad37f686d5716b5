import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { applyStep, pairProblem, planRotation, type RotationSettings, type Step } from './plan.js';
import { EMPTY_STATE, fingerprint, type CertificateState } from './secret-state.js';
import { issueCa, issueServing, type KeyPair } from './x509.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Every clock in these tests: the certificates are made at T0 and judged at T0 + offsets. */
const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

const SETTINGS: RotationSettings = {
  hosts: ['kafka-guard.kafka-guard.svc', 'kafka-guard.kafka-guard.svc.cluster.local'],
  caValidityMs: 365 * DAY,
  caRenewBeforeMs: 90 * DAY,
  servingValidityMs: 90 * DAY,
  servingRenewBeforeMs: 15 * DAY,
  overlapMs: 10 * 60_000,
};

let ca: KeyPair;
let otherCa: KeyPair;
let serving: KeyPair;
/** A steady state at T0: one CA, its serving certificate, the bundle published. */
let steady: CertificateState;

before(async () => {
  ca = await issueCa(T0, SETTINGS.caValidityMs);
  otherCa = await issueCa(T0, SETTINGS.caValidityMs);
  serving = await issueServing(ca, SETTINGS.hosts, T0, SETTINGS.servingValidityMs);
  steady = { ...EMPTY_STATE, signer: ca, serving, bundle: [ca.cert], serial: 1, published: { serial: 1, at: T0 } };
});

const kind = (state: CertificateState, now: Date): Step['kind'] => planRotation(state, now, SETTINGS).kind;
const fingerprints = (pems: string[]) => pems.map(fingerprint);

describe('planRotation: when to renew what', () => {
  it('makes a CA and a serving certificate for an empty Secret', () => {
    assert.deepEqual(planRotation(EMPTY_STATE, T0, SETTINGS), { kind: 'initialize', reason: 'there is no CA yet' });
  });

  it('renewal timing: the serving certificate 15 days before its 90, the CA 90 days before its 365', async () => {
    const table: Array<[string, number, Step['kind']]> = [
      ['fresh', 0, 'wait'],
      ['a day before the serving renewal', 74 * DAY, 'wait'],
      ['at the serving renewal (75 of 90 days)', 75 * DAY, 'renew-serving'],
      ['past the serving certificate\'s end', 91 * DAY, 'renew-serving'],
      ['past the CA\'s end: start over', 366 * DAY, 'initialize'],
    ];
    for (const [what, offset, expected] of table) assert.equal(kind(steady, at(offset)), expected, what);
    // With a serving certificate renewed on day 270, the CA's own renewal comes due on day 275.
    const late = { ...steady, serving: await issueServing(ca, SETTINGS.hosts, at(270 * DAY), SETTINGS.servingValidityMs) };
    assert.equal(kind(late, at(275 * DAY - 1)), 'wait');
    assert.equal(planRotation(late, at(275 * DAY), SETTINGS).reason, `the CA expires at ${at(365 * DAY).toISOString()}`);
    assert.equal(kind(late, at(275 * DAY)), 'stage-ca');
  });

  it('waits until the earliest renewal, and says when', () => {
    const step = planRotation(steady, at(DAY), SETTINGS);
    assert.equal(step.kind, 'wait');
    // notBefore is backdated for clock skew, notAfter is not: the serving certificate ends at T0 + 90 days.
    assert.equal(step.kind === 'wait' ? step.until?.toISOString() : null, at(75 * DAY).toISOString());
  });

  it('a not-yet-valid, foreign-signed or wrong-host serving certificate is replaced at once', async () => {
    assert.equal(kind(steady, at(-HOUR)), 'initialize', 'the CA itself is not valid an hour before it was made');
    const early = await issueServing(ca, SETTINGS.hosts, at(DAY), SETTINGS.servingValidityMs);
    assert.equal(planRotation({ ...steady, serving: early }, at(HOUR), SETTINGS).reason, `the serving certificate is not valid before ${at(DAY - 5 * 60_000).toISOString()}`);
    const foreign = await issueServing(otherCa, SETTINGS.hosts, T0, SETTINGS.servingValidityMs);
    assert.deepEqual(planRotation({ ...steady, serving: foreign }, at(HOUR), SETTINGS), { kind: 'renew-serving', reason: 'the serving certificate is not signed by the current CA' });
    assert.equal(planRotation(steady, at(HOUR), { ...SETTINGS, hosts: ['127.0.0.1'] }).kind, 'renew-serving');
    assert.equal(planRotation({ ...steady, serving: { cert: serving.cert, key: ca.key } }, at(HOUR), SETTINGS).reason, 'the serving certificate\'s key does not belong to it');
  });

  it('kafkaguard.io/rotate forces a rotation; another value is ignored with a note', () => {
    assert.equal(kind({ ...steady, rotate: 'serving' }, at(HOUR)), 'renew-serving');
    assert.equal(kind({ ...steady, rotate: 'ca' }, at(HOUR)), 'stage-ca');
    const ignored = planRotation({ ...steady, ignoredRotate: 'now' }, at(HOUR), SETTINGS);
    assert.equal(ignored.kind, 'wait');
    assert.match(ignored.reason, /ignoring kafkaguard\.io\/rotate=now \(expected serving or ca\)/);
  });
});

describe('a CA rotation with overlap', () => {
  it('stage, wait for the bundle to be published and the overlap, activate, overlap again, retire', async () => {
    const overlap = SETTINGS.overlapMs;
    let now = at(HOUR);
    let state: CertificateState = { ...steady, rotate: 'ca' };

    // 1. stage: the new CA joins the bundle; the old one still signs the served certificate.
    state = await applyStep(state, planRotation(state, now, SETTINGS), now, SETTINGS);
    const newCa = state.next;
    assert.ok(newCa);
    assert.deepEqual(fingerprints(state.bundle), fingerprints([ca.cert, newCa.cert]));
    assert.equal(state.signer, ca);
    assert.equal(state.serving, serving);
    assert.equal(state.serial, 2);
    assert.equal(state.rotate, null, 'the request is used up');

    // Not yet published: wait, however long.
    assert.equal(kind(state, at(2 * DAY)), 'wait');
    state = { ...state, published: { serial: 2, at: now } };
    assert.equal(kind(state, new Date(now.getTime() + overlap - 1)), 'wait', 'published, but not for the overlap yet');

    // 2. activate: the new CA signs; the bundle still holds both.
    now = new Date(now.getTime() + overlap);
    const activate = planRotation(state, now, SETTINGS);
    assert.equal(activate.kind, 'activate-ca');
    state = await applyStep(state, activate, now, SETTINGS);
    assert.equal(state.signer, newCa);
    assert.equal(state.next, null);
    assert.deepEqual(fingerprints(state.bundle), fingerprints([ca.cert, newCa.cert]), 'old and new CA both trusted');
    assert.ok(new X509Certificate(state.serving?.cert ?? '').checkIssued(new X509Certificate(newCa.cert)), 'served by the new CA');
    assert.equal(state.serial, 2, 'the bundle did not change');
    assert.equal(state.retireAfter?.toISOString(), new Date(now.getTime() + overlap).toISOString());

    // 3. retire, after the second overlap.
    assert.equal(kind(state, new Date(now.getTime() + overlap - 1)), 'wait');
    now = new Date(now.getTime() + overlap);
    const retire = planRotation(state, now, SETTINGS);
    assert.equal(retire.kind, 'retire-ca');
    state = await applyStep(state, retire, now, SETTINGS);
    assert.deepEqual(fingerprints(state.bundle), fingerprints([newCa.cert]));
    assert.equal(state.serial, 3);
    assert.equal(state.retireAfter, null);
    assert.equal(kind({ ...state, published: { serial: 3, at: now } }, now), 'wait', 'steady again');
  });

  it('a serving certificate that expires during a staged rotation is still renewed, by the CA that signs now', async () => {
    const next = await issueCa(T0, SETTINGS.caValidityMs);
    const staged: CertificateState = { ...steady, next, bundle: [ca.cert, next.cert], serial: 2 };
    const step = planRotation(staged, at(91 * DAY), SETTINGS);
    assert.equal(step.kind, 'renew-serving');
    const renewed = await applyStep(staged, step, at(91 * DAY), SETTINGS);
    assert.ok(new X509Certificate(renewed.serving?.cert ?? '').checkIssued(new X509Certificate(ca.cert)));
    assert.equal(pairProblem(renewed.serving, at(91 * DAY), 'serving certificate'), null);
  });

  it('a new rotation request waits until the current one has retired the old CA', () => {
    const overlapping: CertificateState = { ...steady, signer: ca, bundle: [otherCa.cert, ca.cert], retireAfter: at(2 * HOUR), rotate: 'ca' };
    assert.equal(kind(overlapping, at(HOUR)), 'wait');
    assert.equal(kind(overlapping, at(2 * HOUR)), 'retire-ca');
  });

  it('a bundle that lost the signing CA is repaired (and so published again)', async () => {
    const broken: CertificateState = { ...steady, bundle: [otherCa.cert] };
    const step = planRotation(broken, at(HOUR), SETTINGS);
    assert.equal(step.kind, 'repair-bundle');
    const repaired = await applyStep(broken, step, at(HOUR), SETTINGS);
    assert.deepEqual(fingerprints(repaired.bundle), fingerprints([otherCa.cert, ca.cert]));
    assert.equal(repaired.serial, 2);
  });
});

describe('the certificates made', () => {
  it('serving: for the hosts, signed by the CA, never outliving it; CA: a CA for one level', async () => {
    const certificate = new X509Certificate(serving.cert);
    const authority = new X509Certificate(ca.cert);
    assert.ok(authority.ca);
    assert.ok(!certificate.ca);
    assert.ok(certificate.checkIssued(authority) && certificate.verify(authority.publicKey));
    assert.equal(certificate.checkHost('kafka-guard.kafka-guard.svc'), 'kafka-guard.kafka-guard.svc');
    assert.equal(new Date(certificate.validFrom).toISOString(), at(-5 * 60_000).toISOString(), 'backdated 5 minutes for clock skew');
    const longer = await issueServing(ca, ['127.0.0.1'], at(300 * DAY), SETTINGS.servingValidityMs);
    assert.equal(new Date(new X509Certificate(longer.cert).validTo).toISOString(), new Date(authority.validTo).toISOString(), 'clipped to the CA');
    assert.equal(new X509Certificate(longer.cert).checkIP('127.0.0.1'), '127.0.0.1');
  });
});
