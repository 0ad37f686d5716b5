/**
 * The webhook's HTTP path under load: the real server, as compiled by
 * `npm run build` (dist/webhook/server.js, what the image runs), over HTTPS with
 * keep-alive, answering recorded AdmissionReviews sent by autocannon
 * from a second process (bench/lib/load.ts). Facts come from the in-memory
 * FakeCluster (webhook/facts/fake.ts): this measures the webhook's HTTP path,
 * decoding, rules and encoding, not Kafka or the apiserver
 * (bench/admission-latency.bench.ts and bench/apiserver-latency.bench.ts do).
 *
 * Requests:
 *   fast path   a non-Kafka pod CREATE to /mutate (no policy in its namespace)
 *   eviction    an Eviction of broker pod kafka-1 to /validate (dry run: the
 *               verdict, no ledger write), decided on an in-memory view
 *   statefulset a ~20 KB broker StatefulSet CREATE to /mutate (the defaults)
 * Baseline, in the same run: a bare fastify HTTPS server that parses the same
 * bodies and answers a fixed "allowed".
 *
 * Figures: peak throughput of each (and the fast path's ratio to the
 * baseline's, target >= 0.7), p99 at half of each one's peak (target < 10 ms),
 * and the server's memory over a --memory-seconds run of all three mixed at
 * half the fast path's peak (target: flat).
 *
 *   npm run bench -- webhook-throughput [--seconds 10] [--memory-seconds 60] [--connections 16] [--port 20261] [--rounds 5]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Fastify from 'fastify';
import { loadFixture } from '../test/fixtures/defaults/load.js';
import { standardCluster } from '../webhook/facts/fake.js';
import type { LoadJob, LoadResult } from './lib/load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'memory-seconds': { type: 'string', default: '60' },
    connections: { type: 'string', default: '16' },
    port: { type: 'string', default: '20261' },
    rounds: { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const memorySeconds = Number(values['memory-seconds']);
const connections = Number(values.connections);
const port = Number(values.port);
const rounds = Number(values.rounds);
for (const [flag, value, min] of [['--rounds', rounds, 1], ['--seconds', seconds, 1], ['--memory-seconds', memorySeconds, 5], ['--connections', connections, 1], ['--port', port, 1]] as const) {
  if (!Number.isInteger(value) || value < min) throw new Error(`${flag} ${value}: expected a whole number >= ${min}`);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// ---------------------------------------------------------------- the requests

// The compiled server, not the TypeScript source through tsx: tsx's transform
// adds work per closure (it names each one) that the built webhook does not do.
const built = new URL('../dist/webhook/', import.meta.url);
if (!existsSync(fileURLToPath(new URL('server.js', built)))) {
  console.error('webhook-throughput measures the built webhook: run `npm run build` first (dist/webhook/server.js is missing)');
  process.exit(2);
}
const { startServer } = (await import(new URL('server.js', built).href)) as typeof import('../webhook/server.js');
const { parseConfig } = (await import(new URL('config.js', built).href)) as typeof import('../webhook/config.js');

const dir = mkdtempSync(join(tmpdir(), 'kafka-guard-bench-'));
const certFile = join(dir, 'tls.crt');
const keyFile = join(dir, 'tls.key');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
const cert = readFileSync(certFile, 'utf8');
const key = readFileSync(keyFile, 'utf8');

function review(file: string, change: (request: Record<string, any>) => void): string {
  const parsed = JSON.parse(readFileSync(new URL(`../test/fixtures/${file}`, import.meta.url), 'utf8')) as { request: Record<string, any> };
  change(parsed.request);
  return JSON.stringify(parsed);
}

const fastPath = review('defaults/admission-review-pod-create.json', (r) => {
  r.namespace = 'default';
  r.name = 'web-1';
  r.object.metadata = { ...r.object.metadata, name: 'web-1', namespace: 'default', labels: { app: 'web' }, ownerReferences: [] };
});
const eviction = review('admission/eviction.json', (r) => {
  r.dryRun = true;
});
const statefulSet = JSON.stringify({ ...loadFixture('admission-review-statefulset-create') });

interface Case {
  name: string;
  path: string;
  body: string;
  /** What the answer must contain, checked once before the load. */
  expect: (answer: any) => boolean;
}

const cases: Case[] = [
  { name: 'fast path: non-Kafka pod, /mutate', path: '/mutate', body: fastPath, expect: (a) => a.response?.allowed === true && a.response.patch === undefined },
  { name: 'eviction of broker kafka-1, /validate', path: '/validate', body: eviction, expect: (a) => a.response?.allowed === true },
  { name: `broker StatefulSet (${(statefulSet.length / 1024).toFixed(0)} KB), /mutate`, path: '/mutate', body: statefulSet, expect: (a) => a.response?.allowed === true && typeof a.response.patch === 'string' },
];

// ---------------------------------------------------------------- the servers

async function startWebhook(): Promise<{ url: string; close: () => Promise<void>; cluster: ReturnType<typeof standardCluster> }> {
  const parsed = parseConfig(['--listen-host', '127.0.0.1', '--port', String(port), '--tls-cert-file', certFile, '--tls-key-file', keyFile, '--log-level', 'silent'], {});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const cluster = standardCluster();
  cluster.pdbCovers = true;
  cluster.classes = [];
  cluster.nodes = 4;
  const running = await startServer(parsed.config, { facts: cluster, effects: cluster, readiness: () => ({ ready: true }), logger: false }, { cert, key });
  return { url: `https://127.0.0.1:${port}`, close: () => running.close(), cluster };
}

/** The baseline: fastify over HTTPS, its own JSON parser, a fixed answer. */
async function startBaseline(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ https: { cert, key }, logger: false, bodyLimit: 6 * 1024 * 1024 });
  const answer = (request: { body: unknown }) => {
    const uid = (request.body as { request?: { uid?: string } }).request?.uid ?? '';
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } };
  };
  app.post('/validate', async (request) => answer(request));
  app.post('/mutate', async (request) => answer(request));
  await app.listen({ host: '127.0.0.1', port: port + 1 });
  return { url: `https://127.0.0.1:${port + 1}`, close: () => app.close() };
}

async function check(url: string, c: Case, expect: (answer: any) => boolean = c.expect): Promise<void> {
  const { request } = await import('node:https');
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(`${url}${c.path}`, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(c.body);
  });
  if (!expect(JSON.parse(body))) throw new Error(`${c.name}: unexpected answer ${body.slice(0, 400)}`);
}

// ---------------------------------------------------------------- load

const loadScript = fileURLToPath(new URL('./lib/load.ts', import.meta.url));

function load(url: string, requests: LoadJob['requests'], durationSeconds: number, overallRate?: number): Promise<LoadResult> {
  const job: LoadJob = { url, ca: cert, requests, connections, durationSeconds, ...(overallRate === undefined ? {} : { overallRate }) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', loadScript, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${code}`));
      else resolve(JSON.parse(out) as LoadResult);
    });
  });
}

function problems(r: LoadResult): string {
  const bad = r.errors + r.timeouts + r.non2xx;
  return bad === 0 ? '' : `  (${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx)`;
}

interface Row {
  name: string;
  peak: LoadResult;
  half: LoadResult;
}

async function measureCase(url: string, c: Case): Promise<Row> {
  const requests = [{ path: c.path, body: c.body }];
  await load(url, requests, 2); // warm-up: JIT, TLS sessions
  const peak = await load(url, requests, seconds);
  const half = await load(url, requests, seconds, Math.max(1, Math.floor(peak.requestsPerSecond / 2)));
  return { name: c.name, peak, half };
}

function printRow(label: string, row: Row): void {
  const f = (ms: number) => `${ms.toFixed(1)} ms`.padStart(10);
  console.log(`${label.padEnd(48)}${`${row.peak.requestsPerSecond.toFixed(0)}/s`.padStart(9)}${`${row.half.requestsPerSecond.toFixed(0)}/s`.padStart(9)}${f(row.half.p50Ms)}${f(row.half.p99Ms)}${problems(row.peak)}${problems(row.half)}`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

function memoryMb(): { rss: number; heap: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
}

async function main(): Promise<void> {
  const webhook = await startWebhook();
  const baseline = await startBaseline();
  // FakeCluster records every lookup for tests' assertions; emptied here so that
  // the fake's own bookkeeping does not read as the webhook's memory.
  const trim = setInterval(() => {
    webhook.cluster.calls.length = 0;
    webhook.cluster.kafkaReadsNotBefore.length = 0;
  }, 1000);
  try {
    for (const c of cases) {
      await check(webhook.url, c);
      await check(baseline.url, c, (a) => a.response?.allowed === true);
    }
    const rows: Array<{ webhook: Row; baseline: Row }> = [];
    for (const c of cases) {
      rows.push({ baseline: await measureCase(baseline.url, c), webhook: await measureCase(webhook.url, c) });
    }
    // The fast path's ratio again, in short alternating rounds: on a shared machine the load
    // of others drifts within a minute, and alternating keeps both sides under the same drift.
    const fastCase = cases[0];
    const ratios: number[] = [];
    for (let round = 0; fastCase && round < rounds; round += 1) {
      const requests = [{ path: fastCase.path, body: fastCase.body }];
      const b = await load(baseline.url, requests, 5);
      const w = await load(webhook.url, requests, 5);
      ratios.push(w.requestsPerSecond / b.requestsPerSecond);
    }

    console.log(`webhook HTTP path, HTTPS keep-alive, autocannon in another process, ${connections} connections, ${seconds} s per figure`);
    console.log('  facts: the in-memory FakeCluster (no Kafka, no apiserver): a bench of the webhook\'s HTTP path');
    console.log(`${''.padEnd(48)}${'peak'.padStart(9)}${'half'.padStart(9)}${'p50@half'.padStart(10)}${'p99@half'.padStart(10)}`);
    for (const [i, { webhook: w, baseline: b }] of rows.entries()) {
      printRow(`${cases[i]?.name}`, w);
      printRow('  baseline: bare fastify, same body', b);
    }
    const fast = rows[0];
    if (fast) {
      console.log(`  fast path throughput / baseline: ${(fast.webhook.peak.requestsPerSecond / fast.baseline.peak.requestsPerSecond).toFixed(2)} (target >= 0.7); ` +
        `in ${rounds} alternating 5 s rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}, median ${median(ratios).toFixed(2)}`);
    }
    const worstP99 = Math.max(...rows.map((r) => r.webhook.half.p99Ms));
    console.log(`  worst p99 at half of peak: ${worstP99.toFixed(1)} ms (target < 10 ms)`);

    const rate = Math.max(1, Math.floor((fast?.webhook.peak.requestsPerSecond ?? 100) / 2));
    const start = memoryMb();
    const mixed = await load(webhook.url, cases.map((c) => ({ path: c.path, body: c.body })), memorySeconds, rate);
    const end = memoryMb();
    console.log(`  memory over ${memorySeconds} s, the three mixed at ${rate}/s (${mixed.total} requests${problems(mixed)}): ` +
      `rss ${start.rss.toFixed(0)} -> ${end.rss.toFixed(0)} MiB, heap after GC ${start.heap.toFixed(1)} -> ${end.heap.toFixed(1)} MiB (target: flat)`);
  } finally {
    clearInterval(trim);
    await webhook.close();
    await baseline.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
