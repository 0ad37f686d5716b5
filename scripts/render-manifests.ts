/**
 * Writes deploy/kafka-guard.yaml from the chart.
 *   npm run render-manifests             regenerate
 *   npm run render-manifests -- --check  exit 1 when a file is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHART_DIR, plainManifests, RENDER_MANIFESTS_COMMAND } from './chart.js';

const check = process.argv.includes('--check');
let stale = false;
for (const [name, expected] of Object.entries(await plainManifests())) {
  const target = fileURLToPath(new URL(`../deploy/${name}`, import.meta.url));
  if (check) {
    let current = '';
    try { current = readFileSync(target, 'utf8'); } catch { /* missing counts as stale */ }
    if (current !== expected) {
      console.error(`deploy/${name} is out of date with ${CHART_DIR}; run: ${RENDER_MANIFESTS_COMMAND}`);
      stale = true;
    }
  } else {
    writeFileSync(target, expected);
    console.log(`wrote deploy/${name}`);
  }
}
process.exit(stale ? 1 : 0);
