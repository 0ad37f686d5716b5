/**
 * Runs the kafka-guard webhook as users install it, minus the container: the
 * built package (`node dist/webhook/main.js`, as the image does) as a local
 * HTTPS process, under the chart's ServiceAccount with a token from the
 * TokenRequest API (never the admin kubeconfig), with the chart's RBAC and
 * webhook registrations applied (URL clientConfigs, the sandbox CA bundle).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { renderChart, renderedObjects } from '../../scripts/chart.js';
import { certFiles, type SandboxCerts } from './certs.js';
import { statePaths, type SandboxConfig } from './config.js';
import { SandboxError, startProcess, waitFor, type Supervised } from './process.js';

const run = promisify(execFile);

export const WEBHOOK_NAMESPACE = 'kafka-guard';
export const WEBHOOK_SERVICE_ACCOUNT = 'kafka-guard';
/** The namespace whose Secrets the sandbox's policies name (manifests.ts kafkaSecrets). */
const SECRETS_NAMESPACES = ['kafka'];

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

/** The kubeconfig the webhook runs with: the chart's ServiceAccount (written by startWebhook). */
export function webhookKubeconfigPath(cfg: SandboxConfig): string {
  return join(cfg.stateDir, 'webhook.kubeconfig');
}

/** The chart values the sandbox installs with: the webhook outside the cluster at `url`, CA given. */
export function sandboxChartValues(url: string, caBundle: string): string[] {
  return [
    `webhookUrl=${url}`, 'certificates.mode=self-managed', `certificates.caBundle=${caBundle}`,
    `secretsNamespaces={${SECRETS_NAMESPACES.join(',')}}`,
  ];
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** Builds the package (npm run build) unless dist/ is newer than every source the webhook is made of. */
export async function ensureBuilt(cfg: SandboxConfig, log: (line: string) => void): Promise<string> {
  const main = join(cfg.repoRoot, 'dist/webhook/main.js');
  const sources = Math.max(...['shared', 'webhook'].map((d) => newestMtime(join(cfg.repoRoot, d))));
  if (existsSync(main) && statSync(main).mtimeMs > sources) return main;
  log('building the package (npm run build): the webhook runs from dist/, as the image does');
  try {
    await run('npm', ['run', 'build'], { cwd: cfg.repoRoot, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    throw new SandboxError(`npm run build failed: ${(error as { stdout?: string }).stdout ?? String(error)}`, 'fix the type errors it names (npm run typecheck)');
  }
  return main;
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
    args: [join(cfg.repoRoot, 'dist/webhook/main.js'),
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

/** A kubeconfig for the chart's ServiceAccount, with a token from the TokenRequest API. */
async function writeServiceAccountKubeconfig(cfg: SandboxConfig, certs: SandboxCerts, kc: KubeConfig): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const requested = await core.createNamespacedServiceAccountToken({
    name: WEBHOOK_SERVICE_ACCOUNT, namespace: WEBHOOK_NAMESPACE,
    // Outlives any test run; the sandbox is thrown away at the end.
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = requested.status?.token;
  if (!token) throw new SandboxError(`the TokenRequest for ${WEBHOOK_NAMESPACE}/${WEBHOOK_SERVICE_ACCOUNT} returned no token`);
  const server = kc.getCurrentCluster()?.server ?? '';
  const path = webhookKubeconfigPath(cfg);
  writeFileSync(path, stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server, 'certificate-authority-data': readFileSync(certs.caCert).toString('base64') } }],
    users: [{ name: WEBHOOK_SERVICE_ACCOUNT, user: { token } }],
    contexts: [{ name: 'kafka-guard', context: { cluster: 'sandbox', user: WEBHOOK_SERVICE_ACCOUNT, namespace: WEBHOOK_NAMESPACE } }],
    'current-context': 'kafka-guard',
  }), { mode: 0o600 });
  return path;
}

export async function startWebhook(
  cfg: SandboxConfig, certs: SandboxCerts, kc: KubeConfig,
  apply: (kc: KubeConfig, objects: Array<Record<string, unknown>>) => Promise<void>, log: (line: string) => void,
): Promise<Supervised> {
  const port = cfg.ports.webhook;
  const caBundle = readFileSync(certs.caCert).toString('base64');
  const [, objects] = await Promise.all([
    ensureBuilt(cfg, log),
    renderChart(sandboxChartValues(`https://127.0.0.1:${port}`, caBundle)).then(renderedObjects),
  ]);
  // Renamed: the install tests then dry-run apply the chart's own kafka-guard registrations
  // (service clientConfigs) as new objects, not as a patch of these (url clientConfigs).
  const registrations = objects.filter((o) => o.kind.endsWith('WebhookConfiguration'))
    .map((o) => ({ ...o, metadata: { ...o.metadata, name: 'kafka-guard-sandbox' } }));
  // RBAC first: the webhook's informers list as the ServiceAccount from their first request.
  await apply(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: WEBHOOK_NAMESPACE } }, ...objects.filter((o) => !o.kind.endsWith('WebhookConfiguration'))]);
  const kubeconfig = await writeServiceAccountKubeconfig(cfg, certs, kc);
  log(`starting the kafka-guard webhook on https://127.0.0.1:${port} as ServiceAccount ${WEBHOOK_NAMESPACE}/${WEBHOOK_SERVICE_ACCOUNT}`);
  const tls = { caCert: certs.caCert, cert: certs.webhookCert, key: certs.webhookKey };
  const webhook = await runWebhookProcess(cfg, tls, kubeconfig, { port, instance: 'webhook' });
  await apply(kc, registrations);
  return webhook;
}
