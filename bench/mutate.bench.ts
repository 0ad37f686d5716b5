/**
 * Cost of the mutating defaults on a realistic ~20 KB broker StatefulSet,
 * each figure printed next to a baseline measured in the same run:
 * - the mutation alone, next to JSON.parse + JSON.stringify of the same
 *   object (what a webhook that only echoes the object pays anyway);
 * - the whole /mutate route in the server (decode, facts from caches,
 *   mutate, encode), next to a route that only echoes the same
 *   AdmissionReview.
 *
 *   node --import tsx bench/mutate.bench.ts [iterations]
 *
 * To add a case, append to `cases` below with the baseline it is read
 * against; async cases are awaited one call at a time.
 */
import jsonPatch from 'fast-json-patch';
import { context, loadFixture } from '../test/fixtures/defaults/load.js';
import { mutateStatefulSet } from '../webhook/defaults/index.js';
import { buildApp } from '../webhook/app.js';
import { parseConfig } from '../webhook/config.js';
import { FakeCluster, makePolicy } from '../webhook/facts/fake.js';

interface BenchCase {
  name: string;
  run: () => unknown;
  /** The name of the case this one is compared with; none for a baseline. */
  against?: string;
}

interface Timing {
  name: string;
  iterations: number;
  medianMicros: number;
  p99Micros: number;
  meanMicros: number;
}

const iterations = Number(process.argv[2] ?? 5000);
if (!Number.isInteger(iterations) || iterations < 100) {
  throw new Error(`iterations must be an integer of at least 100, got ${process.argv[2]}: run as node --import tsx bench/mutate.bench.ts [iterations]`);
}

const statefulSet = loadFixture('broker-statefulset');
const ctx = context();
const firstPass = mutateStatefulSet(statefulSet, ctx);
if (!firstPass.ok) throw new Error(`the fixture does not mutate: ${firstPass.error}`);
// The object as the apiserver sends it on a reinvocation or a later UPDATE: defaults already in.
const alreadyDefaulted = jsonPatch.applyPatch(structuredClone(statefulSet), firstPass.patch, true, false).newDocument;

// In-server: the whole /mutate route (decode, facts from caches, mutate, encode) through
// fastify inject, next to a route that only echoes the same AdmissionReview.
const parsedConfig = parseConfig([], {});
if (!parsedConfig.ok) throw new Error(parsedConfig.errors.join('; '));
const cluster = new FakeCluster({ policies: [makePolicy()], pdbCoversBrokers: true, storageClasses: [], schedulableNodeCount: 4 });
const app = buildApp(parsedConfig.config, { facts: cluster, effects: cluster, readiness: () => ({ ready: true }), logger: false });
app.post('/echo', async (request) => request.body);
await app.ready();
const review = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: {
    uid: 'bench', kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' }, resource: { group: 'apps', version: 'v1', resource: 'statefulsets' },
    operation: 'CREATE', namespace: statefulSet.metadata.namespace, name: statefulSet.metadata.name, object: statefulSet, oldObject: null,
    userInfo: { username: 'bench' }, dryRun: false,
  },
});
const inject = async (url: string) => {
  const res = await app.inject({ method: 'POST', url, payload: review, headers: { 'content-type': 'application/json' } });
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
};
const probe = await app.inject({ method: 'POST', url: '/mutate', payload: review, headers: { 'content-type': 'application/json' } });
if (!(JSON.parse(probe.body) as { response?: { patch?: string } }).response?.patch) throw new Error(`/mutate returned no patch: ${probe.body.slice(0, 300)}`);

const ROUND_TRIP = 'baseline: JSON.parse(JSON.stringify(sts))';
const ECHO = 'in-server baseline: POST /echo of the AdmissionReview';
const cases: BenchCase[] = [
  { name: ROUND_TRIP, run: () => JSON.parse(JSON.stringify(statefulSet)) },
  { name: `mutateStatefulSet, ${firstPass.applied.length} defaults to apply`, run: () => mutateStatefulSet(statefulSet, ctx), against: ROUND_TRIP },
  { name: 'mutateStatefulSet, already defaulted', run: () => mutateStatefulSet(alreadyDefaulted, ctx), against: ROUND_TRIP },
  { name: ECHO, run: () => inject('/echo') },
  { name: 'in-server: POST /mutate of the same AdmissionReview', run: () => inject('/mutate'), against: ECHO },
];

function percentile(sorted: number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function measure(benchCase: BenchCase): Promise<Timing> {
  const warmup = Math.min(1000, Math.floor(iterations / 5));
  for (let i = 0; i < warmup; i += 1) await benchCase.run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = process.hrtime.bigint();
    const result = benchCase.run();
    if (result instanceof Promise) await result;
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  samples.sort((a, b) => a - b);
  const meanMicros = samples.reduce((sum, sample) => sum + sample, 0) / samples.length;
  return { name: benchCase.name, iterations, medianMicros: percentile(samples, 0.5), p99Micros: percentile(samples, 0.99), meanMicros };
}

const timings: Timing[] = [];
for (const benchCase of cases) timings.push(await measure(benchCase));
const medianOf = new Map(timings.map((timing) => [timing.name, timing.medianMicros]));

const size = JSON.stringify(statefulSet).length;
console.log(`mutate bench: broker StatefulSet fixture, ${(size / 1024).toFixed(1)} KiB as compact JSON; node ${process.version}; ${iterations} iterations per case`);
const header = ['case', 'median µs', 'p99 µs', 'mean µs', 'median vs its baseline'];
const rows = timings.map((timing, index) => {
  const against = cases[index]?.against;
  const base = against === undefined ? timing.medianMicros : medianOf.get(against);
  return [
    timing.name,
    timing.medianMicros.toFixed(1),
    timing.p99Micros.toFixed(1),
    timing.meanMicros.toFixed(1),
    base === undefined ? '' : `${(timing.medianMicros / base).toFixed(2)}x`,
  ];
});
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
const line = (cells: string[]): string => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));
await app.close();
