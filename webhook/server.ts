/**
 * The webhook process: HTTPS only, certificate hot reload, listening, and a
 * draining shutdown on SIGTERM/SIGINT. Everything else is in buildApp.
 *
 * The production facts (informers, kafkajs, the ConfigMap ledger) are passed
 * in as a DepsFactory, so this file does not depend on how they are built.
 */
import * as https from 'node:https';
import { buildApp, type AppDeps, type WebhookApp } from './app.js';
import { configUsage, helpText, parseConfig, type WebhookConfig } from './config.js';
import { createMetrics, type WebhookMetrics } from './metrics.js';
import type { EngineLogger } from './rules/engine.js';
import { describeCertificate, loadTlsMaterial, watchCertificate, type CertificateWatcher, type TlsMaterial } from './tls.js';

export type ServerDeps = Omit<AppDeps, 'serverFactory'>;

export interface RunningWebhook {
  app: WebhookApp;
  /** e.g. https://0.0.0.0:8443 */
  address: string;
  certificates: CertificateWatcher;
  /** Stops accepting connections, lets in-flight requests finish, stops watching the certificate. */
  close(): Promise<void>;
}

/** Delivers serving pairs after the first: the certificate files watched, or the generated-certificates loop. */
export type WatchCertificates = (current: TlsMaterial, apply: (material: TlsMaterial) => void, log: EngineLogger) => CertificateWatcher;

/** The certificate files of `config`, watched for a renewed pair. */
export function watchFiles(config: WebhookConfig): WatchCertificates {
  return (current, apply, log) => watchCertificate({
    certFile: config.tls.certFile, keyFile: config.tls.keyFile, pollMs: config.tls.reloadPollMs, current, apply, log,
  });
}

/**
 * Builds the app on an HTTPS server with `material` and listens on the
 * configured address; later pairs come from `watch` (default: the files).
 */
export async function startServer(config: WebhookConfig, deps: ServerDeps, material: TlsMaterial, watch: WatchCertificates = watchFiles(config)): Promise<RunningWebhook> {
  const created: { server: https.Server | null } = { server: null };
  const app = buildApp(config, {
    ...deps,
    serverFactory: (handler) => {
      created.server = https.createServer({ cert: material.cert, key: material.key, minVersion: 'TLSv1.2' }, handler);
      return created.server;
    },
  });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const httpsServer = created.server;
  if (httpsServer === null) throw new Error('fastify did not create the HTTPS server through serverFactory');
  const { metrics } = deps;
  if (metrics) httpsServer.on('secureConnection', () => metrics.connections.inc());
  // fastify's own address string says http:// for a server it did not create itself.
  const bound = httpsServer.address();
  const address = bound !== null && typeof bound === 'object' ? `https://${bound.address}:${bound.port}` : `https://${config.listen.host}:${config.listen.port}`;
  const certificates = watch(material, (next) => httpsServer.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' }), app.log);
  app.log.info({ address, certificate: describeCertificate(material.cert) }, 'kafka-guard webhook listening');
  return {
    app,
    address,
    certificates,
    async close() {
      certificates.close();
      await app.close();
    },
  };
}

/** Builds the facts and effects for the parsed configuration; `close` releases informers and Kafka clients. */
export type DepsFactory = (
  config: WebhookConfig,
  metrics: WebhookMetrics,
) => Promise<Omit<ServerDeps, 'metrics' | 'logger'> & { close?(): Promise<void>; certificates?: GeneratedCertificates }>;

/** Certificates mode generated (webhook/certs/manager.ts): the first pair, then later ones. */
export interface GeneratedCertificates {
  initial(): Promise<TlsMaterial>;
  watch(apply: (material: TlsMaterial) => void): CertificateWatcher;
}

/**
 * The process entry: parse the configuration once (exit 2 with the problems
 * when it is bad), load the certificate (exit 1 when unusable), build the
 * dependencies, listen, and on SIGTERM/SIGINT drain and exit.
 */
export async function runWebhook(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  createDeps: DepsFactory,
): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
  const parsed = parseConfig(argv, env);
  if (!parsed.ok) {
    // No logger exists yet: the configuration decides its level.
    process.stderr.write(`kafka-guard webhook: invalid configuration:\n  ${parsed.errors.join('\n  ')}\nflags (--help explains each):\n${configUsage()}\n`);
    process.exitCode = 2;
    return;
  }
  const config = parsed.config;
  const fail = (error: unknown): void => {
    process.stderr.write(`kafka-guard webhook: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  };
  let material: TlsMaterial | null = null;
  if (config.tls.source === 'files') {
    try {
      material = loadTlsMaterial(config.tls.certFile, config.tls.keyFile);
    } catch (error) {
      fail(error);
      return;
    }
  }
  const metrics = createMetrics({ processMetrics: true });
  const { close: closeDeps, certificates: generated, ...deps } = await createDeps(config, metrics);
  let watch = watchFiles(config);
  if (config.tls.source === 'generated') {
    try {
      if (generated === undefined) throw new Error('--certificates=generated, but this build provides no certificate manager');
      material = await generated.initial();
    } catch (error) {
      fail(error);
      await closeDeps?.();
      return;
    }
    watch = (_current, apply) => generated.watch(apply);
  }
  if (material === null) throw new Error('no serving certificate was loaded');
  const running = await startServer(config, { ...deps, metrics }, material, watch);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    running.app.log.info({ signal }, 'shutting down: draining in-flight admission requests');
    running
      .close()
      .then(() => closeDeps?.())
      .then(() => running.app.log.info('shut down'))
      .catch((error: unknown) => {
        running.app.log.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
