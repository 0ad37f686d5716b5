import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { makePod, makePolicy, makeStatefulSet, makeView, standardCluster } from '../facts/fake.js';
import { brokerOfOrdinal, brokerVolumeOf } from './brokers.js';
import { startDeadline } from './engine.js';
import { pvcDelete, type PvcDeleteFacts } from './pvc-delete.js';

const request = loadRequest('pvc-delete');
const idFrom = { ordinal: { offset: 0 } };

function facts(over: Partial<PvcDeleteFacts> = {}): PvcDeleteFacts {
  return {
    policy: makePolicy(),
    namespace: 'kafka',
    pvcName: 'data-kafka-2',
    statefulSetName: 'kafka',
    broker: brokerOfOrdinal('kafka', 2, null, idFrom),
    kafka: { ok: true, index: indexCluster(makeView([0, 1], [{ name: 'orders', partitions: [{ replicas: [0, 1] }] }])), fetchedAt: 0 },
    maxPartitionsNamed: 5,
    ...over,
  };
}

function rules(verdict: ReturnType<typeof pvcDelete.decide>): string[] {
  return verdict.outcome.kind === 'deny' ? verdict.outcome.reasons.map((r) => r.rule) : [];
}

describe('pvc-delete decide', () => {
  it('allows deleting the volume of a removed broker that holds nothing', () => {
    assert.equal(pvcDelete.decide(request, facts()).allowed, true);
  });

  it('refuses the volume of a broker whose pod exists, whatever Kafka says', () => {
    const verdict = pvcDelete.decide(request, facts({ broker: brokerOfOrdinal('kafka', 2, makePod('kafka-2'), idFrom), kafka: null }));
    assert.deepEqual(rules(verdict), ['live-volume']);
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.summary, 'kafka-guard refused to delete PersistentVolumeClaim kafka/data-kafka-2 (the volume of broker 2).');
    assert.match(verdict.outcome.reasons[0]?.remediation ?? '', /kubectl kafka drain kafka-2 -n kafka/);
  });

  it('refuses the volume of a stopped broker that still holds replicas', () => {
    const index = indexCluster(makeView([0, 1], [{ name: 'orders', partitions: [{ replicas: [0, 1, 2], isr: [0, 1] }] }]));
    const verdict = pvcDelete.decide(request, facts({ kafka: { ok: true, index, fetchedAt: 0 } }));
    assert.deepEqual(rules(verdict), ['holds-replicas']);
  });

  it('is undecided without Kafka', () => {
    assert.equal(pvcDelete.decide(request, facts({ kafka: { ok: false, error: 'down' } })).outcome.kind, 'undecided');
  });
});

describe('pvc-delete locate', () => {
  it('recognises <template>-<statefulset>-<ordinal>, also with dashes in names', () => {
    const sets = [makeStatefulSet('kafka'), makeStatefulSet('kafka-controller', { volumes: [{ name: 'data-log', size: '10Gi' }] })];
    assert.equal(brokerVolumeOf('data-kafka-2', sets)?.podName, 'kafka-2');
    assert.deepEqual(
      (({ statefulSetName, template, ordinal }) => ({ statefulSetName, template, ordinal }))(brokerVolumeOf('data-log-kafka-controller-10', sets) ?? { statefulSetName: '', template: '', ordinal: -1 }),
      { statefulSetName: 'kafka-controller', template: 'data-log', ordinal: 10 },
    );
    assert.equal(brokerVolumeOf('data-kafka-x', sets), null);
    assert.equal(brokerVolumeOf('data-kafka-01', sets), null);
    assert.equal(brokerVolumeOf('logs-kafka-1', sets), null);
  });

  it('finds the live broker behind the fixture PVC end to end', async () => {
    const cluster = standardCluster();
    const located = await pvcDelete.locate(request, cluster);
    assert.ok(located);
    const deadline = startDeadline(1000);
    try {
      const gathered = await pvcDelete.gather(request, located, cluster, { deadline, requestArrivedAt: 0, maxPartitionsNamed: 5 });
      assert.equal(gathered.broker.podExists, true);
      assert.equal(gathered.kafka, null, 'a live broker is refused without asking Kafka');
      assert.deepEqual(rules(pvcDelete.decide(request, gathered)), ['live-volume']);
    } finally {
      deadline.clear();
    }
  });

  it('leaves PVCs of other workloads alone', async () => {
    assert.equal(await pvcDelete.locate(loadRequest('pvc-delete', (r) => (r.request.name = 'data-postgres-0')), standardCluster()), null);
  });
});
