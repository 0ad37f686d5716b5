/**
 * Runs every benchmark in bench/ one after another, each printing its figures
 * next to a baseline measured in the same run. Benchmarks that need the
 * sandbox (KAFKA_BOOTSTRAP_SERVERS) are skipped with a note when it is not up.
 *
 *   npm run bench                # eval "$(npm run -s sandbox -- --detach)" first for the sandbox ones
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const needsSandbox = new Set(['admission-latency.bench.ts', 'drain-vs-kafka.bench.ts', 'drain.bench.ts']);
let failed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()) {
  if (needsSandbox.has(file) && !process.env.KAFKA_BOOTSTRAP_SERVERS) {
    console.log(`\n== ${file}: not run (needs the sandbox: eval "$(npm run -s sandbox -- --detach)")`);
    continue;
  }
  console.log(`\n== ${file}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (res.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
