import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ReplicaSizesResult } from '../../shared/kafka/replica-sizes.js';
import { indexCluster } from '../../shared/safety/cluster-index.js';
import { partitionKey } from '../../shared/safety/types.js';
import { makePolicy, makeView } from '../facts/fake.js';
import type { FactsSource, PodFact } from '../facts/types.js';
import { startDeadline } from './engine.js';
import { gatherScaleDownDisk } from './scale-down-disk.js';

const MiB = 2 ** 20;
const view = makeView([0, 1, 2], [{ name: 'orders', minIsr: 1, partitions: [{ replicas: [2] }, { replicas: [0] }] }]);
const index = indexCluster(view);
const pod = (ordinal: number): PodFact => ({
  metadata: { name: `kafka-${ordinal}`, namespace: 'kafka', labels: { app: 'kafka' } },
  spec: { nodeName: 'n', containers: [{ name: 'kafka' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-kafka-${ordinal}` } }] },
});
const pvc = (ordinal: number, size: string) => ({ metadata: { name: `data-kafka-${ordinal}`, namespace: 'kafka' }, status: { capacity: { storage: size } } });

function source(sizes: ReplicaSizesResult, asked: string[]): FactsSource {
  return {
    replicaSizes: async (_policy: unknown, brokers: readonly number[]) => {
      asked.push(`sizes ${brokers.join(',')}`);
      return sizes;
    },
    pvcs: async () => [pvc(0, '1Gi'), pvc(1, '2Gi'), pvc(2, '1Gi')],
  } as unknown as FactsSource;
}

describe('gatherScaleDownDisk', () => {
  const context = { deadline: startDeadline(5000), requestArrivedAt: 0, maxPartitionsNamed: 5 };
  after(() => context.deadline.clear());
  const sizes: ReplicaSizesResult = {
    ok: true,
    sizes: new Map([[0, new Map([[partitionKey({ topic: 'orders', partition: 1 }), 10 * MiB]])], [2, new Map([[partitionKey({ topic: 'orders', partition: 0 }), 30 * MiB]])], [1, new Map()]]),
    space: new Map(),
  };

  it("reads sizes and the claims' capacity when the removed broker holds replicas", async () => {
    const asked: string[] = [];
    const disk = await gatherScaleDownDisk(source(sizes, asked), makePolicy(), index, [2], [pod(0), pod(1), pod(2)], context);
    assert.deepEqual(asked, ['sizes 0,1,2']);
    assert.deepEqual([...(disk?.capacity ?? [])].sort((a, b) => a[0] - b[0]).map(([b, c]) => [b, c.bytes / MiB, c.source]), [[0, 1024, 'claim'], [1, 2048, 'claim'], [2, 1024, 'claim']]);
    assert.equal(disk?.usedBytes.get(2), 30 * MiB);
  });

  it('reads nothing when the removed broker holds no replica, and gives up quietly when sizes are unknown', async () => {
    const asked: string[] = [];
    assert.equal(await gatherScaleDownDisk(source(sizes, asked), makePolicy(), index, [1], [pod(0), pod(1), pod(2)], context), null);
    assert.deepEqual(asked, []);
    assert.equal(await gatherScaleDownDisk(source({ ok: false, reason: 'UNSUPPORTED_VERSION' }, asked), makePolicy(), index, [2], [pod(2)], context), null);
  });
});
