/**
 * Errors raised by the Kafka adapter. Two kinds matter to callers:
 * - KafkaUnreachableError: no broker could be reached or authenticated. The
 *   webhook maps it to the policy's `onKafkaUnreachable`, the plugin to exit code 3.
 * - KafkaRequestError: Kafka answered, and refused some or all of the request.
 *   It names every refused item, so a partly applied change is visible.
 */

/** Kafka error codes kafka-guard can meet, by name (from the protocol guide's error table). */
const ERROR_NAMES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  8: 'BROKER_NOT_AVAILABLE',
  9: 'REPLICA_NOT_AVAILABLE',
  13: 'NETWORK_EXCEPTION',
  17: 'INVALID_TOPIC_EXCEPTION',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  33: 'UNSUPPORTED_SASL_MECHANISM',
  35: 'UNSUPPORTED_VERSION',
  37: 'INVALID_PARTITIONS',
  38: 'INVALID_REPLICATION_FACTOR',
  39: 'INVALID_REPLICA_ASSIGNMENT',
  40: 'INVALID_CONFIG',
  41: 'NOT_CONTROLLER',
  42: 'INVALID_REQUEST',
  44: 'POLICY_VIOLATION',
  56: 'KAFKA_STORAGE_ERROR',
  58: 'SASL_AUTHENTICATION_FAILED',
  60: 'REASSIGNMENT_IN_PROGRESS',
  80: 'PREFERRED_LEADER_NOT_AVAILABLE',
  83: 'ELIGIBLE_LEADERS_NOT_AVAILABLE',
  84: 'ELECTION_NOT_NEEDED',
  85: 'NO_REASSIGNMENT_IN_PROGRESS',
  89: 'THROTTLING_QUOTA_EXCEEDED',
};

export const ErrorCode = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  REQUEST_TIMED_OUT: 7,
  NOT_CONTROLLER: 41,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
} as const;

/** Codes worth one more attempt: the cluster was busy or moved its controller. */
const RETRIABLE_CODES = new Set([5, 6, 7, 8, 13, 41, 89]);

/** The protocol name of a Kafka error code, e.g. 41 -> NOT_CONTROLLER. */
export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `KAFKA_ERROR_${code}`;
}

export function isRetriableCode(code: number): boolean {
  return RETRIABLE_CODES.has(code);
}

/** One item Kafka refused: a partition, topic or broker, with Kafka's reason. */
export interface KafkaFailure {
  /** What was refused, e.g. `orders-3`, `topic orders`, `broker 2`. */
  item: string;
  /** Kafka's error code; null when Kafka could not be asked (the broker was unreachable). */
  code: number | null;
  /** Kafka's error name, e.g. INVALID_REPLICA_ASSIGNMENT. */
  error: string;
  /** Kafka's own message when it sent one. */
  message: string | null;
}

export function failure(item: string, code: number, message: string | null): KafkaFailure {
  return { item, code, error: errorName(code), message: message === '' ? null : message };
}

function describeFailures(failures: readonly KafkaFailure[], shown = 5): string {
  const named = failures
    .slice(0, shown)
    .map((f) => `${f.item}: ${f.error}${f.message ? ` (${f.message})` : ''}`)
    .join('; ');
  const more = failures.length > shown ? `; and ${failures.length - shown} more` : '';
  return named + more;
}

/** Kafka answered and refused some or all items of a request. */
export class KafkaRequestError extends Error {
  override readonly name = 'KafkaRequestError';
  constructor(
    /** What was asked, e.g. `IncrementalAlterConfigs on broker 2`. */
    readonly operation: string,
    readonly failures: readonly KafkaFailure[],
    hint?: string,
  ) {
    super(`${operation} failed for ${failures.length} item(s): ${describeFailures(failures)}${hint ? `. ${hint}` : ''}`);
  }

  get retriable(): boolean {
    return this.failures.length > 0 && this.failures.every((f) => f.code !== null && isRetriableCode(f.code));
  }
}

/**
 * No broker answered: wrong addresses, network policy, TLS or SASL trouble, or Kafka
 * is down. With `broker` set, only that broker was needed (per-broker configs).
 */
export class KafkaUnreachableError extends Error {
  override readonly name = 'KafkaUnreachableError';
  readonly broker: number | null;
  constructor(
    readonly attempts: ReadonlyArray<{ address: string; error: string }>,
    options: { broker?: number; cause?: unknown } = {},
  ) {
    const counts = new Map<string, number>();
    for (const { address, error } of attempts) {
      const line = `${address} (${error})`;
      counts.set(line, (counts.get(line) ?? 0) + 1);
    }
    const tried = [...counts].map(([line, n]) => (n > 1 ? `${line} x${n}` : line)).join('; ');
    const message =
      options.broker === undefined
        ? `could not reach any Kafka broker: ${tried || 'no addresses to try'}. ` +
          'Check spec.kafka.bootstrapServers, network policies, and the TLS/SASL Secrets of the KafkaGuardPolicy.'
        : `could not reach Kafka broker ${options.broker}: ${tried}`;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.broker = options.broker ?? null;
  }
}

/** A broker cannot speak a request version kafka-guard implements. */
export class KafkaUnsupportedError extends Error {
  override readonly name = 'KafkaUnsupportedError';
}

/**
 * A wait ran out of time: for replicas to catch up (`remaining` lists the partitions
 * still pending) or for brokers to apply a config change (`remaining` is empty).
 */
export class KafkaWaitTimeoutError extends Error {
  override readonly name = 'KafkaWaitTimeoutError';
  constructor(
    message: string,
    readonly remaining: ReadonlyArray<{ topic: string; partition: number }>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
