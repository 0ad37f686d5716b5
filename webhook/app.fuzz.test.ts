/**
 * Bad input, at volume (issue 13 §3; RELIABILITY.md, "Bad input at volume"):
 * 100,000 generated and mutated AdmissionReviews and bodies that are no
 * review (test/fuzz/admission-inputs.ts) sent to /validate and /mutate of
 * the app, in-process through inject(), split over one worker thread per core
 * (test/fuzz/admission-fuzzer.ts). Every answer must be a well-formed
 * AdmissionReview echoing the uid, or a 4xx for a body that is not a review;
 * none may take over a second; nothing may escape as an uncaught exception or
 * unhandled rejection; the heap and the metric series must stay bounded.
 *
 *   node --import tsx --test webhook/app.fuzz.test.ts
 *   KAFKA_GUARD_FUZZ_SEED=123 KAFKA_GUARD_FUZZ_INPUTS=5000 node --import tsx --test webhook/app.fuzz.test.ts
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MAX_ANSWER_MS, type FuzzOptions, type FuzzReport } from '../test/fuzz/admission-fuzzer.js';

const INPUTS = Number(process.env['KAFKA_GUARD_FUZZ_INPUTS'] ?? 100_000);
const SEED = Number(process.env['KAFKA_GUARD_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
/** One per core, at most two (the CI machine has two; the unit suite runs one file at a time). */
const WORKERS = Math.max(1, Math.min(2, availableParallelism()));
/** Heap growth allowed in each worker from after its warm-up to its end, both after a full GC. */
const MAX_HEAP_GROWTH_BYTES = 32 * 1024 * 1024;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Runs one share in a worker thread; TypeScript is loaded there the way `--import tsx` loads it here. */
function runInWorker(options: FuzzOptions): Promise<FuzzReport> {
  const entry = new URL('../test/fuzz/admission-fuzz-worker.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, {
    eval: true,
    workerData: options,
  });
  return new Promise((resolve, reject) => {
    let report: FuzzReport | null = null;
    worker.once('message', (message: FuzzReport) => (report = message));
    // A worker that dies is a crash of the webhook's process: its error is the failure.
    worker.once('error', reject);
    worker.once('exit', (code) => (report !== null ? resolve(report) : reject(new Error(`the fuzz worker with seed ${options.seed} exited with ${code} before reporting`))));
  });
}

it(`fuzz: ${INPUTS} generated and mutated AdmissionReviews and random bodies, each answered well-formed within ${MAX_ANSWER_MS} ms`, async () => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const shares = Array.from({ length: WORKERS }, (_, i) => Math.floor(INPUTS / WORKERS) + (i < INPUTS % WORKERS ? 1 : 0));
  const reports = await Promise.all(
    shares.map((inputs, i) => runInWorker({ inputs, seed: SEED + i, warmup: Math.min(2_500, Math.floor(inputs / 10)) })),
  );
  const seconds = (performance.now() - started) / 1000;
  // The process's CPU time, every thread's: what the run costs on a machine others share.
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;

  const sent = reports.reduce((sum, r) => sum + r.sent, 0);
  const families = new Map<string, number>();
  for (const r of reports) for (const [family, n] of Object.entries(r.families)) families.set(family, (families.get(family) ?? 0) + n);
  const counts = [...families].sort((a, b) => b[1] - a[1]).map(([family, n]) => `${n} ${family}`).join(', ');
  const failures = reports.reduce((sum, r) => sum + r.failureCount + r.escaped.length, 0);
  const resent = reports.reduce((sum, r) => sum + r.resent, 0);
  const slowest = reports.reduce((a, b) => (b.slowestMs > a.slowestMs ? b : a));
  const largest = reports.reduce((a, b) => (b.largestAnswerChars > a.largestAnswerChars ? b : a));
  const heap = reports.map((r) => `${mib(r.heapStart)} -> ${mib(r.heapEnd)}`).join(', ');
  const seriesText = reports.map((r) => `${r.seriesStart} -> ${r.seriesEnd}`).join(', ');
  const line =
    `fuzz: ${sent} inputs (${counts}) in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s CPU, ${WORKERS} worker threads), ${failures} failures; ` +
    `slowest answer ${slowest.slowestMs.toFixed(0)} ms${resent > 0 ? ` (${resent} sent again after a first answer over ${MAX_ANSWER_MS} ms)` : ''}; ` +
    `largest answer ${(largest.largestAnswerChars / 1024).toFixed(0)} KiB; heap per worker ${heap}; metric series ${seriesText}; seed ${SEED}`;
  // Once, as its own line (the test runner shows a test file's stdout as it is).
  process.stdout.write(`${line}\n`);

  const reproduce = `KAFKA_GUARD_FUZZ_SEED=${SEED} KAFKA_GUARD_FUZZ_INPUTS=${INPUTS} reproduces the run`;
  assert.equal(sent, INPUTS);
  for (const r of reports) {
    assert.deepEqual(r.escaped, [], `nothing escapes a handler (${reproduce})`);
    assert.equal(r.failureCount, 0, `${r.failureCount} answers broke the properties (${reproduce}); the first:\n    ${r.failures.join('\n    ')}`);
    assert.ok(r.slowestMs <= MAX_ANSWER_MS, `the slowest answer took ${r.slowestMs.toFixed(0)} ms: ${r.slowest}`);
    assert.ok(r.heapEnd - r.heapStart <= MAX_HEAP_GROWTH_BYTES, `the heap grew by ${mib(r.heapEnd - r.heapStart)} over the run with seed ${r.seed}`);
    assert.deepEqual(r.unexpectedLabels, [], 'every label value is one the webhook chose, none taken from a request');
    assert.ok(r.seriesEnd <= r.maxSeries, `${r.seriesEnd} metric series, more than the ${r.maxSeries} the label sets allow`);
    assert.equal(r.healthz, 200, 'the app still answers after the run');
  }
});
