import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ARCHIVE_ENTRIES, archiveName, krewManifest, MANIFEST_TEMPLATE, packArchive } from './krew.js';

const SHA = 'ab'.repeat(32);
const ROOT = join(import.meta.dirname, '..');

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: { version: string; platforms: Array<{ uri: string; sha256: string; bin: string; files: Array<{ from: string; to: string }> }> };
}

describe('krewManifest', () => {
  const written = krewManifest(readFileSync(MANIFEST_TEMPLATE, 'utf8'), { version: '0.2.0', sha256: SHA });
  const manifest = parse(written) as Manifest;

  test('fills in the version, the release uri and the sha256 of every platform', () => {
    assert.equal(manifest.kind, 'Plugin');
    assert.equal(manifest.metadata.name, 'kafka');
    assert.equal(manifest.spec.version, 'v0.2.0');
    assert.ok(manifest.spec.platforms.length > 0);
    for (const platform of manifest.spec.platforms) {
      assert.equal(platform.sha256, SHA);
      assert.equal(platform.uri, `https://github.com/kafka-guard/kafka-guard/releases/download/v0.2.0/${archiveName('0.2.0')}`);
    }
  });

  test('copies exactly what the archive holds, and its bin is the plugin executable', () => {
    for (const platform of manifest.spec.platforms) {
      assert.deepEqual(platform.files.map((f) => f.from.replace(/\/\*$/, '')).sort(), [...ARCHIVE_ENTRIES].sort());
      assert.equal(platform.bin, 'bin/kubectl-kafka.js');
      assert.ok(existsSync(join(ROOT, platform.bin)));
    }
  });

  test('keeps the template\'s comments and leaves no placeholder sha256', () => {
    assert.match(written, /^# Krew plugin manifest/m);
    assert.doesNotMatch(written, /0{64}/);
  });

  test('refuses a sha256 or a version krew would not take', () => {
    const template = readFileSync(MANIFEST_TEMPLATE, 'utf8');
    assert.throws(() => krewManifest(template, { version: '0.2.0', sha256: 'abc' }), /sha256 "abc" is not 64 hex digits/);
    assert.throws(() => krewManifest(template, { version: 'latest', sha256: SHA }), /version "latest" is not semver/);
    assert.throws(() => krewManifest('apiVersion: x\nspec: {}\n', { version: '0.2.0', sha256: SHA }), /no spec.platforms/);
  });
});

describe('packArchive', () => {
  test('packs the entries reproducibly: the same files give the same sha256 whatever their mtimes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'krew-pack-'));
    try {
      const stage = join(dir, 'stage');
      for (const [file, content] of [['bin/kubectl-kafka.js', '#!/usr/bin/env node\n'], ['dist/plugin/x.js', 'x'], ['node_modules/a/package.json', '{}'], ['package.json', '{}'], ['deploy/crd.yaml', 'left out']]) {
        mkdirSync(dirname(join(stage, file as string)), { recursive: true });
        writeFileSync(join(stage, file as string), content as string);
      }
      const first = await packArchive(stage, ARCHIVE_ENTRIES, join(dir, 'one.tar.gz'));
      utimesSync(join(stage, 'dist/plugin/x.js'), new Date(2020, 0, 1), new Date(2020, 0, 1));
      const second = await packArchive(stage, ARCHIVE_ENTRIES, join(dir, 'two.tar.gz'));
      assert.equal(first, second);
      assert.equal(first, createHash('sha256').update(readFileSync(join(dir, 'one.tar.gz'))).digest('hex'));
      const { stdout } = await promisify(execFile)('tar', ['-tzf', join(dir, 'one.tar.gz')]);
      const listed = stdout.split('\n').filter(Boolean);
      assert.ok(listed.includes('bin/kubectl-kafka.js') && listed.includes('node_modules/a/package.json') && listed.includes('package.json'), listed.join(', '));
      assert.ok(!listed.some((f) => f.startsWith('deploy')), 'only the entries the manifest copies');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
