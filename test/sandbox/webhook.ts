/**
 * Runs the kafka-guard webhook as a local HTTPS process (from the sources,
 * through tsx) and registers it with the apiserver through URL clientConfigs
 * and the sandbox CA bundle, using the same registrations as deploy/.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { webhookConfigurations } from '../../webhook/registration.js';
import { certFiles, type SandboxCerts } from './certs.js';
import { statePaths, type SandboxConfig } from './config.js';
import { startProcess, waitFor, type Supervised } from './process.js';

export const WEBHOOK_NAMESPACE = 'kafka-guard';

function get(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { ca, timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.end();
  });
}

/** The serving certificate of the webhook and the CA that signed it. */
export interface WebhookTls {
  caCert: string;
  cert: string;
  key: string;
}

/** The webhook TLS files of a running sandbox, where certs.ts made them in its state directory. */
export function sandboxWebhookTls(cfg: SandboxConfig): WebhookTls {
  return certFiles(statePaths(cfg).certs, 'webhook');
}

/**
 * Starts one webhook process with the sandbox's settings on
 * https://127.0.0.1:PORT and waits until /readyz answers. `instance` names
 * its log file (logs/INSTANCE.log) and its pid-file entry, so the sandbox's
 * `--stop` also ends an extra replica a test left behind.
 */
export async function runWebhookProcess(
  cfg: SandboxConfig, tls: WebhookTls, kubeconfig: string, opts: { port: number; instance: string },
): Promise<Supervised> {
  const paths = statePaths(cfg);
  const webhook = startProcess({
    name: `kafka-guard-${opts.instance}`,
    command: process.execPath,
    args: ['--import', 'tsx', join(cfg.repoRoot, 'webhook/main.ts'),
      '--listen-host', '127.0.0.1', '--port', String(opts.port),
      '--tls-cert-file', tls.cert, '--tls-key-file', tls.key,
      '--kubeconfig', kubeconfig, '--ledger-namespace', WEBHOOK_NAMESPACE, '--log-level', 'info'],
    logFile: join(paths.logs, `${opts.instance}.log`),
    pidFile: paths.pidFile,
    cwd: cfg.repoRoot,
  });
  const ca = readFileSync(tls.caCert);
  await waitFor(`the ${opts.instance} /readyz`, async () => (await get(`https://127.0.0.1:${opts.port}/readyz`, ca)) === 200,
    { timeoutMs: 60_000, process: webhook, logFile: webhook.logFile, intervalMs: 300 });
  return webhook;
}

export async function startWebhook(
  cfg: SandboxConfig, certs: SandboxCerts, kubeconfig: string, kc: KubeConfig,
  apply: (kc: KubeConfig, objects: Array<Record<string, unknown>>) => Promise<void>, log: (line: string) => void,
): Promise<Supervised> {
  await apply(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: WEBHOOK_NAMESPACE } }]);
  const port = cfg.ports.webhook;
  log(`starting the kafka-guard webhook on https://127.0.0.1:${port}`);
  const tls = { caCert: certs.caCert, cert: certs.webhookCert, key: certs.webhookKey };
  const webhook = await runWebhookProcess(cfg, tls, kubeconfig, { port, instance: 'webhook' });
  const caBundle = readFileSync(certs.caCert).toString('base64');
  await apply(kc, webhookConfigurations({
    clientConfig: (path) => ({ url: `https://127.0.0.1:${port}${path}`, caBundle }),
    ownNamespace: WEBHOOK_NAMESPACE,
    // Not kafka-guard: deploy/kafka-guard.yaml can then be dry-run applied against the sandbox.
    name: 'kafka-guard-sandbox',
  }));
  return webhook;
}
