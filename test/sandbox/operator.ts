/**
 * The person who runs `kubectl kafka` in the sandbox: user kafka-guard-operator,
 * authenticated by a client certificate the sandbox CA signs, bound to the
 * chart's ClusterRole kafka-guard-operator and nothing else. The plugin's e2e
 * tests run the plugin with this kubeconfig, so the shipped role is what they
 * exercise (and the audit log records what it used).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { SandboxCerts } from './certs.js';
import type { SandboxConfig } from './config.js';
import { SandboxError } from './process.js';

const run = promisify(execFile);

export const OPERATOR_USER = 'kafka-guard-operator';
export const OPERATOR_ROLE = 'kafka-guard-operator';

/** Where the operator's kubeconfig is, in a running sandbox. */
export function operatorKubeconfigPath(cfg: SandboxConfig): string {
  return join(cfg.stateDir, 'operator.kubeconfig');
}

/** Signs the operator's client certificate, binds the role, writes the kubeconfig; returns its path. */
export async function setUpOperator(
  cfg: SandboxConfig, certs: SandboxCerts, kc: KubeConfig,
  apply: (kc: KubeConfig, objects: Array<Record<string, unknown>>) => Promise<void>,
): Promise<string> {
  const key = join(certs.dir, 'operator.key');
  const csr = join(certs.dir, 'operator.csr');
  const crt = join(certs.dir, 'operator.crt');
  try {
    await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', `/CN=${OPERATOR_USER}`, '-out', csr]);
    await run('openssl', ['x509', '-req', '-in', csr, '-CA', certs.caCert, '-CAkey', certs.caKey, '-CAcreateserial', '-days', '30', '-out', crt]);
  } catch (error) {
    throw new SandboxError(`signing the operator's client certificate failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, 'install openssl');
  }
  // Cluster-wide: --node operations cordon nodes, which are not namespaced.
  await apply(kc, [{
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${OPERATOR_ROLE}-sandbox` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OPERATOR_USER }],
  }]);
  const path = operatorKubeconfigPath(cfg);
  const b64 = (file: string) => readFileSync(file).toString('base64');
  writeFileSync(path, stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server: kc.getCurrentCluster()?.server ?? '', 'certificate-authority-data': b64(certs.caCert) } }],
    users: [{ name: OPERATOR_USER, user: { 'client-certificate-data': b64(crt), 'client-key-data': b64(key) } }],
    contexts: [{ name: 'operator', context: { cluster: 'sandbox', user: OPERATOR_USER, namespace: 'kafka' } }],
    'current-context': 'operator',
  }), { mode: 0o600 });
  return path;
}
