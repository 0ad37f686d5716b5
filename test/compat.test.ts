/** The compatibility runner's pure parts: the subset's arguments, the legs from the command line, the counts it sums. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LEGS, parseLegs, SUBSET, subsetArgs, summaryCounts } from './compat.js';
import { loadSandboxConfig } from './sandbox/config.js';

const root = loadSandboxConfig({}).repoRoot;

test('subsetArgs: every listed file exists and every listed test name is a test in it, matched from its start', () => {
  const args = subsetArgs();
  assert.equal(args[0], '--e2e');
  const pattern = new RegExp((args[1] ?? '').replace(/^--test-name-pattern=/, ''));
  for (const { file, tests } of SUBSET) {
    assert.ok(existsSync(join(root, file)), file);
    assert.ok(args.includes(file), file);
    const source = readFileSync(join(root, file), 'utf8');
    const names = [...source.matchAll(/^test\((['`])(.*?)\1/gm)].map((m) => m[2] ?? '');
    const chosen = names.filter((n) => pattern.test(n.replace(/\$\{[^}]+\}/g, 'X')));
    if (tests === 'all') assert.deepEqual(chosen, names, `${file}: every test`);
    else for (const t of tests) assert.equal(chosen.filter((n) => n.startsWith(t)).length, 1, `${file}: exactly one test starts with ${JSON.stringify(t)}`);
  }
  // Special characters in names are escaped, not read as regex syntax.
  assert.deepEqual(subsetArgs([{ file: 'f', tests: ['move (a) x.y'] }]), ['--e2e', '--test-name-pattern=^move \\(a\\) x\\.y', 'f']);
});

test('parseLegs: all by default; VERSION or VERSION/MODE; bad ones named with the sandbox\'s own check', () => {
  assert.deepEqual(parseLegs([]), [...LEGS]);
  assert.deepEqual(parseLegs(['--skip-default']), [...LEGS]);
  assert.deepEqual(parseLegs(['3.9.1/zookeeper', '4.0.2']), [{ version: '3.9.1', mode: 'zookeeper' }, { version: '4.0.2', mode: 'kraft' }]);
  assert.throws(() => parseLegs(['4.0.2/zookeeper']), /Kafka 4\.0 and newer have no ZooKeeper mode/);
  assert.throws(() => parseLegs(['4.0']), /KAFKA_GUARD_KAFKA_VERSION=4\.0 is not a Kafka release/);
  assert.throws(() => parseLegs(['3.9.1/kraft/x']), /"3\.9\.1\/kraft\/x" is not a leg: write VERSION or VERSION\/MODE/);
});

test('summaryCounts: node:test\'s spec summary; cancelled counts as failed; none when it never ran', () => {
  const out = '✔ a (1ms)\nℹ tests 12\nℹ suites 0\nℹ pass 9\nℹ fail 1\nℹ cancelled 1\nℹ skipped 30\nℹ todo 0\n';
  assert.deepEqual(summaryCounts(out), { pass: 9, fail: 2, skipped: 30 });
  assert.equal(summaryCounts('[test] error: port 26583 is already in use\n'), null);
});
