/**
 * What the certificates Secret holds in mode `generated`, read and written as
 * a typed state. The Secret is the one source of truth for every replica:
 * the serving pair, the CA that signs it, a CA staged for rotation, the CA
 * bundle the webhook configurations must carry, and the rotation's progress
 * in annotations (so `kubectl describe secret` shows it).
 */
import { X509Certificate } from 'node:crypto';
import { splitPem, type KeyPair } from './x509.js';

/** The Secret's keys. tls.crt/tls.key/ca.crt keep the names cert-manager and kubelets use. */
export const SECRET_KEYS = {
  cert: 'tls.crt',
  key: 'tls.key',
  bundle: 'ca.crt',
  signerCert: 'signer.crt',
  signerKey: 'signer.key',
  nextCert: 'next-signer.crt',
  nextKey: 'next-signer.key',
} as const;

export const ANNOTATIONS = {
  /** Set by the chart: this Secret is the webhook's own to write. */
  managed: 'kafkaguard.io/certificates',
  /** Bumped on every change of ca.crt; the webhook configurations carry the serial they hold. */
  serial: 'kafkaguard.io/ca-bundle-serial',
  /** `SERIAL@TIME`: both webhook configurations were seen carrying that bundle at that time. */
  published: 'kafkaguard.io/ca-bundle-published',
  /** During a CA rotation: when the old CA may leave the bundle. */
  retireAfter: 'kafkaguard.io/ca-retire-after',
  /** Set by an operator to force a rotation: `serving` or `ca`; removed once done. */
  rotate: 'kafkaguard.io/rotate',
} as const;

/** The value of the managed annotation. */
export const MANAGED_VALUE = 'generated';

export type RotateRequest = 'serving' | 'ca';

export interface CertificateState {
  serving: KeyPair | null;
  /** The CA that signs serving certificates now. */
  signer: KeyPair | null;
  /** A CA already in the bundle, waiting for the bundle to reach every apiserver before it signs. */
  next: KeyPair | null;
  /** The CA certificates (PEM) the webhook configurations must trust. */
  bundle: string[];
  serial: number;
  published: { serial: number; at: Date } | null;
  retireAfter: Date | null;
  rotate: RotateRequest | null;
  /** A rotate annotation with another value: ignored, and said so. */
  ignoredRotate: string | null;
}

/** The parts of a Secret this reads and writes (client-node's V1Secret fits). */
export interface SecretLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  [key: string]: unknown;
}

export const EMPTY_STATE: CertificateState = {
  serving: null, signer: null, next: null, bundle: [], serial: 0, published: null, retireAfter: null, rotate: null, ignoredRotate: null,
};

const decode = (data: Record<string, string> | undefined, key: string): string | null => {
  const value = data?.[key];
  return value === undefined || value === '' ? null : Buffer.from(value, 'base64').toString('utf8');
};

const pair = (data: Record<string, string> | undefined, certKey: string, keyKey: string): KeyPair | null => {
  const cert = decode(data, certKey);
  const key = decode(data, keyKey);
  return cert !== null && key !== null ? { cert, key } : null;
};

const dateOr = (text: string | undefined): Date | null => {
  if (text === undefined) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
};

/**
 * The state in `secret`. Throws when the Secret is not the webhook's to
 * manage: it holds data but lacks the chart's annotation, e.g. a certificate
 * someone made by hand, which mode `generated` must not overwrite.
 */
export function readState(secret: SecretLike, where: string): CertificateState {
  const annotations = secret.metadata?.annotations ?? {};
  const data = secret.data ?? {};
  if (annotations[ANNOTATIONS.managed] !== MANAGED_VALUE && Object.keys(data).length > 0) {
    throw new Error(
      `Secret ${where} holds data (${Object.keys(data).sort().join(', ')}) but not the annotation ${ANNOTATIONS.managed}=${MANAGED_VALUE}: ` +
        'it is not the webhook\'s to overwrite. Use another Secret (--certificates-secret), or, to let the webhook manage this one, ' +
        `kubectl annotate secret -n ${secret.metadata?.namespace ?? '?'} ${secret.metadata?.name ?? '?'} ${ANNOTATIONS.managed}=${MANAGED_VALUE}`,
    );
  }
  const published = /^(\d+)@(.+)$/.exec(annotations[ANNOTATIONS.published] ?? '');
  const publishedAt = published ? dateOr(published[2]) : null;
  const rotate = annotations[ANNOTATIONS.rotate];
  const serial = Number(annotations[ANNOTATIONS.serial] ?? '0');
  return {
    serving: pair(data, SECRET_KEYS.cert, SECRET_KEYS.key),
    signer: pair(data, SECRET_KEYS.signerCert, SECRET_KEYS.signerKey),
    next: pair(data, SECRET_KEYS.nextCert, SECRET_KEYS.nextKey),
    bundle: splitPem(decode(data, SECRET_KEYS.bundle) ?? ''),
    serial: Number.isSafeInteger(serial) && serial >= 0 ? serial : 0,
    published: published && publishedAt ? { serial: Number(published[1]), at: publishedAt } : null,
    retireAfter: dateOr(annotations[ANNOTATIONS.retireAfter]),
    rotate: rotate === 'serving' || rotate === 'ca' ? rotate : null,
    ignoredRotate: rotate !== undefined && rotate !== 'serving' && rotate !== 'ca' ? rotate : null,
  };
}

/** `secret` with `state` written into it (resourceVersion kept: the write is a compare-and-swap). */
export function writeState(secret: SecretLike, state: CertificateState): SecretLike {
  const data: Record<string, string> = {};
  const put = (key: string, value: string | undefined) => { if (value !== undefined) data[key] = Buffer.from(value, 'utf8').toString('base64'); };
  put(SECRET_KEYS.cert, state.serving?.cert);
  put(SECRET_KEYS.key, state.serving?.key);
  put(SECRET_KEYS.signerCert, state.signer?.cert);
  put(SECRET_KEYS.signerKey, state.signer?.key);
  put(SECRET_KEYS.nextCert, state.next?.cert);
  put(SECRET_KEYS.nextKey, state.next?.key);
  put(SECRET_KEYS.bundle, state.bundle.length > 0 ? state.bundle.join('') : undefined);
  const annotations = { ...(secret.metadata?.annotations ?? {}) };
  for (const key of [ANNOTATIONS.serial, ANNOTATIONS.published, ANNOTATIONS.retireAfter, ANNOTATIONS.rotate]) delete annotations[key];
  annotations[ANNOTATIONS.managed] = MANAGED_VALUE;
  annotations[ANNOTATIONS.serial] = String(state.serial);
  if (state.published) annotations[ANNOTATIONS.published] = `${state.published.serial}@${state.published.at.toISOString()}`;
  if (state.retireAfter) annotations[ANNOTATIONS.retireAfter] = state.retireAfter.toISOString();
  if (state.rotate) annotations[ANNOTATIONS.rotate] = state.rotate;
  else if (state.ignoredRotate !== null) annotations[ANNOTATIONS.rotate] = state.ignoredRotate;
  return { ...secret, metadata: { ...secret.metadata, annotations }, data };
}

/** SHA-256 fingerprint of a PEM certificate; null for one that does not parse. */
export function fingerprint(pem: string): string | null {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return null;
  }
}

/** The base64 caBundle a webhook configuration carries for `state`. */
export function caBundleOf(state: CertificateState): string {
  return Buffer.from(state.bundle.join(''), 'utf8').toString('base64');
}
