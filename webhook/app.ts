/**
 * buildApp: the fastify application with its routes, built from the parsed
 * configuration and injected dependencies. server.ts adds TLS,
 * listening and signals; tests call `app.inject()`.
 *
 *   POST /validate, POST /mutate  AdmissionReview v1 in, AdmissionReview out
 *   GET  /healthz                 the process answers
 *   GET  /readyz                  503 until the caches behind the facts are synced
 *   GET  /metrics                 Prometheus text format
 *
 * HTTP errors are JSON `{ error, message }`: 400 for a body that is not an
 * AdmissionReview (or one for a kind no rule handles), 413 above the body
 * limit. Once the uid is known, every failure is an AdmissionReview response
 * carrying it (docs/adr/0001-webhook-error-semantics.md).
 */
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Server } from 'node:http';
import { decodeAdmissionReview } from './admission/decode.js';
import { encodeVerdict } from './admission/encode.js';
import { decisionDeadlineMs } from './admission/timeout.js';
import { allow, errored, errorMessage } from './admission/verdict.js';
import type { WebhookConfig } from './config.js';
import type { Effects, FactsSource } from './facts/types.js';
import { bodyTooLargeMessage, EMPTY_BODY_MESSAGE, invalidContentTypeMessage, mutateFailedWarning, notJsonMessage, ruleFailedMessage } from './messages.js';
import { createMetrics, kindLabel, type WebhookMetrics } from './metrics.js';
import { classify, decide, type EngineDeps, type RouteRules } from './rules/engine.js';
import { MUTATING_RULES, VALIDATING_RULES } from './rules/index.js';
import type { Rule } from './rules/rule.js';

export interface Readiness {
  ready: boolean;
  /** Why not, e.g. "waiting for the pod informer to sync". */
  reason?: string;
}

export interface AppDeps {
  facts: FactsSource;
  effects: Effects;
  /** Whether the caches behind `facts` are synced. */
  readiness(): Readiness;
  /** Pass the instance the facts implementation updates (Kafka view age); created when absent. */
  metrics?: WebhookMetrics;
  validatingRules?: readonly Rule[];
  mutatingRules?: readonly Rule[];
  /** Fastify logger options; defaults to pino at the configured level. Tests pass false. */
  logger?: FastifyServerOptions['logger'];
  /** Creates the HTTPS server (server.ts); without it the app is only usable through inject(). */
  serverFactory?: FastifyServerOptions['serverFactory'];
}

export type WebhookApp = FastifyInstance<Server>;

interface HttpError extends Error {
  statusCode: number;
}

function httpError(statusCode: number, message: string): HttpError {
  return Object.assign(new Error(message), { statusCode });
}

export function buildApp(config: WebhookConfig, deps: AppDeps): WebhookApp {
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    // Probes and scrapes would drown the log; decisions, refusals and errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    ...(deps.serverFactory === undefined ? {} : { serverFactory: deps.serverFactory }),
  });
  const metrics = deps.metrics ?? createMetrics({ processMetrics: false });

  // One parser for every content type: the apiserver sends application/json,
  // and anything else gets the same clear 400 instead of fastify's 415.
  // JSON.parse, not fastify's parser: that one refuses a body with a
  // "__proto__" or "constructor.prototype" key with 400, and the apiserver
  // counts a 400 as a failed call (issue 10). JSON.parse makes such a key an
  // own data property, which changes no prototype; code that reads labels and
  // annotations reads own properties only (shared/k8s/selector.ts, identity).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString());
    } catch (error) {
      done(httpError(400, notJsonMessage(errorMessage(error))), undefined);
      return;
    }
    done(null, parsed);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const route = routeLabel(request);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      metrics.errors.inc({ route, type: 'body_too_large' });
      request.log.warn({ limit: config.bodyLimitBytes, contentLength: request.headers['content-length'] }, 'admission body over the limit');
      return reply.code(413).send({ error: 'PayloadTooLarge', message: bodyTooLargeMessage(config.bodyLimitBytes) });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (route !== 'other') metrics.requests.inc({ route, kind: 'invalid', operation: 'invalid' });
      metrics.errors.inc({ route, type: 'decode' });
      const message = error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? invalidContentTypeMessage(String(request.headers['content-type'])) : error.message;
      // The caller's mistake, not ours: its reason is logged, not a stack trace (which costs CPU on every bad body).
      request.log.warn({ reason: message }, 'bad admission request');
      return reply.code(400).send({ error: 'BadRequest', message });
    }
    metrics.errors.inc({ route, type: 'internal' });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'InternalError', message: `kafka-guard failed: ${error.message}` });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'NotFound', message: `no route ${request.method} ${request.url}; see /validate, /mutate, /healthz, /readyz, /metrics` }),
  );

  const validate: RouteRules = { route: 'validate', rules: deps.validatingRules ?? VALIDATING_RULES, onError: 'deny' };
  const mutate: RouteRules = { route: 'mutate', rules: deps.mutatingRules ?? MUTATING_RULES, onError: 'admit' };
  app.post('/validate', (request, reply) => handleAdmission(validate, request, reply));
  app.post('/mutate', (request, reply) => handleAdmission(mutate, request, reply));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = deps.readiness();
    if (readiness.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: readiness.reason ?? 'caches not synced yet' });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // Every answer of the admission routes is timed, including 400s and 413s from the parser.
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeLabel(request);
    if (route !== 'other') {
      metrics.duration.observe({ route }, reply.elapsedTime / 1000);
      request.log.debug({ route, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'admission request answered');
    }
    done();
  });

  async function handleAdmission(routeRules: RouteRules, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const route = routeRules.route;
    if (request.body === undefined) return badRequest(reply, route, EMPTY_BODY_MESSAGE, 'invalid', 'invalid');
    const decoded = decodeAdmissionReview(request.body);
    if (!decoded.ok) return badRequest(reply, route, decoded.error.message, 'invalid', 'invalid');
    const admission = decoded.request;
    const classified = classify(routeRules, admission);
    // The kind label only takes values this build knows, so a caller cannot grow the label set.
    if (classified.kind === 'unknown-resource') return badRequest(reply, route, classified.message, 'unknown', admission.operation);
    metrics.requests.inc({ route, kind: kindLabel(admission.kind.kind), operation: admission.operation });
    try {
      const engineDeps: EngineDeps = {
        facts: deps.facts,
        effects: deps.effects,
        metrics,
        log: request.log,
        settings: {
          maxPartitionsNamed: config.maxPartitionsNamed,
          ledgerTtlMs: config.ledger.ttlMs,
        },
      };
      const query = request.query as Record<string, unknown> | undefined;
      const deadlineMs = decisionDeadlineMs(config.decisionDeadlineMs, query?.['timeout']);
      const verdict = await decide(routeRules, classified.rules, admission, engineDeps, deadlineMs);
      return reply.code(200).send(encodeVerdict(admission.uid, verdict));
    } catch (error) {
      // decide() does not throw; should encoding ever fail, the answer still carries the uid.
      metrics.errors.inc({ route, type: 'internal' });
      request.log.error({ err: error, uid: admission.uid }, 'admission handler failed');
      const verdict = routeRules.onError === 'admit' ? allow().withWarnings(mutateFailedWarning(ruleFailedMessage('handler', errorMessage(error)))) : errored(error);
      return reply.code(200).send(encodeVerdict(admission.uid, verdict));
    }
  }

  function badRequest(reply: FastifyReply, route: string, message: string, kind: string, operation: string): FastifyReply {
    metrics.requests.inc({ route, kind, operation });
    metrics.errors.inc({ route, type: 'decode' });
    reply.log.warn({ reason: message }, 'refused a request that is not a usable AdmissionReview');
    return reply.code(400).send({ error: 'BadRequest', message });
  }

  return app;
}

function routeLabel(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  return path === '/validate' ? 'validate' : path === '/mutate' ? 'mutate' : 'other';
}
