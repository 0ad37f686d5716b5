/**
 * Code comments cite documents inside the repository only: every document under docs/
 * a source file names exists, and none names a design or style note kept
 * outside it (issue 10, item 6).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const files = ['shared', 'webhook', 'plugin', 'test', 'bench', 'scripts'].flatMap((d) => sources(join(ROOT, d)));

test('source files cite no document outside the repository', () => {
  const outside = /\b(DESIGN|STYLE)\.md\b/;
  const citing = files.filter((f) => f !== fileURLToPath(import.meta.url) && outside.test(readFileSync(f, 'utf8')));
  assert.deepEqual(citing.map((f) => relative(ROOT, f)), []);
});

test('every docs/ file a source file cites exists', () => {
  const missing: string[] = [];
  for (const file of files) {
    for (const [cited] of readFileSync(file, 'utf8').matchAll(/\bdocs\/[\w./-]+\.md\b/g)) {
      if (!existsSync(join(ROOT, cited))) missing.push(`${relative(ROOT, file)}: ${cited}`);
    }
  }
  assert.ok(files.length > 100, `found ${files.length} source files`);
  assert.deepEqual(missing, []);
});
