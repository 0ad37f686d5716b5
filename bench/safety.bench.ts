/**
 * Safety core benchmark: index build, verdicts and a one-broker drain plan on a
 * synthetic 100-broker, 3-zone cluster with 200,000 partitions at RF 3.
 * Prints each figure beside its target and a baseline measured in the same run.
 * Run: node --import tsx bench/safety.bench.ts   (always exits 0; read PASS/MISS)
 */

import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ClusterView } from '../shared/kafka/types.js';
import { indexCluster } from '../shared/safety/cluster-index.js';
import { DiskFitError, planDrain, type ReassignmentPlan } from '../shared/safety/planner.js';
import { diskFactsOf } from '../shared/safety/testing/disk.js';
import { seededRandom, syntheticCluster } from '../shared/safety/testing/synthetic.js';
import type { DisruptionRequest } from '../shared/safety/types.js';
import { verdict } from '../shared/safety/verdict.js';

export { syntheticCluster, type SyntheticClusterOptions } from '../shared/safety/testing/synthetic.js';

export const BENCH_CLUSTER = {
  brokers: 100,
  racks: 3,
  partitions: 200_000,
  replicationFactor: 3,
  seed: 20240601,
  partitionsPerTopic: 100,
  minInsyncReplicas: 2,
} as const;

export interface BenchRow {
  measure: string;
  result: string;
  target: string;
  baseline: string;
  pass: boolean;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/**
 * A full garbage collection, so a timed run does not also pay for the garbage
 * of the runs before it (the view alone is hundreds of MB; one major GC of it
 * would swamp a verdict). Exposed at run time, so the bench needs no node flags.
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? () => (gc as () => void)() : () => undefined;
})();

/**
 * Median wall time of `runs` runs after `warmUp` uncounted ones (steady state,
 * as in a long-running webhook), with a full GC before each timed run when
 * `gcFirst` (for the runs that allocate a lot; skipped for sub-millisecond ones,
 * where the GC itself would be most of the loop).
 */
function timeMedian<T>(runs: number, work: () => T, warmUp = 1, gcFirst = true): { ms: number; result: T } {
  const times: number[] = [];
  let result = work();
  for (let i = 1; i < warmUp; i += 1) result = work();
  for (let i = 0; i < runs; i += 1) {
    if (gcFirst) collectGarbage();
    const start = performance.now();
    result = work();
    times.push(performance.now() - start);
  }
  return { ms: median(times), result };
}

const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

/**
 * Baseline for the verdict: the obvious implementation, a scan of every
 * partition of the view for each request, with the same rules. Its counts
 * double as a cross-check of the indexed verdict.
 */
function naiveVerdictScan(
  view: ClusterView,
  request: DisruptionRequest,
  alreadyDown: readonly number[],
): { holding: number; isrRefused: number } {
  const registered = new Set(view.brokers.map((b) => b.id));
  const down = (b: number): boolean => alreadyDown.includes(b) || !registered.has(b);
  let holding = 0;
  let isrRefused = 0;
  for (const topic of view.topics) {
    for (const p of topic.partitions) {
      if (request.kind === 'remove' && p.replicas.some((b) => request.brokers.includes(b))) holding += 1;
      const before = p.isr.filter((b) => !down(b)).length;
      const after = p.isr.filter((b) => !down(b) && !request.brokers.includes(b)).length;
      if (before > 0 && after < before && (after === 0 || after < topic.minInsyncReplicas)) isrRefused += 1;
    }
  }
  return { holding, isrRefused };
}

/** Baseline for the drain: each moved replica to the lowest-id broker not already holding the partition. */
function naiveDrain(view: ClusterView, drained: number): { moves: number; replicaSpread: number } {
  const targets = view.brokers.map((b) => b.id).filter((id) => id !== drained).sort((a, b) => a - b);
  const counts = new Map<number, number>(targets.map((b) => [b, 0]));
  let moves = 0;
  for (const topic of view.topics) {
    for (const p of topic.partitions) {
      const replicas = p.replicas.includes(drained)
        ? p.replicas.map((b) => (b === drained ? (targets.find((t) => !p.replicas.includes(t)) ?? b) : b))
        : p.replicas;
      if (replicas !== p.replicas) moves += 1;
      for (const b of replicas) counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  const loads = [...counts.values()];
  return { moves, replicaSpread: Math.max(...loads) - Math.min(...loads) };
}

/** Runs the benchmark and returns its rows (also used by a bench runner). */
export function runSafetyBench(): BenchRow[] {
  const rows: BenchRow[] = [];
  const view = syntheticCluster(BENCH_CLUSTER);

  const stringify = timeMedian(3, () => JSON.stringify(view).length);
  const built = timeMedian(5, () => indexCluster(view));
  const index = built.result;
  rows.push({
    measure: 'index build (100 brokers, 200k partitions)',
    result: ms(built.ms),
    target: '<= 500 ms',
    baseline: `JSON.stringify(view) ${ms(stringify.ms)}`,
    pass: built.ms <= 500,
  });

  const disrupt: DisruptionRequest = { brokers: [17], kind: 'disrupt' };
  const context = { alreadyDown: [3], pending: [] };
  const policy = { expendableTopics: [], target: { namespace: 'kafka', pod: 'kafka-17' } };
  const disruptVerdict = timeMedian(51, () => verdict(index, disrupt, context, policy), 20, false);
  const disruptScan = timeMedian(5, () => naiveVerdictScan(view, disrupt, context.alreadyDown));
  const refused = disruptVerdict.result.reasons.reduce((n, r) => n + r.partitions.length, 0);
  const disruptAgrees = refused === disruptScan.result.isrRefused;
  rows.push({
    measure: `verdict: disrupt broker 17, broker 3 down (${refused} partitions refused${disruptAgrees ? '' : ', DISAGREES with scan'})`,
    result: ms(disruptVerdict.ms),
    target: '<= 5 ms',
    baseline: `full scan ${ms(disruptScan.ms)}`,
    pass: disruptVerdict.ms <= 5 && disruptAgrees,
  });

  const remove: DisruptionRequest = { brokers: [17], kind: 'remove' };
  const removeVerdict = timeMedian(51, () => verdict(index, remove, { alreadyDown: [], pending: [] }, policy), 20, false);
  const removeScan = timeMedian(5, () => naiveVerdictScan(view, remove, []));
  const holding = removeVerdict.result.reasons.find((r) => r.rule === 'holds-replicas')?.partitions.length ?? 0;
  const removeAgrees = holding === removeScan.result.holding;
  rows.push({
    measure: `verdict: remove broker 17 (${holding} partitions held${removeAgrees ? '' : ', DISAGREES with scan'})`,
    result: ms(removeVerdict.ms),
    target: '<= 5 ms',
    baseline: `full scan ${ms(removeScan.ms)}`,
    pass: removeVerdict.ms <= 5 && removeAgrees,
  });

  const drain = timeMedian(5, () => planDrain(index, [17], { maxMovesPerBroker: 10 }));
  const naiveRun = timeMedian(3, () => naiveDrain(view, 17));
  const naive = naiveRun.result;
  const { summary } = drain.result;
  rows.push({
    measure: 'drain plan of broker 17',
    result: ms(drain.ms),
    target: '<= 1000 ms',
    baseline: `lowest-id first fit ${ms(naiveRun.ms)}`,
    pass: drain.ms <= 1000,
  });
  rows.push({
    measure: 'drain: replica moves vs lower bound',
    result: `${summary.movedReplicas} / ${summary.lowerBound}`,
    target: 'moves == lower bound',
    baseline: `lowest-id first fit ${naive.moves} moves`,
    pass: summary.movedReplicas === summary.lowerBound,
  });
  rows.push({
    measure: 'drain: replica spread within each zone, after (before)',
    result: `${summary.replicaSpreadWithinRacks.after} (${summary.replicaSpreadWithinRacks.before})`,
    target: '<= 1',
    baseline: `lowest-id first fit, all brokers ${naive.replicaSpread}`,
    pass: summary.replicaSpreadWithinRacks.after <= 1,
  });
  rows.push({
    measure: 'drain: leader spread within each zone, after (before)',
    result: `${summary.leaderSpreadWithinRacks.after} (${summary.leaderSpreadWithinRacks.before})`,
    target: '<= 1',
    baseline: 'n/a',
    pass: summary.leaderSpreadWithinRacks.after <= 1,
  });
  // Across zones the spread is fixed by rack diversity: every partition keeps one
  // replica per zone, so a 34-broker zone holds as much as a 33-broker one, and
  // the drained broker's replicas (and none of its leaderships) stay in its zone.
  rows.push({
    measure: 'drain: replica / leader spread across all brokers, after (before)',
    result: `${summary.replicaSpread.after} (${summary.replicaSpread.before}) / ${summary.leaderSpread.after} (${summary.leaderSpread.before})`,
    target: 'info: set by zones',
    baseline: 'n/a',
    pass: true,
  });
  rows.push({
    measure: 'drain: partitions sharing a rack / batches / leadership',
    result: `${summary.rackViolations} / ${drain.result.batches.length} / ${drain.result.leadership.length}`,
    target: 'info',
    baseline: 'n/a',
    pass: true,
  });
  rows.push(...diskRows(view, index, drain.ms));
  return rows;
}

/**
 * The same drain with replica sizes (seeded, 1 KiB to 2 MiB) and capacities:
 * roomy (nothing changes), tight (half of broker 17's zone-mates can take only
 * half their share, so replicas move to the others), and too small (refused).
 */
function diskRows(view: ClusterView, index: ReturnType<typeof indexCluster>, plainMs: number): BenchRow[] {
  const random = seededRandom(BENCH_CLUSTER.seed ^ 0xd15c);
  const sizes = new Map<string, number>();
  for (const topic of view.topics) for (const p of topic.partitions) sizes.set(`${topic.name}/${p.partition}`, 1024 + Math.floor(random() * 2 * 2 ** 20));
  const sizeOf = (topic: string, partition: number) => sizes.get(`${topic}/${partition}`) ?? 0;
  const used = new Map<number, number>();
  let drainedBytes = 0;
  for (const topic of view.topics) {
    for (const p of topic.partitions) {
      for (const b of p.replicas) used.set(b, (used.get(b) ?? 0) + sizeOf(topic.name, p.partition));
      if (p.replicas.includes(17)) drainedBytes += sizeOf(topic.name, p.partition);
    }
  }
  const zoneMates = view.brokers.filter((b) => b.id !== 17 && b.rack === view.brokers.find((x) => x.id === 17)?.rack).map((b) => b.id);
  const share = drainedBytes / zoneMates.length;
  const capacities = (room: (broker: number) => number) => new Map(view.brokers.map((b) => [b.id, Math.ceil(((used.get(b.id) ?? 0) + room(b.id)) / 0.85)]));
  const roomy = diskFactsOf(view, sizeOf, capacities(() => 10 * share), 85);
  const tight = diskFactsOf(view, sizeOf, capacities((b) => (zoneMates.includes(b) ? (b % 2 === 0 ? 0.5 : 1.6) * share : 10 * share)), 85);
  const tooSmall = diskFactsOf(view, sizeOf, capacities((b) => (zoneMates.includes(b) ? 0.9 * share : 0)), 85);
  const within = (plan: ReassignmentPlan) => (plan.disk?.brokers ?? []).every((r) => r.arrivingBytes === 0 || r.allowedBytes === null || r.usedBytes + r.arrivingBytes <= r.allowedBytes);
  const rows: BenchRow[] = [];
  const roomyRun = timeMedian(5, () => planDrain(index, [17], { maxMovesPerBroker: 10, disk: roomy }));
  rows.push({
    measure: 'drain plan of broker 17 with sizes, roomy disks',
    result: ms(roomyRun.ms),
    target: '<= 1000 ms',
    baseline: `without sizes ${ms(plainMs)}`,
    pass: roomyRun.ms <= 1000 && within(roomyRun.result),
  });
  const tightRun = timeMedian(5, () => planDrain(index, [17], { maxMovesPerBroker: 10, disk: tight }));
  const plain = planDrain(index, [17], { maxMovesPerBroker: 10 });
  const changed = tightRun.result.moves.filter((m, i) => m.to.join() !== plain.moves[i]?.to.join()).length;
  rows.push({
    measure: `drain plan, tight disks (${changed} of ${plain.moves.length} moves placed elsewhere to fit${within(tightRun.result) ? '' : ', OVER HEADROOM'})`,
    result: ms(tightRun.ms),
    target: '<= 1000 ms',
    baseline: `without sizes ${ms(plainMs)}`,
    pass: tightRun.ms <= 1000 && within(tightRun.result),
  });
  const refused = timeMedian(3, () => {
    try {
      planDrain(index, [17], { maxMovesPerBroker: 10, disk: tooSmall });
      return 'planned';
    } catch (error) {
      return error instanceof DiskFitError ? error.why : String(error);
    }
  });
  rows.push({
    measure: `drain plan, disks too small (refused: ${refused.result})`,
    result: ms(refused.ms),
    target: '<= 1000 ms',
    baseline: `without sizes ${ms(plainMs)}`,
    pass: refused.ms <= 1000 && refused.result === 'total',
  });
  return rows;
}

export function printRows(rows: readonly BenchRow[]): void {
  const header = ['measure', 'result', 'target', 'baseline (same run)', ''];
  const table = [header, ...rows.map((r) => [r.measure, r.result, r.target, r.baseline, r.pass ? 'PASS' : 'MISS'])];
  const widths = header.map((_, col) => Math.max(...table.map((line) => (line[col] ?? '').length)));
  for (const line of table) console.log(line.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join('  ').trimEnd());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(
    `safety bench: ${BENCH_CLUSTER.brokers} brokers in ${BENCH_CLUSTER.racks} zones, ` +
      `${BENCH_CLUSTER.partitions} partitions at RF ${BENCH_CLUSTER.replicationFactor}, seed ${BENCH_CLUSTER.seed}; ` +
      `node ${process.version}; ${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(1)} at start`,
  );
  printRows(runSafetyBench());
  console.log('Times: median wall clock; index, drain and baselines after a full GC each run; verdicts after 20 warm-up calls.');
}
