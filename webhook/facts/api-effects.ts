/**
 * The effects on the apiserver besides the ledger (which also records
 * break-glass uses): recording Events, correlated into series as client-go does.
 */
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type CoreV1Api } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { messageOf, statusCode } from './api-errors.js';
import type { Effects, ObjectReference } from './types.js';

/** A repeat of an Event within this window adds to its count instead of making a new one. */
const EVENT_SERIES_MS = 10 * 60_000;
const MAX_EVENT_SERIES = 1000;

export class ApiEffects implements Pick<Effects, 'recordEvent'> {
  /** Events recorded recently, by what makes them the same event: name, count, last time. */
  private readonly recentEvents = new Map<string, { name: string; count: number; at: number }>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly log: FastifyBaseLogger,
    /** Names this replica in Events it records (the pod name in a cluster). */
    private readonly instanceName: string,
  ) {}

  /**
   * Records an Event; the same event again (same object, type, reason and
   * message, within EVENT_SERIES_MS) bumps the count and lastTimestamp of the
   * first instead, as client-go's event correlator does. A StatefulSet
   * controller retrying a refused delete during a stalled rollout then leaves
   * one Event with a count, not hundreds.
   */
  async recordEvent(involvedObject: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
    const text = message.slice(0, 1024);
    const key = JSON.stringify([involvedObject.namespace, involvedObject.name, involvedObject.uid, type, reason, text]);
    const earlier = this.recentEvents.get(key);
    try {
      if (earlier !== undefined && now.getTime() - earlier.at < EVENT_SERIES_MS) {
        try {
          await this.core.patchNamespacedEvent(
            { name: earlier.name, namespace: involvedObject.namespace, body: { count: earlier.count + 1, lastTimestamp: now } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
          earlier.count += 1;
          earlier.at = now.getTime();
          return;
        } catch (error) {
          if (statusCode(error) !== 404) throw error;
          // Expired or deleted: start a new one.
        }
      }
      const name = `${involvedObject.name}.${randomBytes(8).toString('hex')}`;
      await this.core.createNamespacedEvent({
        namespace: involvedObject.namespace,
        body: {
          metadata: { name, namespace: involvedObject.namespace },
          involvedObject: { ...involvedObject, uid: involvedObject.uid || undefined },
          type, reason, message: text,
          source: { component: 'kafka-guard' },
          reportingComponent: 'kafkaguard.io/webhook',
          reportingInstance: this.instanceName,
          firstTimestamp: now, lastTimestamp: now, count: 1,
        },
      });
      this.recentEvents.delete(key);
      this.recentEvents.set(key, { name, count: 1, at: now.getTime() });
      // Oldest first (insertion order): keep the map bounded.
      for (const oldest of this.recentEvents.keys()) {
        if (this.recentEvents.size <= MAX_EVENT_SERIES) break;
        this.recentEvents.delete(oldest);
      }
    } catch (error) {
      this.log.warn({ involvedObject, reason, error: messageOf(error) }, 'recording an Event failed');
    }
  }
}
