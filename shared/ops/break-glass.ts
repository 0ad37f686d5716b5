/**
 * The plugin's own use of kafka-guard's break-glass annotation, for the one
 * step the webhook refuses on principle: deleting the volume of a broker whose
 * pod still runs (node-local move: the volume must be recreated on the target
 * node, and it has to be deleted while the pod runs so the replacement pod
 * cannot mount it). The plugin has checked the broker may go down by then; the
 * annotation names the command, the webhook records who used it in an Event,
 * and it is removed again whether or not the webhook consumed it, so it never
 * lets a later, unchecked disruption through.
 */
import jsonPatch from 'fast-json-patch';
import { KubeApiError, type JsonPatchOperation, type KubeCluster } from '../k8s/cluster.js';
import { ANNOTATIONS } from '../policy/types.js';
import { RefusedError } from './errors.js';
import { breakGlassInUse, breakGlassNotRemoved } from './messages.js';

const PATH = `/metadata/annotations/${jsonPatch.escapePathComponent(ANNOTATIONS.allowDisruption)}`;

/**
 * Runs `action` with the break-glass annotation `reason` on `pod` (when the pod
 * exists), then takes it off; `warn` hears when that last step fails.
 */
export async function withBreakGlass<T>(
  kube: KubeCluster,
  target: { namespace: string; pod: string; reason: string },
  action: () => Promise<T>,
  warn: (message: string) => void,
): Promise<T> {
  const { namespace, pod, reason } = target;
  const current = await kube.readPod(namespace, pod);
  if (current === null) return action();
  const existing = current.metadata?.annotations?.[ANNOTATIONS.allowDisruption];
  if (existing !== undefined) {
    throw new RefusedError(breakGlassInUse(namespace, pod, existing));
  }
  const add: JsonPatchOperation[] = [{ op: 'test', path: '/metadata/uid', value: current.metadata?.uid }];
  if (current.metadata?.annotations === undefined) add.push({ op: 'add', path: '/metadata/annotations', value: {} });
  add.push({ op: 'add', path: PATH, value: reason });
  await kube.patchPod(namespace, pod, add);
  try {
    return await action();
  } finally {
    // The webhook removed it if it let the action through; otherwise it goes here. A failed
    // test (422: already gone) or a pod that is gone (404) is the expected case.
    await kube.patchPod(namespace, pod, [{ op: 'test', path: PATH, value: reason }, { op: 'remove', path: PATH }]).catch((error: unknown) => {
      if (error instanceof KubeApiError && [404, 422].includes(error.status)) return;
      warn(breakGlassNotRemoved(namespace, pod, error instanceof Error ? error.message : String(error)));
    });
  }
}
