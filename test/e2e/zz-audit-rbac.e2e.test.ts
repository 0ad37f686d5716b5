/**
 * Least privilege, proven by the apiserver: the sandbox runs the webhook as
 * the chart's ServiceAccount and its apiserver writes an audit log of that
 * identity's requests (test/sandbox/control-plane.ts). node's test runner
 * runs files in path order, so this one (zz-) runs last and the log holds what the whole suite made the
 * webhook do. Everything it did must be granted by the chart's RBAC as the
 * sandbox installed it, and every grant must have been used, or carry a
 * comment "unused in tests: WHY" in the chart's RBAC template.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderChart } from '../../scripts/chart.js';
import { clusterRoleGrants, describeRequest, grantsOf, requestsBy, ungranted, unusedUnexplained } from '../audit/rbac-audit.js';
import { loadSandboxConfig } from '../sandbox/config.js';
import { auditLogPath } from '../sandbox/control-plane.js';
import { OPERATOR_ROLE, OPERATOR_USER } from '../sandbox/operator.js';
import { sandboxChartValues, WEBHOOK_NAMESPACE, WEBHOOK_SERVICE_ACCOUNT } from '../sandbox/webhook.js';
import { certificatesRbacText } from './certs-chart.js';

const SERVICE_ACCOUNT = { namespace: WEBHOOK_NAMESPACE, name: WEBHOOK_SERVICE_ACCOUNT };
const USERNAME = `system:serviceaccount:${WEBHOOK_NAMESPACE}:${WEBHOOK_SERVICE_ACCOUNT}`;
const fullSuite = process.env.KAFKA_GUARD_E2E_FULL_SUITE === 'true';

function auditLines(): string[] {
  const log = auditLogPath(loadSandboxConfig());
  assert.ok(existsSync(log), `no audit log at ${log}: the sandbox's apiserver runs without --audit-log-path`);
  return readFileSync(log, 'utf8').split('\n');
}

/** The chart as the sandbox installed it: URL registrations, the CA, Secrets in kafka (only the RBAC matters here). */
const sandboxChart = () => renderChart(sandboxChartValues('https://127.0.0.1:1', 'Q0E='));

async function observed() {
  const { requests, nonResource } = requestsBy(auditLines(), USERNAME);
  // webhook-certs.e2e.test.ts adds the RBAC of certificates mode generated, as that mode renders it.
  const grants = [...grantsOf(await sandboxChart(), SERVICE_ACCOUNT), ...grantsOf(await certificatesRbacText(), SERVICE_ACCOUNT)];
  return { requests, nonResource, grants };
}

test('the webhook ran as the chart\'s ServiceAccount, and everything it asked the apiserver for was granted', async () => {
  const { requests, nonResource, grants } = await observed();
  // Informers list and watch from the first second: an empty log means the webhook ran as someone else.
  assert.ok(requests.some((r) => r.verb === 'watch' && r.resource === 'pods'), `no request by ${USERNAME} in the audit log`);
  assert.deepEqual(ungranted(requests, grants), []);
  assert.deepEqual(nonResource.filter((r) => r.code === 403), [], 'a discovery request was refused');
  const distinct = [...new Set(requests.map(describeRequest))].sort();
  const refused = requests.filter((r) => r.code === 403).length;
  console.log(`# ${requests.length} requests by ${USERNAME} (${refused} refused while a restarted apiserver synced RBAC, each allowed later), ${distinct.length} kinds:\n#   ${distinct.join('\n#   ')}`);
});

test('every grant was used by the suite, or its rule says why it stays', async () => {
  const { requests, grants } = await observed();
  const unexplained = unusedUnexplained(requests, grants);
  if (fullSuite) {
    assert.deepEqual(unexplained, []);
  } else {
    // A filtered run exercises only part of the webhook: the unused grants are listed, and
    // only a whole-suite run (npm run test:e2e without a filter) holds the chart to them.
    console.log(`# partial run (a file filter was given): ${unexplained.length} grants unused so far\n#   ${unexplained.join('\n#   ')}`);
    assert.ok(grants.length > 0, 'the chart grants the webhook nothing');
  }
});

test('the plugin ran as a user bound only to the chart\'s kafka-guard-operator role, and was granted everything it asked for', async () => {
  const { requests, nonResource } = requestsBy(auditLines(), OPERATOR_USER);
  const grants = clusterRoleGrants(await sandboxChart(), OPERATOR_ROLE);
  if (fullSuite) assert.ok(requests.some((r) => r.resource === 'kafkaguardpolicies'), `no request by ${OPERATOR_USER}: the plugin e2e tests ran as someone else`);
  assert.deepEqual(ungranted(requests, grants), []);
  assert.deepEqual(nonResource.filter((r) => r.code === 403), [], 'a discovery request was refused');
  const unused = unusedUnexplained(requests, grants);
  console.log(`# ${requests.length} requests by ${OPERATOR_USER}; grants no test used (a role for people, not held to the suite):\n#   ${unused.join('\n#   ')}`);
});
