/**
 * Builds the krew release of `kubectl kafka`: the archive and the manifest
 * with its uri and sha256 filled in (deploy/krew/kafka.yaml is the template).
 *   node --import tsx scripts/krew.ts [--out DIR]     (default krew-release/)
 * The archive holds bin/, dist/, package.json and the production
 * node_modules, installed from package-lock.json exactly as the image does
 * (npm pack unpacked, `npm ci --omit=dev`), and is packed reproducibly (names
 * sorted, mtime 0, owner 0, gzip without a timestamp) so the same build gives
 * the same sha256. Run `npm run build` first. Needs GNU tar.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const MANIFEST_TEMPLATE = join(ROOT, 'deploy/krew/kafka.yaml');
export const RELEASES = 'https://github.com/kafka-guard/kafka-guard/releases/download';
/** What the archive holds at its top level; the manifest's `files` copy exactly these. */
export const ARCHIVE_ENTRIES = ['bin', 'dist', 'node_modules', 'package.json'] as const;

export function archiveName(version: string): string {
  return `kubectl-kafka-v${version}.tar.gz`;
}

export function releaseUri(version: string): string {
  return `${RELEASES}/v${version}/${archiveName(version)}`;
}

/** The manifest template with the version, uri and sha256 of this release; comments kept. */
export function krewManifest(template: string, release: { version: string; sha256: string }): string {
  if (!/^[0-9a-f]{64}$/.test(release.sha256)) throw new Error(`sha256 ${JSON.stringify(release.sha256)} is not 64 hex digits`);
  if (!/^\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(release.version)) throw new Error(`version ${JSON.stringify(release.version)} is not semver (krew needs vMAJOR.MINOR.PATCH)`);
  const doc = parseDocument(template);
  const platforms = doc.getIn(['spec', 'platforms']) as { items?: unknown[] } | undefined;
  const count = platforms?.items?.length ?? 0;
  if (count === 0) throw new Error('the krew manifest template has no spec.platforms');
  doc.setIn(['spec', 'version'], `v${release.version}`);
  // One archive serves every platform: the plugin runs on Node.js.
  for (let i = 0; i < count; i++) {
    doc.setIn(['spec', 'platforms', i, 'uri'], releaseUri(release.version));
    doc.setIn(['spec', 'platforms', i, 'sha256'], release.sha256);
  }
  return doc.toString({ lineWidth: 0 });
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Packs `entries` of `dir` into `archive` reproducibly; returns its sha256. */
export async function packArchive(dir: string, entries: readonly string[], archive: string): Promise<string> {
  const tarFile = `${archive}.tar`;
  await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-cf', tarFile, '-C', dir, ...entries]);
  const { stdout } = await run('gzip', ['-n', '-9', '-c', tarFile], { encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 });
  writeFileSync(archive, stdout);
  rmSync(tarFile);
  return sha256Of(archive);
}

/** The package as users run it: npm pack unpacked, production dependencies from the lockfile. */
async function stagePackage(work: string): Promise<string> {
  if (!existsSync(join(ROOT, 'dist/plugin/commands'))) throw new Error('no dist/: run npm run build first');
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!packed) throw new Error('npm pack made no tarball');
  const stage = join(work, 'package');
  mkdirSync(stage);
  await run('tar', ['-xzf', join(work, packed.filename), '--strip-components=1', '-C', stage]);
  copyFileSync(join(ROOT, 'package-lock.json'), join(stage, 'package-lock.json'));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: stage, maxBuffer: 64 * 1024 * 1024 });
  return stage;
}

async function main(): Promise<void> {
  const outFlag = process.argv.indexOf('--out');
  const out = resolve(outFlag >= 0 ? (process.argv[outFlag + 1] ?? '') : join(ROOT, 'krew-release'));
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'kafka-guard-krew-'));
  try {
    const stage = await stagePackage(work);
    const archive = join(out, archiveName(version));
    const sha256 = await packArchive(stage, ARCHIVE_ENTRIES, archive);
    const manifest = join(out, 'kafka.yaml');
    writeFileSync(manifest, krewManifest(readFileSync(MANIFEST_TEMPLATE, 'utf8'), { version, sha256 }));
    console.log(`wrote ${archive} (sha256 ${sha256})\nwrote ${manifest}\ntry it: kubectl krew install --manifest=${manifest} --archive=${archive}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
