import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { formatPolicyErrors, parsePolicy } from './parse.js';
import { policySpecSchema, type SchemaNode } from './schema.js';

const docs = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');

function specFields(node: SchemaNode, path: string): Array<{ path: string; node: SchemaNode }> {
  const fields: Array<{ path: string; node: SchemaNode }> = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    fields.push({ path: `${path}.${name}`, node: child });
    fields.push(...specFields(child, `${path}.${name}`));
    if (child.items?.properties !== undefined) fields.push(...specFields(child.items, `${path}.${name}[]`));
  }
  return fields;
}

/** The table row documenting a field: the line that starts with its path in backticks. */
function rowOf(path: string): string | undefined {
  return docs.split('\n').find((line) => line.startsWith(`| \`${path}\` |`));
}

describe('docs/policy.md', () => {
  const fields = specFields(policySpecSchema, 'spec');

  it('documents every spec field in a table row', () => {
    const missing = fields.filter((field) => rowOf(field.path) === undefined).map((field) => field.path);
    assert.deepEqual(missing, [], `docs/policy.md has no table row for: ${missing.join(', ')}`);
  });

  it('states every scalar default as the schema has it', () => {
    for (const { path, node } of fields) {
      if (node.default === undefined || typeof node.default === 'object') continue;
      assert.ok(rowOf(path)?.includes(`| \`${String(node.default)}\` |`), `the row for ${path} should give the default \`${String(node.default)}\``);
    }
  });

  it('has examples that parsePolicy accepts as kubectl would read them (YAML 1.1)', () => {
    const examples = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .filter((block) => block.includes('kind: KafkaGuardPolicy'));
    assert.ok(examples.length >= 2, 'expected the minimal and the full example');
    for (const example of examples) {
      const result = parsePolicy(parse(example, { version: '1.1' }));
      assert.ok(result.ok, result.ok ? '' : formatPolicyErrors(result.errors));
    }
  });

  it('has a full example that sets every spec field', () => {
    const full = docs.split('## Full example')[1] ?? '';
    const example = parse(/```yaml\n([\s\S]*?)```/.exec(full)?.[1] ?? '', { version: '1.1' });
    const unset = fields
      .map((field) => field.path)
      .filter((path) => !path.includes('[]') && !['spec.brokers.idFrom.ordinal', 'spec.brokers.idFrom.ordinal.offset', 'spec.brokers.idFrom.label', 'spec.brokers.idFrom.annotation'].includes(path))
      .filter((path) => path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], example) === undefined);
    assert.deepEqual(unset, [], 'the full example leaves these unset (idFrom sets only one member)');
  });
});
