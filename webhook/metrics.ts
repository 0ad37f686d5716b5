/**
 * Prometheus metrics of the webhook, on a Registry of its own (not prom-client's
 * global one), so every app built by buildApp - and every test - has separate
 * counters and nothing else in the process can register into it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WebhookMetrics {
  registry: Registry;
  /**
   * Every AdmissionReview received, by route, object kind and operation (decode
   * failures: kind "invalid"). The kind is one of KIND_LABELS (see kindLabel).
   */
  requests: Counter<'route' | 'kind' | 'operation'>;
  /** One per rule that looked at a request, by its outcome (allowed, denied, warned, break_glass, ...). */
  verdicts: Counter<'rule' | 'outcome'>;
  /** Time from receiving the body to sending the response. */
  duration: Histogram<'route'>;
  /** Age of each policy's Kafka view, computed at every scrape from the views reported by reportKafkaViews. */
  kafkaViewAge: Gauge<'policy'>;
  /**
   * Where kafkaViewAge finds the views: called at every scrape, returns each
   * policy key (namespace/name) with the epoch ms its view was fetched. Set by
   * the facts implementation, which owns the views.
   */
  reportKafkaViews(source: KafkaViewSource): void;
  /** Failures: decode (400/413), rule exceptions, deadline overruns, failed effects. */
  errors: Counter<'route' | 'type'>;
  /**
   * TLS connections accepted. The apiserver keeps a pool of idle connections to
   * a webhook; one that calls with more concurrency than it keeps idle opens (and
   * pays a handshake for) a new one per call, which shows here as a rate close
   * to the request rate.
   */
  connections: Counter;
}

/**
 * The object kinds of the resources the webhook is registered for. A label
 * value from a request is only ever one of these, "invalid", "unknown" or
 * "other": made-up kinds would otherwise each open a series of their own
 * (issue 10: 10,000 kinds gave 10,000 series).
 */
export const KIND_LABELS: ReadonlySet<string> = new Set([
  'Pod',
  'Eviction',
  'StatefulSet',
  'Scale',
  'PersistentVolumeClaim',
  'KafkaGuardPolicy',
  'KafkaNodePool',
]);

/** The `kind` label for an object kind taken from a request. */
export function kindLabel(kind: string): string {
  return KIND_LABELS.has(kind) ? kind : 'other';
}

/** The Kafka views a webhook holds: [policy key, fetchedAt epoch ms]. */
export type KafkaViewSource = () => Iterable<readonly [policy: string, fetchedAt: number]>;

export interface MetricsOptions {
  /** Also export process metrics (CPU, memory, event loop lag); off in tests. */
  processMetrics: boolean;
  /** The clock the view age is measured with (epoch ms); Date.now by default. */
  now?: () => number;
}

export function createMetrics(options: MetricsOptions): WebhookMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'kafkaguard_webhook_' });
  const now = options.now ?? Date.now;
  let kafkaViews: KafkaViewSource = () => [];
  return {
    registry,
    requests: new Counter({
      name: 'kafkaguard_admission_requests_total',
      help: 'AdmissionReview requests received, by route, object kind and operation',
      labelNames: ['route', 'kind', 'operation'],
      registers: [registry],
    }),
    verdicts: new Counter({
      name: 'kafkaguard_admission_verdicts_total',
      help: 'Rule outcomes, by rule and outcome',
      labelNames: ['rule', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'kafkaguard_admission_duration_seconds',
      help: 'Time to answer an AdmissionReview, by route',
      labelNames: ['route'],
      // Decisions are mostly cache lookups (milliseconds) up to the Kafka-bound deadline (2 s by default).
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers: [registry],
    }),
    // Computed when scraped, not when a decision reads a view: a background refresh
    // that stops working shows as a growing age even when no admission comes in.
    kafkaViewAge: new Gauge({
      name: 'kafkaguard_kafka_view_age_seconds',
      help: 'Age of each policy\'s Kafka cluster view (seconds since it was fetched), by policy (namespace/name)',
      labelNames: ['policy'],
      registers: [registry],
      collect() {
        // Views of deleted policies go away with their series.
        this.reset();
        const at = now();
        for (const [policy, fetchedAt] of kafkaViews()) this.set({ policy }, Math.max(0, at - fetchedAt) / 1000);
      },
    }),
    reportKafkaViews(source: KafkaViewSource) {
      kafkaViews = source;
    },
    errors: new Counter({
      name: 'kafkaguard_errors_total',
      help: 'Errors, by route and type (decode, body_too_large, rule, deadline, effect, internal)',
      labelNames: ['route', 'type'],
      registers: [registry],
    }),
    connections: new Counter({
      name: 'kafkaguard_tls_connections_total',
      help: 'TLS connections accepted',
      registers: [registry],
    }),
  };
}
