import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { describe, it } from 'node:test';
import { CertificateManager, CONFIGURATION_KINDS, type CertificateStore, type ConfigurationKind, type GeneratedCertificatesSettings, type WebhookConfigurationLike } from './manager.js';
import { ANNOTATIONS, MANAGED_VALUE, readState, type SecretLike } from './secret-state.js';
import { splitPem } from './x509.js';

const SETTINGS: GeneratedCertificatesSettings = {
  namespace: 'kafka-guard', secretName: 'kafka-guard-tls', webhookConfigurationName: 'kafka-guard',
  hosts: ['kafka-guard.kafka-guard.svc'],
  caValidityMs: 365 * 86400_000, caRenewBeforeMs: 90 * 86400_000, servingValidityMs: 90 * 86400_000, servingRenewBeforeMs: 15 * 86400_000,
  checkIntervalMs: 1000, overlapMs: 60_000,
};
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** An apiserver of three objects: every replace is a compare-and-swap on resourceVersion, as the real one's. */
class FakeApiserver implements CertificateStore {
  version = 1;
  secretWrites = 0;
  secret: SecretLike = { metadata: { name: 'kafka-guard-tls', namespace: 'kafka-guard', resourceVersion: '1', annotations: { [ANNOTATIONS.managed]: MANAGED_VALUE } } };
  configurations = new Map<ConfigurationKind, WebhookConfigurationLike>(CONFIGURATION_KINDS.map((kind) => [kind, {
    metadata: { name: 'kafka-guard', resourceVersion: '1' },
    webhooks: [{ name: 'a.kafkaguard.io', clientConfig: {} }, { name: 'b.kafkaguard.io', clientConfig: {} }],
  }]));

  private swap<T extends { metadata?: { resourceVersion?: string } }>(current: T, next: T): T {
    if (next.metadata?.resourceVersion !== current.metadata?.resourceVersion) throw Object.assign(new Error('Conflict'), { code: 409 });
    return structuredClone({ ...next, metadata: { ...next.metadata, resourceVersion: String(++this.version) } });
  }

  async readSecret() { return structuredClone(this.secret); }
  async replaceSecret(body: SecretLike) { this.secret = this.swap(this.secret, body); this.secretWrites++; return structuredClone(this.secret); }
  async readConfiguration(kind: ConfigurationKind) { return structuredClone(this.configurations.get(kind) as WebhookConfigurationLike); }
  async replaceConfiguration(kind: ConfigurationKind, body: WebhookConfigurationLike) {
    const next = this.swap(this.configurations.get(kind) as WebhookConfigurationLike, body);
    this.configurations.set(kind, next);
    return structuredClone(next);
  }
  state() { return readState(this.secret, 'kafka-guard/kafka-guard-tls'); }
  caBundles() { return [...this.configurations.values()].flatMap((c) => (c.webhooks ?? []).map((w) => w.clientConfig.caBundle)); }
}

/** `api`'s calls, some replaced. */
const storeOver = (api: CertificateStore, over: Partial<CertificateStore>): CertificateStore => ({
  readSecret: () => api.readSecret(), replaceSecret: (s) => api.replaceSecret(s),
  readConfiguration: (k) => api.readConfiguration(k), replaceConfiguration: (k, b) => api.replaceConfiguration(k, b), ...over,
});

const bundleSize = (caBundle: string | undefined) => splitPem(Buffer.from(caBundle ?? '', 'base64').toString('utf8')).length;

describe('CertificateManager', () => {
  it('two replicas starting together: one CA, one serving certificate, both serve it, the caBundle published', async () => {
    const api = new FakeApiserver();
    const replicas = [new CertificateManager(api, SETTINGS, quiet), new CertificateManager(api, SETTINGS, quiet)];
    const [first, second] = await Promise.all(replicas.map((r) => r.initial()));
    assert.equal(first?.cert, second?.cert, 'both serve the pair that won the compare-and-swap');
    const state = api.state();
    assert.equal(state.serving?.cert, first?.cert);
    assert.equal(state.serial, 1);
    assert.deepEqual(new Set(api.caBundles()), new Set([Buffer.from(state.bundle.join('')).toString('base64')]), 'every webhook carries the bundle');
    assert.equal(state.published?.serial, 1);
    // initialize + published, once: the loser re-read and adopted instead of writing its own.
    assert.equal(api.secretWrites, 2);
  });

  it('a forced CA rotation across replicas, on a fake clock: the bundle never loses the CA that signs what is served', async () => {
    const api = new FakeApiserver();
    let clock = new Date('2026-01-01T00:00:00Z');
    const now = () => clock;
    const replicas = [new CertificateManager(api, SETTINGS, quiet, now), new CertificateManager(api, SETTINGS, quiet, now)];
    await replicas[0]?.initial();
    const served = new Map<number, string>();
    replicas.forEach((r, i) => { served.set(i, api.state().serving?.cert ?? ''); r.watch((m) => served.set(i, m.cert)).close(); });

    api.secret = { ...api.secret, metadata: { ...api.secret.metadata, annotations: { ...api.secret.metadata?.annotations, [ANNOTATIONS.rotate]: 'ca' } } };
    const seenBundles = new Set<number>();
    for (let tick = 0; tick < 200; tick++) {
      clock = new Date(clock.getTime() + 1000);
      for (const replica of replicas) await replica.reload();
      // What the apiserver trusts must cover what every replica serves, at every tick.
      const trusted = splitPem(Buffer.from(api.caBundles()[0] ?? '', 'base64').toString('utf8')).map((pem) => new X509Certificate(pem));
      for (const cert of served.values()) {
        const leaf = new X509Certificate(cert);
        assert.ok(trusted.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey)), `tick ${tick}: a replica serves a certificate no trusted CA signed`);
      }
      seenBundles.add(bundleSize(api.caBundles()[0]));
    }
    const state = api.state();
    assert.equal(state.rotate, null, 'the request was used up');
    assert.equal(state.bundle.length, 1, 'the old CA retired');
    assert.equal(state.serial, 3, 'initialize, stage, retire');
    assert.deepEqual([...seenBundles].sort(), [1, 2], 'old and new CA were trusted together on the way');
    assert.ok(new X509Certificate(state.serving?.cert ?? '').checkIssued(new X509Certificate(state.bundle[0] ?? '')));
  });

  it('a replica with a stale read never puts an older bundle back', async () => {
    const api = new FakeApiserver();
    const replica = new CertificateManager(api, SETTINGS, quiet);
    await replica.initial();
    const stale = structuredClone(api.secret);
    // Another replica has since published serial 5.
    for (const kind of CONFIGURATION_KINDS) {
      const c = api.configurations.get(kind) as WebhookConfigurationLike;
      api.configurations.set(kind, { ...c, metadata: { ...c.metadata, annotations: { [ANNOTATIONS.serial]: '5' } }, webhooks: (c.webhooks ?? []).map((w) => ({ ...w, clientConfig: { caBundle: 'bmV3ZXI=' } })) });
    }
    const staleStore = storeOver(api, { readSecret: async () => structuredClone(stale) });
    const result = await new CertificateManager(staleStore, SETTINGS, quiet).pass();
    assert.equal(result.published, false);
    assert.deepEqual(new Set(api.caBundles()), new Set(['bmV3ZXI=']));
  });

  it('an HTTPS server serves the renewed certificate without a restart', async () => {
    const api = new FakeApiserver();
    const manager = new CertificateManager(api, { ...SETTINGS, hosts: ['127.0.0.1'] }, quiet);
    const first = await manager.initial();
    const server = createServer({ cert: first.cert, key: first.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const servedFingerprint = () => new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => { resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? ''); socket.end(); });
      socket.on('error', reject);
    });
    const watcher = manager.watch((m) => server.setSecureContext({ cert: m.cert, key: m.key }));
    try {
      assert.equal(await servedFingerprint(), new X509Certificate(first.cert).fingerprint256);
      assert.equal(await watcher.reload(), false, 'nothing new');
      api.secret = { ...api.secret, metadata: { ...api.secret.metadata, annotations: { ...api.secret.metadata?.annotations, [ANNOTATIONS.rotate]: 'serving' } } };
      assert.equal(await watcher.reload(), true);
      const renewed = api.state().serving?.cert ?? '';
      assert.notEqual(renewed, first.cert);
      assert.equal(await servedFingerprint(), new X509Certificate(renewed).fingerprint256);
    } finally {
      watcher.close();
      server.close();
    }
  });

  it('refuses a Secret it did not make, and explains a missing one', async () => {
    const api = new FakeApiserver();
    api.secret = { metadata: { name: 'kafka-guard-tls', namespace: 'kafka-guard', resourceVersion: '1' }, data: { 'tls.crt': 'eA==' } };
    await assert.rejects(new CertificateManager(api, SETTINGS, quiet).initial(), /holds data \(tls\.crt\) but not the annotation kafkaguard\.io\/certificates=generated/);
    const missing = storeOver(api, { readSecret: async () => { throw Object.assign(new Error('Not Found'), { code: 404 }); } });
    await assert.rejects(new CertificateManager(missing, SETTINGS, quiet).initial(), /Secret kafka-guard\/kafka-guard-tls does not exist; the chart creates it/);
  });
});
