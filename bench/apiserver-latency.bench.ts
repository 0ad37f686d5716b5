/**
 * Admission latency where the apiserver sees it: the sandbox's kube-apiserver's
 * own histogram `apiserver_admission_webhook_admission_duration_seconds` (its
 * /metrics), read before and after `--clients` concurrent clients spend
 * `--seconds` in the guarded namespace:
 *
 *   4 in 5 clients create a non-broker pod and delete it (mutate on CREATE,
 *     validate on DELETE: the non-broker paths);
 *   1 in 5 evicts a broker pod, as a server-side dry run (validate on the
 *     eviction's CREATE: a fresh Kafka view per decision, no broker goes down).
 *
 * Printed per webhook and operation: p50 and p99 as PromQL's
 * histogram_quantile estimates them from the apiserver's buckets (bounds 5 ms,
 * 25 ms, 100 ms, ...: the share at or under 25 ms is exact, a quantile between
 * bounds is interpolated), beside the client-side round trip of the same
 * requests and, as the baseline, the same create and delete in a namespace no
 * webhook looks at, measured in the same run. Beside them, the webhook's own
 * kafkaguard_admission_duration_seconds (its /metrics; buckets 1, 5, 10, 25 ms,
 * ...) over the same seconds: what of the apiserver's figure is the webhook's
 * answer, and what is the call around it.
 *
 *   eval "$(npm run -s sandbox -- --detach)"; npm run bench -- apiserver-latency [--clients 50] [--seconds 30]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { eventually, kubeClients, kubectl, NAMESPACE, sandboxWebhook, uniqueName, webhookRequest } from '../test/e2e/helpers.js';
import { fractionAtMost, histogramDelta, mergeBy, parseHistograms, quantile, type HistogramSeries } from './lib/prometheus-histogram.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '50' }, seconds: { type: 'string', default: '30' } } });
const clients = Number(values.clients);
const seconds = Number(values.seconds);
if (!Number.isInteger(clients) || clients < 1 || clients > 500) throw new Error(`--clients ${values.clients}: expected a whole number from 1 to 500`);
if (!Number.isInteger(seconds) || seconds < 5) throw new Error(`--seconds ${values.seconds}: expected a whole number >= 5`);

const METRIC = 'apiserver_admission_webhook_admission_duration_seconds';
const WEBHOOK_METRIC = 'kafkaguard_admission_duration_seconds';

async function readHistogram(): Promise<HistogramSeries[]> {
  const result = await kubectl(['get', '--raw', '/metrics']);
  if (result.code !== 0) throw new Error(`kubectl get --raw /metrics failed: ${result.stderr}`);
  return parseHistograms(result.stdout, METRIC);
}

/** The sandbox webhook's own answer times, by route. */
/**
 * The sandbox webhook's own answer times by route, TLS connections accepted, and
 * the longest event-loop delay since the previous scrape (prom-client resets its
 * event-loop histogram at every scrape, so the scrape after the load covers the load).
 */
async function readWebhookMetrics(): Promise<{ histogram: HistogramSeries[]; connections: number; loopDelayMaxMs: number }> {
  const res = await webhookRequest(sandboxWebhook().port, '/metrics');
  if (res.status !== 200) throw new Error(`the webhook's /metrics answered ${res.status}: ${res.body.slice(0, 200)}`);
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body)?.[1] ?? Number.NaN);
  return {
    histogram: parseHistograms(res.body, WEBHOOK_METRIC),
    connections: sample('kafkaguard_tls_connections_total'),
    loopDelayMaxMs: 1000 * sample('kafkaguard_webhook_nodejs_eventloop_lag_max_seconds'),
  };
}

function pod(name: string) {
  // A node selector nothing matches: the pod stays Pending, so its delete is immediate.
  return { metadata: { name, labels: { app: 'bench-web' } }, spec: { nodeSelector: { 'kafka-guard.bench/none': 'none' }, containers: [{ name: 'c', image: 'registry.invalid/none:0' }] } };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

interface Timings {
  create: number[];
  delete: number[];
  evict: number[];
  failures: string[];
}

async function drive(namespace: string, until: number, evicting: (i: number) => boolean, brokers: string[]): Promise<Timings> {
  const { core } = kubeClients();
  const timings: Timings = { create: [], delete: [], evict: [], failures: [] };
  const timed = async (into: number[], call: () => Promise<unknown>) => {
    const started = performance.now();
    try {
      await call();
      into.push(performance.now() - started);
    } catch (error) {
      // The apiserver's Status message ends with the cause (e.g. a webhook timeout): keep the end.
      if (timings.failures.length < 5) timings.failures.push(error instanceof Error ? error.message.replace(/\s+/g, ' ').slice(-240) : String(error));
      else timings.failures.push('');
    }
  };
  await Promise.all(Array.from({ length: clients }, async (_, i) => {
    let n = 0;
    while (Date.now() < until) {
      n += 1;
      if (evicting(i)) {
        const name = brokers[(i + n) % brokers.length] ?? 'kafka-0';
        await timed(timings.evict, () => core.createNamespacedPodEviction({
          name, namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions: { dryRun: ['All'] } },
        }));
      } else {
        const name = uniqueName(`bench-web-${i}`);
        await timed(timings.create, () => core.createNamespacedPod({ namespace, body: pod(name) }));
        await timed(timings.delete, () => core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }));
      }
    }
  }));
  return timings;
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`.padStart(10);

async function main(): Promise<void> {
  const { core } = kubeClients();
  // Its own namespace per run: the last run's may still be terminating, and refuses new pods (403).
  const UNGUARDED = uniqueName('bench-apiserver-unguarded');
  await core.createNamespace({ body: { metadata: { name: UNGUARDED } } });
  const brokers = ['kafka-0', 'kafka-1', 'kafka-2'];
  await eventually('the broker pods', async () => (await Promise.all(brokers.map((name) => core.readNamespacedPod({ name, namespace: NAMESPACE })))).length === 3, 60_000, 500);
  try {
    // Warm-up: connections, the webhook's caches, the apiserver's clients.
    await drive(NAMESPACE, Date.now() + 3_000, (i) => i % 5 === 0, brokers);

    const baseline = await drive(UNGUARDED, Date.now() + Math.max(5, Math.floor(seconds / 3)) * 1000, () => false, brokers);
    if (baseline.create.length === 0) throw new Error(`no baseline pod create succeeded in namespace ${UNGUARDED}: ${baseline.failures.find((m) => m !== '') ?? 'no error kept'}`);
    const [before, webhookBefore] = await Promise.all([readHistogram(), readWebhookMetrics()]);
    const load = await drive(NAMESPACE, Date.now() + seconds * 1000, (i) => i % 5 === 0, brokers);
    const [after, webhookAfter] = await Promise.all([readHistogram(), readWebhookMetrics()]);

    const delta = mergeBy(histogramDelta(after, before), ['name', 'type', 'operation']).filter((s) => s.count > 0);
    console.log(`apiserver admission latency: ${clients} clients for ${seconds} s in namespace ${NAMESPACE} (guarded)`);
    console.log(`  from the apiserver's ${METRIC} (buckets 5, 25, 100 ms, ...; quantiles interpolated as histogram_quantile does)`);
    console.log(`${''.padEnd(52)}${'calls'.padStart(7)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'<=25ms'.padStart(9)}`);
    for (const s of delta.sort((a, b) => `${a.labels.name}${a.labels.operation}`.localeCompare(`${b.labels.name}${b.labels.operation}`))) {
      const what = s.labels.name?.startsWith('defaults.mutate') ? 'non-broker pod create' : s.labels.operation === 'DELETE' ? 'non-broker pod delete' : 'broker eviction (dry run)';
      console.log(`${`${s.labels.name} ${s.labels.operation} (${what})`.padEnd(52)}${String(s.count).padStart(7)}${ms(quantile(s.buckets, 0.5))}${ms(quantile(s.buckets, 0.99))}` +
        `${`${(100 * fractionAtMost(s.buckets, 0.025)).toFixed(1)}%`.padStart(9)}`);
    }
    console.log(`  the webhook's own ${WEBHOOK_METRIC} over the same seconds (buckets 1, 5, 10, 25 ms, ...):`);
    for (const s of mergeBy(histogramDelta(webhookAfter.histogram, webhookBefore.histogram), ['route']).filter((x) => x.count > 0)) {
      const what = s.labels.route === 'mutate' ? 'mutate (pod creates)' : 'validate (deletes and evictions)';
      console.log(`${`  ${what}`.padEnd(52)}${String(s.count).padStart(7)}${ms(quantile(s.buckets, 0.5))}${ms(quantile(s.buckets, 0.99))}` +
        `${`${(100 * fractionAtMost(s.buckets, 0.025)).toFixed(1)}%`.padStart(9)}`);
    }
    const calls = delta.reduce((sum, x) => sum + x.count, 0);
    console.log(`  TLS connections the webhook accepted meanwhile: ${webhookAfter.connections - webhookBefore.connections} for ${calls} calls`);
    console.log(`  the webhook's longest event-loop delay meanwhile: ${webhookAfter.loopDelayMaxMs.toFixed(1)} ms (sampled every 10 ms)`);
    const f = (samples: number[]) => `${String(samples.length).padStart(7)}${`${percentile(samples, 50).toFixed(1)} ms`.padStart(10)}${`${percentile(samples, 99).toFixed(1)} ms`.padStart(10)}`;
    console.log('  client-side round trips (the whole API call):');
    console.log(`${'  pod create, guarded namespace'.padEnd(52)}${f(load.create)}`);
    console.log(`${'  pod delete, guarded namespace'.padEnd(52)}${f(load.delete)}`);
    console.log(`${'  broker eviction (dry run), guarded namespace'.padEnd(52)}${f(load.evict)}`);
    console.log(`${'  baseline: pod create, namespace no webhook sees'.padEnd(52)}${f(baseline.create)}`);
    console.log(`${'  baseline: pod delete, namespace no webhook sees'.padEnd(52)}${f(baseline.delete)}`);
    const failures = [...load.failures, ...baseline.failures];
    if (failures.length > 0) console.log(`  ${failures.length} calls failed, e.g. ${failures.filter((m) => m !== '').slice(0, 3).join(' | ')}`);
  } finally {
    await core.deleteNamespace({ name: UNGUARDED }).catch(() => undefined);
    await core.deleteCollectionNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=bench-web', gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
