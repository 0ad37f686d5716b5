/**
 * The pod steps of an operation: evicting a broker pod through the Eviction
 * API (policy/v1), as kubectl drain does, so the PodDisruptionBudget and the
 * admission webhooks (kafka-guard's among them) decide, with "not now" (429)
 * retried until a deadline; and waiting for a pod to go and for its
 * replacement to be Ready. Polling, not watches: each wait is for one pod,
 * and polls survive apiserver restarts.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeCluster } from '../k8s/cluster.js';
import { podIsReady, podIsTerminating } from '../k8s/pods.js';
import { sleep } from '../sleep.js';
import { RefusedError } from './errors.js';
import { evictionRetrying, evictionStillRefused, nothingToEvict, podEvicted, podToComeBackReady, podToTerminate, podWaitState } from './messages.js';
import { waitFor, type WaitOptions } from './wait.js';

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
  if (current === null) throw new RefusedError(nothingToEvict(namespace, pod));
  const uid = current.metadata?.uid ?? '';
  let attempts = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    attempts += 1;
    const result = await kube.evictPod(namespace, pod);
    if (result.evicted) break;
    const waited = Date.now() - started;
    if (waited > options.timeoutMs) {
      throw new RefusedError(evictionStillRefused(namespace, pod, waited, attempts, result.message));
    }
    options.onEvent?.(evictionRetrying(pod, result.status, result.message));
    await sleep(options.retryIntervalMs ?? 5_000, options.signal);
  }
  options.onEvent?.(podEvicted(pod));
  const remaining = Math.max(1_000, options.timeoutMs - (Date.now() - started));
  await waitForPodGone(kube, namespace, pod, uid, { timeoutMs: remaining, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  return { pod, uid, attempts, durationMs: Date.now() - started };
}

/** Waits until the pod with `uid` is gone (deleted, or replaced by a pod of the same name). */
export async function waitForPodGone(kube: KubeCluster, namespace: string, name: string, uid: string, options: WaitOptions): Promise<void> {
  await waitFor(
    podToTerminate(name),
    async () => {
      const pod = await kube.readPod(namespace, name);
      return pod === null || pod.metadata?.uid !== uid ? true : undefined;
    },
    options,
  );
}

/** Waits for a pod of that name other than `oldUid` to be Ready; returns it. */
export async function waitForNewPodReady(
  kube: KubeCluster,
  namespace: string,
  name: string,
  oldUid: string | null,
  options: WaitOptions & { onScheduled?: (pod: V1Pod) => void },
): Promise<V1Pod> {
  let state: string = podWaitState.notCreated;
  let scheduledSeen = false;
  return waitFor(
    podToComeBackReady(name),
    async () => {
      const pod = await kube.readPod(namespace, name);
      if (pod === null || pod.metadata?.uid === oldUid) {
        state = pod === null ? podWaitState.notCreated : podWaitState.oldPodThere;
        return undefined;
      }
      if (podIsTerminating(pod)) {
        state = podWaitState.terminating;
        return undefined;
      }
      const node = pod.spec?.nodeName;
      if (!node) {
        const reason = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
        state = podWaitState.notScheduled(reason);
        return undefined;
      }
      if (!scheduledSeen) {
        scheduledSeen = true;
        options.onScheduled?.(pod);
      }
      state = podWaitState.notReady(node);
      return podIsReady(pod) ? pod : undefined;
    },
    { ...options, describe: () => state },
  );
}
