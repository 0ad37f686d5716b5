/**
 * Certificates mode `generated`: every replica runs this loop. Each pass
 * reads the certificates Secret, carries out the step plan.ts decides (a
 * write with the resourceVersion it read, so when replicas race exactly one
 * write lands and the others re-read and adopt it), publishes the CA bundle
 * into both webhook configurations, and serves the Secret's serving pair.
 *
 * The webhook configurations carry the bundle's serial in an annotation; a
 * replica never writes a bundle older than the one there, so a replica that
 * read the Secret just before another rotated it cannot put an old bundle back.
 */
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig, type V1MutatingWebhookConfiguration, type V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import * as tls from 'node:tls';
import { messageOf, statusCode } from '../facts/api-errors.js';
import type { EngineLogger } from '../rules/engine.js';
import { checkValidity, describeCertificate, type CertificateWatcher, type TlsMaterial } from '../tls.js';
import { applyStep, planRotation, type RotationSettings, type Step } from './plan.js';
import { ANNOTATIONS, caBundleOf, readState, writeState, type CertificateState, type SecretLike } from './secret-state.js';

export type ConfigurationKind = 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
export const CONFIGURATION_KINDS: readonly ConfigurationKind[] = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

export interface WebhookConfigurationLike {
  metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  webhooks?: Array<{ name: string; clientConfig: { caBundle?: string } }>;
  [key: string]: unknown;
}

/** The apiserver calls this needs; `replace*` send the resourceVersion read and fail with code 409 when another wrote first. */
export interface CertificateStore {
  readSecret(): Promise<SecretLike>;
  replaceSecret(secret: SecretLike): Promise<SecretLike>;
  readConfiguration(kind: ConfigurationKind): Promise<WebhookConfigurationLike>;
  replaceConfiguration(kind: ConfigurationKind, body: WebhookConfigurationLike): Promise<WebhookConfigurationLike>;
}

export interface GeneratedCertificatesSettings extends RotationSettings {
  namespace: string;
  secretName: string;
  /** Name of both the MutatingWebhookConfiguration and the ValidatingWebhookConfiguration. */
  webhookConfigurationName: string;
  checkIntervalMs: number;
}

/** The store over client-node, for the Secret and the two configurations the settings name. */
export function kubeCertificateStore(kc: KubeConfig, settings: GeneratedCertificatesSettings): CertificateStore {
  const core = kc.makeApiClient(CoreV1Api);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const name = settings.webhookConfigurationName;
  return {
    readSecret: () => core.readNamespacedSecret({ name: settings.secretName, namespace: settings.namespace }) as Promise<SecretLike>,
    replaceSecret: (body) => core.replaceNamespacedSecret({ name: settings.secretName, namespace: settings.namespace, body: body as never }) as Promise<SecretLike>,
    readConfiguration: (kind) => (kind === 'MutatingWebhookConfiguration'
      ? admission.readMutatingWebhookConfiguration({ name })
      : admission.readValidatingWebhookConfiguration({ name })) as Promise<WebhookConfigurationLike>,
    replaceConfiguration: (kind, body) => (kind === 'MutatingWebhookConfiguration'
      ? admission.replaceMutatingWebhookConfiguration({ name, body: body as V1MutatingWebhookConfiguration })
      : admission.replaceValidatingWebhookConfiguration({ name, body: body as V1ValidatingWebhookConfiguration })) as Promise<WebhookConfigurationLike>,
  };
}

/** Steps one pass may take in a row (initialize, then nothing; activate, then nothing): a bound, not a target. */
const MAX_STEPS_PER_PASS = 4;

export interface PassResult {
  state: CertificateState;
  /** The steps this replica wrote. */
  wrote: Step['kind'][];
  /** Both webhook configurations carry the current bundle. */
  published: boolean;
}

export class CertificateManager {
  private served: TlsMaterial | null = null;
  private apply: ((material: TlsMaterial) => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly where: string;
  private warnedMissing = new Set<string>();

  constructor(
    private readonly store: CertificateStore,
    private readonly settings: GeneratedCertificatesSettings,
    private readonly log: EngineLogger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.where = `${settings.namespace}/${settings.secretName}`;
  }

  /**
   * The pair to start serving with: passes until the Secret holds a usable
   * one. A missing Secret or missing permission fails at once with what to
   * do; anything else (the apiserver not reachable yet) is retried until
   * `timeoutMs`.
   */
  async initial(timeoutMs = 60_000): Promise<TlsMaterial> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { state } = await this.pass();
        if (state.serving) {
          checkValidity(state.serving.cert, `in Secret ${this.where}`, this.now());
          this.served = state.serving;
          return state.serving;
        }
      } catch (error) {
        const code = statusCode(error);
        if (code === 404 || code === 403 || (code === undefined && !isTransient(error)) || Date.now() > deadline) throw this.explain(error);
        this.log.warn({ err: error }, `certificates: cannot read Secret ${this.where} yet; retrying`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** Passes every checkIntervalMs from now on, handing a changed serving pair to `apply`. */
  watch(apply: (material: TlsMaterial) => void): CertificateWatcher {
    this.apply = apply;
    const schedule = () => {
      if (this.closed) return;
      this.timer = setTimeout(() => { void this.reload().finally(schedule); }, this.settings.checkIntervalMs);
      this.timer.unref();
    };
    schedule();
    return {
      reload: () => this.reload(),
      close: () => { this.closed = true; clearTimeout(this.timer); },
    };
  }

  /** One pass, logged instead of thrown; true when a new serving pair was applied. */
  reload(): Promise<boolean> {
    const run = this.running.then(async () => {
      try {
        const { state } = await this.pass();
        return this.deliver(state);
      } catch (error) {
        this.log.error({ err: error }, `certificates: ${this.explain(error).message}; serving the current certificate`);
        return false;
      }
    });
    this.running = run;
    return run;
  }

  /** Read, step, publish: the whole of one pass (exported for tests through the class). */
  async pass(): Promise<PassResult> {
    let secret = await this.store.readSecret();
    let state = readState(secret, this.where);
    const wrote: Step['kind'][] = [];
    for (let i = 0; i < MAX_STEPS_PER_PASS; i++) {
      const now = this.now();
      const step = planRotation(state, now, this.settings);
      if (step.kind === 'wait') {
        if (state.ignoredRotate !== null) this.log.warn(`certificates: ${step.reason}`);
        break;
      }
      const next = await applyStep(state, step, now, this.settings);
      try {
        secret = await this.store.replaceSecret(writeState(secret, next));
        state = next;
        wrote.push(step.kind);
        this.log.info({ step: step.kind, reason: step.reason, serial: next.serial, secret: this.where }, `certificates: ${describeStep(step)}`);
      } catch (error) {
        if (statusCode(error) !== 409) throw error;
        // Another replica wrote first: adopt what it wrote and decide again.
        this.log.debug({ step: step.kind }, 'certificates: another replica updated the Secret first');
        secret = await this.store.readSecret();
        state = readState(secret, this.where);
      }
    }
    const published = await this.publish(state);
    if (published && (state.published?.serial ?? -1) < state.serial) {
      const next = { ...state, published: { serial: state.serial, at: this.now() } };
      try {
        secret = await this.store.replaceSecret(writeState(secret, next));
        state = next;
      } catch (error) {
        if (statusCode(error) !== 409) throw error;
      }
    }
    return { state, wrote, published };
  }

  /** Writes the bundle into both configurations where it is not yet; true when both carry it. */
  private async publish(state: CertificateState): Promise<boolean> {
    const caBundle = caBundleOf(state);
    let everywhere = true;
    for (const kind of CONFIGURATION_KINDS) {
      let configuration: WebhookConfigurationLike;
      try {
        configuration = await this.store.readConfiguration(kind);
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
        if (!this.warnedMissing.has(kind)) {
          this.warnedMissing.add(kind);
          this.log.warn(`certificates: ${kind} ${this.settings.webhookConfigurationName} does not exist, so no caBundle is published to it; ` +
            'install the chart\'s webhook configurations, or give their name with --webhook-configuration-name');
        }
        everywhere = false;
        continue;
      }
      this.warnedMissing.delete(kind);
      const serialThere = Number(configuration.metadata?.annotations?.[ANNOTATIONS.serial] ?? '0') || 0;
      if (serialThere > state.serial) return false; // A newer bundle is there: this replica's read is stale.
      const webhooks = configuration.webhooks ?? [];
      if (serialThere === state.serial && webhooks.every((w) => w.clientConfig.caBundle === caBundle)) continue;
      const body: WebhookConfigurationLike = {
        ...configuration,
        metadata: { ...configuration.metadata, annotations: { ...configuration.metadata?.annotations, [ANNOTATIONS.serial]: String(state.serial) } },
        webhooks: webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } })),
      };
      try {
        await this.store.replaceConfiguration(kind, body);
        this.log.info({ kind, serial: state.serial, cas: state.bundle.length }, `certificates: caBundle written to ${kind} ${this.settings.webhookConfigurationName}`);
      } catch (error) {
        if (statusCode(error) !== 409) throw error;
        everywhere = false;
      }
    }
    return everywhere;
  }

  /** Serves the Secret's pair when it differs from the one served; refuses, loudly, one that is not valid now. */
  private deliver(state: CertificateState): boolean {
    const next = state.serving;
    if (next === null || this.apply === null) return false;
    if (this.served && next.cert === this.served.cert && next.key === this.served.key) return false;
    try {
      tls.createSecureContext({ cert: next.cert, key: next.key });
      checkValidity(next.cert, `in Secret ${this.where}`, this.now());
      this.apply(next);
    } catch (error) {
      this.log.error({ err: error }, `new TLS certificate refused: ${messageOf(error)}; keeping the current certificate`);
      return false;
    }
    this.served = next;
    this.log.info({ certificate: describeCertificate(next.cert) }, 'TLS certificate reloaded');
    return true;
  }

  /** An error with what to do about it. */
  private explain(error: unknown): Error {
    const code = statusCode(error);
    const { namespace, secretName, webhookConfigurationName } = this.settings;
    if (code === 404) {
      return new Error(`Secret ${this.where} does not exist; the chart creates it with certificates.mode=generated (or auto without cert-manager). ` +
        `Create it: kubectl -n ${namespace} create secret generic ${secretName} && kubectl -n ${namespace} annotate secret ${secretName} ${ANNOTATIONS.managed}=generated`);
    }
    if (code === 403) {
      return new Error(`not allowed to read or update Secret ${this.where} or the webhook configurations ${webhookConfigurationName} (403): ` +
        `apply the chart's Role and ClusterRole kafka-guard-certificates (deploy/chart/kafka-guard/templates/rbac.yaml). ${messageOf(error)}`);
    }
    return error instanceof Error ? error : new Error(messageOf(error));
  }
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND'].includes(code);
}

function describeStep(step: Step): string {
  switch (step.kind) {
    case 'initialize': return `made a new CA and serving certificate (${step.reason})`;
    case 'renew-serving': return `renewed the serving certificate (${step.reason})`;
    case 'stage-ca': return `staged a new CA in the bundle next to the current one (${step.reason})`;
    case 'activate-ca': return `the new CA now signs the serving certificate; the old one stays trusted for the overlap (${step.reason})`;
    case 'retire-ca': return `removed the old CA from the bundle (${step.reason})`;
    case 'repair-bundle': return `repaired the CA bundle (${step.reason})`;
    case 'wait': return step.reason;
  }
}
