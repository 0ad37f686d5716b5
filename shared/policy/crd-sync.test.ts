import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildPolicyCrd, REGENERATE_CRD_COMMAND, renderPolicyCrdYaml } from './crd.js';

const crdPath = new URL('../../deploy/crd.yaml', import.meta.url);

describe('deploy/crd.yaml', () => {
  it('is what shared/policy/schema.ts generates', () => {
    let committed: string;
    try {
      committed = readFileSync(crdPath, 'utf8');
    } catch (error) {
      assert.fail(`cannot read deploy/crd.yaml (${String(error)}); generate it with: ${REGENERATE_CRD_COMMAND}`);
    }
    // Compared as text first so the failure says what to do, not a 500-line diff.
    assert.ok(
      committed === renderPolicyCrdYaml(),
      `deploy/crd.yaml differs from what shared/policy/schema.ts generates; regenerate it with: ${REGENERATE_CRD_COMMAND}`,
    );
  });

  it('reads back as the same object under YAML 1.1, as kubectl and the apiserver read it', () => {
    // e.g. the enum value Off must stay a string, not turn into false.
    assert.deepEqual(parse(renderPolicyCrdYaml(), { version: '1.1' }), buildPolicyCrd());
  });

  it('defines the namespaced kafkaguardpolicies.kafkaguard.io with short name, status subresource and columns', () => {
    const crd = parse(renderPolicyCrdYaml(), { version: '1.1' });
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.equal(crd.metadata.name, 'kafkaguardpolicies.kafkaguard.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names.shortNames, ['kgp']);
    const [version] = crd.spec.versions;
    assert.equal(version.name, 'v1alpha1');
    assert.deepEqual(version.subresources, { status: {} });
    assert.deepEqual(
      version.additionalPrinterColumns.map((column: { name: string; jsonPath: string }) => [column.name, column.jsonPath]),
      [
        ['Mode', '.spec.mode'],
        ['Bootstrap', '.spec.kafka.bootstrapServers[0]'],
        ['Kafka', '.status.conditions[?(@.type=="KafkaReachable")].status'],
        ['Healthy', '.status.conditions[?(@.type=="PartitionsHealthy")].status'],
        ['Age', '.metadata.creationTimestamp'],
      ],
    );
    assert.deepEqual(version.schema.openAPIV3Schema.properties.spec.properties.mode.enum, ['Enforce', 'Warn', 'Off']);
  });
});
