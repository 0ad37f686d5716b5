/**
 * The mutating webhook through the real apiserver: a bare broker StatefulSet
 * applied with kubectl is stored with kafka-guard's defaults. The test's
 * StatefulSets have replicas 0, so no broker starts; the stored object is
 * what is checked. The demo brokers show the rack default at work.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import kafkajs from 'kafkajs';
import { brokerPods, eventually, kafkaClient, kubeClients, kubectl, NAMESPACE, uniqueName } from './helpers.js';

interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }
interface Sts {
  metadata: { annotations?: Record<string, string>; generation?: number; resourceVersion?: string };
  spec: {
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
    template: { metadata: { annotations?: Record<string, string> }; spec: {
      terminationGracePeriodSeconds?: number;
      affinity?: { podAntiAffinity?: unknown };
      topologySpreadConstraints?: Array<{ topologyKey: string }>;
      containers: Array<{ name: string; env?: EnvVar[]; readinessProbe?: unknown; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
    } };
  };
}

const { ConfigResourceTypes } = kafkajs;
const RACK_FROM_ZONE = "metadata.labels['topology.kubernetes.io/zone']";

/** Asserts every default a bare StatefulSet must come back with. */
function assertDefaulted(sts: Sts): void {
  const pod = sts.spec.template.spec;
  const broker = pod.containers[0];
  assert.ok(pod.affinity?.podAntiAffinity, 'no pod anti-affinity');
  assert.ok(pod.topologySpreadConstraints?.some((c) => c.topologyKey === 'topology.kubernetes.io/zone'), 'no zone spread');
  assert.ok((pod.terminationGracePeriodSeconds ?? 0) >= 120, `grace ${pod.terminationGracePeriodSeconds}`);
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.spec.updateStrategy?.type, 'RollingUpdate');
  assert.equal(sts.spec.template.metadata.annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'false');
  assert.equal(broker?.resources?.requests?.memory, '2Gi', 'memory request not set to the limit');
  const env = new Map((broker?.env ?? []).map((e) => [e.name, e]));
  assert.equal(env.get('KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE')?.value, 'false');
  assert.equal(env.get('KAFKA_CONTROLLED_SHUTDOWN_ENABLE')?.value, 'true');
  assert.equal(env.get('KAFKA_HEAP_OPTS')?.value, '-Xms1024m -Xmx1024m');
  assert.equal(env.get('KAFKA_BROKER_RACK')?.valueFrom?.fieldRef?.fieldPath, RACK_FROM_ZONE);
  assert.ok(broker?.readinessProbe, 'no readiness probe');
  assert.match(sts.metadata.annotations?.['kafkaguard.io/applied-defaults'] ?? '', /antiAffinity.*rackAwareness/);
}

const dir = mkdtempSync(join(tmpdir(), 'kg-defaults-'));
const created: Array<[string, string]> = [];

after(async () => {
  for (const [ns, name] of created) await kubectl(['delete', 'statefulset', name, '-n', ns, '--wait=false']);
  await kubectl(['delete', 'namespace', 'kg-unguarded', '--wait=false']);
});

function manifest(name: string, namespace: string, extra: { grace?: number; env?: Array<{ name: string; value: string }>; app?: string } = {}): string {
  const labels = { 'app.kubernetes.io/name': extra.app ?? 'kafka', 'app.kubernetes.io/instance': name };
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
  // A server-side dry run shows the defaults and stores nothing.
  const dry = await kubectl(['apply', '-f', file, '--dry-run=server', '-o', 'yaml']);
  assert.equal(dry.code, 0, dry.stderr);
  assertDefaulted(parseYaml(dry.stdout) as Sts);
  assert.match((await kubectl(['get', 'statefulset', name, '-n', NAMESPACE])).stderr, /NotFound/);

  const applied = await kubectl(['apply', '-f', file]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stderr, /Warning: kafka-guard applied defaults/);
  const sts = await stored(name);
  assertDefaulted(sts);

  // Re-applying the same manifest changes nothing: the webhook's output is a fixed point.
  const again = await kubectl(['apply', '-f', file]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /unchanged/);
  assert.doesNotMatch(again.stderr, /applied defaults/);
  // Client-side apply sends nothing when it sees no difference; a server-side apply of
  // the same manifest is an UPDATE that does pass the webhook, and must change nothing either.
  // (kubectl first moves the fields it applied to its server-side manager, so this apply drops
  // every field the manifest lacks; the apiserver resets the grace period to 30 and the webhook
  // puts each default back, saying so for the grace period it raises.)
  const serverSide = await kubectl(['apply', '--server-side', '-f', file]);
  assert.equal(serverSide.code, 0, serverSide.stderr);
  const after = await stored(name);
  assert.equal(after.metadata.generation, sts.metadata.generation);
  assert.deepEqual(after.spec, sts.spec);
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

test('a StatefulSet outside every policy is untouched, in a guarded namespace too', async () => {
  const ns = 'kg-unguarded';
  await kubectl(['create', 'namespace', ns]);
  const name = uniqueName('other');
  // A namespace without the guard label: the apiserver does not call the webhook at all.
  // Namespace kafka is guarded, but no policy selects this app: the webhook is called and leaves it.
  const cases: Array<{ namespace: string; name: string; app?: string }> = [{ namespace: ns, name }, { namespace: NAMESPACE, name: `${name}-app`, app: 'not-kafka' }];
  for (const { namespace, name: stsName, app } of cases) {
    created.push([namespace, stsName]);
    const res = await kubectl(['apply', '-f', manifest(stsName, namespace, app === undefined ? {} : { app })]);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stderr, /kafka-guard/);
    const sts = await stored(stsName, namespace);
    assert.equal(sts.metadata.annotations?.['kafkaguard.io/applied-defaults'], undefined, namespace);
    assert.equal(sts.spec.template.spec.affinity, undefined, namespace);
    assert.equal(sts.spec.template.spec.containers[0]?.env, undefined, namespace);
    assert.equal(sts.spec.template.spec.terminationGracePeriodSeconds, 30, namespace);
  }
});

test('each broker gets broker.rack from the zone of the node it was bound to', async () => {
  const { core } = kubeClients();
  const zones = new Map((await core.listNode()).items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels?.['topology.kubernetes.io/zone']]));
  const admin = kafkaClient('e2e-rack').admin();
  await admin.connect();
  try {
    for (const pod of await brokerPods()) {
      const zone = zones.get(pod.spec?.nodeName ?? '');
      assert.ok(zone, `node ${pod.spec?.nodeName} has no zone`);
      // The apiserver copied the node's zone onto the pod when the scheduler bound it...
      assert.equal(pod.metadata?.labels?.['topology.kubernetes.io/zone'], zone, pod.metadata?.name);
      // ...and the broker's rack variable, injected by kafka-guard, reads it.
      const rackVar = pod.spec?.containers[0]?.env?.find((e) => e.name === 'KAFKA_BROKER_RACK');
      assert.equal(rackVar?.valueFrom?.fieldRef?.fieldPath, RACK_FROM_ZONE, pod.metadata?.name);
      const id = Number(pod.metadata?.name?.replace(/^kafka-/, ''));
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(id), configNames: ['broker.rack'] }] });
      assert.equal(described.resources[0]?.configEntries.find((c) => c.configName === 'broker.rack')?.configValue, zone, `broker ${id}`);
    }
  } finally {
    await admin.disconnect();
  }
});

test('the advisory warnings name what the cluster lacks, and go once it is there', async () => {
  const ns = 'kg-warnings';
  await kubectl(['create', 'namespace', ns]);
  await kubectl(['label', 'namespace', ns, 'kafkaguard.io/guard=enabled', '--overwrite']);
  const demo = await kubectl(['get', 'kafkaguardpolicy', 'kafka', '-n', NAMESPACE, '-o', 'jsonpath={.spec.kafka}']);
  assert.equal(demo.code, 0, demo.stderr);
  // A selector of matchExpressions only: with no broker pod yet, the PDB check must use the
  // labels of the pods the StatefulSet will make.
  const selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['warned'] }] };
  const policy = {
    apiVersion: 'kafkaguard.io/v1alpha1', kind: 'KafkaGuardPolicy', metadata: { name: 'warned', namespace: ns },
    spec: { brokers: { selector, idFrom: { ordinal: { offset: 0 } } }, kafka: JSON.parse(demo.stdout) as unknown, mode: 'Enforce',
      defaults: { antiAffinity: { mode: 'required' } } },
  };
  const policyFile = join(dir, 'warned-policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  assert.equal((await kubectl(['apply', '-f', policyFile])).code, 0);
  const sts = (replicas: number) => {
    const file = join(dir, `warned-${replicas}.json`);
    writeFileSync(file, JSON.stringify({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'warned', namespace: ns },
      spec: { serviceName: 'warned', replicas, selector: { matchLabels: { app: 'warned' } },
        template: { metadata: { labels: { app: 'warned' } }, spec: { containers: [{ name: 'kafka', image: 'apache/kafka:4.1.1' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'sandbox-fixed', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
    }));
    return file;
  };
  try {
    // Dry runs: nothing is stored, so no pod is made; the webhook needs a moment to see the new policy.
    const five = await eventually('the webhook to see policy kg-warnings/warned', async () => {
      const res = await kubectl(['apply', '-f', sts(5), '--dry-run=server']);
      return /applied defaults/.test(res.stderr) ? res : null;
    }, 30_000, 500);
    assert.match(five.stderr, /Warning: no PodDisruptionBudget selects the broker pods/);
    assert.match(five.stderr, /Warning: volumeClaimTemplate data uses StorageClass sandbox-fixed, which has allowVolumeExpansion false/);
    assert.match(five.stderr, /Warning: required pod anti-affinity allows one broker per node, but only 4 schedulable node\(s\) exist for 5 replicas/);
    assert.doesNotMatch(five.stderr, /fewer than replication factor/);

    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'warned', namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'warned' } } } };
    const pdbFile = join(dir, 'warned-pdb.json');
    writeFileSync(pdbFile, JSON.stringify(pdb));
    assert.equal((await kubectl(['apply', '-f', pdbFile])).code, 0);
    const two = await eventually('the PodDisruptionBudget warning to go', async () => {
      const res = await kubectl(['apply', '-f', sts(2), '--dry-run=server']);
      return /applied defaults/.test(res.stderr) && !/PodDisruptionBudget/.test(res.stderr) ? res : null;
    }, 30_000, 500);
    assert.match(two.stderr, /Warning: spec.replicas is 2, fewer than replication factor 3/);
    assert.doesNotMatch(two.stderr, /schedulable node/);
  } finally {
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  }
});
