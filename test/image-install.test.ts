/**
 * The webhook image installs its runtime dependencies from the lockfile
 * (issue 12, section 5). There is no container engine here, so this test
 * does what the Dockerfile's runtime stage does, in a temporary directory:
 * unpack `npm pack` of this checkout, put package-lock.json beside it and run
 * `npm ci --omit=dev` (offline, from the npm cache `npm ci` of the checkout
 * filled). Every installed package must then have exactly its locked version,
 * every locked runtime package must be there and no dev dependency may be.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/** Every installed package under `dir`/node_modules, nested ones too, as lockfile keys (`node_modules/a/node_modules/b`) to versions. */
function installedPackages(dir: string, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return found;
  const packageDirs: string[] = [];
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(join(modules, entry.name), { withFileTypes: true })) {
        if (scoped.isDirectory()) packageDirs.push(`${entry.name}/${scoped.name}`);
      }
    } else {
      packageDirs.push(entry.name);
    }
  }
  for (const name of packageDirs) {
    const key = `${prefix}node_modules/${name}`;
    const manifest = JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')) as { version: string };
    found.set(key, manifest.version);
    for (const [nestedKey, version] of installedPackages(join(modules, name), `${key}/`)) found.set(nestedKey, version);
  }
  return found;
}

function dockerfileStages(): Array<{ from: string; lines: string[] }> {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const args = new Map([...text.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  const stages: Array<{ from: string; lines: string[] }> = [];
  // Instructions with their continuation lines joined, comments dropped.
  const instructions = text.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)/.exec(line);
    if (from?.[1]) stages.push({ from: from[1].replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? ''), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

test('the Dockerfile pins its base image by digest and installs the runtime dependencies with npm ci --omit=dev from the lockfile', () => {
  const stages = dockerfileStages();
  assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
  for (const stage of stages) assert.match(stage.from, /^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/, `FROM ${stage.from} is pinned by digest`);
  const runtime = stages.at(-1)?.lines.join('\n') ?? '';
  assert.match(runtime, /^COPY package-lock\.json /m, 'the runtime stage gets the lockfile');
  assert.match(runtime, /npm ci --omit=dev/, 'and installs from it');
  assert.doesNotMatch(runtime, /npm install/, 'npm install would resolve versions at build time');
  assert.match(runtime, /^ENTRYPOINT \["node", "\/app\/dist\/webhook\/main\.js"\]$/m);
});

test('the packed package plus the lockfile installs exactly the locked runtime versions, and no dev dependency', { timeout: 300_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'kafka-guard-image-'));
  try {
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    assert.ok(packed, 'npm pack made a tarball');
    const app = join(work, 'app');
    mkdirSync(app);
    // As the runtime stage: the package unpacked, the lockfile beside its package.json.
    await run('tar', ['-xzf', join(work, packed.filename), '--strip-components=1', '-C', app]);
    assert.ok(!existsSync(join(app, 'package-lock.json')), 'npm pack leaves the lockfile out, so the image must copy it');
    copyFileSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 64 * 1024 * 1024 });

    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const installed = installedPackages(app);
    const locked = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.link);
    const wrong: string[] = [];
    for (const [key, version] of installed) {
      const entry = lock.packages[key];
      if (entry === undefined) wrong.push(`${key}@${version} is not in the lockfile`);
      else if (entry.dev === true) wrong.push(`${key}@${version} is a dev dependency`);
      else if (entry.version !== version) wrong.push(`${key}@${version}, locked ${entry.version ?? '(none)'}`);
    }
    const runtime = locked.filter(([, entry]) => entry.dev !== true && entry.optional !== true && entry.devOptional !== true);
    const missing = runtime.filter(([key]) => !installed.has(key)).map(([key, entry]) => `${key}@${entry.version ?? ''}`);
    assert.deepEqual(wrong, []);
    assert.deepEqual(missing, []);
    assert.ok(installed.has('node_modules/fastify') && installed.has('node_modules/@kubernetes/client-node'), 'the runtime dependencies are there');
    assert.ok(!installed.has('node_modules/typescript') && !installed.has('node_modules/tsx'), 'dev dependencies are not');
    assert.ok(installed.size >= runtime.length && runtime.length > 50, `${installed.size} installed, ${runtime.length} locked runtime packages`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
