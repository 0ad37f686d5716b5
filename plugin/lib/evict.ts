/**
 * Evicting a broker pod through the Eviction API (policy/v1), as kubectl
 * drain does: the PodDisruptionBudget and admission webhooks (kafka-guard's
 * among them) decide, and "not now" (429) is retried until a deadline, so a
 * budget that frees up a few seconds later does not fail the command.
 */
import type { KubeCluster } from '../../shared/k8s/cluster.js';
import { RefusedError } from './errors.js';
import { formatDuration } from './units.js';
import { sleep, waitForPodGone } from './wait.js';

export interface EvictionOutcome {
  pod: string;
  uid: string;
  attempts: number;
  /** From the first request until the pod was gone. */
  durationMs: number;
}

export interface EvictOptions {
  timeoutMs: number;
  retryIntervalMs?: number;
  signal?: AbortSignal;
  onEvent?: (line: string) => void;
}

export async function evictAndWait(kube: KubeCluster, namespace: string, pod: string, options: EvictOptions): Promise<EvictionOutcome> {
  const started = Date.now();
  const current = await kube.readPod(namespace, pod);
  if (current === null) throw new RefusedError(`pod ${namespace}/${pod} does not exist (any more); nothing to evict`);
  const uid = current.metadata?.uid ?? '';
  let attempts = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    attempts += 1;
    const result = await kube.evictPod(namespace, pod);
    if (result.evicted) break;
    const waited = Date.now() - started;
    if (waited > options.timeoutMs) {
      throw new RefusedError(
        `the eviction of pod ${namespace}/${pod} was still refused after ${formatDuration(waited)} (${attempts} attempts): ${result.message}`,
      );
    }
    options.onEvent?.(`eviction of ${pod} refused for now (HTTP ${result.status}): ${result.message}; retrying`);
    await sleep(options.retryIntervalMs ?? 5_000, options.signal);
  }
  options.onEvent?.(`pod ${pod} evicted; waiting for it to terminate`);
  const remaining = Math.max(1_000, options.timeoutMs - (Date.now() - started));
  await waitForPodGone(kube, namespace, pod, uid, { timeoutMs: remaining, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  return { pod, uid, attempts, durationMs: Date.now() - started };
}
