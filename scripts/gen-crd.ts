/**
 * Writes deploy/crd.yaml from shared/policy/schema.ts.
 *   node --import tsx scripts/gen-crd.ts          regenerate
 *   node --import tsx scripts/gen-crd.ts --check  exit 1 when deploy/crd.yaml is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REGENERATE_CRD_COMMAND, renderPolicyCrdYaml } from '../shared/policy/crd.js';

const target = fileURLToPath(new URL('../deploy/crd.yaml', import.meta.url));
const expected = renderPolicyCrdYaml();

if (process.argv.includes('--check')) {
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (current !== expected) {
    console.error(`${target} is out of date with shared/policy/schema.ts; run: ${REGENERATE_CRD_COMMAND}`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  writeFileSync(target, expected);
  console.log(`wrote ${target}`);
}
