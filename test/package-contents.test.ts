/**
 * Test-only modules (the fake facts, the cluster builders, the fake Kafka) and
 * compiled tests stay out of what ships: the build (tsconfig.json), and the
 * npm package, which the image installs as it is (Dockerfile). Issue 10, item 6.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

/** Whether a path (relative to the repository or the package, `.ts` or compiled) is a test-only module or a test. */
function isTestOnly(path: string): boolean {
  const p = path.replace(/^dist\//, '').replace(/\\/g, '/');
  return /\.test\.(ts|js)(\.map)?$/.test(p)
    || /^webhook\/facts\/fake\.(ts|js)(\.map)?$/.test(p)
    || p.startsWith('shared/safety/testing/')
    || p.startsWith('shared/plan/testing/');
}

/** The files `npm pack` would put in the package built from `dir`. */
async function packedFiles(dir: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  assert.ok(pack, `npm pack --dry-run --json printed no package: ${stdout.slice(0, 200)}`);
  return pack.files.map((f) => f.path);
}

test('the build compiles no test-only module and no test, not even through an import', () => {
  const configPath = join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  assert.equal(read.error, undefined);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configPath);
  // The program, not only the config's file list: an import from a shipped module would pull an excluded file back in.
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const files = program.getSourceFiles().map((f) => relative(ROOT, f.fileName)).filter((f) => !f.startsWith('node_modules/') && !f.startsWith('..'));
  assert.ok(files.includes('webhook/main.ts') && files.includes('plugin/commands/drain.ts'), 'the build compiles the webhook and the plugin');
  // Each exclusion must still point at something, or a rename would make this test vacuous.
  for (const kept of ['webhook/facts/fake.ts', 'shared/safety/testing/cluster-builder.ts', 'shared/plan/testing/fake-kafka.ts']) {
    assert.ok(ts.sys.fileExists(join(ROOT, kept)), `${kept} still exists (update this test when it moves)`);
  }
  assert.deepEqual(files.filter(isTestOnly), []);
});

test('the npm package (and so the image) holds no test-only module and no test, even when a stale dist has them', async () => {
  // A package directory with this package.json and a dist/ holding one of each kind of file.
  const dir = mkdtempSync(join(tmpdir(), 'kafka-guard-pack-'));
  try {
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const shipped = ['bin/kubectl-kafka.js', 'deploy/crd.yaml', 'dist/webhook/main.js', 'dist/webhook/main.js.map', 'dist/webhook/facts/cluster.js', 'dist/shared/safety/planner.js'];
    const testOnly = [
      'dist/webhook/facts/fake.js', 'dist/webhook/facts/fake.js.map',
      'dist/shared/safety/testing/cluster-builder.js', 'dist/shared/plan/testing/fake-kafka.js',
      'dist/webhook/rules/pod-eviction.test.js', 'dist/webhook/rules/pod-eviction.test.js.map',
    ];
    for (const file of [...shipped, ...testOnly]) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), '// placeholder\n');
    }
    const files = await packedFiles(dir);
    for (const file of shipped) assert.ok(files.includes(file), `${file} is in the package (got ${files.join(', ')})`);
    assert.deepEqual(files.filter(isTestOnly), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm pack of this checkout lists no test-only module and no test', async () => {
  const files = await packedFiles(ROOT);
  assert.ok(files.includes('package.json') && files.some((f) => f.startsWith('deploy/')), 'the package lists its manifests');
  assert.deepEqual(files.filter(isTestOnly), []);
});
