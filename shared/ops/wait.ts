/**
 * Polling with a deadline and an abort signal, for operations whoever runs them.
 * Polling (not watches) keeps waits simple and robust to apiserver restarts.
 */
import { sleep } from '../sleep.js';
import { KafkaUnreachableError } from '../kafka/errors.js';
import { KubeUnreachableError } from '../k8s/cluster.js';
import { RefusedError } from './errors.js';
import { waitTimedOut } from './messages.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}


/**
 * Polls `check` until it returns a value other than undefined. Unreachable
 * Kafka or apiserver on one poll is retried (brokers restart during these
 * waits); on timeout a RefusedError says what was awaited and the last state.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: WaitOptions & { describe?: () => string },
): Promise<T> {
  const started = Date.now();
  let lastError: unknown = null;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastError = null;
    } catch (error) {
      if (!(error instanceof KafkaUnreachableError) && !(error instanceof KubeUnreachableError)) throw error;
      lastError = error;
    }
    if (Date.now() - started > options.timeoutMs) {
      const last = lastError instanceof Error ? lastError.message : null;
      throw new RefusedError(waitTimedOut(options.timeoutMs, what, options.describe?.() ?? '', last));
    }
    await sleep(options.intervalMs ?? 1000, options.signal);
  }
}
