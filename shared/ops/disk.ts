/**
 * The disk facts a data-moving command plans with: replica sizes and log dir
 * space from DescribeLogDirs (every broker, every partition), and each broker's
 * claim size. What could not be learned is said, never guessed: unknown sizes
 * mean the headroom is not checked, unknown capacity means no limit for that broker.
 */
import { fetchReplicaSizes } from '../kafka/replica-sizes.js';
import { diskFactsFrom, unlimitedBrokers, type DiskFacts } from '../safety/disk.js';
import type { OperationSession } from './operation.js';
import { gatherVolumes, type ClusterFacts } from './snapshot.js';
import { quantityBytes } from '../bytes.js';
import { diskCapacityUnknown, diskHeadroomNotChecked } from './messages.js';

export interface DiskReading {
  /** undefined when sizes are unknown: plan without the headroom check. */
  disk: DiskFacts | undefined;
  /** What the reader should know: sizes unknown, brokers without a limit. */
  notes: string[];
}

export async function readDiskFacts(session: OperationSession, facts: ClusterFacts, maxUsagePercent: number): Promise<DiskReading> {
  const admin = await session.kafka();
  const brokers = facts.view.brokers.map((b) => b.id);
  const [sizes, volumes] = await Promise.all([
    fetchReplicaSizes(admin, brokers, null),
    facts.volumes.size > 0 ? Promise.resolve(facts.volumes) : gatherVolumes(session, facts.pods),
  ]);
  if (!sizes.ok) return { disk: undefined, notes: [diskHeadroomNotChecked(sizes.reason)] };
  const claimBytes = new Map<number, number | null>();
  for (const [pod, id] of facts.directory.byPod) claimBytes.set(id, quantityBytes(volumes.get(pod)?.volume.size ?? null));
  const disk = diskFactsFrom({ view: facts.view, sizes: sizes.sizes, space: sizes.space, claimBytes, maxUsagePercent });
  const unlimited = unlimitedBrokers(disk, brokers);
  const notes = unlimited.length === 0 ? [] : [diskCapacityUnknown(unlimited)];
  return { disk, notes };
}
