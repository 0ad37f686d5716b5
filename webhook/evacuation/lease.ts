/**
 * One actor at a time: the webhook runs several replicas, and only the one
 * holding the Lease (coordination.k8s.io/v1) runs evacuations. Taken when
 * free or expired, renewed on every pass; every write carries the
 * resourceVersion read, so two replicas never both think they hold it.
 */
import { statusCode } from '../facts/api-errors.js';
import { CoordinationV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Lease } from '@kubernetes/client-node';

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  durationSeconds: number;
  now?: () => Date;
  /** Told of a failure other than losing the race (which is silent). */
  onError?: (error: unknown) => void;
}

export class Lease {
  private readonly api: CoordinationV1Api;

  constructor(kc: KubeConfig, private readonly options: LeaseOptions) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  /** Whether this replica holds the lease now (taking or renewing it). Never throws: trouble means "not now". */
  async hold(): Promise<boolean> {
    const { namespace, name, identity, durationSeconds } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    try {
      let current: V1Lease | null = null;
      try {
        current = await this.api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
      }
      if (current === null) {
        // Created without times: the typed client writes a Date with milliseconds, and the
        // apiserver reads a Lease's MicroTime only with microseconds. The patch below sets them.
        current = await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: { leaseDurationSeconds: durationSeconds } } });
      }
      const holder = current.spec?.holderIdentity ?? '';
      const renewed = current.spec?.renewTime ? new Date(current.spec.renewTime).getTime() : 0;
      const expired = renewed + (current.spec?.leaseDurationSeconds ?? durationSeconds) * 1000 < now.getTime();
      if (holder !== identity && holder !== '' && !expired) return false;
      const stamp = microTime(now);
      // resourceVersion in the patch makes it a compare-and-swap: a replica that wrote in between wins, this one gets 409.
      await this.api.patchNamespacedLease(
        {
          name,
          namespace,
          body: {
            metadata: { resourceVersion: current.metadata?.resourceVersion },
            spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, renewTime: stamp, ...(holder === identity ? {} : { acquireTime: stamp }) },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return true;
    } catch (error) {
      // 409: another replica wrote first; anything else: try again next pass, and say so.
      if (statusCode(error) !== 409) this.options.onError?.(error);
      return false;
    }
  }
}

/** RFC 3339 with microseconds, as the apiserver reads a MicroTime. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
