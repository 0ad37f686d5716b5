/**
 * The one place that touches kafkajs internals.
 *
 * kafka-guard reuses kafkajs for what is hard to get right: sockets, TLS, SASL
 * (PLAIN, SCRAM-SHA-256/512, with re-authentication), ApiVersions negotiation,
 * correlation ids and request timeouts. It does NOT use kafkajs's Cluster/Admin:
 * every admin call refreshes metadata for all topics and kafkajs's Metadata parser
 * throws on the first leaderless partition, so one offline partition anywhere makes
 * the whole admin client fail (see protocol.ts). Instead kafka-guard drives one
 * kafkajs `Broker` (connection pool + auth) per broker address and sends its own
 * request bodies through it.
 *
 * kafkajs 2.2.4 (its last release) has no public API for this; the modules below
 * are loaded by path and checked for shape at load time, so an incompatible
 * kafkajs fails at start-up with a clear message, not at the first drain.
 */
import { createRequire } from 'node:module';
import type { ConnectionOptions } from 'node:tls';
import type { ApiVersionRange } from './protocol.js';

const requireFromHere = createRequire(import.meta.url);

const VERIFIED_KAFKAJS = /^2\.2\./;

/** kafkajs's numeric log levels (src/loggers). */
export const KafkajsLogLevel = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;

export interface KafkajsLogEntry {
  namespace: string;
  level: number;
  label: string;
  log: { message: string; timestamp?: string; logger?: string; [field: string]: unknown };
}

interface KafkajsLogger {
  namespace(name: string): KafkajsLogger;
}

/** A kafkajs protocol request: what `Connection#send` accepts. */
interface KafkajsProtocolRequest<T> {
  request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<unknown> };
  response: { decode(payload: Buffer): Promise<T>; parse(decoded: T): Promise<T> };
}

interface KafkajsBroker {
  versions: Record<number, ApiVersionRange> | null;
  connectionPool: { send<T>(request: KafkajsProtocolRequest<T>): Promise<T> };
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
}

interface KafkajsModules {
  Broker: new (options: Record<string, unknown>) => KafkajsBroker;
  ConnectionPool: new (options: Record<string, unknown>) => unknown;
  createLogger(options: { level: number; logCreator: (level: number) => (entry: KafkajsLogEntry) => void }): KafkajsLogger;
  socketFactory(): unknown;
  Encoder: new () => { writeBuffer(buffer: Buffer): unknown };
}

function loadKafkajs(): KafkajsModules {
  const { version } = requireFromHere('kafkajs/package.json') as { version: string };
  if (!VERIFIED_KAFKAJS.test(version)) {
    throw new Error(
      `kafka-guard drives kafkajs internals verified with kafkajs 2.2.x, but kafkajs ${version} is installed. ` +
        'Pin kafkajs to 2.2.4, or re-verify shared/kafka/kafkajs-internals.ts against the new version.',
    );
  }
  const modules = {
    Broker: requireFromHere('kafkajs/src/broker/index.js'),
    ConnectionPool: requireFromHere('kafkajs/src/network/connectionPool.js'),
    createLogger: (requireFromHere('kafkajs/src/loggers/index.js') as { createLogger: unknown }).createLogger,
    socketFactory: requireFromHere('kafkajs/src/network/socketFactory.js'),
    Encoder: requireFromHere('kafkajs/src/protocol/encoder.js'),
  };
  for (const [name, value] of Object.entries(modules)) {
    if (typeof value !== 'function') {
      throw new Error(`kafkajs ${version}: internal module for ${name} is not a function; shared/kafka/kafkajs-internals.ts needs updating`);
    }
  }
  return modules as KafkajsModules;
}

let kafkajs: KafkajsModules | undefined;
function modules(): KafkajsModules {
  kafkajs ??= loadKafkajs();
  return kafkajs;
}

/** Where kafkajs log lines go; one per Kafka client. */
export function createKafkajsLogger(level: number, sink: (entry: KafkajsLogEntry) => void): KafkajsLogger {
  return modules().createLogger({ level, logCreator: () => sink });
}

export interface BrokerConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  ssl: ConnectionOptions | null;
  sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | null;
  connectionTimeoutMs: number;
  authenticationTimeoutMs: number;
  requestTimeoutMs: number;
  logger: KafkajsLogger;
}

/** One authenticated connection to one broker address. */
export interface BrokerConnection {
  readonly address: string;
  /** Connects, negotiates ApiVersions and authenticates; a no-op when already connected. */
  connect(): Promise<void>;
  isConnected(): boolean;
  /** The broker's supported version range for an API key (after connect). */
  apiVersions(apiKey: number): ApiVersionRange | undefined;
  send<T>(call: { apiKey: number; apiName: string; apiVersion: number; body: Buffer; decode: (payload: Buffer) => T }): Promise<T>;
  disconnect(): Promise<void>;
}

export function openBrokerConnection(options: BrokerConnectionOptions): BrokerConnection {
  const { Broker, ConnectionPool, socketFactory, Encoder } = modules();
  const connectionPool = new ConnectionPool({
    host: options.host,
    port: options.port,
    ssl: options.ssl,
    sasl: options.sasl,
    clientId: options.clientId,
    socketFactory: socketFactory(),
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    enforceRequestTimeout: true,
    logger: options.logger,
  });
  const broker = new Broker({
    connectionPool,
    logger: options.logger,
    authenticationTimeout: options.authenticationTimeoutMs,
    allowAutoTopicCreation: false,
  });
  return {
    address: options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`,
    connect: () => broker.connect(),
    isConnected: () => broker.isConnected(),
    apiVersions: (apiKey) => broker.versions?.[apiKey],
    disconnect: () => broker.disconnect(),
    send: async ({ apiKey, apiName, apiVersion, body, decode }) =>
      broker.connectionPool.send({
        request: { apiKey, apiVersion, apiName, encode: async () => new Encoder().writeBuffer(body) },
        response: { decode: async (payload) => decode(payload), parse: async (decoded) => decoded },
      }),
  };
}
