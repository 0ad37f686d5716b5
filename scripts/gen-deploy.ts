/**
 * Writes deploy/kafka-guard.yaml and deploy/cert-manager.yaml from webhook/install.ts.
 *   node --import tsx scripts/gen-deploy.ts          regenerate
 *   node --import tsx scripts/gen-deploy.ts --check  exit 1 when a file is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { certManagerObjects, installObjects, REGENERATE_DEPLOY_COMMAND, renderYaml } from '../webhook/install.js';

const files: Array<[string, string]> = [
  ['../deploy/kafka-guard.yaml', renderYaml(installObjects(), 'kafka-guard webhook: namespace, RBAC, Deployment, Service, PDB, webhook registrations')],
  ['../deploy/cert-manager.yaml', renderYaml(certManagerObjects(), 'kafka-guard webhook serving certificate (cert-manager)')],
];

let stale = false;
for (const [relative, expected] of files) {
  const target = fileURLToPath(new URL(relative, import.meta.url));
  if (process.argv.includes('--check')) {
    let current = '';
    try { current = readFileSync(target, 'utf8'); } catch { /* missing counts as stale */ }
    if (current !== expected) {
      console.error(`${target} is out of date with webhook/install.ts; run: ${REGENERATE_DEPLOY_COMMAND}`);
      stale = true;
    }
  } else {
    writeFileSync(target, expected);
    console.log(`wrote ${target}`);
  }
}
process.exit(stale ? 1 : 0);
