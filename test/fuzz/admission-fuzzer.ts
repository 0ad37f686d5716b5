/**
 * The admission fuzzer (issue 13 §3; RELIABILITY.md, "Bad input at volume"):
 * sends cases from admission-inputs.ts to /validate and /mutate of apps built
 * by buildApp over fake clusters, in-process through inject(), and checks
 * every answer: a well-formed AdmissionReview echoing the uid, or a 4xx with
 * `{ error, message }` for a body that is no review; within a second. It
 * also measures the heap (after a full GC) and the metric series after the
 * warm-up and at the end. webhook/app.fuzz.test.ts runs it in worker threads
 * (admission-fuzz-worker.ts) and asserts on the reports.
 *
 * Failures are collected, not thrown at the first, so one run shows every
 * kind; each names the input, and the seed reproduces the run.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { MAX_WARNING_CHARS, MAX_WARNINGS_TOTAL_CHARS } from '../../webhook/admission/encode.js';
import { OPERATIONS } from '../../webhook/admission/types.js';
import { buildApp, type WebhookApp } from '../../webhook/app.js';
import { parseConfig } from '../../webhook/config.js';
import { FakeCluster, standardCluster } from '../../webhook/facts/fake.js';
import { createMetrics, KIND_LABELS, type WebhookMetrics } from '../../webhook/metrics.js';
import { MUTATING_RULES, VALIDATING_RULES } from '../../webhook/rules/index.js';
import { envelopeOf, fuzzCases, pick, type FuzzCase } from './admission-inputs.js';

export const MAX_ANSWER_MS = 1_000;
/** The apps' body limit: production's is 6 MiB; 1 MiB makes bodies over it cheap to send. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** A 4xx body names the problem with a short description of the value, never the value itself. */
const MAX_ERROR_MESSAGE_CHARS = 2_048;

const config = (() => {
  const parsed = parseConfig(['--body-limit-bytes', String(BODY_LIMIT_BYTES)], {});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
})();

/** The clusters the cases are served from: all in sync, under-replicated partitions, Kafka unreachable, Warn mode. */
const CLUSTERS: ReadonlyArray<() => FakeCluster> = [
  () => standardCluster(),
  () => standardCluster({ isr: [[1, 2], [1, 2], [2, 1]] }),
  () => standardCluster({ kafka: { unreachable: 'connect ECONNREFUSED 10.0.0.1:9092' } }),
  () => standardCluster({ policy: { mode: 'Warn', onKafkaUnreachable: 'Allow' }, isr: [[1], [1, 2], [2]] }),
];

// ---- the properties of one answer ----

interface Answer {
  statusCode: number;
  contentType: string;
  body: string;
}

/** Why an answer breaks the properties, or null when it keeps them. */
/** `checkGenerator`: also check the generator's claim about the uid (during the warm-up; it costs a parse). */
export function problemWith(kase: FuzzCase, sent: string | Buffer, answer: Answer, checkGenerator: boolean): string | null {
  const { statusCode } = answer;
  if (statusCode >= 500) return `answered ${statusCode}: ${answer.body.slice(0, 300)}`;
  // Over the limit is a 413 whatever the body holds (unless the content type is refused first, with 400); under it, never.
  const overLimit = Buffer.byteLength(sent) > BODY_LIMIT_BYTES;
  if (overLimit ? statusCode !== 413 && !(kase.malformedContentType && statusCode === 400) : statusCode === 413) {
    return `answered ${statusCode} to a body of ${Buffer.byteLength(sent)} bytes (limit ${BODY_LIMIT_BYTES})`;
  }
  if (!answer.contentType.startsWith('application/json')) return `answered ${statusCode} with content-type ${answer.contentType}`;
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    return `answered ${statusCode} with a body that is not JSON: ${answer.body.slice(0, 200)}`;
  }
  if (statusCode === 200) {
    if (kase.expect === 'rejected') return 'answered 200 to a body that is no AdmissionReview';
    // The generator knows the uid of a review whose envelope it left alone; any other body is read here.
    if (kase.uid !== null) {
      if (checkGenerator) {
        const envelope = envelopeOf(sent);
        if (!envelope.review || envelope.uid !== kase.uid) return `the fuzzer says uid ${kase.uid}, the body ${envelope.review ? envelope.uid : envelope.why}`;
      }
      return problemWithReview(json, kase.uid, kase.route);
    }
    const envelope = envelopeOf(sent);
    if (!envelope.review) return `answered 200 to a body that is no usable AdmissionReview (${envelope.why})`;
    return problemWithReview(json, envelope.uid, kase.route);
  }
  if (statusCode >= 400 && statusCode < 500) {
    if (kase.expect === 'review' && !overLimit) return `answered ${statusCode} to a review whose envelope is intact: ${answer.body.slice(0, 300)}`;
    if (statusCode !== 400 && statusCode !== 413) return `answered ${statusCode} (expected 400, or 413 above the body limit)`;
    const error = json as { error?: unknown; message?: unknown } | null;
    if (typeof error?.error !== 'string' || typeof error.message !== 'string' || error.message === '') return `a ${statusCode} without { error, message }: ${answer.body.slice(0, 200)}`;
    if (error.message.length > MAX_ERROR_MESSAGE_CHARS) return `a ${statusCode} message of ${error.message.length} characters (echoes the input?): ${error.message.slice(0, 200)}`;
    return null;
  }
  return `answered ${statusCode}`;
}

const PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function problemWithReview(json: unknown, uid: string, route: string): string | null {
  const review = json as { apiVersion?: unknown; kind?: unknown; response?: Record<string, unknown> } | null;
  if (review === null || typeof review !== 'object') return 'a 200 that is not an object';
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') return `a 200 with apiVersion ${String(review.apiVersion)} kind ${String(review.kind)}`;
  const response = review.response;
  if (typeof response !== 'object' || response === null) return 'a 200 without a response';
  if (response['uid'] !== uid) return `the response uid ${JSON.stringify(response['uid'])?.slice(0, 80)} is not the request's ${JSON.stringify(uid).slice(0, 80)}`;
  const allowed = response['allowed'];
  if (typeof allowed !== 'boolean') return `response.allowed is ${JSON.stringify(allowed)}`;
  const status = response['status'] as { code?: unknown; reason?: unknown; message?: unknown } | undefined;
  if (!allowed || status !== undefined) {
    if (typeof status !== 'object' || status === null) return 'a refusal without a status';
    if (!Number.isInteger(status.code) || (status.code as number) < 400 || (status.code as number) > 599) return `status.code ${JSON.stringify(status.code)}`;
    if (typeof status.reason !== 'string' || status.reason === '') return `status.reason ${JSON.stringify(status.reason)}`;
    if (typeof status.message !== 'string' || status.message === '') return `status.message ${JSON.stringify(status.message)}`;
  }
  if (response['patch'] !== undefined || response['patchType'] !== undefined) {
    if (route !== '/mutate') return `a patch from ${route}`;
    if (!allowed) return 'a patch on a refusal';
    if (response['patchType'] !== 'JSONPatch' || typeof response['patch'] !== 'string') return `patchType ${String(response['patchType'])}`;
    let ops: unknown;
    try {
      ops = JSON.parse(Buffer.from(response['patch'], 'base64').toString('utf8'));
    } catch {
      return 'a patch that is not base64 JSON';
    }
    if (!Array.isArray(ops)) return 'a patch that is not a JSON array';
    for (const op of ops as Array<{ op?: unknown; path?: unknown }>) {
      if (!PATCH_OPS.has(String(op?.op)) || typeof op?.path !== 'string' || (op.path !== '' && !op.path.startsWith('/'))) return `a patch operation ${JSON.stringify(op).slice(0, 120)}`;
    }
  }
  const warnings = response['warnings'];
  if (warnings !== undefined) {
    if (!Array.isArray(warnings) || warnings.length === 0) return `warnings ${JSON.stringify(warnings)?.slice(0, 80)}`;
    let total = 0;
    for (const warning of warnings as unknown[]) {
      if (typeof warning !== 'string' || warning === '') return `a warning ${JSON.stringify(warning)}`;
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(warning)) return `a warning with a control character (not allowed in a Warning header): ${JSON.stringify(warning.slice(0, 80))}`;
      const length = [...warning].length;
      if (length > MAX_WARNING_CHARS) return `a warning of ${length} characters`;
      total += length;
    }
    if (total > MAX_WARNINGS_TOTAL_CHARS) return `warnings of ${total} characters in all`;
  }
  return null;
}

// ---- the bounded resources ----

/** Label values each metric may take, whatever the requests say. */
const RULE_NAMES = new Set([...VALIDATING_RULES, ...MUTATING_RULES].map((rule) => rule.name));
const LABEL_VALUES: Record<string, ReadonlySet<string>> = {
  route: new Set(['validate', 'mutate', 'other']),
  kind: new Set([...KIND_LABELS, 'other', 'invalid', 'unknown']),
  operation: new Set([...OPERATIONS, 'invalid']),
  type: new Set(['decode', 'body_too_large', 'rule', 'deadline', 'effect', 'internal']),
  rule: RULE_NAMES,
  outcome: new Set(['not_governed', 'mode_off', 'guard_off', 'allowed', 'patched', 'denied', 'warned', 'break_glass', 'kafka_unreachable_allowed', 'errored']),
};

/** The number of label sets across the registry (a histogram's buckets count once), and any label value outside LABEL_VALUES. */
async function series(metrics: WebhookMetrics): Promise<{ count: number; unexpected: string[] }> {
  const keys = new Set<string>();
  const unexpected: string[] = [];
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const labels = Object.entries(value.labels).filter(([name]) => name !== 'le');
      keys.add(`${metric.name}${JSON.stringify(labels)}`);
      for (const [name, label] of labels) {
        if (!LABEL_VALUES[name]?.has(String(label))) unexpected.push(`${metric.name}{${name}=${JSON.stringify(String(label)).slice(0, 60)}}`);
      }
    }
  }
  return { count: keys.size, unexpected };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export interface FuzzOptions {
  inputs: number;
  seed: number;
  /** Inputs sent before the heap and the series are first measured (code compiled, caches and pools filled). */
  warmup: number;
}

/** What one run saw; plain data, so a worker can post it. */
export interface FuzzReport {
  seed: number;
  sent: number;
  families: Record<string, number>;
  seconds: number;
  failureCount: number;
  /** The first failures, each with its input. */
  failures: string[];
  /** Uncaught exceptions and unhandled rejections. */
  escaped: string[];
  /** The slowest answer (of an input sent again after taking over MAX_ANSWER_MS, the faster of the two). */
  slowestMs: number;
  slowest: string;
  /** The longest answer body, and to what. */
  largestAnswerChars: number;
  largestAnswer: string;
  /** Inputs sent again because their first answer took over MAX_ANSWER_MS. */
  resent: number;
  heapStart: number;
  heapEnd: number;
  seriesStart: number;
  seriesEnd: number;
  unexpectedLabels: string[];
  maxSeries: number;
  /** Status of GET /healthz after the run. */
  healthz: number;
}

/** Sends `inputs` cases and checks every answer. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const metrics = createMetrics({ processMetrics: false });
  const clusters = CLUSTERS.map((make) => make());
  const apps: WebhookApp[] = clusters.map((cluster) =>
    buildApp(config, {
      facts: cluster,
      effects: cluster,
      readiness: () => ({ ready: true }),
      metrics,
      // Production's logger at its default level, writing nowhere: the log calls and their serializers run too.
      logger: { level: config.logLevel, stream: { write: () => undefined } },
    }),
  );
  await Promise.all(apps.map((app) => app.ready()));

  const escaped: string[] = [];
  const onUncaught = (error: unknown) => escaped.push(`uncaught exception: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  const onUnhandled = (reason: unknown) => escaped.push(`unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);

  const families: Record<string, number> = {};
  const failures: string[] = [];
  let failureCount = 0;
  let slowestMs = 0;
  let slowest = '';
  let resent = 0;
  let largestAnswerChars = 0;
  let largestAnswer = '';
  let start: { heap: number; series: number } | null = null;
  let sent = 0;
  const started = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCases(clusters.length), async (kase) => {
        if (sent === options.warmup) start = { heap: heapAfterGc(), series: (await series(metrics)).count };
        sent += 1;
        families[kase.family] = (families[kase.family] ?? 0) + 1;
        const body = kase.body();
        const app = pick(apps, kase.cluster);
        const send = async () => {
          const before = performance.now();
          const response = await app.inject({
            method: 'POST',
            url: `${kase.route}${kase.query}`,
            payload: body,
            headers: kase.contentType === null ? {} : { 'content-type': kase.contentType },
          });
          return { response, ms: performance.now() - before };
        };
        const { response, ms } = await send();
        const answer = { statusCode: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), body: response.body };
        let problem = problemWith(kase, body, answer, sent <= options.warmup);
        let answerMs = ms;
        if (ms > MAX_ANSWER_MS) {
          // A shared machine can stall a thread for a second; an input that is slow to answer is slow again.
          resent += 1;
          answerMs = Math.min(ms, (await send()).ms);
          if (problem === null && answerMs > MAX_ANSWER_MS) problem = `took ${ms.toFixed(0)} ms, and ${answerMs.toFixed(0)} ms when sent again`;
        }
        if (answerMs > slowestMs) [slowestMs, slowest] = [answerMs, kase.describe()];
        if (answer.body.length > largestAnswerChars) [largestAnswerChars, largestAnswer] = [answer.body.length, `${answer.statusCode} to ${kase.describe()}`];
        if (problem !== null) {
          failureCount += 1;
          if (failures.length < 10) failures.push(`${problem}\n      input: ${kase.describe().slice(0, 400)}`);
        }
        // The fake records every lookup and effect; the webhook is what must stay bounded, not the fake's logs.
        settle(pick(clusters, kase.cluster), sent);
      }),
      { numRuns: options.inputs, seed: options.seed },
    );
    const seconds = (performance.now() - started) / 1000;
    // An unhandled rejection surfaces after the microtasks of the last request.
    await new Promise((resolve) => setImmediate(resolve));
    const probe = apps[0];
    const healthz = probe === undefined ? 0 : (await probe.inject({ method: 'GET', url: '/healthz' })).statusCode;
    const end = { heap: heapAfterGc(), ...(await series(metrics)) };
    const first = start ?? { heap: end.heap, series: end.count };
    return {
      seed: options.seed,
      sent,
      families,
      seconds,
      failureCount,
      failures,
      escaped,
      slowestMs,
      slowest,
      resent,
      largestAnswerChars,
      largestAnswer,
      heapStart: first.heap,
      heapEnd: end.heap,
      seriesStart: first.series,
      seriesEnd: end.count,
      unexpectedLabels: end.unexpected,
      maxSeries: maxSeries(),
      healthz,
    };
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
    await Promise.all(apps.map((app) => app.close()));
  }
}

/** Every label set the webhook's metrics can have: the product of the closed label sets of each metric. */
function maxSeries(): number {
  const size = (name: string) => LABEL_VALUES[name]?.size ?? 0;
  const requests = 2 * size('kind') * size('operation');
  const verdicts = size('rule') * size('outcome');
  const duration = 2;
  const errors = size('route') * size('type');
  return requests + verdicts + duration + errors;
}

/** Forgets what the fake recorded, and now and then its ledger, so reservations keep being made and refused. */
function settle(cluster: FakeCluster, sent: number): void {
  cluster.calls.length = 0;
  cluster.kafkaReadsNotBefore.length = 0;
  cluster.events.length = 0;
  cluster.reservations.length = 0;
  if (sent % 16 === 0) {
    cluster.consumed.length = 0;
    cluster.expireLedger();
  }
}
