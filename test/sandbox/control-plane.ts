/**
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler as local
 * processes on 127.0.0.1, plus an admin kubeconfig.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { stringify } from 'yaml';
import type { ControlPlaneBinaries } from './binaries.js';
import type { SandboxCerts } from './certs.js';
import { statePaths, type SandboxConfig } from './config.js';
import { startProcess, waitFor, type Supervised } from './process.js';

/** The apiserver's audit log: requests by kafka-guard's own identities (see auditArgs). */
export function auditLogPath(cfg: SandboxConfig): string {
  return join(statePaths(cfg).logs, 'kube-apiserver-audit.log');
}

/** Users whose requests the audit log records: the webhook's ServiceAccount and the plugin's test user. */
export const AUDITED_USERS = ['system:serviceaccount:kafka-guard:kafka-guard', 'kafka-guard-operator'];

/**
 * kube-apiserver flags for an audit log of kafka-guard's own requests, at
 * Metadata level (verb, resource, namespace, user, response code): what test/e2e/zz-audit-rbac.e2e.test.ts compares with
 * the chart's RBAC. Everyone else's requests are not logged.
 */
function auditArgs(cfg: SandboxConfig): string[] {
  const policyFile = join(statePaths(cfg).certs, 'audit-policy.yaml');
  writeFileSync(policyFile, stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    // A watch is logged at ResponseStarted (it completes only when it ends); everything else at ResponseComplete.
    omitStages: ['RequestReceived'],
    rules: [{ level: 'Metadata', users: AUDITED_USERS }, { level: 'None' }],
  }));
  return [`--audit-policy-file=${policyFile}`, `--audit-log-path=${auditLogPath(cfg)}`, '--audit-log-format=json', '--audit-log-maxsize=4096'];
}

export interface ControlPlane {
  processes: Supervised[];
  kubeconfig: string;
  server: string;
}

export function writeKubeconfig(path: string, server: string, certs: SandboxCerts): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server, 'certificate-authority-data': readFileSync(certs.caCert).toString('base64') } }],
    users: [{ name: 'sandbox-admin', user: { token: certs.adminToken } }],
    contexts: [{ name: 'sandbox', context: { cluster: 'sandbox', user: 'sandbox-admin', namespace: 'kafka' } }],
    'current-context': 'sandbox',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

/** GET on the apiserver with the admin token; resolves with the status code and body. */
export function apiGet(server: string, path: string, certs: SandboxCerts): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server}${path}`, {
      ca: readFileSync(certs.caCert),
      headers: { authorization: `Bearer ${certs.adminToken}` },
      timeout: 5000,
    }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function startControlPlane(cfg: SandboxConfig, bins: ControlPlaneBinaries, certs: SandboxCerts, log: (line: string) => void): Promise<ControlPlane> {
  const paths = statePaths(cfg);
  const { ports } = cfg;
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const processes: Supervised[] = [];
  const spawnLogged = (name: string, command: string, args: string[]) => {
    const p = startProcess({ name, command, args, logFile: join(paths.logs, `${name}.log`), pidFile: paths.pidFile });
    processes.push(p);
    return p;
  };

  mkdirSync(paths.etcdData, { recursive: true });
  log(`starting etcd on 127.0.0.1:${ports.etcdClient}`);
  const etcd = spawnLogged('etcd', bins.etcd, [
    '--name=sandbox',
    `--data-dir=${paths.etcdData}`,
    `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-cluster=sandbox=http://127.0.0.1:${ports.etcdPeer}`,
    '--unsafe-no-fsync',
    '--quota-backend-bytes=2147483648',
    '--log-level=warn',
  ]);
  await waitFor('etcd health', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`);
    return res.ok;
  }, { timeoutMs: 30_000, process: etcd, logFile: etcd.logFile });

  log(`starting kube-apiserver on ${server}`);
  const apiserver = spawnLogged('kube-apiserver', bins.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--tls-cert-file=${certs.apiserverCert}`,
    `--tls-private-key-file=${certs.apiserverKey}`,
    `--client-ca-file=${certs.caCert}`,
    `--token-auth-file=${certs.tokenFile}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
    // The loopback advertise address may not be published as the kubernetes Service's endpoint.
    '--endpoint-reconciler-type=none',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--watch-cache=true',
    // Copies the node's zone label onto a pod at binding: what kafka-guard's rack default reads
    // (docs/defaults.md, "Rack awareness"). Alpha in 1.34, on by default from 1.35.
    '--feature-gates=PodTopologyLabelsAdmission=true',
    ...auditArgs(cfg),
  ]);
  await waitFor('kube-apiserver /readyz', async () => (await apiGet(server, '/readyz', certs)).status === 200,
    { timeoutMs: 120_000, process: apiserver, logFile: apiserver.logFile, intervalMs: 500 });

  writeKubeconfig(paths.kubeconfig, server, certs);

  log('starting kube-controller-manager and kube-scheduler');
  const kcm = spawnLogged('kube-controller-manager', bins.kubeControllerManager, [
    `--kubeconfig=${paths.kubeconfig}`,
    `--authentication-kubeconfig=${paths.kubeconfig}`,
    `--authorization-kubeconfig=${paths.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    '--leader-elect=false',
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
    // As kubeadm does: each controller acts as its own ServiceAccount, so the webhook sees
    // e.g. system:serviceaccount:kube-system:statefulset-controller as the requester.
    '--use-service-account-credentials=true',
    '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller,-persistentvolume-expander',
    '--concurrent-statefulset-syncs=5',
  ]);
  const scheduler = spawnLogged('kube-scheduler', bins.kubeScheduler, [
    `--kubeconfig=${paths.kubeconfig}`,
    `--authentication-kubeconfig=${paths.kubeconfig}`,
    `--authorization-kubeconfig=${paths.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.scheduler}`,
    '--leader-elect=false',
  ]);
  // Both are ready when their /healthz answers (self-signed serving certs: skip verification of that local hop).
  for (const [p, port] of [[kcm, ports.controllerManager], [scheduler, ports.scheduler]] as const) {
    await waitFor(`${p.name} /healthz`, () => healthz(port), { timeoutMs: 60_000, process: p, logFile: p.logFile, intervalMs: 500 });
  }
  return { processes, kubeconfig: paths.kubeconfig, server };
}

function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}
