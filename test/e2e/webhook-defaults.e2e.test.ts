/**
 * The mutating webhook through the real apiserver: a bare broker StatefulSet
 * applied with kubectl is stored with kafka-guard's defaults. The test's
 * StatefulSet has replicas 0, so no broker starts; the stored object is what
 * is checked.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, NAMESPACE, uniqueName } from './helpers.js';

interface Sts {
  metadata: { annotations?: Record<string, string>; generation?: number; resourceVersion?: string };
  spec: {
    template: { metadata: { annotations?: Record<string, string> }; spec: {
      terminationGracePeriodSeconds?: number;
      affinity?: { podAntiAffinity?: unknown };
      topologySpreadConstraints?: Array<{ topologyKey: string }>;
      containers: Array<{ name: string; env?: Array<{ name: string; value?: string }>; readinessProbe?: unknown; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
    } };
  };
}

const dir = mkdtempSync(join(tmpdir(), 'kg-defaults-'));
const created: Array<[string, string]> = [];

after(async () => {
  for (const [ns, name] of created) await kubectl(['delete', 'statefulset', name, '-n', ns, '--wait=false']);
  await kubectl(['delete', 'namespace', 'kg-unguarded', '--wait=false']);
});

function manifest(name: string, namespace: string, extra: { grace?: number; env?: Array<{ name: string; value: string }> } = {}): string {
  const labels = { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': name };
  const sts = {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name, namespace },
    spec: {
      serviceName: name, replicas: 0, selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          ...(extra.grace === undefined ? {} : { terminationGracePeriodSeconds: extra.grace }),
          containers: [{ name: 'kafka', image: 'apache/kafka:4.1.1', ports: [{ containerPort: 9092 }],
            resources: { limits: { memory: '2Gi' } }, ...(extra.env ? { env: extra.env } : {}) }],
        },
      },
    },
  };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(sts));
  return file;
}

async function stored(name: string, namespace = NAMESPACE): Promise<Sts> {
  const res = await kubectl(['get', 'statefulset', name, '-n', namespace, '-o', 'json']);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as Sts;
}

test('kubectl apply of a bare broker StatefulSet stores it with the defaults, and says so', async () => {
  const name = uniqueName('bare');
  created.push([NAMESPACE, name]);
  const file = manifest(name, NAMESPACE);
  const dry = await kubectl(['apply', '-f', file, '--dry-run=server', '-o', 'json']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match((JSON.parse(dry.stdout) as Sts).metadata.annotations?.['kafkaguard.io/applied-defaults'] ?? '', /antiAffinity/);

  const applied = await kubectl(['apply', '-f', file]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stderr, /Warning: kafka-guard applied defaults/);
  const sts = await stored(name);
  const pod = sts.spec.template.spec;
  const broker = pod.containers[0];
  assert.ok(pod.affinity?.podAntiAffinity, 'no pod anti-affinity');
  assert.ok(pod.topologySpreadConstraints?.some((c) => c.topologyKey === 'topology.kubernetes.io/zone'), 'no zone spread');
  assert.ok((pod.terminationGracePeriodSeconds ?? 0) >= 120, `grace ${pod.terminationGracePeriodSeconds}`);
  assert.equal(sts.spec.template.metadata.annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'false');
  assert.equal(broker?.resources?.requests?.memory, '2Gi', 'memory request not set to the limit');
  const env = new Map((broker?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.get('KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE'), 'false');
  assert.equal(env.get('KAFKA_HEAP_OPTS'), '-Xms1024m -Xmx1024m');
  assert.ok(broker?.readinessProbe, 'no readiness probe');

  // Re-applying the same manifest changes nothing: the webhook's output is a fixed point.
  const again = await kubectl(['apply', '-f', file]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /unchanged/);
  assert.doesNotMatch(again.stderr, /applied defaults/);
  assert.equal((await stored(name)).metadata.generation, sts.metadata.generation);
});

test('values the user set survive', async () => {
  const name = uniqueName('custom');
  created.push([NAMESPACE, name]);
  const file = manifest(name, NAMESPACE, { grace: 600, env: [{ name: 'KAFKA_HEAP_OPTS', value: '-Xmx512m' }] });
  const res = await kubectl(['apply', '-f', file]);
  assert.equal(res.code, 0, res.stderr);
  const sts = await stored(name);
  assert.equal(sts.spec.template.spec.terminationGracePeriodSeconds, 600);
  assert.equal(sts.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'KAFKA_HEAP_OPTS')?.value, '-Xmx512m');
});

test('a StatefulSet outside every policy is untouched', async () => {
  const ns = 'kg-unguarded';
  await kubectl(['create', 'namespace', ns]);
  const name = uniqueName('other');
  created.push([ns, name]);
  const res = await kubectl(['apply', '-f', manifest(name, ns)]);
  assert.equal(res.code, 0, res.stderr);
  assert.doesNotMatch(res.stderr, /kafka-guard/);
  const sts = await stored(name, ns);
  assert.equal(sts.metadata.annotations?.['kafkaguard.io/applied-defaults'], undefined);
  assert.equal(sts.spec.template.spec.affinity, undefined);
});
