import { Flags } from '@oclif/core';
import { executeRebalance, type RebalanceReport } from '../../shared/plan/rebalance.js';
import { planRebalance } from '../../shared/safety/planner.js';
import { KafkaCommand, mutatingFlags, parseReassignmentFlags, reassignmentFlags } from '../lib/base-command.js';
import { InterruptedError, UsageError } from '../lib/errors.js';
import { readDiskFacts } from '../../shared/ops/disk.js';
import { gatherFacts } from '../../shared/ops/snapshot.js';
import { describeMovePlan, type MovePlanView } from '../../shared/ops/plan-view.js';
import { brokersNotRegistered, notABrokerList, questions, rebalanceHeader, rebalanceInterrupted, renderMovePlan, renderRebalanceResult } from '../messages.js';

export interface RebalanceResult {
  brokers: number[];
  dryRun: boolean;
  plan: MovePlanView;
  /** Preferred-leader changes without data movement. */
  leadershipChanges: number;
  report: RebalanceReport | null;
}

export default class Rebalance extends KafkaCommand {
  static override summary = 'Even out replicas and preferred leaders across brokers (e.g. after a drain or adding brokers).';

  static override description = `Moves the fewest replicas that bring every broker within one replica of even, never
putting two replicas of a partition in one rack when it can be avoided, then evens out preferred
leaders by reordering replicas (no data moves for that) and elects them. Throttled and batched
like drain.`;

  static override examples = [
    { description: 'Show what would move', command: 'kubectl kafka rebalance --dry-run' },
    { description: 'Rebalance at 50 MiB/s', command: 'kubectl kafka rebalance --throttle 50MiB/s --yes' },
    { description: 'Only across brokers 0, 1 and 2', command: 'kubectl kafka rebalance --brokers 0,1,2' },
  ];

  static override flags = {
    brokers: Flags.string({ description: 'Broker ids to balance across, comma-separated (default: every registered broker).' }),
    ...mutatingFlags,
    ...reassignmentFlags,
  };

  public async run(): Promise<RebalanceResult> {
    const { flags } = await this.parse(Rebalance);
    const { throttleBytesPerSecond, timeoutMs, maxDiskUsagePercent } = parseReassignmentFlags(flags);
    const wanted = flags.brokers === undefined ? undefined : parseBrokerList(flags.brokers);
    const session = await this.connect(flags);
    const admin = await session.kafka();
    const facts = await gatherFacts(session, { nodes: false });
    const unknown = (wanted ?? []).filter((id) => !facts.index.registered.has(id));
    if (unknown.length > 0) {
      throw new UsageError(brokersNotRegistered(unknown, facts.index.brokerIds));
    }
    const disk = await readDiskFacts(session, facts, maxDiskUsagePercent);
    const plan = planRebalance(facts.index, {
      maxMovesPerBroker: flags['max-moves-per-broker'],
      ...(wanted === undefined ? {} : { brokers: wanted }),
      ...(disk.disk === undefined ? {} : { disk: disk.disk }),
    });
    const view = await describeMovePlan(admin, { plan, throttleBytesPerSecond, diskNotes: disk.notes });
    const result: RebalanceResult = {
      brokers: wanted ?? [...facts.index.brokerIds],
      dryRun: flags['dry-run'],
      plan: view,
      leadershipChanges: plan.leadership.length,
      report: null,
    };
    const header = rebalanceHeader(result, plan.summary);
    if (result.dryRun || (plan.moves.length === 0 && plan.leadership.length === 0)) {
      this.print(result, flags.output, (r) => [...header, ...renderMovePlan(r.plan)].join('\n'));
      return result;
    }
    this.reporter.event([...header, ...renderMovePlan(view, 10)].join('\n'));
    await this.confirmOrStop(questions.rebalance, flags.yes);
    const signal = this.interruptSignal();
    try {
      result.report = await executeRebalance(admin, plan, {
        maxMovesPerBroker: flags['max-moves-per-broker'],
        ...(wanted === undefined ? {} : { brokers: wanted }),
        throttleBytesPerSecond,
        batchTimeoutMs: timeoutMs,
        signal,
        onEvent: (line) => this.reporter.event(line),
        onProgress: (p) => this.reporter.progress('rebalance', p),
      });
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(rebalanceInterrupted());
      }
      throw error;
    }
    this.print(result, flags.output, renderRebalanceResult);
    return result;
  }
}

function parseBrokerList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^(0|[1-9]\d*)$/.test(p))) throw new UsageError(notABrokerList(text));
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}
