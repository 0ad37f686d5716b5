/**
 * The disruption ledger: admitted disruptions that have not happened yet, in
 * one ConfigMap shared by every webhook replica (entry format in
 * shared/k8s/ledger.ts). A reservation is a compare-and-swap on the
 * ConfigMap's resourceVersion, so two replicas cannot both admit disruptions
 * that together break a rule.
 */
import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import {
  BREAK_GLASS_KEY, BREAK_GLASS_SET_KEY, breakGlassPodUids, breakGlassSetterOf, ledgerKey, parseBreakGlassSettings, parseBreakGlassUses,
  parseLedger, pendingBrokers, recordBreakGlassSetting, recordBreakGlassUse,
} from '../../shared/k8s/ledger.js';
import type { BreakGlassSetting } from '../admission/verdict.js';
import type { WebhookConfig } from '../config.js';
import { statusCode } from './api-errors.js';
import type { BreakGlassConsumption, BreakGlassSetter, Effects, FactsSource, LedgerReading, Reservation } from './types.js';

/** Compare-and-swap attempts for one break-glass use before giving up (each retry re-reads). */
const BREAK_GLASS_ATTEMPTS = 5;

export class DisruptionLedger
implements Pick<FactsSource, 'pendingDisruptions' | 'breakGlassSetter'>, Pick<Effects, 'reserveDisruption' | 'consumeBreakGlass' | 'recordBreakGlassSetting'> {
  constructor(
    private readonly core: CoreV1Api,
    private readonly location: WebhookConfig['ledger'],
    /** The uids of the pods that exist in a namespace; null when not known yet (then no entry counts as done). */
    private readonly livePodUids: (namespace: string) => Set<string> | null,
  ) {}

  private async read(): Promise<V1ConfigMap | null> {
    try {
      return await this.core.readNamespacedConfigMap({ name: this.location.name, namespace: this.location.namespace });
    } catch (error) {
      if (statusCode(error) === 404) return null;
      throw error;
    }
  }

  async pendingDisruptions(key: string): Promise<LedgerReading> {
    const cm = await this.read();
    const namespace = key.split('/')[0] ?? '';
    const live = this.livePodUids(namespace);
    const entries = parseLedger(cm?.data?.[ledgerKey(key)], Date.now());
    return {
      brokers: pendingBrokers(entries, live),
      unknown: null,
      version: cm?.metadata?.resourceVersion ?? '',
      breakGlassPods: breakGlassPodUids(entries),
    };
  }

  /**
   * Uses up a pod's break-glass annotation by recording (pod uid, value) under
   * BREAK_GLASS_KEY, so the webhook never writes to pods. False when that
   * annotation was used before: exactly one disruption per annotation, across
   * requests and replicas. A concurrent ledger write (409) is retried on a
   * fresh read, where a use recorded meanwhile is seen.
   */
  async consumeBreakGlass(consumption: BreakGlassConsumption): Promise<boolean> {
    const { name, namespace } = this.location;
    for (let attempt = 1; ; attempt++) {
      const cm = await this.read();
      const uses = recordBreakGlassUse(
        parseBreakGlassUses(cm?.data?.[BREAK_GLASS_KEY]),
        { podUid: consumption.pod.uid, namespace: consumption.pod.namespace, pod: consumption.pod.name, value: consumption.expectedValue, at: Date.now() },
        this.livePodUids,
      );
      if (uses === null) return false;
      const data = { ...(cm?.data ?? {}), [BREAK_GLASS_KEY]: JSON.stringify(uses) };
      try {
        if (cm) await this.core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, data } });
        else await this.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'kafka-guard' } }, data } });
        return true;
      } catch (error) {
        if (statusCode(error) !== 409 || attempt >= BREAK_GLASS_ATTEMPTS) throw error;
      }
    }
  }

  async breakGlassSetter(pod: { namespace: string; uid: string }, value: string): Promise<BreakGlassSetter | null> {
    const cm = await this.read();
    const setting = breakGlassSetterOf(parseBreakGlassSettings(cm?.data?.[BREAK_GLASS_SET_KEY]), pod.uid, value);
    return setting === null ? null : { user: setting.user, groups: setting.groups, at: setting.at };
  }

  /**
   * Records who set a pod's break-glass annotation under BREAK_GLASS_SET_KEY
   * (no write to the pod). A concurrent ledger write (409) is retried on a
   * fresh read; throws when it cannot be recorded, so the edit is refused
   * rather than admitted with its setter unknown.
   */
  async recordBreakGlassSetting(setting: BreakGlassSetting): Promise<void> {
    await this.modify((data) => ({
      ...data,
      [BREAK_GLASS_SET_KEY]: JSON.stringify(recordBreakGlassSetting(
        parseBreakGlassSettings(data[BREAK_GLASS_SET_KEY]),
        { podUid: setting.pod.uid, namespace: setting.pod.namespace, pod: setting.pod.name, value: setting.value, user: setting.user, groups: [...setting.groups], at: Date.now() },
        this.livePodUids,
      )),
    }));
  }

  /** Read, change, compare-and-swap write; retried on 409 up to BREAK_GLASS_ATTEMPTS times. */
  private async modify(change: (data: Record<string, string>) => Record<string, string>): Promise<void> {
    const { name, namespace } = this.location;
    for (let attempt = 1; ; attempt++) {
      const cm = await this.read();
      const data = change({ ...(cm?.data ?? {}) });
      try {
        if (cm) await this.core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, data } });
        else await this.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'kafka-guard' } }, data } });
        return;
      } catch (error) {
        if (statusCode(error) !== 409 || attempt >= BREAK_GLASS_ATTEMPTS) throw error;
      }
    }
  }

  async reserveDisruption(reservation: Reservation): Promise<boolean> {
    const { name, namespace } = this.location;
    const cm = await this.read();
    const version = cm?.metadata?.resourceVersion ?? '';
    if (version !== reservation.expectedVersion) return false;
    const dataKey = ledgerKey(reservation.policyKey);
    const now = Date.now();
    const entries = parseLedger(cm?.data?.[dataKey], now).filter((e) => e.podUid !== reservation.podUid);
    entries.push({
      brokerId: reservation.brokerId,
      podUid: reservation.podUid,
      expiresAt: now + reservation.ttlMs,
      ...(reservation.breakGlass ? { breakGlass: true as const } : {}),
    });
    const data = { ...(cm?.data ?? {}), [dataKey]: JSON.stringify(entries) };
    try {
      if (cm) {
        // resourceVersion makes this a compare-and-swap: a concurrent writer gets 409.
        await this.core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, data } });
      } else {
        await this.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'kafka-guard' } }, data } });
      }
      return true;
    } catch (error) {
      if (statusCode(error) === 409) return false;
      throw error;
    }
  }
}
