import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { commandTree, complete, connectionOf, formatCompletions, whatToComplete, type Completion } from './completion.js';

const commands = commandTree(join(import.meta.dirname, 'commands'));

describe('commandTree', () => {
  test('reads the commands and topics from plugin/commands', () => {
    assert.deepEqual(commands.get('drain'), []);
    assert.deepEqual(commands.get('doctor'), []);
    assert.deepEqual([...(commands.get('maintenance') ?? [])].sort(), ['end', 'list', 'start']);
    assert.deepEqual([...(commands.get('config') ?? [])].sort(), ['diff', 'get', 'set']);
    assert.ok(![...commands.keys()].some((name) => name.endsWith('.test')));
  });
});

describe('whatToComplete', () => {
  const cases: Array<[string, string[], Completion['kind'], string?]> = [
    ['the first word: a command', [''], 'words'],
    ['a topic: its subcommands', ['maintenance', ''], 'words'],
    ['a pod for drain', ['drain', ''], 'pods'],
    ['a pod for maintenance start', ['maintenance', 'start', 'ka'], 'pods'],
    ['a pod after a flag and its value', ['move', '-n', 'kafka', ''], 'pods'],
    ['nothing after the pod is given', ['drain', 'kafka-1', ''], 'none'],
    ['a broker id after --broker', ['can-disrupt', '--broker', ''], 'brokers', ''],
    ['a broker id in --broker=', ['drain', '--broker='], 'brokers', '--broker='],
    ['a node after --node', ['drain', '--node', 'node-'], 'nodes', ''],
    ['a node after --to-node', ['move', 'kafka-0', '--to-node', ''], 'nodes', ''],
    ['a node in --to-node=', ['move', 'kafka-0', '--to-node=no'], 'nodes', '--to-node='],
    ['no pod for status', ['status', ''], 'none'],
    ['a flag name: nothing', ['drain', '--'], 'none'],
    ['an unknown command: nothing', ['frobnicate', ''], 'none'],
    ['the value of -n is not a pod', ['drain', '-n', ''], 'pods'],
  ];
  for (const [name, args, kind, prefix] of cases) {
    test(name, () => {
      const want = whatToComplete(args, commands);
      assert.equal(want.kind, kind, JSON.stringify(want));
      if (prefix !== undefined) assert.equal((want as { prefix: string }).prefix, prefix);
    });
  }

  test('commands are offered sorted, with their topics', () => {
    const want = whatToComplete([''], commands);
    assert.ok(want.kind === 'words' && want.words.includes('maintenance') && want.words.includes('doctor'));
    assert.deepEqual(want.kind === 'words' ? want.words : [], [...(want.kind === 'words' ? want.words : [])].sort());
  });
});

test('connectionOf reads kubectl\'s flags in both forms, never the word being completed', () => {
  assert.deepEqual(connectionOf(['drain', '-n', 'kafka', '--context=prod', '--policy', 'p', '']), { namespace: 'kafka', context: 'prod', policy: 'p' });
  assert.deepEqual(connectionOf(['drain', '-n']), {});
});

test('formatCompletions keeps the candidates that start with the word typed, then the no-file directive', () => {
  assert.equal(formatCompletions(['kafka-0', 'kafka-1', 'zk-0'], 'kafka'), 'kafka-0\nkafka-1\n:4\n');
  assert.equal(formatCompletions([], ''), ':4\n');
});

test('complete offers nothing (and no error) when the cluster cannot be reached', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'completion-'));
  try {
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
    ].join('\n'));
    assert.equal(await complete(['drain', '--kubeconfig', kubeconfig, ''], commands), ':4\n');
    assert.equal(await complete(['drain', '--kubeconfig', join(dir, 'missing'), '--node', ''], commands), ':4\n');
    assert.equal(await complete(['dr'], commands), 'drain\n:4\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
