import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { loadRequest } from '../../test/fixtures/admission/load.js';
import { makePod, makePolicy, makeView, standardCluster, type TopicSpec } from '../facts/fake.js';
import { brokerOfOrdinal } from './brokers.js';
import { startDeadline } from './engine.js';
import type { ScaleDownFacts } from './scale-down.js';
import { statefulSetScaleDown } from './statefulset-scale-down.js';
import { diskFactsOf } from '../../shared/safety/testing/disk.js';

const request = loadRequest('sts-scale');
const idFrom = { ordinal: { offset: 0 } };

function facts(over: Partial<ScaleDownFacts> & { topics?: TopicSpec[] } = {}): ScaleDownFacts {
  const { topics = [{ name: 'orders', minIsr: 2, partitions: [{ replicas: [0, 1, 2] }] }], ...rest } = over;
  return {
    policy: makePolicy(),
    namespace: 'kafka',
    statefulSetName: 'kafka',
    from: 3,
    to: 2,
    removed: [brokerOfOrdinal('kafka', 2, makePod('kafka-2'), idFrom)],
    alreadyDown: [],
    pending: { brokers: [], unknown: null, version: '1', breakGlassPods: [] },
    kafka: { ok: true, index: indexCluster(makeView([0, 1, 2], topics)), fetchedAt: 0 },
    maxPartitionsNamed: 5,
    ...rest,
  };
}

describe('statefulset-scale-down decide', () => {
  it('warns, never refuses more, when the brokers left cannot hold the removed broker\'s replicas within their headroom', () => {
    const view = makeView([0, 1, 2], [{ name: 'orders', minIsr: 1, partitions: [{ replicas: [2] }, { replicas: [0] }] }]);
    const MiB = 2 ** 20;
    const tight = diskFactsOf(view, () => 100 * MiB, new Map([[0, 150 * MiB], [1, 50 * MiB], [2, 1000 * MiB]]), 85);
    const roomy = diskFactsOf(view, () => 100 * MiB, new Map([[0, 1000 * MiB], [1, 1000 * MiB], [2, 1000 * MiB]]), 85);
    const base = { kafka: { ok: true as const, index: indexCluster(view), fetchedAt: 0 } };
    const warned = statefulSetScaleDown.decide(request, facts({ ...base, disk: tight }));
    const plain = statefulSetScaleDown.decide(request, facts({ ...base, disk: roomy }));
    const unread = statefulSetScaleDown.decide(request, facts({ ...base, disk: null }));
    // The same refusal (broker 2 holds orders-0) in every case; only the warning differs.
    assert.deepEqual(warned.outcome, plain.outcome);
    assert.deepEqual(unread.outcome, plain.outcome);
    assert.equal(warned.outcome.kind, 'deny');
    assert.deepEqual(plain.warnings, unread.warnings);
    const extra = warned.warnings.filter((w) => !plain.warnings.includes(w));
    assert.equal(extra.length, 1);
    assert.match(extra[0] ?? '', /^The replicas on broker 2 \(100 MiB\) do not fit on the brokers left: brokers 0, 1 have room for 70\.0 MiB within 85% of their disks, so a drain first/);
  });

  it('refuses removing a broker that still holds replicas, with the guarded scale command', () => {
    const verdict = statefulSetScaleDown.decide(request, facts());
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.summary, 'kafka-guard refused to scale StatefulSet kafka/kafka from 3 to 2 replicas.');
    const holds = verdict.outcome.reasons.find((r) => r.rule === 'holds-replicas');
    assert.ok(holds);
    assert.deepEqual(holds.partitions, [{ topic: 'orders', partition: 0 }]);
    assert.equal(holds.remediation, 'kubectl kafka scale kafka --replicas 2 -n kafka');
  });

  it('allows removing brokers that were drained', () => {
    const drained = [{ name: 'orders', minIsr: 2, partitions: [{ replicas: [0, 1] }, { replicas: [1, 0] }] }];
    assert.equal(statefulSetScaleDown.decide(request, facts({ topics: drained })).allowed, true);
  });

  it('allows removing a broker whose pod is gone and that never registered', () => {
    const removed = [brokerOfOrdinal('kafka', 2, null, idFrom)];
    const view = [{ name: 'orders', minIsr: 2, partitions: [{ replicas: [0, 1] }] }];
    const index = indexCluster(makeView([0, 1], view));
    assert.equal(statefulSetScaleDown.decide(request, facts({ removed, kafka: { ok: true, index, fetchedAt: 0 } })).allowed, true);
  });

  it('refuses when a removed broker cannot be identified', () => {
    const byLabel = { label: 'broker.id' };
    const removed = [brokerOfOrdinal('kafka', 2, null, byLabel)];
    const verdict = statefulSetScaleDown.decide(request, facts({ removed, kafka: null }));
    assert.equal(verdict.outcome.kind, 'deny');
    if (verdict.outcome.kind !== 'deny') return;
    assert.equal(verdict.outcome.reasons[0]?.rule, 'broker-identity');
    assert.match(verdict.outcome.reasons[0]?.message ?? '', /pod kafka-2 does not exist/);
  });

  it('is undecided without Kafka', () => {
    assert.equal(statefulSetScaleDown.decide(request, facts({ kafka: { ok: false, error: 'timeout' } })).outcome.kind, 'undecided');
  });
});

describe('statefulset-scale-down locate and gather', () => {
  it('skips updates that do not lower replicas, without any lookup', async () => {
    const cluster = standardCluster();
    const up = loadRequest('sts-scale', (r) => (r.request.object.spec.replicas = 4));
    assert.equal(await statefulSetScaleDown.locate(up, cluster), null);
    assert.deepEqual(cluster.calls, []);
  });

  it('finds the removed ordinals, honouring spec.ordinals.start', async () => {
    const cluster = standardCluster({ pods: [makePod('kafka-5'), makePod('kafka-6'), makePod('kafka-7')] });
    const shifted = loadRequest('sts-scale', (r) => {
      r.request.object.spec.ordinals = { start: 5 };
      r.request.object.spec.replicas = 1;
    });
    const located = await statefulSetScaleDown.locate(shifted, cluster);
    assert.ok(located);
    const deadline = startDeadline(1000);
    try {
      const gathered = await statefulSetScaleDown.gather(shifted, located, cluster, { deadline, requestArrivedAt: 0, maxPartitionsNamed: 5 });
      assert.deepEqual(gathered.removed.map((b) => [b.podName, b.id.ok && b.id.id]), [['kafka-6', 6], ['kafka-7', 7]]);
    } finally {
      deadline.clear();
    }
  });
});
