/**
 * Polling waits with a deadline and Ctrl-C, and the pod waits the guarded
 * operations need. Polling (not watches) keeps them simple and robust to
 * apiserver restarts; the intervals are short because each wait is for one
 * pod or broker.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { sleep } from '../../shared/sleep.js';
import type { KubeCluster } from '../../shared/k8s/cluster.js';
import { podIsReady, podIsTerminating } from '../../shared/k8s/pods.js';
import { waitFor, type WaitOptions } from '../../shared/ops/wait.js';

export { waitFor, type WaitOptions } from '../../shared/ops/wait.js';

/** Waits until the pod with `uid` is gone (deleted, or replaced by a pod of the same name). */
export async function waitForPodGone(kube: KubeCluster, namespace: string, name: string, uid: string, options: WaitOptions): Promise<void> {
  await waitFor(
    `pod ${name} to terminate`,
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
  let state = 'not created yet';
  let scheduledSeen = false;
  return waitFor(
    `pod ${name} to come back Ready`,
    async () => {
      const pod = await kube.readPod(namespace, name);
      if (pod === null || pod.metadata?.uid === oldUid) {
        state = pod === null ? 'not created yet' : 'old pod still there';
        return undefined;
      }
      if (podIsTerminating(pod)) {
        state = 'terminating';
        return undefined;
      }
      const node = pod.spec?.nodeName;
      if (!node) {
        const reason = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
        state = `not scheduled${reason ? `: ${reason}` : ''}`;
        return undefined;
      }
      if (!scheduledSeen) {
        scheduledSeen = true;
        options.onScheduled?.(pod);
      }
      state = `on ${node}, not Ready`;
      return podIsReady(pod) ? pod : undefined;
    },
    { ...options, describe: () => state },
  );
}

export { sleep };
