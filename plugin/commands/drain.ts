import { Args, Flags } from '@oclif/core';
import { executeDrain, prepareDrain, type DrainReport } from '../../shared/plan/drain.js';
import { PlanError } from '../../shared/safety/planner.js';
import { KafkaCommand, mutatingFlags, parseReassignmentFlags, reassignmentFlags } from '../lib/base-command.js';
import { InterruptedError, RefusedError, UsageError } from '../lib/errors.js';
import { evictAndWait, type EvictionOutcome } from '../../shared/ops/pods.js';
import { readDiskFacts } from '../../shared/ops/disk.js';
import { gatherFacts } from '../../shared/ops/snapshot.js';
import { describeMovePlan, type MovePlanView } from '../../shared/ops/plan-view.js';
import { parseBrokerId, resolveTarget, type TargetBroker } from '../../shared/ops/target.js';
import { parseDuration } from '../lib/units.js';
import { drained, drainHeader, drainInterrupted, drainLeftReplicas, drainRefused, flagInvalid, nodeCordoned, notEvicting, questions, renderDrainResult, renderMovePlan } from '../messages.js';
import { disruptionVerdict } from '../../shared/safety/disruption.js';

export interface DrainResult {
  target: string;
  brokers: TargetBroker[];
  dryRun: boolean;
  plan: MovePlanView;
  /** The node cordoned first (--node), else null. */
  cordoned: string | null;
  /** What the run did; null for --dry-run. */
  report: DrainReport | null;
  evicted: EvictionOutcome[];
}

export default class Drain extends KafkaCommand {
  static override summary = 'Move every replica off brokers (leaders first, throttled, in batches), then optionally evict their pods.';

  static override description = `The plan comes from the kafka-guard planner: only the replicas on the drained brokers move,
spread evenly and across racks. Leadership moves off first; data then moves in batches
(--max-moves-per-broker), throttled with --throttle on exactly the brokers and replicas involved,
and each batch is waited for until every moved partition is fully in sync. No broker that receives
replicas may end above --max-disk-usage of its disk (the smaller of its volume claim and its log
dir's file system), counting what it holds, what arrives, and what leaves only once moved; a drain
that cannot fit is refused with the figures per broker. Throttles are removed
at the end, on failure and on Ctrl-C. Run again after an interruption: reassignments still in
flight are picked up, and only what is still on the brokers is planned.
With --evict the pods are then evicted through the Eviction API (PodDisruptionBudgets and the
kafka-guard webhook decide); with --node the node is cordoned first.`;

  static override examples = [
    { description: 'Show the plan for draining kafka-2', command: 'kubectl kafka drain kafka-2 --dry-run' },
    { description: 'Drain broker 2 at 50 MiB/s and evict its pod, without asking', command: 'kubectl kafka drain kafka-2 --throttle 50MiB/s --evict --yes' },
    { description: 'Everything on a node before maintenance (cordons it first)', command: 'kubectl kafka drain --node node-a1 --evict' },
    { description: 'By broker id, 5 moves per broker at a time', command: 'kubectl kafka drain --broker 2 --max-moves-per-broker 5' },
    { description: 'Let receiving brokers fill their disks up to 90% (default 85%)', command: 'kubectl kafka drain kafka-2 --dry-run --max-disk-usage 90' },
  ];

  static override args = { pod: Args.string({ description: 'A broker pod.', required: false }) };

  static override flags = {
    broker: Flags.string({ description: 'A broker id instead of a pod.' }),
    node: Flags.string({ description: 'A node: drain every broker on it (the node is cordoned first).' }),
    evict: Flags.boolean({ description: 'Evict the drained pods afterwards through the Eviction API.', default: false }),
    'evict-timeout': Flags.string({ description: 'How long to keep retrying a refused eviction.', default: '5m' }),
    ...mutatingFlags,
    ...reassignmentFlags,
  };

  public async run(): Promise<DrainResult> {
    const { args, flags } = await this.parse(Drain);
    // Every flag is checked before anything is read or changed.
    const { throttleBytesPerSecond, timeoutMs, maxDiskUsagePercent } = parseReassignmentFlags(flags);
    const broker = flags.broker === undefined ? undefined : parseBrokerId(flags.broker);
    const evictTimeout = parseDuration(flags['evict-timeout']);
    if (!evictTimeout.ok) throw new UsageError(flagInvalid('--evict-timeout', evictTimeout.error));

    const session = await this.connect(flags);
    const admin = await session.kafka();
    const facts = await gatherFacts(session, { nodes: true });
    const target = resolveTarget({ pod: args.pod, broker, node: flags.node }, { namespace: session.namespace, ...facts });
    const ids = target.brokers.map((b) => b.id);

    const disk = await readDiskFacts(session, facts, maxDiskUsagePercent);
    let preparation;
    try {
      preparation = prepareDrain(facts.index, ids, {
        maxMovesPerBroker: flags['max-moves-per-broker'],
        ...(disk.disk === undefined ? {} : { disk: disk.disk }),
      });
    } catch (error) {
      if (error instanceof PlanError) {
        throw new RefusedError(drainRefused(error.message, ids.length, maintenanceTarget(args.pod, broker, flags.node)));
      }
      throw error;
    }
    const plan = await describeMovePlan(admin, {
      plan: preparation.plan,
      resumed: preparation.resumed,
      leadershipFirst: preparation.plan.leadership.length,
      leadersStaying: preparation.leadersStaying,
      throttleBytesPerSecond,
      diskNotes: disk.notes,
    });
    const result: DrainResult = {
      target: target.label,
      brokers: target.brokers,
      dryRun: flags['dry-run'],
      plan,
      cordoned: null,
      report: null,
      evicted: [],
    };
    const header = drainHeader(result, flags.evict, target.node ?? null);
    if (flags['dry-run']) {
      this.print(result, flags.output, (r) => [...header, ...renderMovePlan(r.plan)].join('\n'));
      return result;
    }
    this.reporter.event([...header, ...renderMovePlan(plan, 10)].join('\n'));
    await this.confirmOrStop(questions.drain, flags.yes);

    const signal = this.interruptSignal();
    if (target.node !== undefined) {
      await session.kube.setUnschedulable(target.node, true);
      result.cordoned = target.node;
      this.reporter.event(nodeCordoned(target.node));
    }
    try {
      result.report = await executeDrain(admin, preparation, {
        throttleBytesPerSecond,
        batchTimeoutMs: timeoutMs,
        signal,
        onEvent: (line) => this.reporter.event(line),
        onProgress: (p) => this.reporter.progress('drain', p),
      });
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(drainInterrupted(target.label));
      }
      throw error;
    }
    this.reporter.flush();
    const report = result.report;
    if (report.remaining.length > 0) {
      throw new RefusedError(drainLeftReplicas(target.label, report.remaining));
    }
    this.reporter.event(drained(target.label, report.reassignment));

    if (flags.evict) {
      // The fresh view must agree that the brokers may go now; the webhook checks the same.
      const now = await gatherFacts(session, { nodes: false });
      const verdict = disruptionVerdict({ index: now.index, brokers: ids, kind: 'disrupt', down: now.down, pending: now.pending, policy: session.policy });
      if (!verdict.allowed) {
        throw new RefusedError(notEvicting(verdict));
      }
      for (const b of target.brokers) {
        if (b.pod === null) continue;
        result.evicted.push(
          await evictAndWait(session.kube, session.namespace, b.pod, {
            timeoutMs: evictTimeout.value,
            signal,
            onEvent: (line) => this.reporter.event(line),
          }),
        );
      }
    }
    this.print(result, flags.output, renderDrainResult);
    return result;
  }
}

function maintenanceTarget(pod: string | undefined, broker: number | undefined, node: string | undefined): string {
  if (pod !== undefined) return pod;
  return broker !== undefined ? `--broker ${broker}` : `--node ${node ?? ''}`;
}
