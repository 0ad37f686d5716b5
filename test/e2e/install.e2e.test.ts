/**
 * Installing kafka-guard the way a user does: the npm package (`npm pack`, as
 * published), installed globally into a throw-away prefix without dev
 * dependencies. Then `kubectl kafka` is found by kubectl on PATH and works
 * against the sandbox, and the webhook executable starts from the package.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { renderChart } from '../../scripts/chart.js';
import { kubectl, NAMESPACE } from './helpers.js';
import { loadSandboxConfig } from '../sandbox/config.js';
import { sandboxWebhookTls } from '../sandbox/webhook.js';
import { distIsFresh } from './plugin-helpers.js';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'kafka-guard-install-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'lib', 'node_modules', 'kafka-guard');
let tarball = '';
/** PATH with the installed package's bin first (kubectl finds plugins on PATH). */
const env = () => ({ ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` });

before(async () => {
  // The package ships dist/: build it unless `npm test` just did.
  if (!distIsFresh()) await run('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const packed = await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT });
  tarball = join(work, packed.stdout.trim().split('\n').pop() ?? '');
  await run('npm', ['install', '--global', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: work,
    maxBuffer: 64 * 1024 * 1024,
  });
});

after(() => rmSync(work, { recursive: true, force: true }));

test('the package holds the build, the manifests and no tests; dev dependencies stay out of the install', async () => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout.split('\n');
  for (const expected of ['package/bin/kubectl-kafka.js', 'package/dist/webhook/main.js', 'package/dist/plugin/commands/drain.js', 'package/deploy/crd.yaml', 'package/deploy/kafka-guard.yaml', 'package/deploy/chart/kafka-guard/Chart.yaml', 'package/deploy/chart/kafka-guard/templates/rbac.yaml']) {
    assert.ok(files.includes(expected), `${expected} is in the package`);
  }
  assert.ok(!files.some((f) => f.startsWith('package/test/') || f.endsWith('.test.js') || f.startsWith('package/dist/test/')), 'no tests in the package');
  const testOnly = files.filter((f) => /^package\/dist\/webhook\/facts\/fake\.js/.test(f) || /^package\/dist\/shared\/(safety|plan)\/testing\//.test(f));
  assert.deepEqual(testOnly, [], 'no test-only modules in the package');
  assert.ok(existsSync(join(installed, 'node_modules', '@oclif', 'core')), 'runtime dependencies are installed');
  assert.ok(!existsSync(join(installed, 'node_modules', 'tsx')) && !existsSync(join(installed, 'node_modules', 'typescript')), 'dev dependencies are not');
});

test('kubectl finds the installed plugin on PATH, and kubectl kafka status works against the sandbox', async () => {
  const list = await run('kubectl', ['plugin', 'list'], { env: env() }).catch((error: { stdout?: string; stderr?: string }) => error);
  assert.match(list.stdout ?? '', new RegExp(`${join(prefix, 'bin', 'kubectl-kafka')}`));
  const status = await run('kubectl', ['kafka', 'status', '-n', NAMESPACE, '--policy', 'kafka', '-o', 'json'], { env: env() });
  const parsed = JSON.parse(status.stdout) as { brokers: Array<{ id: number; registered: boolean }> };
  assert.deepEqual(parsed.brokers.map((b) => [b.id, b.registered]), [[0, true], [1, true], [2, true]]);
  const help = await run('kubectl', ['kafka', 'drain', '--help'], { env: env() });
  assert.match(help.stdout, /EXAMPLES/);
});

test('the webhook executable runs from the installed package', async () => {
  const { stdout } = await run(process.execPath, [join(installed, 'dist', 'webhook', 'main.js'), '--help']);
  assert.match(stdout, /kafka-guard webhook: the Kafka-aware admission webhook/);
  const bad = await run(process.execPath, [join(installed, 'dist', 'webhook', 'main.js'), '--port', 'eighty']).catch((error: { code?: number; stderr?: string }) => error);
  assert.equal((bad as { code?: number }).code, 2);
  assert.match((bad as { stderr?: string }).stderr ?? '', /--port="eighty": expected a whole number/);
});

test('the chart with non-default values passes a server-side dry-run apply', async () => {
  const caBundle = readFileSync(sandboxWebhookTls(loadSandboxConfig()).caCert).toString('base64');
  const rendered = await renderChart([
    'certificates.mode=self-managed', `certificates.caBundle=${caBundle}`, `secretsNamespaces={${NAMESPACE}}`,
    `guard.namespaces={${NAMESPACE}}`, 'evacuation.enabled=false', 'replicas=3', 'timeouts.pods=5',
  ]);
  const file = join(work, 'chart.yaml');
  writeFileSync(file, rendered);
  const res = await kubectl(['apply', '--dry-run=server', '-f', file]);
  assert.equal(res.code, 0, res.stderr);
  for (const kind of ['deployment.apps/kafka-guard', `role.rbac.authorization.k8s.io/kafka-guard-secrets`, 'clusterrole.rbac.authorization.k8s.io/kafka-guard-operator', 'validatingwebhookconfiguration.admissionregistration.k8s.io/kafka-guard']) {
    assert.match(res.stdout, new RegExp(`${kind.replace(/\./g, '\\.')} (created|configured|unchanged) \\(server dry run\\)`));
  }
});
