import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { certManagerObjects, installObjects, REGENERATE_DEPLOY_COMMAND, renderYaml } from './install.js';

test('deploy/kafka-guard.yaml and deploy/cert-manager.yaml match webhook/install.ts', () => {
  const read = (name: string) => readFileSync(new URL(`../deploy/${name}`, import.meta.url), 'utf8');
  assert.equal(read('kafka-guard.yaml'), renderYaml(installObjects(), 'kafka-guard webhook: namespace, RBAC, Deployment, Service, PDB, webhook registrations'),
    `deploy/kafka-guard.yaml is stale: run ${REGENERATE_DEPLOY_COMMAND}`);
  assert.equal(read('cert-manager.yaml'), renderYaml(certManagerObjects(), 'kafka-guard webhook serving certificate (cert-manager)'),
    `deploy/cert-manager.yaml is stale: run ${REGENERATE_DEPLOY_COMMAND}`);
});

test('no guarded webhook is routed the webhook\'s own namespace or kube-system', () => {
  const configs = installObjects().filter((o) => String(o.kind).endsWith('WebhookConfiguration'));
  for (const config of configs) {
    for (const hook of config.webhooks as Array<{ name: string; namespaceSelector: { matchExpressions: Array<{ key: string; operator: string; values: string[] }> } }>) {
      const excluded = hook.namespaceSelector.matchExpressions.find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
      assert.deepEqual(excluded?.values.sort(), ['kafka-guard', 'kube-system'], hook.name);
    }
  }
});
