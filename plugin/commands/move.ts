import { Args, Flags } from '@oclif/core';
import { KafkaCommand, mutatingFlags, parseReassignmentFlags, reassignmentFlags } from '../lib/base-command.js';
import { InterruptedError, RefusedError } from '../lib/errors.js';
import { executeMove, prepareMove, type MoveOutcome, type MovePlan } from '../../shared/ops/move.js';
import { moveInterrupted, moveRefused, questions, renderMovePlanText, renderMoveResult } from '../messages.js';

export interface MoveResult {
  dryRun: boolean;
  plan: MovePlan;
  outcome: MoveOutcome | null;
}

export default class Move extends KafkaCommand {
  static override summary = 'Move a broker pod to another node, keeping its broker id and without losing a replica.';

  static override description = `The path depends on the broker's volume, and the plan says which and why:
network volume: checked safe, leadership moved away, the pod is pinned to the target node and
recreated there with its data, then waited for until it is in sync again;
node-local volume: the broker is drained, its pod and volume claim deleted, it comes back empty with
the same broker id on the target node, and its partitions are moved back to it.
See docs/plugin.md for how the pod is pinned to the node and the trade-offs.`;

  static override examples = [
    { description: 'Show the plan for moving kafka-0 to node-b1', command: 'kubectl kafka move kafka-0 --to-node node-b1 --dry-run' },
    { description: 'Move a node-local broker, refilling it at 100 MiB/s', command: 'kubectl kafka move kafka-2 --to-node node-a2 --throttle 100MiB/s --yes' },
  ];

  static override args = { pod: Args.string({ description: 'The broker pod to move.', required: true }) };

  static override flags = {
    'to-node': Flags.string({ description: 'The node to move it to.', required: true }),
    ...mutatingFlags,
    ...reassignmentFlags,
  };

  public async run(): Promise<MoveResult> {
    const { args, flags } = await this.parse(Move);
    const { throttleBytesPerSecond, timeoutMs, maxDiskUsagePercent } = parseReassignmentFlags(flags);
    const session = await this.connect(flags);
    const prepared = await prepareMove(session, {
      pod: args.pod.replace(/^pods?\//, ''),
      toNode: flags['to-node'],
      maxMovesPerBroker: flags['max-moves-per-broker'],
      throttleBytesPerSecond,
      maxDiskUsagePercent,
    });
    const { plan } = prepared;
    const result: MoveResult = { dryRun: flags['dry-run'], plan, outcome: null };
    if (flags['dry-run']) {
      this.print(result, flags.output, (r) => renderMovePlanText(r.plan, true).join('\n'));
      if (!plan.verdict.allowed) this.exit(1);
      return result;
    }
    if (!plan.verdict.allowed) {
      throw new RefusedError(moveRefused(plan.pod, plan.verdict));
    }
    this.reporter.event(renderMovePlanText(plan, false).join('\n'));
    await this.confirmOrStop(questions.move(plan.pod, plan.toNode), flags.yes);
    const signal = this.interruptSignal();
    try {
      result.outcome = await executeMove(
        { session, reporter: this.reporter, signal, throttleBytesPerSecond, timeoutMs, maxMovesPerBroker: flags['max-moves-per-broker'] },
        prepared,
      );
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(moveInterrupted());
      }
      throw error;
    }
    this.print(result, flags.output, renderMoveResult);
    return result;
  }
}
