import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { loadReview } from '../test/fixtures/admission/load.js';
import { parseConfig, type WebhookConfig } from './config.js';
import { createMetrics } from './metrics.js';
import { standardCluster } from './facts/fake.js';
import { startServer, type RunningWebhook } from './server.js';
import { loadTlsMaterial, watchCertificate } from './tls.js';

/** A self-signed certificate for 127.0.0.1, made by openssl. */
function makeCertificate(directory: string, name: string): { cert: string; key: string } {
  const certFile = join(directory, `${name}.crt`);
  const keyFile = join(directory, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A certificate whose notAfter is a day before its notBefore (now): expired from the start. openssl 3.0 has no -not_after. */
function makeExpiredCertificate(directory: string, name: string): { cert: string; key: string } {
  const keyFile = join(directory, `${name}.key`);
  const csr = join(directory, `${name}.csr`);
  const certFile = join(directory, `${name}.crt`);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csr], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-signkey', keyFile, '-days', '-1', '-out', certFile], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/**
 * Lays the pair out as the kubelet does for a Secret volume: files in a
 * timestamped directory, `..data` pointing at it, and the visible names
 * linking through `..data`. Publishing a new version swaps `..data` atomically.
 */
function publish(volume: string, version: string, pair: { cert: string; key: string }): void {
  const versionDir = join(volume, `..${version}`);
  mkdirSync(versionDir);
  writeFileSync(join(versionDir, 'tls.crt'), pair.cert);
  writeFileSync(join(versionDir, 'tls.key'), pair.key);
  const staging = join(volume, '..data_tmp');
  symlinkSync(`..${version}`, staging);
  renameSync(staging, join(volume, '..data'));
}

function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}

function httpsPost(port: number, path: string, body: string, ca: string, agent?: https.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      { host: '127.0.0.1', port, path, method: 'POST', ca, agent, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = await probe();
  while (!accept(last) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

describe('HTTPS server', () => {
  let workdir: string;
  let volume: string;
  let first: { cert: string; key: string };
  let second: { cert: string; key: string };
  let config: WebhookConfig;

  before(() => {
    workdir = mkdtempSync(join(tmpdir(), 'kafka-guard-tls-'));
    volume = join(workdir, 'volume');
    mkdirSync(volume);
    mkdirSync(join(workdir, 'made'));
    first = makeCertificate(join(workdir, 'made'), 'first');
    second = makeCertificate(join(workdir, 'made'), 'second');
    publish(volume, '2024_01_01_first', first);
    symlinkSync('..data/tls.crt', join(volume, 'tls.crt'));
    symlinkSync('..data/tls.key', join(volume, 'tls.key'));
    const parsed = parseConfig(
      ['--tls-cert-file', join(volume, 'tls.crt'), '--tls-key-file', join(volume, 'tls.key'), '--tls-reload-poll-ms', '200', '--log-level', 'silent'],
      {},
    );
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    config = { ...parsed.config, listen: { host: '127.0.0.1', port: 0 } };
  });

  after(() => rmSync(workdir, { recursive: true, force: true }));

  async function start(cluster = standardCluster(), over: Partial<WebhookConfig> = {}): Promise<RunningWebhook & { port: number }> {
    const effective = { ...config, ...over };
    const running = await startServer(effective, { facts: cluster, effects: cluster, readiness: () => ({ ready: true }), logger: false }, loadTlsMaterial(effective.tls.certFile, effective.tls.keyFile));
    const address = running.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return { ...running, port: address.port };
  }

  it('serves admission over HTTPS and swaps in a renewed certificate without a restart', async () => {
    const server = await start();
    try {
      const firstFingerprint = new X509Certificate(first.cert).fingerprint256;
      const secondFingerprint = new X509Certificate(second.cert).fingerprint256;
      assert.equal(await servedFingerprint(server.port), firstFingerprint);
      assert.equal(server.address, `https://127.0.0.1:${server.port}`);

      const review = loadReview('eviction');
      const answer = await httpsPost(server.port, '/validate', JSON.stringify(review), first.cert);
      assert.equal(answer.status, 200);
      assert.equal(JSON.parse(answer.body).response.uid, review.request.uid);

      publish(volume, '2024_02_01_second', second);
      const served = await eventually(() => servedFingerprint(server.port), (f) => f === secondFingerprint, 5000);
      assert.equal(served, secondFingerprint, 'the new certificate is served');
      const again = await httpsPost(server.port, '/validate', JSON.stringify(loadReview('eviction')), second.cert);
      assert.equal(again.status, 200, 'clients trusting the new certificate are served');
    } finally {
      await server.close();
    }
  });

  it('counts the TLS connections it accepts: requests on a kept-alive connection are not new ones', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const effective = { ...config };
    const running = await startServer(effective, { facts: standardCluster(), effects: standardCluster(), readiness: () => ({ ready: true }), logger: false, metrics }, loadTlsMaterial(effective.tls.certFile, effective.tls.keyFile));
    const address = running.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const ca = readFileSync(join(volume, 'tls.crt'), 'utf8');
    const kept = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i += 1) assert.equal((await httpsPost(address.port, '/validate', JSON.stringify(loadReview('eviction')), ca, kept)).status, 200);
      assert.equal((await httpsPost(address.port, '/validate', JSON.stringify(loadReview('eviction')), ca)).status, 200);
      const text = await metrics.registry.metrics();
      assert.match(text, /^kafkaguard_tls_connections_total 2$/m, 'three requests on one kept-alive connection, one on its own');
    } finally {
      kept.destroy();
      await running.close();
    }
  });

  it('keeps the current certificate while the new files do not belong together', async () => {
    const server = await start();
    try {
      const before = await servedFingerprint(server.port);
      publish(volume, '2024_03_01_mismatched', { cert: first.cert, key: second.key });
      assert.equal(await server.certificates.reload(), false);
      assert.equal(await servedFingerprint(server.port), before);
    } finally {
      await server.close();
      publish(volume, '2024_04_01_restored', second);
    }
  });

  it('drains an in-flight admission request on close', async () => {
    const server = await start(standardCluster({ kafka: { hang: true } }), { decisionDeadlineMs: 300 });
    const ca = readFileSync(join(volume, 'tls.crt'), 'utf8');
    const inFlight = httpsPost(server.port, '/validate', JSON.stringify(loadReview('eviction')), ca).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.close();
    const answer = await inFlight;
    assert.ok(!(answer instanceof Error), `the request was answered: ${String(answer)}`);
    assert.equal((answer as { status: number }).status, 200);
  });
});

describe('loadTlsMaterial', () => {
  it('names the file and the flag when a file is missing', () => {
    assert.throws(() => loadTlsMaterial('/nonexistent/tls.crt', '/nonexistent/tls.key'), /cannot read the TLS certificate \/nonexistent\/tls.crt \(--tls-cert-file\)/);
  });

  it('refuses a key that does not belong to the certificate', () => {
    const directory = mkdtempSync(join(tmpdir(), 'kafka-guard-pair-'));
    try {
      const one = makeCertificate(directory, 'one');
      const two = makeCertificate(directory, 'two');
      writeFileSync(join(directory, 'mixed.key'), two.key);
      writeFileSync(join(directory, 'one.crt'), one.cert);
      assert.throws(() => loadTlsMaterial(join(directory, 'one.crt'), join(directory, 'mixed.key')), /cannot be used together/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('certificate validity', () => {
  let directory = '';
  before(() => { directory = mkdtempSync(join(tmpdir(), 'kafka-guard-validity-')); });
  after(() => rmSync(directory, { recursive: true, force: true }));
  const files = (name: string, pair: { cert: string; key: string }) => {
    writeFileSync(join(directory, `${name}.crt`), pair.cert);
    writeFileSync(join(directory, `${name}.key`), pair.key);
    return [join(directory, `${name}.crt`), join(directory, `${name}.key`)] as const;
  };

  it('refuses an expired certificate at start, naming the file, the expiry and the fix', () => {
    const [cert, key] = files('expired', makeExpiredCertificate(directory, 'expired'));
    assert.throws(() => loadTlsMaterial(cert, key), (error: Error) => {
      assert.match(error.message, new RegExp(`the TLS certificate ${cert.replace(/[.]/g, '\\.')} \\(CN=expired, sha256 [0-9A-F:]+\\) expired at 20\\d\\d-`));
      assert.match(error.message, /renew it/);
      return true;
    });
  });

  it('refuses a certificate that is not valid yet (the clock an hour before its notBefore)', () => {
    const pair = makeCertificate(directory, 'future');
    const [cert, key] = files('future', pair);
    const notBefore = new Date(new X509Certificate(pair.cert).validFrom);
    assert.throws(() => loadTlsMaterial(cert, key, new Date(notBefore.getTime() - 3_600_000)), /\(CN=future, .*\) is not valid yet: valid from .* now is .*check the clock/);
    assert.doesNotThrow(() => loadTlsMaterial(cert, key, new Date(notBefore.getTime() + 1000)));
  });

  it('on reload refuses an expired certificate loudly and keeps serving the current one', async () => {
    const current = makeCertificate(directory, 'current');
    const [cert, key] = files('served', current);
    const logged: Array<{ level: string; message: string }> = [];
    const log = {
      info: (_: unknown, message?: string) => logged.push({ level: 'info', message: message ?? '' }),
      warn: (_: unknown, message?: string) => logged.push({ level: 'warn', message: message ?? '' }),
      error: (_: unknown, message?: string) => logged.push({ level: 'error', message: message ?? '' }),
      debug: () => undefined,
    };
    const applied: string[] = [];
    const watcher = watchCertificate({ certFile: cert, keyFile: key, pollMs: 3_600_000, current, apply: (m) => applied.push(m.cert), log: log as never });
    try {
      files('served', makeExpiredCertificate(directory, 'renewed-badly'));
      assert.equal(await watcher.reload(), false);
      assert.deepEqual(applied, []);
      const refusal = logged.find((l) => l.level === 'error');
      assert.match(refusal?.message ?? '', /new TLS certificate refused: the TLS certificate .*CN=renewed-badly.* expired at .*; keeping the current certificate/);
      // A valid renewal afterwards is applied.
      const good = makeCertificate(directory, 'renewed');
      files('served', good);
      assert.equal(await watcher.reload(), true);
      assert.deepEqual(applied, [good.cert]);
    } finally {
      watcher.close();
    }
  });
});
