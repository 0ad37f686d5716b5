/**
 * What differs between Kafka releases and metadata modes, against the
 * sandbox's real brokers (run on every leg of test/compat.ts and in the full
 * suite): which broker is the controller, the KRaft-only APIs, and the node
 * agent running the release a broker pod's image names.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createKafkaAdmin, type KafkaAdmin } from '../../shared/kafka/client.js';
import { levelName, readFeatures, RELEASE_LEVELS } from '../../shared/kafka/features.js';
import { unregisterBrokers } from '../../shared/kafka/operations.js';
import { loadSandboxConfig } from '../sandbox/config.js';
import { eventually, isReady, kafkaClient, kubeClients, kubectl, NAMESPACE, sandboxEnv, waitForHealthyCluster } from './helpers.js';
import { applyTestPolicy, deleteTestPolicy, expectPlugin } from './plugin-helpers.js';

const exec = promisify(execFile);
const cfg = loadSandboxConfig();
const MODE = cfg.kafkaMode;
const VERSION = process.env.KAFKA_GUARD_KAFKA_VERSION ?? cfg.kafkaVersion;
const LIBS = process.env.KAFKA_LIBS ?? '';
const kafka = kafkaClient('e2e-compat');
const admin = kafka.admin();
let client: KafkaAdmin;

/** A broker outside the demo cluster's policy, for the image test: id 4 (the sandbox keeps ports for ids 0-4). */
const EXTRA = { name: 'compat-image', id: 4 };
/** KRaft releases of the matrix, oldest first: a broker may join a cluster of an older release, not a newer one. */
const KRAFT_RELEASES = ['3.9.1', '4.0.2', '4.1.1', '4.4.0'];

before(async () => {
  await admin.connect();
  await waitForHealthyCluster(admin);
  await applyTestPolicy();
  client = createKafkaAdmin({ bootstrapServers: sandboxEnv().bootstrap }, { log: () => undefined });
});

after(async () => {
  await kubectl(['delete', 'statefulset', EXTRA.name, '-n', NAMESPACE, '--ignore-not-found', '--wait=true']);
  await kubectl(['delete', 'pvc', `data-${EXTRA.name}-0`, '-n', NAMESPACE, '--ignore-not-found']);
  if (MODE === 'kraft') await unregisterBrokers(client, [EXTRA.id]).catch(() => undefined);
  await deleteTestPolicy();
  await client.disconnect();
  await admin.disconnect();
});

/** Kafka's own tools from the sandbox's jars. */
async function kafkaTool(mainClass: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec('java', ['-Xmx128m', '-cp', `${LIBS}/*`, mainClass, ...args], { timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** The active controller as Kafka itself says: the quorum leader (KRaft), or the /controller znode (ZooKeeper). */
async function kafkasController(): Promise<number> {
  if (MODE === 'kraft') {
    const run = await kafkaTool('org.apache.kafka.tools.MetadataQuorumCommand', ['--bootstrap-server', sandboxEnv().bootstrap[0] ?? '', 'describe', '--status']);
    const m = /^LeaderId:\s+(\d+)$/m.exec(run.out);
    assert.ok(m?.[1], `kafka-metadata-quorum printed no LeaderId:\n${run.out}`);
    return Number(m[1]);
  }
  const run = await kafkaTool('org.apache.zookeeper.ZooKeeperMain', ['-server', `127.0.0.1:${cfg.ports.zookeeper}`, 'get', '/controller']);
  const m = /"brokerid":(\d+)/.exec(run.out);
  assert.ok(m?.[1], `zookeeper-shell printed no /controller:\n${run.out}`);
  return Number(m[1]);
}

test(`compat: kubectl kafka status names the active controller as Kafka ${VERSION} (${MODE}) does`, async () => {
  const truth = await kafkasController();
  const status = JSON.parse((await expectPlugin(['status', '-o', 'json'], 0)).stdout) as { controller: number; brokers: Array<{ id: number; controller: boolean }> };
  assert.equal(status.controller, truth, `status says ${status.controller}, Kafka says ${truth}`);
  assert.deepEqual(status.brokers.filter((b) => b.controller).map((b) => b.id), [truth]);
  if (MODE === 'zookeeper') {
    // The KRaft-only API is missing, and kafka-guard fell back to Metadata's controller without an error.
    const quorum = await kafkaTool('org.apache.kafka.tools.MetadataQuorumCommand', ['--bootstrap-server', sandboxEnv().bootstrap[0] ?? '', 'describe', '--status']);
    assert.notEqual(quorum.code, 0, `DescribeQuorum answered on a ZooKeeper cluster:\n${quorum.out}`);
    assert.equal((await admin.describeCluster()).controller, truth);
  }
});

test(`compat: kubectl set image is judged by what Kafka ${VERSION} (${MODE}) runs: its mode and finalized metadata.version`, async () => {
  const brokers = (await admin.describeCluster()).brokers.map((b) => b.nodeId);
  const features = await readFeatures(client, brokers);
  assert.equal(features.mode, MODE, 'the mode read from the APIs the brokers offer');
  const setImage = (to: string) => kubectl(['set', 'image', 'statefulset/kafka', `kafka=${to}`, '-n', NAMESPACE, '--dry-run=server']);
  if (MODE === 'zookeeper') {
    // Kafka 4 has no ZooKeeper mode: its brokers would not start on this cluster.
    assert.equal(features.metadataVersion, null);
    const res = await setImage('apache/kafka:4.0.2');
    assert.notEqual(res.code, 0, `kubectl set image apache/kafka:4.0.2 was admitted on a ZooKeeper cluster:\n${res.stdout}`);
    assert.match(res.stderr, /runs in ZooKeeper mode, and Kafka 4\.0\.2 .*has no ZooKeeper mode/);
    assert.match(res.stderr, /migrate the cluster from ZooKeeper to KRaft on Kafka 3\.9 first/);
    const same = await setImage(`mirror.example:5000/apache/kafka:${VERSION}`);
    assert.equal(same.code, 0, same.stderr);
  } else {
    const level = features.metadataVersion ?? assert.fail('a KRaft cluster with no finalized metadata.version');
    const older = [...RELEASE_LEVELS].reverse().find((r) => r.max < level) ?? assert.fail(`no release in the table runs below ${level}`);
    const res = await setImage(`apache/kafka:${older.release}.0`);
    assert.notEqual(res.code, 0, `kubectl set image apache/kafka:${older.release}.0 was admitted:\n${res.stdout}`);
    assert.match(res.stderr, new RegExp(`finalized metadata\\.version ${levelName(level).replace(/[().]/g, '\\$&')}`));
  }
});

/** The java process the node agent runs for a pod (its work directory is named after the pod and its uid). */
function brokerProcessOf(pod: string, uid: string): string | null {
  const marker = `/${pod}-${uid.slice(0, 8)}/server.properties`;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let args: string[];
    try {
      args = readFileSync(join('/proc', pid, 'cmdline'), 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (args.some((a) => a.endsWith(marker))) return args[args.indexOf('-cp') + 1] ?? null;
  }
  return null;
}

async function readyPodRunning(image: string, release: string, previousUid: string | null): Promise<string> {
  const { core } = kubeClients();
  let seen = 'no pod';
  const pod = await eventually(`pod ${EXTRA.name}-0 of image ${image} Ready`, async () => {
    const p = await core.readNamespacedPod({ name: `${EXTRA.name}-0`, namespace: NAMESPACE }).catch((err: unknown) => { seen = String(err); return null; });
    if (!p) return null;
    seen = `uid ${p.metadata?.uid}, image ${p.spec?.containers[0]?.image}, ready ${isReady(p)}, deleting ${Boolean(p.metadata?.deletionTimestamp)}`;
    return p.metadata?.uid !== previousUid && !p.metadata?.deletionTimestamp && p.spec?.containers[0]?.image === image && isReady(p) ? p : null;
  }, 240_000).catch((err: unknown) => { throw new Error(`${(err as Error).message}; last seen: ${seen}`); });
  const uid = pod.metadata?.uid ?? '';
  const classpath = brokerProcessOf(`${EXTRA.name}-0`, uid);
  const expected = cfg.kafkaHome ? `${LIBS}/*` : `${join(cfg.cacheDir, `kafka-${release}`, 'libs')}/*`;
  assert.equal(classpath, expected, `the broker of ${image} runs from ${classpath}`);
  return uid;
}

test('compat: a broker runs the Kafka release its image names, and kubectl set image moves it to another', async () => {
  // Up to a newer release where the matrix has one (a broker can join a cluster of an older release). Else
  // (ZooKeeper mode, the newest release) the same release under a Bitnami tag: an image named another way
  // still runs the release its tag names, and the pod is re-created, as any image change does.
  const target = MODE === 'kraft' ? KRAFT_RELEASES.find((r) => KRAFT_RELEASES.indexOf(r) > KRAFT_RELEASES.indexOf(VERSION)) ?? VERSION : VERSION;
  const targetImage = target === VERSION ? `bitnami/kafka:${VERSION}-debian-12-r1` : `apache/kafka:${target}`;
  const labels = { app: EXTRA.name };
  const sts = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: EXTRA.name, namespace: NAMESPACE },
    spec: {
      serviceName: EXTRA.name, replicas: 1, selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 60,
          containers: [{ name: 'kafka', image: `apache/kafka:${VERSION}`, env: [{ name: 'KAFKA_NODE_ID', value: String(EXTRA.id) }], resources: { requests: { memory: '256Mi' } } }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'sandbox-network', resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  const { apps } = kubeClients();
  await apps.createNamespacedStatefulSet({ namespace: NAMESPACE, body: sts as never });
  const first = await readyPodRunning(`apache/kafka:${VERSION}`, VERSION, null);
  await eventually(`broker ${EXTRA.id} registered`, async () => (await admin.describeCluster()).brokers.some((b) => b.nodeId === EXTRA.id));

  const set = await kubectl(['set', 'image', `statefulset/${EXTRA.name}`, `kafka=${targetImage}`, '-n', NAMESPACE]);
  assert.equal(set.code, 0, set.stderr);
  await readyPodRunning(targetImage, target, first);
  await eventually(`broker ${EXTRA.id} registered again on ${target}`, async () => (await admin.describeCluster()).brokers.some((b) => b.nodeId === EXTRA.id));
});

test(`compat: a broker gone for good is forgotten where Kafka ${VERSION} (${MODE}) needs it`, async () => {
  await kubectl(['delete', 'statefulset', EXTRA.name, '-n', NAMESPACE, '--ignore-not-found', '--wait=true']);
  await eventually(`pod ${EXTRA.name}-0 gone`, async () => (await kubectl(['get', 'pod', `${EXTRA.name}-0`, '-n', NAMESPACE])).code !== 0);
  await kubectl(['delete', 'pvc', `data-${EXTRA.name}-0`, '-n', NAMESPACE, '--ignore-not-found']);
  const outcome = await unregisterBrokers(client, [EXTRA.id]);
  if (MODE === 'kraft') {
    // A stopped KRaft broker stays registered (fenced) until UnregisterBroker removes it.
    assert.deepEqual(outcome, { unregistered: [EXTRA.id], skipped: null });
  } else {
    // ZooKeeper forgets a stopped broker by itself; the API does not exist, and kafka-guard says so instead of failing.
    assert.deepEqual(outcome.unregistered, []);
    assert.match(outcome.skipped ?? '', /do not offer UnregisterBroker \(not KRaft\)/);
  }
  await eventually(`broker ${EXTRA.id} out of the cluster`, async () => !(await admin.describeCluster()).brokers.some((b) => b.nodeId === EXTRA.id), 60_000);
  await waitForHealthyCluster(admin);
});
