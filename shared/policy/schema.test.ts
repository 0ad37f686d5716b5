import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { ID_SOURCE_MEMBERS, policyOpenAPISchema, type SchemaNode } from './schema.js';

/** Every node with its dotted path, root first. */
function walk(node: SchemaNode, path = ''): Array<{ path: string; node: SchemaNode }> {
  const nodes = [{ path, node }];
  for (const [name, child] of Object.entries(node.properties ?? {})) nodes.push(...walk(child, path === '' ? name : `${path}.${name}`));
  if (node.items !== undefined) nodes.push(...walk(node.items, `${path}[]`));
  if (node.additionalProperties !== undefined) nodes.push(...walk(node.additionalProperties, `${path}{}`));
  return nodes;
}

const nodes = walk(policyOpenAPISchema);

// The rules of https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema
describe('the CRD schema is structural', () => {
  it('gives every node a type', () => {
    for (const { path, node } of nodes) assert.ok(node.type, `${path || '(root)'} has no type`);
  });

  it('lists the properties of every object (or makes it a map), never both', () => {
    for (const { path, node } of nodes) {
      if (node.type !== 'object' || path === 'metadata') continue; // the apiserver owns metadata's schema
      const shapes = [node.properties, node.additionalProperties, node['x-kubernetes-preserve-unknown-fields']].filter((shape) => shape !== undefined);
      assert.equal(shapes.length, 1, `${path} must have exactly one of properties, additionalProperties, x-kubernetes-preserve-unknown-fields`);
    }
  });

  it('gives every array its items and only arrays items', () => {
    for (const { path, node } of nodes) assert.equal(node.type === 'array', node.items !== undefined, path);
  });

  it('names only existing properties as required', () => {
    for (const { path, node } of nodes) {
      for (const name of node.required ?? []) assert.ok(node.properties?.[name], `${path}.required names ${name}, which is not a property`);
    }
  });

  it('puts no default at the root or in metadata, and no nullable or default at the root', () => {
    for (const { path, node } of nodes) {
      if (path === '' || path.startsWith('metadata')) assert.equal(node.default, undefined, path);
    }
  });

  it('has defaults that are valid for their own node', () => {
    const ajv = new Ajv({ strict: false });
    for (const { path, node } of nodes) {
      if (node.default === undefined) continue;
      const { default: value, ...schema } = node;
      assert.ok(ajv.validate(schema, value), `${path}: default ${JSON.stringify(value)} fails its schema: ${ajv.errorsText()}`);
    }
  });

  it('gives objects with nested defaults a default of {} so the apiserver reaches them', () => {
    for (const { path, node } of nodes) {
      if (node.type !== 'object' || path === '' || (node.required?.length ?? 0) > 0) continue;
      const nestedDefaults = Object.values(node.properties ?? {}).some((child) => child.default !== undefined);
      const isOptionalByDesign = ['spec.kafka.tls', 'spec.brokers.idFrom.ordinal'].includes(path);
      if (nestedDefaults && !isOptionalByDesign) assert.deepEqual(node.default, {}, `${path} has nested defaults but no default {}`);
    }
  });
});

describe('the CRD schema CEL rules', () => {
  const rulesAt = (path: string) => nodes.find((entry) => entry.path === path)?.node['x-kubernetes-validations'] ?? [];

  it('requires exactly one idFrom member, naming every member', () => {
    const [rule] = rulesAt('spec.brokers.idFrom');
    assert.ok(rule);
    for (const member of ID_SOURCE_MEMBERS) assert.match(rule.rule, new RegExp(`has\\(self\\.${member}\\)`));
    assert.match(rule.rule, /== 1$/);
  });

  it('refuses an empty selector', () => {
    assert.match(rulesAt('spec.brokers.selector')[0]?.rule ?? '', /size\(self\.matchLabels\) > 0.*size\(self\.matchExpressions\) > 0/);
  });

  it('bounds every list and string that a CEL rule reads, so the apiserver can estimate its cost', () => {
    for (const { path, node } of nodes) {
      if (node['x-kubernetes-validations'] === undefined) continue;
      for (const child of Object.values(node.properties ?? {})) {
        if (child.type === 'array') assert.ok(child.maxItems, `${path}: a list read by CEL has no maxItems`);
      }
      if (node.type === 'string') assert.ok(node.maxLength, `${path}: a string read by CEL has no maxLength`);
    }
  });
});
