/**
 * When to renew what, in mode `generated` (docs/install.md#certificates). A
 * pure decision over the Secret's state and the clock, and the step that
 * carries it out.
 *
 * A serving certificate is renewed `servingRenewBeforeMs` before it expires
 * (or when asked, or when it no longer fits: other hosts, another signer);
 * the CA is trusted throughout, so no client notices.
 *
 * A CA is rotated with overlap, in three steps, so that at every moment the
 * certificate any replica serves is signed by a CA every apiserver trusts:
 *   1. stage: a new CA joins the bundle (old + new); the old one still signs.
 *   2. activate: once both webhook configurations carry that bundle and
 *      `overlapMs` has passed (every apiserver has picked it up), the new CA
 *      signs a new serving certificate. The old CA stays in the bundle.
 *   3. retire: `overlapMs` later (every replica has loaded the new serving
 *      certificate, and no served certificate of the old CA is left), the
 *      old CA leaves the bundle.
 */
import { X509Certificate } from 'node:crypto';
import { fingerprint, type CertificateState } from './secret-state.js';
import { hostsOf, issueCa, issueServing, keyMatches, type KeyPair } from './x509.js';

export interface RotationSettings {
  /** DNS names and IP addresses of the serving certificate. */
  hosts: readonly string[];
  caValidityMs: number;
  caRenewBeforeMs: number;
  servingValidityMs: number;
  servingRenewBeforeMs: number;
  /** How long old and new CA are both trusted before, and again after, the new one starts signing. */
  overlapMs: number;
}

export type Step =
  | { kind: 'initialize'; reason: string }
  | { kind: 'renew-serving'; reason: string }
  | { kind: 'stage-ca'; reason: string }
  | { kind: 'activate-ca'; reason: string }
  | { kind: 'retire-ca'; reason: string }
  | { kind: 'repair-bundle'; reason: string }
  | { kind: 'wait'; reason: string; until: Date | null };

/** What is wrong with a pair at `now`, or null when it can be used. */
export function pairProblem(pair: KeyPair | null, now: Date, role: 'CA' | 'serving certificate'): string | null {
  if (pair === null) return `there is no ${role} yet`;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.cert);
  } catch {
    return `the ${role} does not parse`;
  }
  if (!keyMatches(pair)) return `the ${role}'s key does not belong to it`;
  if (role === 'CA' && !certificate.ca) return 'the CA certificate is not a CA';
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  if (now.getTime() < from.getTime()) return `the ${role} is not valid before ${from.toISOString()}`;
  if (now.getTime() >= to.getTime()) return `the ${role} expired at ${to.toISOString()}`;
  return null;
}

const notAfter = (pem: string) => new Date(new X509Certificate(pem).validTo);
const inBundle = (state: CertificateState, pem: string) => {
  const wanted = fingerprint(pem);
  return state.bundle.some((b) => fingerprint(b) === wanted);
};
const sameHosts = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((h, i) => h === b[i]);

/** The serving certificate's problem beyond its own validity: signed by another CA, or for other hosts. */
function servingMismatch(serving: KeyPair, signer: KeyPair, hosts: readonly string[]): string | null {
  const certificate = new X509Certificate(serving.cert);
  const ca = new X509Certificate(signer.cert);
  if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) return 'the serving certificate is not signed by the current CA';
  const want = [...hosts].sort();
  const have = hostsOf(certificate);
  if (!sameHosts(have, want)) return `the serving certificate is for ${have.join(', ') || 'no host'}, not ${want.join(', ')}`;
  return null;
}

/** The next step for `state` at `now`: a change to write, or how long to wait. */
export function planRotation(state: CertificateState, now: Date, settings: RotationSettings): Step {
  const signerProblem = pairProblem(state.signer, now, 'CA');
  if (signerProblem !== null || state.signer === null) return { kind: 'initialize', reason: signerProblem ?? 'no CA' };
  const signer = state.signer;

  // An unusable serving certificate is replaced at once, whatever else is under way.
  const servingProblem = pairProblem(state.serving, now, 'serving certificate')
    ?? (state.serving ? servingMismatch(state.serving, signer, settings.hosts) : null);
  if (servingProblem !== null) return { kind: 'renew-serving', reason: servingProblem };

  if (!inBundle(state, signer.cert) || (state.next !== null && !inBundle(state, state.next.cert))) {
    return { kind: 'repair-bundle', reason: 'the CA bundle lacks a CA that signs or is about to' };
  }

  const wakes: Date[] = [];
  const notes: string[] = [];
  if (state.next !== null) {
    const nextProblem = pairProblem(state.next, now, 'CA');
    if (nextProblem !== null) return { kind: 'stage-ca', reason: `the staged ${nextProblem}` };
    if (state.published === null || state.published.serial < state.serial) {
      // The bundle with the new CA is not in both webhook configurations yet: the manager publishes it on every pass.
      notes.push('the CA bundle with the new CA is not yet in both webhook configurations');
    } else {
      const trustedEverywhere = new Date(state.published.at.getTime() + settings.overlapMs);
      if (now.getTime() >= trustedEverywhere.getTime()) {
        return { kind: 'activate-ca', reason: `the new CA has been in the published bundle since ${state.published.at.toISOString()}` };
      }
      wakes.push(trustedEverywhere);
    }
  } else if (state.retireAfter !== null || state.bundle.length > 1) {
    const retireAfter = state.retireAfter ?? now;
    if (now.getTime() >= retireAfter.getTime()) {
      return { kind: 'retire-ca', reason: state.retireAfter ? `the overlap ended at ${retireAfter.toISOString()}` : 'the bundle holds CAs no certificate needs' };
    }
    wakes.push(retireAfter);
  } else {
    // No rotation under way: one may start.
    if (state.rotate === 'ca') return { kind: 'stage-ca', reason: 'asked for (kafkaguard.io/rotate=ca)' };
    const caRenewAt = new Date(notAfter(signer.cert).getTime() - settings.caRenewBeforeMs);
    if (now.getTime() >= caRenewAt.getTime()) return { kind: 'stage-ca', reason: `the CA expires at ${notAfter(signer.cert).toISOString()}` };
    wakes.push(caRenewAt);
  }

  if (state.rotate === 'serving') return { kind: 'renew-serving', reason: 'asked for (kafkaguard.io/rotate=serving)' };
  const servingEnd = notAfter((state.serving as KeyPair).cert);
  const servingRenewAt = new Date(servingEnd.getTime() - settings.servingRenewBeforeMs);
  if (now.getTime() >= servingRenewAt.getTime()) return { kind: 'renew-serving', reason: `the serving certificate expires at ${servingEnd.toISOString()}` };
  wakes.push(servingRenewAt);

  const until = new Date(Math.min(...wakes.map((d) => d.getTime())));
  if (state.ignoredRotate !== null) notes.push(`ignoring kafkaguard.io/rotate=${state.ignoredRotate} (expected serving or ca)`);
  return { kind: 'wait', reason: [`nothing due before ${until.toISOString()}`, ...notes].join('; '), until };
}

/** Carries out `step` on `state` at `now`: the new state to write (keys made here). */
export async function applyStep(state: CertificateState, step: Step, now: Date, settings: RotationSettings): Promise<CertificateState> {
  const serving = (signer: KeyPair) => issueServing(signer, settings.hosts, now, settings.servingValidityMs);
  switch (step.kind) {
    case 'initialize': {
      const signer = await issueCa(now, settings.caValidityMs);
      return {
        ...state, signer, next: null, serving: await serving(signer), bundle: [signer.cert],
        serial: state.serial + 1, retireAfter: null, rotate: null,
      };
    }
    case 'renew-serving': {
      const signer = state.signer as KeyPair;
      return { ...state, serving: await serving(signer), rotate: state.rotate === 'serving' ? null : state.rotate };
    }
    case 'stage-ca': {
      const next = await issueCa(now, settings.caValidityMs);
      const stale = state.next ? fingerprint(state.next.cert) : null;
      return {
        ...state, next, bundle: [...state.bundle.filter((b) => fingerprint(b) !== stale), next.cert],
        serial: state.serial + 1, rotate: state.rotate === 'ca' ? null : state.rotate,
      };
    }
    case 'activate-ca': {
      const signer = state.next as KeyPair;
      return { ...state, signer, next: null, serving: await serving(signer), retireAfter: new Date(now.getTime() + settings.overlapMs) };
    }
    case 'retire-ca': {
      const signer = state.signer as KeyPair;
      return { ...state, bundle: [signer.cert], retireAfter: null, serial: state.serial + 1 };
    }
    case 'repair-bundle': {
      const wanted = [state.signer, state.next].filter((p): p is KeyPair => p !== null).map((p) => p.cert);
      const kept = state.bundle.filter((b) => fingerprint(b) !== null && !wanted.some((w) => fingerprint(w) === fingerprint(b)));
      return { ...state, bundle: [...kept, ...wanted], serial: state.serial + 1 };
    }
    case 'wait':
      return state;
  }
}
