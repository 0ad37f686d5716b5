/**
 * Runs the benchmarks in bench/ one after another, each printing its figures
 * next to a baseline measured in the same run. Names given pick the benchmarks
 * whose file name contains one of them; flags (--x) are handed to each.
 * Benchmarks that need the sandbox (KAFKA_BOOTSTRAP_SERVERS) are skipped with
 * a note when it is not up. Figures and the commands that made them: BENCHMARKS.md.
 *
 *   npm run bench                                  # every benchmark
 *   npm run bench -- view-refresh --partitions 200000
 *   eval "$(npm run -s sandbox -- --detach)"; npm run bench -- apiserver-latency; npm run sandbox -- --stop
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const needsSandbox = new Set(['admission-latency.bench.ts', 'apiserver-latency.bench.ts', 'drain-vs-kafka.bench.ts', 'drain.bench.ts']);
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const names = firstFlag < 0 ? args : args.slice(0, firstFlag);
const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
const chosen = names.length === 0 ? all : all.filter((f) => names.some((n) => f.includes(n)));
if (chosen.length === 0) {
  console.error(`no benchmark matches ${names.join(', ')}; there are: ${all.map((f) => f.replace('.bench.ts', '')).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const file of chosen) {
  const sandbox = needsSandbox.has(file) || (file === 'view-refresh.bench.ts' && flags.join(' ').includes('sandbox'));
  if (sandbox && !process.env.KAFKA_BOOTSTRAP_SERVERS) {
    console.log(`\n== ${file}: not run (needs the sandbox: eval "$(npm run -s sandbox -- --detach)")`);
    continue;
  }
  console.log(`\n== ${file}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`, ...flags], { stdio: 'inherit' });
  if (res.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
