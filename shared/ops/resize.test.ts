/**
 * The re-creation step of a resize against an in-memory apiserver: the
 * manifest is recorded before the delete, a run killed between delete and
 * create creates the StatefulSet from the record, and the record goes once
 * the StatefulSet exists. (The whole operation against a real apiserver:
 * test/e2e/plugin-resize.e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1ConfigMap, V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';
import { KubeApiError, type JsonPatchOperation, type KubeCluster } from '../k8s/cluster.js';
import { testPolicy } from '../safety/testing/policy.js';
import { executeResize, prepareResize, RESIZE_CONFIGMAP } from './resize.js';
import type { OperationContext, OperationFacts, OperationSession } from './operation.js';

const LABELS = { app: 'kafka' };

class FakeKube {
  sts: V1StatefulSet | null;
  configMap: V1ConfigMap | null = null;
  pvcs = new Map<string, V1PersistentVolumeClaim>();
  readonly log: string[] = [];
  /** Called after the delete: a test may "kill" the run there. */
  afterDelete: () => void = () => undefined;

  constructor(size: string) {
    this.sts = {
      metadata: { name: 'kafka', namespace: 'kafka', uid: 'old', resourceVersion: '7' },
      spec: {
        replicas: 2,
        selector: { matchLabels: LABELS },
        serviceName: 'kafka',
        template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'kafka', image: 'apache/kafka:4.1.1' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'fast', resources: { requests: { storage: size } } } }],
      },
      status: { replicas: 2, availableReplicas: 2 },
    };
    for (const i of [0, 1]) {
      this.pvcs.set(`data-kafka-${i}`, {
        metadata: { name: `data-kafka-${i}` },
        spec: { storageClassName: 'fast', resources: { requests: { storage: size } } },
        status: { phase: 'Bound', capacity: { storage: size } },
      });
    }
  }

  async readStatefulSet(): Promise<V1StatefulSet | null> {
    return structuredClone(this.sts);
  }
  async deleteStatefulSetOrphan(_ns: string, _name: string, pre: { uid: string; resourceVersion: string }): Promise<void> {
    if (this.sts?.metadata?.uid !== pre.uid || this.sts.metadata.resourceVersion !== pre.resourceVersion) throw new KubeApiError('conflict', 409, 'Conflict');
    this.log.push('delete');
    this.sts = null;
    this.afterDelete();
  }
  async createStatefulSet(_ns: string, body: V1StatefulSet): Promise<V1StatefulSet> {
    if (this.sts !== null) throw new KubeApiError('exists', 409, 'AlreadyExists');
    this.log.push('create');
    this.sts = { ...structuredClone(body), metadata: { ...body.metadata, uid: 'new', resourceVersion: '1' } };
    return this.sts;
  }
  async readConfigMap(): Promise<V1ConfigMap | null> {
    return structuredClone(this.configMap);
  }
  async setConfigMapKey(_ns: string, name: string, key: string, value: string | null): Promise<void> {
    assert.equal(name, RESIZE_CONFIGMAP);
    const data = { ...(this.configMap?.data ?? {}) };
    if (value === null) delete data[key];
    else data[key] = value;
    this.log.push(value === null ? 'forget' : 'record');
    this.configMap = { metadata: { name }, data };
  }
  async listStorageClasses() {
    return [{ metadata: { name: 'fast' }, allowVolumeExpansion: true, provisioner: 'x' }];
  }
  async readPvc(_ns: string, name: string): Promise<V1PersistentVolumeClaim | null> {
    return structuredClone(this.pvcs.get(name) ?? null);
  }
  /** Grows at once, online (as a network volume's driver would). */
  async patchPvc(_ns: string, name: string, patch: JsonPatchOperation[]): Promise<V1PersistentVolumeClaim> {
    const pvc = this.pvcs.get(name);
    const value = String(patch[0]?.value);
    assert.ok(pvc?.spec?.resources?.requests && pvc.status);
    pvc.spec.resources.requests['storage'] = value;
    pvc.status.capacity = { storage: value };
    this.log.push(`grow ${name}`);
    return pvc;
  }
}

function setup(kube: FakeKube) {
  const facts = { directory: { byId: new Map(), byPod: new Map() }, pods: [] } as unknown as OperationFacts;
  const session: OperationSession = {
    kube: kube as unknown as KubeCluster,
    namespace: 'kafka',
    policy: { ...testPolicy(), metadata: { name: 'kafka', namespace: 'kafka' } } as OperationSession['policy'],
    ledger: { namespace: 'kafka-guard', name: 'kafka-guard-ledger' },
    kafka: () => Promise.reject(new Error('no Kafka in this test')),
    snapshot: () => Promise.resolve(facts),
  };
  const events: string[] = [];
  const context: OperationContext = {
    session,
    reporter: { event: (line) => void events.push(line), progress: () => undefined },
    signal: new AbortController().signal,
    throttleBytesPerSecond: null,
    timeoutMs: 5_000,
    maxMovesPerBroker: 1,
  };
  return { session, context, events };
}

const storage = { bytes: 2n * 2n ** 30n, quantity: '2Gi' };

describe('resize: re-creating the StatefulSet', () => {
  test('records, deletes with the preconditions read, creates with the new template only, forgets', async () => {
    const kube = new FakeKube('1Gi');
    const { session, context } = setup(kube);
    const before = structuredClone(kube.sts);
    const outcome = await executeResize(context, await prepareResize(session, { statefulSet: 'kafka', storage }), { onlineResizeWaitMs: 1000 });
    assert.deepEqual(kube.log, ['grow data-kafka-0', 'grow data-kafka-1', 'record', 'delete', 'create', 'forget']);
    assert.equal(outcome.recreated, true);
    assert.deepEqual(outcome.restarted, []);
    assert.equal(kube.sts?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage'], '2Gi');
    assert.deepEqual(kube.sts?.spec?.template, before?.spec?.template);
    assert.equal(kube.sts?.status, undefined);
    assert.deepEqual(kube.configMap?.data, {});
    assert.deepEqual(outcome.claims.map((c) => [c.claim, c.capacity, c.finished]), [['data-kafka-0', '2Gi', 'online'], ['data-kafka-1', '2Gi', 'online']]);
  });

  test('killed between delete and create: the next run creates it from the record', async () => {
    const kube = new FakeKube('1Gi');
    const { session, context } = setup(kube);
    kube.afterDelete = () => {
      throw new Error('killed');
    };
    await assert.rejects(executeResize(context, await prepareResize(session, { statefulSet: 'kafka', storage }), { onlineResizeWaitMs: 1000 }), /killed/);
    assert.equal(await kube.readStatefulSet(), null, 'the StatefulSet is gone');
    assert.ok(kube.configMap?.data?.['kafka.kafka'], 'its manifest is recorded');

    kube.afterDelete = () => undefined;
    const again = await prepareResize(session, { statefulSet: 'kafka', storage });
    assert.equal(again.plan.kind === 'resize' ? again.plan.templateStep : again.plan.kind, 'create-from-record');
    await executeResize(context, again, { onlineResizeWaitMs: 1000 });
    assert.equal(kube.sts?.metadata?.name, 'kafka');
    assert.equal(kube.sts?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage'], '2Gi');
    assert.deepEqual(kube.configMap?.data, {});

    const third = await prepareResize(session, { statefulSet: 'kafka', storage });
    assert.equal(third.plan.kind, 'nothing');
  });

  test('a record left by a run stopped after its create is forgotten, never used again', async () => {
    const kube = new FakeKube('2Gi');
    kube.configMap = { metadata: { name: RESIZE_CONFIGMAP }, data: { 'kafka.kafka': JSON.stringify({ statefulSet: 'kafka', template: 'data', storage: '2Gi', uid: 'older', recordedAt: 'then', manifest: kube.sts }) } };
    const { session, context } = setup(kube);
    const prepared = await prepareResize(session, { statefulSet: 'kafka', storage });
    assert.equal(prepared.plan.kind, 'nothing');
    await executeResize(context, prepared, { onlineResizeWaitMs: 1000 });
    assert.deepEqual(kube.configMap?.data, {});
    assert.deepEqual(kube.log, ['forget']);
  });

  test('gone with no record: a usage error, nothing changed', async () => {
    const kube = new FakeKube('1Gi');
    kube.sts = null;
    await assert.rejects(prepareResize(setup(kube).session, { statefulSet: 'kafka', storage }), /StatefulSet kafka\/kafka does not exist/);
    assert.deepEqual(kube.log, []);
  });
});
