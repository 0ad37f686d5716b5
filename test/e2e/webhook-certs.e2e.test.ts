/**
 * Certificates mode generated, under load (issue 12, §4). Two webhook
 * processes (the built package, as the chart's ServiceAccount) share the
 * chart's certificates Secret and registrations, rendered with
 * certificates.mode=generated and a URL clientConfig: the apiserver reaches
 * them through a TCP relay that spreads connections over both, as a Service
 * would. While pods are created (the mutating webhook) and evicted (the
 * validating one) without pause through the real apiserver, the serving
 * certificate is rotated, then the CA, with overlap. No request may fail:
 * not one refused by the apiserver, and not one mutating call skipped
 * (failurePolicy Ignore would hide it; the apiserver's metrics do not).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { renderChart, renderedObjects } from '../../scripts/chart.js';
import { statePaths } from '../sandbox/config.js';
import { startProcess, stopProcess, waitFor, type Supervised } from '../sandbox/process.js';
import { ensureBuilt, webhookKubeconfigPath, WEBHOOK_NAMESPACE } from '../sandbox/webhook.js';
import { CERTIFICATES_RBAC_NAME, certsChartValues } from './certs-chart.js';
import { eventually, kubeClients, kubectl, sandboxWebhook, uniqueName } from './helpers.js';

const sandbox = sandboxWebhook();
const ports = [sandbox.port + 5, sandbox.port + 6] as const;
const SECRET = 'kafka-guard-tls';
const CONFIGURATION = 'kafka-guard';
const namespace = uniqueName('certs');
const { kc } = kubeClients();
const core = kc.makeApiClient(CoreV1Api);
const admission = kc.makeApiClient(AdmissionregistrationV1Api);
const replicas: Supervised[] = [];
let relay: Server | null = null;
const relayed: Socket[] = [];
let manifest = '';
/** The webhook configurations of `manifest` alone: deleted before the replicas stop, the rest after. */
let registrations = '';

/** Relays each new connection to the next replica in turn. */
function startRelay(): Promise<number> {
  let next = 0;
  relay = createServer((client) => {
    const upstream = netConnect(ports[next++ % ports.length] ?? ports[0], '127.0.0.1');
    relayed.push(client, upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => relay?.listen(0, '127.0.0.1', () => resolve((relay?.address() as AddressInfo).port)));
}

/** The certificate a replica serves now. */
function served(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (raw) resolve(raw); else reject(new Error(`no certificate from 127.0.0.1:${port}`));
    });
    socket.on('error', reject);
  });
}

/** The CA certificates in both webhook configurations' caBundle (every webhook's), or null while they differ. */
async function trustedCas(): Promise<X509Certificate[] | null> {
  const [mutating, validating] = await Promise.all([
    admission.readMutatingWebhookConfiguration({ name: CONFIGURATION }), admission.readValidatingWebhookConfiguration({ name: CONFIGURATION }),
  ]);
  const bundles = new Set([...(mutating.webhooks ?? []), ...(validating.webhooks ?? [])].map((w) => w.clientConfig.caBundle ?? ''));
  if (bundles.size !== 1) return null;
  const pem = Buffer.from([...bundles][0] ?? '', 'base64').toString('utf8');
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}

const signedBy = (leaf: X509Certificate, ca: X509Certificate) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey);

async function annotateRotate(what: 'serving' | 'ca'): Promise<void> {
  const res = await kubectl(['annotate', 'secret', SECRET, '-n', WEBHOOK_NAMESPACE, '--overwrite', `kafkaguard.io/rotate=${what}`]);
  assert.equal(res.code, 0, res.stderr);
}

/** Sums of an apiserver counter's samples for our webhooks, by the label `by`. */
async function apiserverCounter(metric: string, by: string): Promise<Map<string, number>> {
  const res = await kubectl(['get', '--raw', '/metrics']);
  assert.equal(res.code, 0, res.stderr);
  const sums = new Map<string, number>();
  for (const line of res.stdout.split('\n')) {
    if (!line.startsWith(`${metric}{`) || !/name="(defaults\.mutate|pods\.validate)\.kafkaguard\.io"/.test(line)) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const name = /name="([^"]+)"/.exec(labels)?.[1] ?? '';
    const value = by === 'name' ? name : `${name} ${new RegExp(`${by}="([^"]*)"`).exec(labels)?.[1] ?? ''}`;
    sums.set(value, (sums.get(value) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return sums;
}

const delta = (after: Map<string, number>, before: Map<string, number>) =>
  new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v !== 0));

before(async () => {
  await ensureBuilt(sandbox.cfg, (line) => console.log(`# ${line}`));
  const relayPort = await startRelay();
  await kubectl(['delete', 'secret', SECRET, '-n', WEBHOOK_NAMESPACE, '--ignore-not-found']);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // What users install in mode generated, with the webhook outside the cluster: the empty
  // Secret, the certificates RBAC and the registrations (no caBundle: the webhook writes it).
  const objects = renderedObjects(await renderChart(certsChartValues(`https://127.0.0.1:${relayPort}`, namespace)))
    .filter((o) => o.kind.endsWith('WebhookConfiguration') || o.metadata.name === CERTIFICATES_RBAC_NAME || (o.kind === 'Secret' && o.metadata.name === SECRET));
  assert.equal(objects.length, 7, objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', '));
  manifest = join(statePaths(sandbox.cfg).certs, 'certs-e2e.json');
  writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  registrations = join(statePaths(sandbox.cfg).certs, 'certs-e2e-registrations.json');
  writeFileSync(registrations, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.filter((o) => o.kind.endsWith('WebhookConfiguration')) }));
  const applied = await kubectl(['apply', '-f', manifest]);
  assert.equal(applied.code, 0, applied.stderr);

  for (const [i, port] of ports.entries()) {
    const replica = startProcess({
      name: `kafka-guard-certs-${i}`,
      command: process.execPath,
      args: [join(sandbox.cfg.repoRoot, 'dist/webhook/main.js'),
        '--listen-host', '127.0.0.1', '--port', String(port), '--kubeconfig', webhookKubeconfigPath(sandbox.cfg),
        '--ledger-namespace', WEBHOOK_NAMESPACE, '--evacuation-interval-ms', '0', '--log-level', 'info',
        '--certificates', 'generated', '--certificates-namespace', WEBHOOK_NAMESPACE, '--certificates-secret', SECRET,
        '--webhook-configuration-name', CONFIGURATION, '--certificates-hosts', '127.0.0.1',
        '--certificates-check-interval', '500ms', '--certificates-overlap', '3s'],
      logFile: join(statePaths(sandbox.cfg).logs, `webhook-certs-${i}.log`),
      pidFile: statePaths(sandbox.cfg).pidFile,
      cwd: sandbox.cfg.repoRoot,
    });
    replicas.push(replica);
  }
  for (const [i, port] of ports.entries()) {
    await waitFor(`webhook-certs-${i} to serve TLS`, async () => (await served(port)) !== null, { timeoutMs: 60_000, process: replicas[i], logFile: replicas[i]?.logFile });
  }
  await eventually('the caBundle published into both configurations', async () => (await trustedCas())?.length === 1, 30_000, 250);
});

after(async () => {
  // Registrations first: the policies webhook fails closed in every namespace while they point at stopped replicas.
  if (registrations) await kubectl(['delete', '-f', registrations, '--ignore-not-found', '--wait=false']);
  for (const replica of replicas) await stopProcess(replica, 10_000);
  // Their RBAC and Secret only once they are stopped: a replica still checking its certificates would be refused (403),
  // and the audit test (zz-audit-rbac) counts a granted request refused for good as a fault.
  if (manifest) await kubectl(['delete', '-f', manifest, '--ignore-not-found', '--wait=false']);
  relay?.close();
  for (const socket of relayed) socket.destroy();
  await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
});

interface Load { requests: number; failures: string[]; creates: number; stop: boolean; at: number[] }

/** Pods that never schedule (no node matches), created and evicted in turn: one mutating and one validating call each. */
async function worker(load: Load, id: number): Promise<void> {
  for (let n = 0; !load.stop; n++) {
    const name = `load-${id}-${n}`;
    try {
      await core.createNamespacedPod({ namespace, body: {
        metadata: { name, namespace },
        spec: { nodeSelector: { 'kafkaguard.io/e2e': 'nowhere' }, containers: [{ name: 'c', image: 'registry.invalid/none:0' }] },
      } });
      load.creates++;
    } catch (error) {
      load.failures.push(`create ${name}: ${(error as { body?: string }).body ?? String(error)}`);
    } finally {
      load.requests++;
      load.at.push(Date.now());
    }
    try {
      await core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
    } catch (error) {
      load.failures.push(`evict ${name}: ${(error as { body?: string }).body ?? String(error)}`);
    } finally {
      load.requests++;
      load.at.push(Date.now());
    }
  }
}

/** The steps each replica logged writing (webhook/certs/manager.ts), all replicas together. */
function stepsWritten(): string[] {
  return replicas.flatMap((r) => readFileSync(r.logFile, 'utf8').split('\n'))
    .filter((l) => l.includes('"step":'))
    .map((l) => (JSON.parse(l) as { step: string }).step);
}

test('the serving certificate, then the CA with overlap, rotate under continuous evictions and pod creates: zero failed requests', async () => {
  const cas = await trustedCas();
  const firstCa = cas?.[0];
  assert.ok(firstCa && cas?.length === 1);
  const firstServing = await served(ports[0]);
  assert.ok(signedBy(firstServing, firstCa));
  assert.equal(firstServing.fingerprint256, (await served(ports[1])).fingerprint256, 'both replicas serve the one certificate in the Secret');

  const admittedBefore = await apiserverCounter('apiserver_admission_webhook_request_total', 'code');
  const failOpenBefore = await apiserverCounter('apiserver_admission_webhook_fail_open_count', 'name');
  const load: Load = { requests: 0, failures: [], creates: 0, stop: false, at: [] };
  const workers = [0, 1, 2].map((id) => worker(load, id));
  const windows: Array<[number, number]> = [];
  try {
    await sleep(2000);

    // 1. The serving certificate: a new one from the same CA, on both replicas.
    let start = Date.now();
    await annotateRotate('serving');
    await eventually('both replicas to serve a new serving certificate from the same CA', async () => {
      const now = await Promise.all(ports.map(served));
      return now.every((c) => c.fingerprint256 !== firstServing.fingerprint256 && signedBy(c, firstCa));
    }, 30_000, 100);
    windows.push([start, Date.now()]);
    await sleep(2000);

    // 2. The CA: staged beside the old one, then signing, then the old one retired.
    start = Date.now();
    await annotateRotate('ca');
    const bundles: number[] = [];
    const newCa = await eventually('the new CA beside the old one in the caBundle', async () => {
      const trusted = await trustedCas();
      if (trusted) bundles.push(trusted.length);
      return trusted?.length === 2 && trusted.some((c) => c.fingerprint256 === firstCa.fingerprint256) ? trusted.find((c) => c.fingerprint256 !== firstCa.fingerprint256) : null;
    }, 30_000, 100);
    const servingBefore = await served(ports[0]);
    assert.ok(signedBy(servingBefore, firstCa), 'the old CA still signs while the new one is only staged');
    await eventually('both replicas to serve a certificate of the new CA, the old CA still trusted', async () => {
      const [trusted, ...now] = await Promise.all([trustedCas(), ...ports.map(served)]);
      if (trusted) bundles.push(trusted.length);
      if (now.every((c) => signedBy(c, newCa))) {
        assert.ok(trusted?.some((c) => c.fingerprint256 === firstCa.fingerprint256), 'the old CA left the bundle before both replicas switched');
        return true;
      }
      return false;
    }, 30_000, 100);
    await eventually('the old CA retired from the caBundle', async () => {
      const trusted = await trustedCas();
      if (trusted) bundles.push(trusted.length);
      return trusted?.length === 1 && trusted[0]?.fingerprint256 === newCa.fingerprint256;
    }, 30_000, 100);
    windows.push([start, Date.now()]);
    assert.ok(bundles.includes(2), 'old and new CA were trusted together');
    await sleep(3000);
  } finally {
    load.stop = true;
    await Promise.all(workers);
  }

  const admitted = delta(await apiserverCounter('apiserver_admission_webhook_request_total', 'code'), admittedBefore);
  const failedOpen = delta(await apiserverCounter('apiserver_admission_webhook_fail_open_count', 'name'), failOpenBefore);
  const during = windows.map(([from, to]) => load.at.filter((t) => t >= from && t <= to).length);
  console.log(`# cert rotation: ${load.requests} requests during 2 rotations, ${load.failures.length} failed ` +
    `(${during[0]} during the serving rotation, ${during[1]} during the CA rotation; apiserver webhook calls by code: ${JSON.stringify(Object.fromEntries(admitted))})`);

  assert.deepEqual(load.failures.slice(0, 5), [], `${load.failures.length} of ${load.requests} requests failed`);
  assert.deepEqual([...failedOpen], [], 'the apiserver skipped a mutating call (failurePolicy Ignore) or failed one open');
  assert.deepEqual([...admitted.keys()].filter((k) => !k.endsWith(' 200')), [], 'a webhook call answered other than 200');
  assert.ok((admitted.get('defaults.mutate.kafkaguard.io 200') ?? 0) >= load.creates, 'every pod create went through the mutating webhook');
  assert.ok((admitted.get('pods.validate.kafkaguard.io 200') ?? 0) > 0, 'evictions went through the validating webhook');
  assert.ok(during.every((n) => n > 0), `requests flowed during each rotation: ${during.join(', ')}`);

  // One writer at a time: each step was written once, by one of the two replicas.
  assert.deepEqual(stepsWritten().sort(), ['activate-ca', 'initialize', 'renew-serving', 'retire-ca', 'stage-ca']);
});
