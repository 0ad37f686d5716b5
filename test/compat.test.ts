/** The compatibility runner's pure parts: the subset's arguments, the legs from the command line, the counts it sums. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { legName, legPortBase, LineWriter, runOutcome, legSubset, LEGS, parallelism, parseLegs, SUBSET, subsetArgs, summaryCounts, UPGRADE_FROM, ZERO_LOSS_FILE, ZERO_LOSS_LEG } from './compat.js';
import { DEFAULT_KAFKA_VERSION, loadSandboxConfig } from './sandbox/config.js';

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
  assert.deepEqual(parseLegs(['--parallel', '2', '4.4.0']), [{ version: '4.4.0', mode: 'kraft' }]);
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

test('legSubset: the 4.0.2 leg ends with the real upgrade, matched whole; the others run the subset only', () => {
  const upgrade = legSubset({ version: UPGRADE_FROM.version, mode: 'kraft' });
  assert.deepEqual(upgrade.slice(0, -1), [...SUBSET]);
  assert.deepEqual(upgrade.at(-1), { file: 'test/e2e/compat-upgrade.e2e.test.ts', tests: 'all' });
  assert.ok(existsSync(join(root, UPGRADE_FROM.file)));
  const args = subsetArgs(upgrade);
  assert.equal(args.at(-1), UPGRADE_FROM.file);
  const source = readFileSync(join(root, UPGRADE_FROM.file), 'utf8');
  const names = [...source.matchAll(/^test\((['`])(.*?)\1/gm)].map((m) => m[2] ?? '');
  assert.ok(names.length > 0 && names.every((n) => new RegExp((args[1] ?? '').replace(/^--test-name-pattern=/, '')).test(n)), 'every upgrade test is chosen');
  assert.deepEqual(legSubset({ version: '3.9.1', mode: 'zookeeper' }), SUBSET);
});

test('parallelism: 1 by default; --parallel N from 1 to 4; anything else named with the fix', () => {
  assert.equal(parallelism([]), 1);
  assert.equal(parallelism(['--skip-default', '--parallel', '2']), 2);
  for (const bad of [['--parallel'], ['--parallel', '0'], ['--parallel', '5'], ['--parallel', '1.5'], ['--parallel', 'two']]) {
    assert.throws(() => parallelism(bad), /--parallel .*: give a whole number of legs from 1 to 4/, bad.join(' '));
  }
});

test('legPortBase: legs side by side use no port of another leg', () => {
  // Every port a sandbox takes: the fixed ones, and up to 6 brokers from each broker base.
  const ports = (base: number) => {
    const p = loadSandboxConfig({ KAFKA_GUARD_SANDBOX_PORT_BASE: String(base) }).ports;
    const fixed = [p.etcdClient, p.etcdPeer, p.apiserver, p.controllerManager, p.scheduler, p.webhook, p.zookeeper];
    return [...fixed, ...[p.kafkaBase, p.controllerBase, p.kafkaSecureBase].flatMap((b) => [0, 1, 2, 3, 4, 5].map((i) => b + i))];
  };
  // Every sandbox of `npm test` at once: the full suite (slot 0), the zero-loss leg and every subset leg.
  const slots = LEGS.length + 2;
  for (let a = 0; a < slots; a += 1) {
    for (let b = a + 1; b < slots; b += 1) {
      const mine = new Set(ports(legPortBase(20000, a)));
      assert.deepEqual(ports(legPortBase(20000, b)).filter((p) => mine.has(p)), [], `slots ${a} and ${b}`);
    }
  }
});

test('LineWriter: only whole lines go out, so lines written between them never split one; the rest at flush', () => {
  const out: string[] = [];
  const w = new LineWriter((text) => out.push(text));
  w.write('✔ a (1');
  assert.deepEqual(out, []);
  w.write('ms)\n✔ b');
  assert.deepEqual(out, ['✔ a (1ms)\n']);
  w.write(' (2ms)\nℹ pass 2\n');
  assert.deepEqual(out, ['✔ a (1ms)\n', '✔ b (2ms)\nℹ pass 2\n']);
  w.write('no newline');
  w.flush();
  w.flush();
  assert.deepEqual(out.at(-1), 'no newline\n');
  assert.equal(out.length, 3);
});

test('the zero-loss run: a leg of its own on the default release, whole file, no name pattern; named alone as zero-loss', () => {
  assert.deepEqual(parseLegs(['zero-loss']), [ZERO_LOSS_LEG]);
  assert.equal(ZERO_LOSS_LEG.version, DEFAULT_KAFKA_VERSION);
  assert.ok(existsSync(join(root, ZERO_LOSS_FILE)));
  assert.deepEqual(subsetArgs(legSubset(ZERO_LOSS_LEG)), ['--e2e', ZERO_LOSS_FILE]);
  assert.equal(legName(ZERO_LOSS_LEG), `Kafka ${DEFAULT_KAFKA_VERSION} kraft (zero-loss run)`);
  // The subset legs are not changed by it.
  assert.ok(!LEGS.some((l) => l.run !== undefined));
});

test('runOutcome: passed only with exit 0, no failure and something run; a run with no summary counts one failure', () => {
  const summary = (pass: number, fail: number) => `ℹ tests ${pass + fail}\nℹ pass ${pass}\nℹ fail ${fail}\n`;
  assert.deepEqual(runOutcome(0, summary(12, 0)), { outcome: 'passed', pass: 12, fail: 0 });
  assert.deepEqual(runOutcome(1, summary(11, 1)), { outcome: 'failed', pass: 11, fail: 1 });
  assert.deepEqual(runOutcome(1, summary(12, 0)), { outcome: 'failed', pass: 12, fail: 1 }, 'a non-zero exit fails even when every test passed');
  assert.deepEqual(runOutcome(0, summary(0, 0)), { outcome: 'failed', pass: 0, fail: 1 }, 'nothing ran');
  assert.deepEqual(runOutcome(null, '[test] error: the sandbox did not start\n'), { outcome: 'failed', pass: 0, fail: 1 });
});
