/**
 * A throw-away CA and the certificates the sandbox needs, made with openssl
 * at every start (nothing is committed): apiserver, webhook and Kafka SASL_SSL
 * listener serving certs for 127.0.0.1, and the service-account signing key pair.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SandboxError } from './process.js';

const run = promisify(execFile);

export interface SandboxCerts {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  webhookCert: string;
  webhookKey: string;
  /** Key and certificate in one PEM file: a Kafka PEM keystore. */
  kafkaKeystorePem: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
  adminToken: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    throw new SandboxError(`openssl ${args[0]} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`, 'install openssl (apt-get install openssl)');
  }
}

const CA_CERT_FILE = 'ca.crt';

/** Where makeCerts puts the CA's certificate and the serving certificate and key named `name`. */
export function certFiles(dir: string, name: string): { caCert: string; cert: string; key: string } {
  return { caCert: join(dir, CA_CERT_FILE), cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/**
 * A serving certificate signed by the sandbox CA. `ec`: a P-256 key, as the
 * webhook's generated certificates and the chart's cert-manager Certificate
 * have (the webhook's handshakes are then what users' are); else RSA 2048.
 */
async function servingCert(dir: string, name: string, caCert: string, caKey: string, sans: string, ec = false): Promise<[string, string]> {
  const { cert: crt, key } = certFiles(dir, name);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  // keyEncipherment is for RSA key exchange; an EC key only signs.
  writeFileSync(ext, `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature${ec ? '' : ',keyEncipherment'}\n`);
  const newKey = ec ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
  await openssl(['req', '-new', ...newKey, '-nodes', '-keyout', key, '-subj', `/CN=${name}`, '-out', csr]);
  await openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '30', '-extfile', ext, '-out', crt]);
  return [crt, key];
}

export async function makeCerts(dir: string): Promise<SandboxCerts> {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, CA_CERT_FILE);
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '30', '-subj', '/CN=kafka-guard-sandbox-ca']);
  const sans = 'IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc';
  const [apiserverCert, apiserverKey] = await servingCert(dir, 'apiserver', caCert, caKey, sans);
  const [webhookCert, webhookKey] = await servingCert(dir, 'webhook', caCert, caKey, 'IP:127.0.0.1,DNS:localhost', true);
  const [kafkaCert, kafkaKey] = await servingCert(dir, 'kafka', caCert, caKey, 'IP:127.0.0.1,DNS:localhost');
  const kafkaKeystorePem = join(dir, 'kafka-keystore.pem');
  writeFileSync(kafkaKeystorePem, readFileSync(kafkaKey, 'utf8') + readFileSync(kafkaCert, 'utf8'), { mode: 0o600 });
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  await openssl(['genrsa', '-out', serviceAccountKey, '2048']);
  await openssl(['rsa', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub]);
  const adminToken = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  // token,user,uid,"group1,group2"
  writeFileSync(tokenFile, `${adminToken},sandbox-admin,sandbox-admin,"system:masters"\n`, { mode: 0o600 });
  return { dir, caCert, caKey, apiserverCert, apiserverKey, webhookCert, webhookKey, kafkaKeystorePem, serviceAccountKey, serviceAccountPub, tokenFile, adminToken };
}
