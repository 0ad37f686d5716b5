/**
 * kubectl kafka doctor against the sandbox as installed (the chart's
 * registrations by URL, its CA, the operator role): healthy first (exit 0),
 * then two things broken on purpose and put back: the namespace label the
 * guards select on (critical, exit 1) and a topic with replication factor 1
 * (a warning naming it, exit 0). Nothing here stops a broker.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { DoctorResult, Finding } from '../../shared/ops/doctor.js';
import { createTopicsLed, kafkaClient, kubectl, NAMESPACE, removeTopics, sandboxEnv, uniqueName, waitForHealthyCluster } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin, POLICY } from './plugin-helpers.js';

const kafka = kafkaClient('e2e-plugin-doctor');
const admin = kafka.admin();
const single = uniqueName('doctor-rf1');
const GUARD_LABEL = 'kafkaguard.io/guard';

const find = (result: DoctorResult, check: Finding['check'], severity: Finding['severity']) =>
  result.findings.filter((f) => f.check === check && f.severity === severity);

async function labelNamespace(value: string | null): Promise<void> {
  const run = await kubectl(['label', 'namespace', NAMESPACE, value === null ? `${GUARD_LABEL}-` : `${GUARD_LABEL}=${value}`, '--overwrite']);
  assert.equal(run.code, 0, run.stderr);
}

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
});

after(async () => {
  await labelNamespace('enabled').catch(() => undefined);
  await removeTopics(admin, [single]);
  await deleteTestPolicy();
  await admin.disconnect();
});

test('doctor on the healthy sandbox: no critical finding, exit 0, each check said', async () => {
  const run = await expectPlugin(['doctor', '-o', 'json'], 0);
  const result = JSON.parse(run.stdout) as DoctorResult;
  assert.equal(result.critical, 0, run.stdout);
  const subject = `policy ${NAMESPACE}/${POLICY}`;
  assert.match(find(result, 'webhooks', 'ok')[0]?.finding ?? '', /6 webhooks registered/, run.stdout);
  assert.match(find(result, 'endpoint', 'ok')[0]?.finding ?? '', /answers GET \/healthz/, run.stdout);
  // The sandbox CA is made for 30 days at start-up: a warning with its expiry date; the served certificate verifies.
  const ca = result.findings.filter((f) => f.check === 'caBundle');
  assert.ok(ca.some((f) => f.severity !== 'critical' && /kafka-guard-sandbox-ca .* \d{4}-\d\d-\d\dT/.test(f.finding)), JSON.stringify(ca));
  assert.ok(ca.some((f) => f.severity === 'ok' && /serving certificate .* is signed by the caBundle/.test(f.finding)), JSON.stringify(ca));
  assert.equal(find(result, 'namespaces', 'ok')[0]?.subject, `namespace ${NAMESPACE}`);
  const brokers = find(result, 'brokers', 'ok').find((f) => f.subject === subject);
  assert.match(brokers?.finding ?? '', /3 brokers identified: 0 kafka-0, 1 kafka-1, 2 kafka-2/, run.stdout);
  assert.ok(find(result, 'pdb', 'ok').some((f) => f.subject === subject), run.stdout);
  assert.ok(find(result, 'rack', 'ok').some((f) => f.subject === subject && /zone-a, zone-b/.test(f.finding)), run.stdout);
  assert.ok(find(result, 'storage', 'ok').some((f) => /sandbox-local, sandbox-network/.test(f.finding)), run.stdout);
  assert.ok(find(result, 'kafkaAccess', 'ok').some((f) => f.subject === subject && /reachable; the principal may Describe, DescribeConfigs, Alter and AlterConfigs/.test(f.finding)), run.stdout);

  const table = await expectPlugin(['doctor'], 0);
  assert.match(table.stdout, /^OK {8}webhooks {2}kafka-guard: 6 webhooks registered/m);
  assert.match(table.stdout, /^0 critical, \d+ warnings?, \d+ ok$/m);
});

test('doctor: the namespace label removed is critical with the kubectl label that fixes it, exit 1; put back, exit 0', async () => {
  await labelNamespace(null);
  try {
    const run = await expectPlugin(['doctor', '-o', 'json'], 1);
    const result = JSON.parse(run.stdout) as DoctorResult;
    const [unguarded] = find(result, 'namespaces', 'critical');
    assert.match(unguarded?.finding ?? '', new RegExp(`namespace ${NAMESPACE} \\(policy .*${POLICY}.*\\) is not selected by pods.validate.kafkaguard.io`), run.stdout);
    assert.equal(unguarded?.fix, `kubectl label namespace ${NAMESPACE} ${GUARD_LABEL}=enabled`);
    assert.equal(result.critical, 1, run.stdout);
    const table = await expectPlugin(['doctor'], 1);
    assert.match(table.stdout, /^CRITICAL {2}namespaces {2}namespace kafka: .*\n {10}fix: kubectl label namespace kafka kafkaguard\.io\/guard=enabled$/m);
  } finally {
    await labelNamespace('enabled');
  }
  const again = JSON.parse((await expectPlugin(['doctor', '-o', 'json'], 0)).stdout) as DoctorResult;
  assert.equal(again.critical, 0);
});

test('doctor: a topic with replication factor 1 is a warning naming it, and no reason to fail (exit 0)', async () => {
  await createTopicsLed(admin, [{ topic: single, numPartitions: 1, replicationFactor: 1 }]);
  const run = await expectPlugin(['doctor', '-o', 'json'], 0);
  const result = JSON.parse(run.stdout) as DoctorResult;
  const warned = find(result, 'topics', 'warning').find((f) => f.finding.includes(single));
  assert.match(warned?.finding ?? '', /replication factor 1: /, run.stdout);
  assert.match(warned?.fix ?? '', /expendableTopics/);
  await admin.deleteTopics({ topics: [single] });
});

test('doctor: --all-namespaces with --namespace is a usage error (exit 2)', async () => {
  const run = await expectPlugin(['doctor', '--all-namespaces'], 2);
  assert.match(run.stderr, /--all-namespaces and --namespace cannot be combined/);
});

test('kubectl_complete-kafka (kubectl plugin completion) offers the broker pods, broker ids and nodes of the sandbox', async () => {
  const bin = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'kubectl_complete-kafka.js');
  const env = { ...process.env, KUBECONFIG: sandboxEnv().kubeconfig };
  const complete = async (...args: string[]) => (await promisify(execFile)(process.execPath, [bin, ...args], { env })).stdout;
  assert.equal(await complete('drain', '-n', NAMESPACE, '--policy', POLICY, ''), 'kafka-0\nkafka-1\nkafka-2\n:4\n');
  assert.equal(await complete('can-disrupt', '-n', NAMESPACE, '--policy', POLICY, '--broker', ''), '0\n1\n2\n:4\n');
  assert.equal(await complete('drain', '-n', NAMESPACE, '--policy', POLICY, '--node', 'node-a'), 'node-a1\nnode-a2\n:4\n');
  assert.equal(await complete('maint'), 'maintenance\n:4\n');
});
