/**
 * Making the webhook's own CA and serving certificates (certificates mode
 * `generated`, docs/install.md#certificates), with @peculiar/x509 over
 * node's WebCrypto: ECDSA P-256 keys, which the apiserver (Go's crypto/tls)
 * accepts and which take milliseconds to make. Reading certificates back is
 * node's own X509Certificate.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) needs it before it loads.
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { TlsMaterial } from '../tls.js';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** Backdated, so a peer whose clock is a little behind does not see a certificate from the future. */
export const BACKDATE_MS = 5 * 60_000;

/** A certificate and its private key, both PEM (the key PKCS#8). */
export type KeyPair = TlsMaterial;

/** A positive 128-bit serial number (RFC 5280 allows up to 20 octets; the top bit clear keeps it positive). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importSigningKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

/** A self-signed CA, valid from `now` (backdated) for `validityMs`, that may sign serving certificates only (path length 0). */
export async function issueCa(now: Date, validityMs: number, commonName = 'kafka-guard-ca'): Promise<KeyPair> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    // The date in the name tells two CAs apart in the caBundle and in `openssl x509 -subject`.
    name: `CN=${commonName} ${now.toISOString().slice(0, 19)}Z`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityMs),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

/**
 * A serving certificate for `hosts` (DNS names, or IP addresses), signed by
 * `ca`, valid for `validityMs` but never beyond the CA itself.
 */
export async function issueServing(ca: KeyPair, hosts: readonly string[], now: Date, validityMs: number): Promise<KeyPair> {
  if (hosts.length === 0) throw new Error('a serving certificate needs at least one host name');
  const issuer = new x509.X509Certificate(ca.cert);
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${hosts[0]}`,
    issuer: issuer.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(Math.min(now.getTime() + validityMs, issuer.notAfter.getTime())),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }))),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

/** The certificates in a PEM bundle, in order; text outside BEGIN/END blocks is ignored. */
export function splitPem(bundle: string): string[] {
  return [...bundle.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
}

/** Whether `key` is the private key of `cert`; false for anything unreadable. */
export function keyMatches(pair: KeyPair): boolean {
  try {
    return new X509Certificate(pair.cert).checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    return false;
  }
}

/** The names and addresses a certificate is for (its subjectAltName), sorted. */
export function hostsOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '').split(', ').filter((s) => s !== '')
    .map((entry) => entry.replace(/^(DNS|IP Address):/, '')).sort();
}
