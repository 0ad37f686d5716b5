/**
 * The Kafka client: connection settings resolved from a KafkaGuardPolicy, one
 * long-lived client per Kafka cluster, and a cache that swaps the client when the
 * policy's connection changes.
 *
 * The client keeps one authenticated kafkajs connection per broker address and
 * sends kafka-guard's own request bodies (protocol.ts) through it; requests are
 * bounded by a request timeout and a short retry budget, because the webhook has
 * about two seconds to answer the apiserver.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConnectionSpec } from '../policy/types.js';
import { ErrorCode, errorName, isRetriableCode, KafkaUnreachableError, KafkaUnsupportedError } from './errors.js';
import {
  createKafkajsLogger,
  KafkajsLogLevel,
  openBrokerConnection,
  type BrokerConnection,
  type KafkajsLogEntry,
} from './kafkajs-internals.js';
import {
  decodeResponseBody,
  encodeRequestBody,
  Metadata,
  negotiateVersion,
  type ApiSpec,
  type ApiVersionRange,
  type MetadataResponse,
} from './protocol.js';

// ---------------------------------------------------------------- connection settings

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** A policy's `spec.kafka` with its Secrets read: everything needed to connect. */
export interface ResolvedKafkaConnection {
  bootstrapServers: string[];
  tls?: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean; serverName?: string };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** The policy's per-request timeout, when it sets one. */
  requestTimeoutMs?: number;
}

/** Reads a Secret in the policy's namespace; returns its data decoded to text (not base64). */
export type SecretReader = (name: string) => Promise<Record<string, string>>;

/** Splits `host:port` (IPv6 as `[::1]:9092`); throws a message naming the bad entry. */
export function parseBootstrapServer(entry: string, index = 0): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(entry.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `spec.kafka.bootstrapServers[${index}] is ${JSON.stringify(entry)}: expected host:port, ` +
        'e.g. "kafka-0.kafka-headless.kafka.svc:9092"',
    );
  }
  return { host, port };
}

function secretValue(data: Record<string, string>, key: string): string | undefined {
  const value = data[key];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Turns `spec.kafka` into connection settings by reading the Secrets it names:
 * TLS `ca.crt`, `tls.crt`, `tls.key`; SASL `username`, `password`. Errors name the
 * Secret and the missing key.
 */
export async function resolveConnection(spec: KafkaConnectionSpec, readSecret: SecretReader): Promise<ResolvedKafkaConnection> {
  if (spec.bootstrapServers.length === 0) {
    throw new Error('spec.kafka.bootstrapServers is empty: list at least one broker as host:port');
  }
  spec.bootstrapServers.forEach((entry, index) => parseBootstrapServer(entry, index));

  const secrets = new Map<string, Promise<Record<string, string>>>();
  const read = (name: string, field: string): Promise<Record<string, string>> => {
    let pending = secrets.get(name);
    if (!pending) {
      pending = readSecret(name).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`cannot read Secret "${name}" named by ${field}: ${reason}`, { cause: error });
      });
      secrets.set(name, pending);
    }
    return pending;
  };

  const resolved: ResolvedKafkaConnection = { bootstrapServers: [...spec.bootstrapServers] };
  if (spec.requestTimeoutMs !== undefined) resolved.requestTimeoutMs = spec.requestTimeoutMs;

  if (spec.tls) {
    const tls: NonNullable<ResolvedKafkaConnection['tls']> = {};
    if (spec.tls.insecureSkipVerify) tls.insecureSkipVerify = true;
    if (spec.tls.serverName) tls.serverName = spec.tls.serverName;
    const secretName = spec.tls.secretRef?.name;
    if (secretName) {
      const data = await read(secretName, 'spec.kafka.tls.secretRef');
      const ca = secretValue(data, 'ca.crt');
      const cert = secretValue(data, 'tls.crt');
      const key = secretValue(data, 'tls.key');
      if (!ca && !cert && !key) {
        throw new Error(
          `TLS Secret "${secretName}" has none of the keys ca.crt, tls.crt, tls.key ` +
            `(it has: ${Object.keys(data).join(', ') || 'no keys'}); add ca.crt with the brokers' CA certificate`,
        );
      }
      if (Boolean(cert) !== Boolean(key)) {
        const missing = cert ? 'tls.key' : 'tls.crt';
        throw new Error(`TLS Secret "${secretName}" has ${cert ? 'tls.crt' : 'tls.key'} but no ${missing}: a client certificate needs both`);
      }
      if (ca) tls.ca = ca;
      if (cert && key) {
        tls.cert = cert;
        tls.key = key;
      }
    }
    resolved.tls = tls;
  }

  if (spec.sasl) {
    const secretName = spec.sasl.secretRef.name;
    const data = await read(secretName, 'spec.kafka.sasl.secretRef');
    const username = secretValue(data, 'username');
    const password = secretValue(data, 'password');
    for (const [key, value] of [['username', username], ['password', password]] as const) {
      if (!value) {
        throw new Error(`SASL Secret "${secretName}" has no key "${key}" (or it is empty); the ${spec.sasl.mechanism} login needs username and password`);
      }
    }
    resolved.sasl = { mechanism: spec.sasl.mechanism, username: username ?? '', password: password ?? '' };
  }
  return resolved;
}

function tlsOptions(tls: NonNullable<ResolvedKafkaConnection['tls']>): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: !tls.insecureSkipVerify };
  if (tls.ca) options.ca = [tls.ca];
  if (tls.cert) options.cert = tls.cert;
  if (tls.key) options.key = tls.key;
  // servername drives both SNI and the certificate hostname check in node:tls.
  if (tls.serverName) options.servername = tls.serverName;
  return options;
}

// ---------------------------------------------------------------- client options

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaLogEntry {
  level: Exclude<KafkaLogLevel, 'nothing'>;
  /** kafkajs component, e.g. `Connection`, or `KafkaAdmin` for this module. */
  namespace: string;
  message: string;
  fields: Record<string, unknown>;
}

export type KafkaLogSink = (entry: KafkaLogEntry) => void;

export interface KafkaRetryOptions {
  /** Extra attempts after the first; each retry goes to another broker when one is available. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface KafkaAdminOptions {
  /** Receives kafkajs and client log lines (nothing goes to the console). */
  log: KafkaLogSink;
  logLevel?: KafkaLogLevel;
  clientId?: string;
  /** Per-request timeout; wins over the policy's `requestTimeoutMs`. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  retry?: Partial<KafkaRetryOptions>;
  /** How long the broker-id -> address map from the last Metadata is trusted. */
  metadataMaxAgeMs?: number;
}

/** Sized for an admission webhook that must answer within about two seconds. */
export const WEBHOOK_CLIENT_DEFAULTS: Readonly<{
  clientId: string;
  logLevel: KafkaLogLevel;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  retry: Readonly<KafkaRetryOptions>;
  metadataMaxAgeMs: number;
}> = {
  clientId: 'kafka-guard',
  logLevel: 'warn',
  requestTimeoutMs: 1500,
  connectionTimeoutMs: 1000,
  retry: { retries: 1, initialDelayMs: 100, maxDelayMs: 500 },
  metadataMaxAgeMs: 30_000,
};

const KAFKAJS_LEVELS: Record<KafkaLogLevel, number> = {
  nothing: KafkajsLogLevel.NOTHING,
  error: KafkajsLogLevel.ERROR,
  warn: KafkajsLogLevel.WARN,
  info: KafkajsLogLevel.INFO,
  debug: KafkajsLogLevel.DEBUG,
};

function levelName(kafkajsLevel: number): KafkaLogEntry['level'] {
  if (kafkajsLevel <= KafkajsLogLevel.ERROR) return 'error';
  if (kafkajsLevel <= KafkajsLogLevel.WARN) return 'warn';
  if (kafkajsLevel <= KafkajsLogLevel.INFO) return 'info';
  return 'debug';
}

function toLogEntry({ namespace, level, log }: KafkajsLogEntry): KafkaLogEntry {
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
  return { level: levelName(level), namespace, message, fields };
}

// ---------------------------------------------------------------- the client

/** Which broker a request goes to. */
export type BrokerTarget =
  /** Any live broker (spread round-robin). */
  | 'any'
  /** The controller as Metadata names it; in KRaft any broker forwards controller requests. */
  | 'controller'
  /** This broker: per-broker configs can only be read and written on the broker itself. */
  | { broker: number };

/** The Kafka requests kafka-guard makes; what cluster-view.ts and operations.ts need. */
export interface KafkaApi {
  readonly requestTimeoutMs: number;
  /** Sends one request with retries; per-item errors come back as data, transport errors throw. */
  call<Request, Response>(target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response>;
}

/** Why a broker cannot serve an API as kafka-guard speaks it, naming what it offers and the Kafka that would. */
export function unsupportedMessage(address: string, spec: Pick<ApiSpec<unknown, unknown>, 'name' | 'key' | 'minVersion' | 'maxVersion' | 'needs'>, offered: ApiVersionRange | undefined): string {
  const what = offered ? `versions ${offered.minVersion}-${offered.maxVersion}` : 'no version at all';
  return `broker ${address} offers ${spec.name} (API key ${spec.key}) ${what}; kafka-guard speaks ${spec.minVersion}-${spec.maxVersion}` +
    (spec.needs ? `, which needs ${spec.needs}` : '');
}

/** The top-level error code of responses that carry one (0 otherwise), for retry decisions. */
function topLevelErrorCode(response: unknown): number {
  if (typeof response === 'object' && response !== null && 'errorCode' in response && typeof response.errorCode === 'number') {
    return response.errorCode;
  }
  return ErrorCode.NONE;
}

/** kafkajs error names that mean "this connection is broken or slow", worth another broker. */
const TRANSPORT_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSLockTimeout',
  'KafkaJSNoBrokerAvailableError',
]);

function isTransportError(error: unknown): boolean {
  return error instanceof Error && TRANSPORT_ERRORS.has(error.name);
}

function isAuthenticationError(error: unknown): boolean {
  return error instanceof Error && error.name === 'KafkaJSSASLAuthenticationError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface BrokerAddress {
  host: string;
  port: number;
}

function addressKey({ host, port }: BrokerAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * One Kafka cluster's client. Connections are opened lazily, kept, and dropped
 * when they fail, so the next request reconnects (possibly to another broker).
 */
export class KafkaAdmin implements KafkaApi {
  readonly requestTimeoutMs: number;
  readonly bootstrapServers: readonly string[];
  private readonly bootstrapAddresses: readonly BrokerAddress[];
  private readonly connectionTimeoutMs: number;
  private readonly retry: KafkaRetryOptions;
  private readonly metadataMaxAgeMs: number;
  private readonly clientId: string;
  private readonly log: KafkaLogSink;
  private readonly kafkajsLogger: ReturnType<typeof createKafkajsLogger>;
  private readonly ssl: ConnectionOptions | null;
  private readonly sasl: NonNullable<ResolvedKafkaConnection['sasl']> | null;

  /** Open connections by `host:port`. */
  private readonly connections = new Map<string, BrokerConnection>();
  /** Live brokers from the last Metadata answer. */
  private brokerAddresses = new Map<number, BrokerAddress>();
  private controllerId = -1;
  private brokersFetchedAt = 0;
  private brokersRefresh: Promise<void> | null = null;
  private nextAny = 0;
  private closed = false;

  constructor(connection: ResolvedKafkaConnection, options: KafkaAdminOptions) {
    if (connection.bootstrapServers.length === 0) throw new Error('bootstrapServers is empty: list at least one broker as host:port');
    this.bootstrapServers = [...connection.bootstrapServers];
    this.bootstrapAddresses = connection.bootstrapServers.map((entry, index) => parseBootstrapServer(entry, index));
    this.requestTimeoutMs = options.requestTimeoutMs ?? connection.requestTimeoutMs ?? WEBHOOK_CLIENT_DEFAULTS.requestTimeoutMs;
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? WEBHOOK_CLIENT_DEFAULTS.connectionTimeoutMs;
    this.retry = { ...WEBHOOK_CLIENT_DEFAULTS.retry, ...options.retry };
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? WEBHOOK_CLIENT_DEFAULTS.metadataMaxAgeMs;
    this.clientId = options.clientId ?? WEBHOOK_CLIENT_DEFAULTS.clientId;
    this.log = options.log;
    const level = KAFKAJS_LEVELS[options.logLevel ?? WEBHOOK_CLIENT_DEFAULTS.logLevel];
    this.kafkajsLogger = createKafkajsLogger(level, (entry) => this.log(toLogEntry(entry)));
    this.ssl = connection.tls ? tlsOptions(connection.tls) : null;
    this.sasl = connection.sasl ?? null;
  }

  async call<Request, Response>(target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
    const attempts: Array<{ address: string; error: string }> = [];
    for (let attempt = 0; ; attempt += 1) {
      if (this.closed) throw new Error(`the Kafka client for ${this.bootstrapServers.join(',')} is closed`);
      const lastAttempt = attempt >= this.retry.retries;
      let connection: BrokerConnection | undefined;
      try {
        connection = await this.connectionFor(target);
        const response = await this.send(connection, spec, request);
        const code = topLevelErrorCode(response);
        if (code !== ErrorCode.NONE && isRetriableCode(code) && !lastAttempt) {
          // NOT_CONTROLLER and friends: the controller moved; look again before retrying.
          this.brokersFetchedAt = 0;
          attempts.push({ address: connection.address, error: errorName(code) });
          await sleep(this.delay(attempt));
          continue;
        }
        // Every Metadata answer lists the live brokers: keep them for routing.
        if (spec.key === Metadata.key) this.rememberBrokers(response as MetadataResponse);
        return response;
      } catch (error) {
        if (connection && isTransportError(error)) await this.dropConnection(connection);
        if (isAuthenticationError(error instanceof KafkaUnreachableError ? error.cause : error)) {
          // Wrong credentials do not get better on retry.
          if (error instanceof KafkaUnreachableError) throw error;
          attempts.push({ address: connection?.address ?? 'unknown', error: messageOf(error) });
          throw new KafkaUnreachableError(attempts, typeof target === 'object' ? { broker: target.broker, cause: error } : { cause: error });
        }
        if (!isTransportError(error) && !(error instanceof KafkaUnreachableError)) throw error;
        if (error instanceof KafkaUnreachableError) attempts.push(...error.attempts);
        else attempts.push({ address: connection?.address ?? 'unknown', error: messageOf(error) });
        if (lastAttempt) {
          throw new KafkaUnreachableError(attempts, typeof target === 'object' ? { broker: target.broker, cause: error } : { cause: error });
        }
        this.brokersFetchedAt = 0;
        await sleep(this.delay(attempt));
      }
    }
  }

  /** Closes every connection; the client cannot be used afterwards. */
  async disconnect(): Promise<void> {
    this.closed = true;
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.allSettled(open.map((c) => c.disconnect()));
  }

  private delay(attempt: number): number {
    return Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** attempt);
  }

  private async send<Request, Response>(connection: BrokerConnection, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
    await connection.connect();
    const brokerRange = connection.apiVersions(spec.key);
    const version = negotiateVersion(spec, brokerRange);
    if (version === null) throw new KafkaUnsupportedError(unsupportedMessage(connection.address, spec, brokerRange));
    return connection.send({
      apiKey: spec.key,
      apiName: spec.name,
      apiVersion: version,
      body: encodeRequestBody(spec, version, request),
      decode: (payload) => decodeResponseBody(spec, version, payload),
    });
  }

  private connection(address: BrokerAddress): BrokerConnection {
    const key = addressKey(address);
    let connection = this.connections.get(key);
    if (!connection) {
      connection = openBrokerConnection({
        host: address.host,
        port: address.port,
        clientId: this.clientId,
        ssl: this.ssl,
        sasl: this.sasl,
        connectionTimeoutMs: this.connectionTimeoutMs,
        authenticationTimeoutMs: this.connectionTimeoutMs,
        requestTimeoutMs: this.requestTimeoutMs,
        logger: this.kafkajsLogger,
      });
      this.connections.set(key, connection);
    }
    return connection;
  }

  /** Forgets a failed connection so that the next request opens a fresh one. */
  private async dropConnection(connection: BrokerConnection): Promise<void> {
    if (this.connections.get(connection.address) === connection) this.connections.delete(connection.address);
    await connection.disconnect().catch((error: unknown) =>
      this.log({ level: 'debug', namespace: 'KafkaAdmin', message: `closing ${connection.address} failed`, fields: { error: messageOf(error) } }),
    );
  }

  private async connectionFor(target: BrokerTarget): Promise<BrokerConnection> {
    if (target === 'any') return this.anyConnection();
    await this.refreshBrokersIfStale();
    if (target === 'controller') {
      const address = this.brokerAddresses.get(this.controllerId);
      return address ? this.connection(address) : this.anyConnection();
    }
    const address = this.brokerAddresses.get(target.broker);
    if (!address) {
      throw new KafkaUnreachableError([{ address: `broker ${target.broker}`, error: 'not registered with the cluster: stopped, fenced or removed' }], {
        broker: target.broker,
      });
    }
    return this.connection(address);
  }

  /** A connected broker: an open connection when there is one, else the first address that connects. */
  private async anyConnection(): Promise<BrokerConnection> {
    const known = [...this.brokerAddresses.values()];
    const start = this.nextAny++ % Math.max(known.length, 1);
    const candidates = new Map<string, BrokerAddress>();
    for (const address of [...known.slice(start), ...known.slice(0, start), ...this.bootstrapAddresses]) {
      candidates.set(addressKey(address), address);
    }
    const open = [...candidates.keys()].map((key) => this.connections.get(key)).find((c) => c?.isConnected());
    if (open) return open;
    const attempts: Array<{ address: string; error: string }> = [];
    for (const address of candidates.values()) {
      const connection = this.connection(address);
      try {
        await connection.connect();
        return connection;
      } catch (error) {
        attempts.push({ address: connection.address, error: messageOf(error) });
        await this.dropConnection(connection);
        if (!isTransportError(error)) {
          // Not the network (e.g. SASL refused the credentials): the same on every broker, so stop here.
          throw new KafkaUnreachableError(attempts, { cause: error });
        }
      }
    }
    throw new KafkaUnreachableError(attempts);
  }

  private async refreshBrokersIfStale(): Promise<void> {
    if (this.brokerAddresses.size > 0 && Date.now() - this.brokersFetchedAt < this.metadataMaxAgeMs) return;
    this.brokersRefresh ??= (async () => {
      try {
        // An empty topic list asks for brokers only: cheap even with thousands of topics.
        this.rememberBrokers(await this.send(await this.anyConnection(), Metadata, { topics: [] }));
      } finally {
        this.brokersRefresh = null;
      }
    })();
    await this.brokersRefresh;
  }

  private rememberBrokers(response: MetadataResponse): void {
    this.brokerAddresses = new Map(response.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
    this.controllerId = response.controllerId;
    this.brokersFetchedAt = Date.now();
  }
}

/** Creates the client for one Kafka cluster; connections open on first use. */
export function createKafkaAdmin(connection: ResolvedKafkaConnection, options: KafkaAdminOptions): KafkaAdmin {
  return new KafkaAdmin(connection, options);
}

// ---------------------------------------------------------------- cache

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A stable hash of everything that shapes the connections: addresses, TLS material,
 * credentials and timeouts. Key order does not matter; secrets are only hashed.
 */
export function connectionFingerprint(connection: ResolvedKafkaConnection, options: Omit<KafkaAdminOptions, 'log'> = {}): string {
  const { log: _log, ...tuning } = options as KafkaAdminOptions;
  return createHash('sha256').update(canonicalJson({ connection, tuning })).digest('hex');
}

/**
 * One client per owner (e.g. a policy's namespace/name). When the owner's resolved
 * connection changes, a new client replaces the old one, which is disconnected.
 */
export class KafkaClientCache {
  private readonly entries = new Map<string, { fingerprint: string; client: KafkaAdmin }>();

  constructor(
    private readonly options: KafkaAdminOptions,
    private readonly create: (connection: ResolvedKafkaConnection, options: KafkaAdminOptions) => KafkaAdmin = createKafkaAdmin,
  ) {}

  /** The owner's client for this connection, reused while the connection stays the same. */
  get(owner: string, connection: ResolvedKafkaConnection): KafkaAdmin {
    const fingerprint = connectionFingerprint(connection, this.options);
    const current = this.entries.get(owner);
    if (current?.fingerprint === fingerprint) return current.client;
    const client = this.create(connection, this.options);
    this.entries.set(owner, { fingerprint, client });
    if (current) this.retire(owner, current.client);
    return client;
  }

  /** Disconnects and forgets the owner's client (policy deleted). */
  async evict(owner: string): Promise<void> {
    const current = this.entries.get(owner);
    this.entries.delete(owner);
    await current?.client.disconnect();
  }

  /** Disconnects every client (shutdown). */
  async close(): Promise<void> {
    const clients = [...this.entries.values()].map((e) => e.client);
    this.entries.clear();
    await Promise.allSettled(clients.map((c) => c.disconnect()));
  }

  get size(): number {
    return this.entries.size;
  }

  private retire(owner: string, client: KafkaAdmin): void {
    // Requests already running on the old client finish or fail on their own; the
    // disconnect is not awaited so that get() stays synchronous.
    client.disconnect().catch((error: unknown) =>
      this.options.log({
        level: 'warn',
        namespace: 'KafkaClientCache',
        message: `disconnecting the replaced Kafka client of ${owner} failed`,
        fields: { error: messageOf(error) },
      }),
    );
  }
}

