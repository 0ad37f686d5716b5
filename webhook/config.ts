/**
 * The webhook's configuration, parsed once at start-up from argv and the
 * environment into a typed object and passed down. A flag wins
 * over its environment variable, which wins over the default. Every problem is
 * reported with the flag, the environment variable and the value that was
 * refused, so the pod's crash log says what to fix.
 */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { LEDGER_DEFAULTS } from '../shared/k8s/ledger.js';
import type { GeneratedCertificatesSettings } from './certs/manager.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** How the webhook reaches the apiserver for its facts and effects. */
export type KubeAccess =
  | { source: 'in-cluster' }
  | { source: 'kubeconfig'; /** null: $KUBECONFIG or ~/.kube/config */ path: string | null; context: string | null };

export interface WebhookConfig {
  listen: { host: string; port: number };
  tls: {
    certFile: string;
    keyFile: string;
    /** Polling interval for certificate changes, in case fs.watch misses a Secret volume update. */
    reloadPollMs: number;
    /** files: the two files above (cert-manager, a Secret you made); generated: the webhook makes and rotates its own (docs/install.md#certificates). */
    source: 'files' | 'generated';
  };
  /** Mode generated: where the certificates live and when they are renewed. */
  certificates: GeneratedCertificatesSettings;
  /** Largest AdmissionReview body accepted; larger ones get HTTP 413. */
  bodyLimitBytes: number;
  /** How often each policy's Kafka view (and its status) is refreshed in the background. */
  kafkaViewRefreshMs: number;
  /** At most this share of one core (percent) goes to background refreshes of one policy's view; a costlier one delays the next. */
  kafkaViewRefreshCpuPercent: number;
  /** Time budget for one admission decision; must stay under the webhook's timeoutSeconds. */
  decisionDeadlineMs: number;
  /** Where admitted-but-not-yet-happened disruptions are recorded, shared by webhook replicas. */
  ledger: { namespace: string; name: string; ttlMs: number };
  /** How many partitions a refusal names before "and N more". */
  maxPartitionsNamed: number;
  /** How often the evacuation controller looks for brokers on nodes going away; 0 turns it off. */
  evacuationIntervalMs: number;
  logLevel: LogLevel;
  kube: KubeAccess;
}

export type ConfigResult = { ok: true; config: WebhookConfig } | { ok: false; errors: string[] };

/**
 * Defaults, with the reasons behind the numbers.
 *
 * bodyLimitBytes, 6 MiB: the apiserver accepts request bodies up to 3 MiB and
 * etcd stores objects up to 1.5 MiB (its default --max-request-bytes). An UPDATE
 * review carries the new object (<= 3 MiB) and the stored old object (<= 1.5 MiB)
 * in JSON, plus the envelope; 6 MiB fits the largest legitimate review with room,
 * so a big StatefulSet update is never refused for its size, while one request
 * still cannot make the process buffer an unbounded body.
 *
 * No admission decides on a cached Kafka view: every eviction, pod delete,
 * scale-down or volume delete is decided on a view whose fetch started after
 * the request arrived (engine.ts), because a topic created or an ISR shrunk a
 * second before would otherwise be missed, and a disruption admitted on that
 * takes a partition offline. Such requests are rare (a `kubectl drain` of a
 * node is a handful), so the one fetch each costs little; the decision
 * deadline bounds it.
 *
 * kafkaViewRefreshMs, 4 s: the background refresh of each policy's view, which
 * feeds the policy status and the view-age metric, and which an admission
 * arriving while a refresh is under way shares instead of fetching again. Each
 * refresh reads the metadata and configs of every topic; on clusters with
 * hundreds of thousands of partitions raise it (the policy status then follows
 * at that pace).
 *
 * kafkaViewRefreshCpuPercent, 25: the bound on that refresh per replica. A
 * background refresh that cost C ms of CPU is followed by the next one no
 * sooner than C / 25% after it started (and never sooner than the interval),
 * so a cluster too large for the interval is refreshed less often instead of
 * taking a core. Measured (BENCHMARKS.md): a refresh of 200,000 partitions
 * costs ~0.25 s of CPU when nothing changed and ~1 s when something did.
 * Admissions are not delayed by it: each reads its own fresh view.
 *
 * decisionDeadlineMs, 2000: the webhooks are registered with timeoutSeconds: 3
 * (the apiserver allows 1-30, default 10). The apiserver counts the whole call,
 * TLS and network included, so the decision keeps a second in reserve; when
 * the apiserver sends its own `?timeout=` the engine takes the smaller budget.
 *
 * ledger TTL, 60 s: an admitted eviction or delete normally marks the pod
 * Terminating within the same apiserver request, after which the pod itself
 * counts as down; the entry only has to bridge informer lag, or hold the broker
 * as "down" when a later admission step (a PDB) refused the request, which a
 * client such as `kubectl drain` retries within seconds.
 */
const DEFAULTS = {
  host: '0.0.0.0',
  port: 8443,
  certFile: '/etc/kafka-guard/tls/tls.crt',
  keyFile: '/etc/kafka-guard/tls/tls.key',
  tlsReloadPollMs: 10_000,
  bodyLimitBytes: 6 * 1024 * 1024,
  kafkaViewRefreshMs: 4_000,
  kafkaViewRefreshCpuPercent: 25,
  decisionDeadlineMs: 2_000,
  ledgerNamespace: LEDGER_DEFAULTS.namespace,
  ledgerName: LEDGER_DEFAULTS.name,
  ledgerTtlSeconds: 60,
  maxPartitionsNamed: 5,
  evacuationIntervalMs: 5_000,
  logLevel: 'info' as LogLevel,
  certificates: 'files' as 'files' | 'generated',
  certificatesSecret: 'kafka-guard-tls',
  webhookConfigurationName: 'kafka-guard',
  serviceName: 'kafka-guard',
  caValidity: '8760h',
  caRenewBefore: '2160h',
  servingValidity: '2160h',
  servingRenewBefore: '360h',
  certificatesCheckInterval: '1m',
  certificatesOverlap: '10m',
};

/*
 * Mode generated, the numbers: a CA for a year, renewed (rotated with
 * overlap) 90 days before it ends; serving certificates for 90 days, renewed
 * 15 days before (cert-manager's defaults in the chart, so both modes renew
 * alike). Every replica looks at the Secret each minute; old and new CA are
 * both trusted for 10 minutes before the new one signs (every apiserver has
 * the new bundle) and 10 minutes after (every replica serves the new
 * certificate), which is why the overlap must be at least two looks.
 */

/** The apiserver refuses webhook timeoutSeconds above 30, so a longer deadline could never be met. */
const MAX_DEADLINE_MS = 29_000;

interface Setting {
  flag: string;
  env: string;
  /** One line for --help, default included. */
  help: string;
}

const S = {
  host: { flag: 'listen-host', env: 'KAFKAGUARD_LISTEN_HOST', help: `address to listen on (default ${DEFAULTS.host})` },
  port: { flag: 'port', env: 'KAFKAGUARD_PORT', help: `HTTPS port (default ${DEFAULTS.port})` },
  certFile: { flag: 'tls-cert-file', env: 'KAFKAGUARD_TLS_CERT_FILE', help: `serving certificate, PEM; reloaded when it changes (default ${DEFAULTS.certFile})` },
  keyFile: { flag: 'tls-key-file', env: 'KAFKAGUARD_TLS_KEY_FILE', help: `its private key, PEM (default ${DEFAULTS.keyFile})` },
  tlsReloadPollMs: { flag: 'tls-reload-poll-ms', env: 'KAFKAGUARD_TLS_RELOAD_POLL_MS', help: `how often to check the certificate files, ms (default ${DEFAULTS.tlsReloadPollMs})` },
  bodyLimitBytes: { flag: 'body-limit-bytes', env: 'KAFKAGUARD_BODY_LIMIT_BYTES', help: `largest AdmissionReview accepted, bytes (default ${DEFAULTS.bodyLimitBytes})` },
  kafkaViewRefreshMs: { flag: 'kafka-view-refresh-ms', env: 'KAFKAGUARD_KAFKA_VIEW_REFRESH_MS', help: `background refresh of each policy's Kafka view and status, ms; raise it for very large clusters (default ${DEFAULTS.kafkaViewRefreshMs})` },
  kafkaViewRefreshCpuPercent: { flag: 'kafka-view-refresh-cpu-percent', env: 'KAFKAGUARD_KAFKA_VIEW_REFRESH_CPU_PERCENT', help: `share of one core, percent, that background refreshes of one policy's Kafka view may use; a costlier refresh delays the next (default ${DEFAULTS.kafkaViewRefreshCpuPercent})` },
  decisionDeadlineMs: { flag: 'decision-deadline-ms', env: 'KAFKAGUARD_DECISION_DEADLINE_MS', help: `answer within this, ms; keep it below the registrations' timeoutSeconds (default ${DEFAULTS.decisionDeadlineMs})` },
  ledgerNamespace: { flag: 'ledger-namespace', env: 'KAFKAGUARD_LEDGER_NAMESPACE', help: `namespace of the disruption ledger ConfigMap (default $POD_NAMESPACE, else ${DEFAULTS.ledgerNamespace})` },
  ledgerName: { flag: 'ledger-name', env: 'KAFKAGUARD_LEDGER_NAME', help: `its name (default ${DEFAULTS.ledgerName})` },
  ledgerTtlSeconds: { flag: 'ledger-ttl-seconds', env: 'KAFKAGUARD_LEDGER_TTL_SECONDS', help: `how long an admitted disruption counts at most, s (default ${DEFAULTS.ledgerTtlSeconds})` },
  maxPartitionsNamed: { flag: 'max-partitions-named', env: 'KAFKAGUARD_MAX_PARTITIONS_NAMED', help: `partitions named in a refusal before "and N more" (default ${DEFAULTS.maxPartitionsNamed})` },
  evacuationIntervalMs: { flag: 'evacuation-interval-ms', env: 'KAFKAGUARD_EVACUATION_INTERVAL_MS', help: `how often to look for brokers on nodes being cordoned, for policies with spec.evacuation.onCordon, ms; 0 turns evacuation off (default ${DEFAULTS.evacuationIntervalMs})` },
  logLevel: { flag: 'log-level', env: 'KAFKAGUARD_LOG_LEVEL', help: `fatal, error, warn, info, debug or trace (default ${DEFAULTS.logLevel})` },
  kubeconfig: { flag: 'kubeconfig', env: 'KUBECONFIG', help: 'kubeconfig file, when not running in a cluster' },
  kubeContext: { flag: 'context', env: 'KAFKAGUARD_KUBE_CONTEXT', help: 'kubeconfig context (default its current one)' },
  inCluster: { flag: 'in-cluster', env: 'KAFKAGUARD_IN_CLUSTER', help: 'use the pod\'s service account (as the chart\'s Deployment does)' },
  certificates: { flag: 'certificates', env: 'KAFKAGUARD_CERTIFICATES', help: `files (--tls-cert-file/--tls-key-file) or generated (the webhook makes a CA and serving certificate in a Secret, publishes the caBundle and renews both) (default ${DEFAULTS.certificates})` },
  certificatesSecret: { flag: 'certificates-secret', env: 'KAFKAGUARD_CERTIFICATES_SECRET', help: `generated: the Secret the certificates live in (default ${DEFAULTS.certificatesSecret})` },
  certificatesNamespace: { flag: 'certificates-namespace', env: 'KAFKAGUARD_CERTIFICATES_NAMESPACE', help: `generated: its namespace (default $POD_NAMESPACE, else ${LEDGER_DEFAULTS.namespace})` },
  webhookConfigurationName: { flag: 'webhook-configuration-name', env: 'KAFKAGUARD_WEBHOOK_CONFIGURATION_NAME', help: `generated: the Mutating- and ValidatingWebhookConfiguration whose caBundle is written (default ${DEFAULTS.webhookConfigurationName})` },
  certificatesHosts: { flag: 'certificates-hosts', env: 'KAFKAGUARD_CERTIFICATES_HOSTS', help: `generated: the serving certificate's DNS names and IP addresses, comma-separated (default ${DEFAULTS.serviceName}.NAMESPACE.svc,${DEFAULTS.serviceName}.NAMESPACE.svc.cluster.local)` },
  caValidity: { flag: 'ca-validity', env: 'KAFKAGUARD_CA_VALIDITY', help: `generated: how long a CA is valid, e.g. 8760h (default ${DEFAULTS.caValidity})` },
  caRenewBefore: { flag: 'ca-renew-before', env: 'KAFKAGUARD_CA_RENEW_BEFORE', help: `generated: rotate the CA this long before it ends (default ${DEFAULTS.caRenewBefore})` },
  servingValidity: { flag: 'serving-validity', env: 'KAFKAGUARD_SERVING_VALIDITY', help: `generated: how long a serving certificate is valid (default ${DEFAULTS.servingValidity})` },
  servingRenewBefore: { flag: 'serving-renew-before', env: 'KAFKAGUARD_SERVING_RENEW_BEFORE', help: `generated: renew it this long before it ends (default ${DEFAULTS.servingRenewBefore})` },
  certificatesCheckInterval: { flag: 'certificates-check-interval', env: 'KAFKAGUARD_CERTIFICATES_CHECK_INTERVAL', help: `generated: how often each replica reads the Secret (default ${DEFAULTS.certificatesCheckInterval})` },
  certificatesOverlap: { flag: 'certificates-overlap', env: 'KAFKAGUARD_CERTIFICATES_OVERLAP', help: `generated: old and new CA are both trusted this long before and again after the new one signs; at least two check intervals (default ${DEFAULTS.certificatesOverlap})` },
} satisfies Record<string, Setting>;

/** The flags, for --help and for tests. */
export const CONFIG_FLAGS: readonly Setting[] = Object.values(S);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Parses and validates the configuration. `env` is passed in (not read from
 * process.env here) so start-up and tests share one code path.
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ConfigResult {
  let flags: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      CONFIG_FLAGS.map((s) => [s.flag, { type: s.flag === S.inCluster.flag ? ('boolean' as const) : ('string' as const) }]),
    );
    flags = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const known = CONFIG_FLAGS.map((s) => `--${s.flag}`).join(', ');
    return { ok: false, errors: [`${error instanceof Error ? error.message : String(error)}. Known flags: ${known}`] };
  }

  const errors: string[] = [];
  const raw = (s: Setting): { value: string; from: string } | undefined => {
    const flag = flags[s.flag];
    if (typeof flag === 'string') return { value: flag, from: `--${s.flag}` };
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: `${s.env}` };
    return undefined;
  };
  const text = (s: Setting, fallback: string, check?: (v: string) => string | undefined): string => {
    const found = raw(s);
    if (found === undefined) return fallback;
    const problem = check?.(found.value);
    if (problem !== undefined) errors.push(`${found.from}=${JSON.stringify(found.value)}: ${problem}`);
    return found.value;
  };
  const integer = (s: Setting, fallback: number, min: number, max: number, unit: string): number => {
    const found = raw(s);
    if (found === undefined) return fallback;
    const value = /^[0-9]+$/.test(found.value.trim()) ? Number(found.value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      errors.push(`${found.from}=${JSON.stringify(found.value)}: expected a whole number of ${unit} from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const notEmpty = (v: string): string | undefined => (v.trim() === '' ? 'must not be empty' : undefined);

  const host = text(S.host, DEFAULTS.host, notEmpty);
  const port = integer(S.port, DEFAULTS.port, 1, 65_535, 'a TCP port');
  const certFile = text(S.certFile, DEFAULTS.certFile, notEmpty);
  const keyFile = text(S.keyFile, DEFAULTS.keyFile, notEmpty);
  const reloadPollMs = integer(S.tlsReloadPollMs, DEFAULTS.tlsReloadPollMs, 100, 3_600_000, 'milliseconds');
  // 64 KiB is far below any real AdmissionReview of a StatefulSet; a smaller limit is a typo.
  const bodyLimitBytes = integer(S.bodyLimitBytes, DEFAULTS.bodyLimitBytes, 64 * 1024, 64 * 1024 * 1024, 'bytes');
  const kafkaViewRefreshMs = integer(S.kafkaViewRefreshMs, DEFAULTS.kafkaViewRefreshMs, 1_000, 3_600_000, 'milliseconds');
  const kafkaViewRefreshCpuPercent = integer(S.kafkaViewRefreshCpuPercent, DEFAULTS.kafkaViewRefreshCpuPercent, 1, 100, 'percent of one core');
  const decisionDeadlineMs = integer(S.decisionDeadlineMs, DEFAULTS.decisionDeadlineMs, 100, MAX_DEADLINE_MS, 'milliseconds');
  const ledgerNamespace = text(S.ledgerNamespace, env['POD_NAMESPACE'] || DEFAULTS.ledgerNamespace, (v) =>
    DNS_LABEL.test(v) ? undefined : 'a namespace name must be a DNS label (lower-case alphanumerics and "-", at most 63)',
  );
  const ledgerName = text(S.ledgerName, DEFAULTS.ledgerName, (v) =>
    DNS_SUBDOMAIN.test(v) && v.length <= 253 ? undefined : 'a ConfigMap name must be a DNS subdomain (lower-case alphanumerics, "-" and ".")',
  );
  const ledgerTtlSeconds = integer(S.ledgerTtlSeconds, DEFAULTS.ledgerTtlSeconds, 5, 3_600, 'seconds');
  const maxPartitionsNamed = integer(S.maxPartitionsNamed, DEFAULTS.maxPartitionsNamed, 1, 100, 'partitions');
  const evacuationIntervalMs = integer(S.evacuationIntervalMs, DEFAULTS.evacuationIntervalMs, 0, 3_600_000, 'milliseconds');
  const logLevel = text(S.logLevel, DEFAULTS.logLevel, (v) =>
    (LOG_LEVELS as readonly string[]).includes(v) ? undefined : `expected one of ${LOG_LEVELS.join(', ')}`,
  ) as LogLevel;

  const kube = kubeAccess(flags, env, raw, errors);
  const source = text(S.certificates, DEFAULTS.certificates, (v) => (v === 'files' || v === 'generated' ? undefined : 'expected files or generated')) as 'files' | 'generated';
  const certificates = generatedCertificates(env, raw, errors);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      listen: { host, port },
      tls: { certFile, keyFile, reloadPollMs, source },
      certificates,
      bodyLimitBytes,
      kafkaViewRefreshMs,
      kafkaViewRefreshCpuPercent,
      decisionDeadlineMs,
      ledger: { namespace: ledgerNamespace, name: ledgerName, ttlMs: ledgerTtlSeconds * 1000 },
      maxPartitionsNamed,
      evacuationIntervalMs,
      logLevel,
      kube,
    },
  };
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** A Go-style duration as the chart's values write them ("2160h", "1m30s", "500ms") in milliseconds; null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (m === null || text.trim() === '') return null;
  const [h, min, s, ms] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [number, number, number, number];
  return ((h * 60 + min) * 60 + s) * 1000 + ms;
}

function generatedCertificates(
  env: Readonly<Record<string, string | undefined>>,
  raw: (s: Setting) => { value: string; from: string } | undefined,
  errors: string[],
): GeneratedCertificatesSettings {
  const duration = (s: Setting, fallback: string, minMs: number): number => {
    const found = raw(s) ?? { value: fallback, from: `--${s.flag}` };
    const ms = parseDuration(found.value);
    if (ms === null || ms < minMs) {
      errors.push(`${found.from}=${JSON.stringify(found.value)}: expected a duration of at least ${minMs} ms such as 2160h, 10m, 30s or 500ms`);
      return parseDuration(fallback) ?? minMs;
    }
    return ms;
  };
  const name = (s: Setting, fallback: string, pattern: RegExp, what: string): string => {
    const found = raw(s);
    if (found === undefined) return fallback;
    if (!pattern.test(found.value)) errors.push(`${found.from}=${JSON.stringify(found.value)}: ${what}`);
    return found.value;
  };
  const namespace = name(S.certificatesNamespace, env['POD_NAMESPACE'] || LEDGER_DEFAULTS.namespace, DNS_LABEL, 'a namespace name must be a DNS label');
  const secretName = name(S.certificatesSecret, DEFAULTS.certificatesSecret, DNS_SUBDOMAIN, 'a Secret name must be a DNS subdomain');
  const webhookConfigurationName = name(S.webhookConfigurationName, DEFAULTS.webhookConfigurationName, DNS_SUBDOMAIN, 'a webhook configuration name must be a DNS subdomain');
  const hostsFound = raw(S.certificatesHosts);
  const hosts = hostsFound === undefined
    ? [`${DEFAULTS.serviceName}.${namespace}.svc`, `${DEFAULTS.serviceName}.${namespace}.svc.cluster.local`]
    : hostsFound.value.split(',').map((h) => h.trim()).filter((h) => h !== '');
  const badHosts = hosts.filter((h) => isIP(h) === 0 && !DNS_SUBDOMAIN.test(h));
  if (hostsFound !== undefined && (hosts.length === 0 || badHosts.length > 0)) {
    errors.push(`${hostsFound.from}=${JSON.stringify(hostsFound.value)}: expected DNS names or IP addresses, comma-separated${badHosts.length > 0 ? ` (not one: ${badHosts.join(', ')})` : ''}`);
  }
  const settings = {
    namespace, secretName, webhookConfigurationName, hosts,
    caValidityMs: duration(S.caValidity, DEFAULTS.caValidity, 1000),
    caRenewBeforeMs: duration(S.caRenewBefore, DEFAULTS.caRenewBefore, 1000),
    servingValidityMs: duration(S.servingValidity, DEFAULTS.servingValidity, 1000),
    servingRenewBeforeMs: duration(S.servingRenewBefore, DEFAULTS.servingRenewBefore, 1000),
    checkIntervalMs: duration(S.certificatesCheckInterval, DEFAULTS.certificatesCheckInterval, 100),
    overlapMs: duration(S.certificatesOverlap, DEFAULTS.certificatesOverlap, 200),
  };
  if (settings.servingRenewBeforeMs >= settings.servingValidityMs) {
    errors.push(`--serving-renew-before (${settings.servingRenewBeforeMs} ms) must be shorter than --serving-validity (${settings.servingValidityMs} ms), or every certificate is renewed at once`);
  }
  if (settings.caRenewBeforeMs >= settings.caValidityMs) {
    errors.push(`--ca-renew-before (${settings.caRenewBeforeMs} ms) must be shorter than --ca-validity (${settings.caValidityMs} ms)`);
  }
  if (settings.overlapMs < 2 * settings.checkIntervalMs) {
    errors.push(`--certificates-overlap (${settings.overlapMs} ms) must be at least two --certificates-check-interval (${settings.checkIntervalMs} ms): every replica must see the new CA before the old one leaves`);
  }
  if (settings.caRenewBeforeMs <= 2 * settings.overlapMs) {
    errors.push(`--ca-renew-before (${settings.caRenewBeforeMs} ms) must be longer than two --certificates-overlap (${settings.overlapMs} ms): a CA rotation must finish before the old CA ends`);
  }
  return settings;
}

function kubeAccess(
  flags: Record<string, string | boolean | undefined>,
  env: Readonly<Record<string, string | undefined>>,
  raw: (s: Setting) => { value: string; from: string } | undefined,
  errors: string[],
): KubeAccess {
  const kubeconfig = raw(S.kubeconfig);
  const context = raw(S.kubeContext);
  let inCluster: boolean;
  if (typeof flags[S.inCluster.flag] === 'boolean') {
    inCluster = flags[S.inCluster.flag] === true;
  } else if (env[S.inCluster.env] !== undefined && env[S.inCluster.env] !== '') {
    const value = env[S.inCluster.env];
    if (value !== 'true' && value !== 'false') {
      errors.push(`${S.inCluster.env}=${JSON.stringify(value)}: expected "true" or "false"`);
    }
    inCluster = value === 'true';
  } else {
    // Inside a pod the kubelet sets KUBERNETES_SERVICE_HOST; an explicit kubeconfig still wins.
    inCluster = kubeconfig === undefined && (env['KUBERNETES_SERVICE_HOST'] ?? '') !== '';
  }
  if (inCluster) {
    if (kubeconfig?.from.startsWith('--') || context !== undefined) {
      errors.push(`--in-cluster cannot be combined with ${kubeconfig?.from.startsWith('--') ? kubeconfig.from : context?.from}; choose one way to reach the apiserver`);
    }
    return { source: 'in-cluster' };
  }
  return { source: 'kubeconfig', path: kubeconfig?.value ?? null, context: context?.value ?? null };
}

/** The usage text printed with configuration errors. */
export function configUsage(): string {
  return CONFIG_FLAGS.map((s) => `  --${s.flag} (env ${s.env})`).join('\n');
}

/** `--help`: what the executable is and every setting, flag or environment variable, with its default. */
export function helpText(): string {
  const names = CONFIG_FLAGS.map((s) => `--${s.flag}, $${s.env}`);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const rows = CONFIG_FLAGS.map((s, i) => `  ${(names[i] ?? '').padEnd(width)}${s.help}`);
  return [
    'kafka-guard webhook: the Kafka-aware admission webhook (validating + mutating), HTTPS only.',
    '',
    'usage: node dist/webhook/main.js [flags]',
    '',
    'Every setting is a flag or an environment variable; a flag wins.',
    ...rows,
    '',
    'Endpoints: POST /validate, POST /mutate, GET /healthz, GET /readyz, GET /metrics.',
    'Install it with the Helm chart deploy/chart/kafka-guard or deploy/kafka-guard.yaml (see docs/install.md).',
    '',
  ].join('\n');
}
