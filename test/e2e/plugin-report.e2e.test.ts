/**
 * kubectl kafka report against the sandbox: the bundle is written, unpacks
 * with tar -xzf, holds the StatefulSet kafka and Kafka's 3 brokers, and no
 * value of any Secret in the namespace (the SASL and TLS ones included)
 * appears in any file. Bad flags exit 2 and write nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { kubectl, NAMESPACE } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin } from './plugin-helpers.js';

const run = promisify(execFile);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

before(applyTestPolicy);
after(deleteTestPolicy);

test('report writes a bundle with the cluster in it and no Secret value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-report-e2e-'));
  const archive = join(dir, 'bundle.tar.gz');
  const result = await expectPlugin(['report', '--output-file', archive, '-o', 'json'], 0);
  const manifest = JSON.parse(result.stdout) as { files: string[]; failed: string[]; output: string };
  assert.equal(manifest.output, archive);
  assert.deepEqual(manifest.failed, [], result.stdout + result.stderr);

  const out = join(dir, 'x');
  await run('mkdir', ['-p', out]);
  await run('tar', ['-xzf', archive, '-C', out]);
  const root = join(out, 'kafka-guard-report');
  for (const f of manifest.files) assert.ok(existsSync(join(root, f)), `${f} listed in the manifest but not in the archive`);

  const sts = JSON.parse(readFileSync(join(root, 'kubernetes/statefulsets.json'), 'utf8')) as Array<{ metadata: { name: string; annotations?: Record<string, string> } }>;
  assert.ok(sts.some((s) => s.metadata.name === 'kafka'), JSON.stringify(sts.map((s) => s.metadata.name)));
  assert.ok(sts.every((s) => s.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] === undefined));
  const pods = JSON.parse(readFileSync(join(root, 'kubernetes/pods.json'), 'utf8')) as Array<{ metadata: { name: string } }>;
  assert.ok(['kafka-0', 'kafka-1', 'kafka-2'].every((n) => pods.some((p) => p.metadata.name === n)));
  const policies = JSON.parse(readFileSync(join(root, 'kubernetes/kafkaguardpolicies.json'), 'utf8')) as unknown[];
  assert.ok(policies.length >= 1);
  const cluster = JSON.parse(readFileSync(join(root, 'kafka/cluster.json'), 'utf8')) as { brokers: unknown[]; controllerId: number };
  assert.equal(cluster.brokers.length, 3, JSON.stringify(cluster));
  assert.ok(cluster.controllerId >= 0);
  assert.ok(Array.isArray(JSON.parse(readFileSync(join(root, 'kafka/under-replicated-partitions.json'), 'utf8'))));
  const sizes = JSON.parse(readFileSync(join(root, 'kafka/log-dir-sizes.json'), 'utf8')) as { ok: boolean; brokers?: unknown[] };
  assert.equal(sizes.ok, true, JSON.stringify(sizes));
  assert.equal(sizes.brokers?.length, 3);
  assert.ok(manifest.files.some((f) => f.startsWith('webhook/')), 'neither webhook logs nor a note saying why not');

  // Every Secret value of the namespace, read independently with kubectl.
  const secrets = await kubectl(['get', 'secrets', '-n', NAMESPACE, '-o', 'json']);
  assert.equal(secrets.code, 0, secrets.stderr);
  // Certificates are public (the webhook configurations carry the CA as their caBundle by design): every other value is secret.
  const secretData = (JSON.parse(secrets.stdout) as { items: Array<{ data?: Record<string, string> }> }).items
    .flatMap((s) => Object.entries(s.data ?? {}))
    .filter(([key, v]) => !key.endsWith('.crt') && !Buffer.from(v, 'base64').toString('utf8').startsWith('-----BEGIN CERTIFICATE-----'))
    .map(([, v]) => v);
  const values = secretData
    .map((v) => Buffer.from(v, 'base64').toString('utf8'))
    .flatMap((v) => [v, ...v.split('\n').filter((line) => line.length >= 16 && !/^-----/.test(line))])
    .filter((v) => v.length >= 6);
  assert.ok(values.length >= 3, 'the sandbox has its SASL and TLS Secrets');
  const b64 = secretData;
  const files = filesUnder(root);
  assert.ok(files.length >= 10);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    assert.ok(statSync(file).size > 0, `${file} is empty`);
    for (const v of [...values, ...b64]) assert.ok(!text.includes(v), `a Secret value appears in ${file}`);
  }
});

test('report with an --output-file that exists exits 2 and leaves it alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-report-e2e-'));
  const archive = join(dir, 'taken.tar.gz');
  await run('sh', ['-c', `echo keep > ${archive}`]);
  const result = await expectPlugin(['report', '--output-file', archive], 2);
  assert.match(result.stderr, /exists already/);
  assert.equal(readFileSync(archive, 'utf8'), 'keep\n');
});
