/**
 * deploy/ installs on a real apiserver: every object of the CRD and the
 * webhook install passes the apiserver's validation (server-side dry run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl } from './helpers.js';

test('deploy/crd.yaml and deploy/kafka-guard.yaml pass a server-side dry-run apply', async () => {
  const res = await kubectl(['apply', '--dry-run=server', '-f', 'deploy/crd.yaml', '-f', 'deploy/kafka-guard.yaml']);
  assert.equal(res.code, 0, res.stderr);
  for (const kind of ['deployment.apps/kafka-guard', 'validatingwebhookconfiguration.admissionregistration.k8s.io/kafka-guard', 'mutatingwebhookconfiguration.admissionregistration.k8s.io/kafka-guard', 'clusterrole.rbac.authorization.k8s.io/kafka-guard']) {
    assert.match(res.stdout, new RegExp(`${kind.replace(/\./g, '\\.')} (created|configured|unchanged) \\(server dry run\\)`));
  }
});
