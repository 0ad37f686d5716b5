import { Args, Flags } from '@oclif/core';
import { KafkaCommand, mutatingFlags } from '../lib/base-command.js';
import { InterruptedError, UsageError } from '../lib/errors.js';
import { gatherFacts } from '../../shared/ops/snapshot.js';
import { restartBrokers, restartOrder, type RestartStep } from '../../shared/ops/restart.js';
import { parseBrokerId, resolveTarget, type TargetBroker } from '../../shared/ops/target.js';
import { formatDuration, parseDuration } from '../lib/units.js';
import { flagInvalid, questions, restartAllAndOne, restartInterrupted, restartNoBroker, restartPlan } from '../messages.js';
import { disruptionVerdict } from '../../shared/safety/disruption.js';
import { renderTable } from '../output/table.js';

export interface RestartResult {
  dryRun: boolean;
  /** The planned order (the active controller last). */
  order: TargetBroker[];
  controller: number;
  /** Whether the first broker may go down now (later ones are checked when their turn comes). */
  firstAllowed: boolean;
  firstReasons: string[];
  steps: RestartStep[];
}

export default class Restart extends KafkaCommand {
  static override summary = 'Guarded rolling restart: one broker at a time, active controller last, full ISR before the next.';

  static override description = `For each broker in turn: check that taking it down is safe now, move its partition
leadership to other in-sync replicas, evict its pod (PodDisruptionBudgets and the kafka-guard
webhook decide), wait until the new pod is Ready, the broker registered and every partition it hosts
fully in sync, then put the preferred leaders back. The active KRaft controller goes last.`;

  static override examples = [
    { description: 'Restart every broker', command: 'kubectl kafka restart --all' },
    { description: 'Restart one broker', command: 'kubectl kafka restart kafka-1' },
    { description: 'Show the order and whether the first may go now', command: 'kubectl kafka restart --all --dry-run' },
  ];

  static override args = { pod: Args.string({ description: 'A broker pod.', required: false }) };

  static override flags = {
    all: Flags.boolean({ description: 'Restart every broker.', default: false }),
    broker: Flags.string({ description: 'A broker id instead of a pod.' }),
    timeout: Flags.string({ description: 'How long one broker may take to come back in sync.', default: '30m' }),
    ...mutatingFlags,
  };

  public async run(): Promise<RestartResult> {
    const { args, flags } = await this.parse(Restart);
    const timeout = parseDuration(flags.timeout);
    if (!timeout.ok) throw new UsageError(flagInvalid('--timeout', timeout.error));
    const broker = flags.broker === undefined ? undefined : parseBrokerId(flags.broker);
    if (flags.all && (args.pod !== undefined || broker !== undefined)) throw new UsageError(restartAllAndOne());
    if (!flags.all && args.pod === undefined && broker === undefined) throw new UsageError(restartNoBroker());

    const session = await this.connect(flags);
    const facts = await gatherFacts(session, { nodes: false });
    const brokers = flags.all
      ? [...facts.directory.byId.keys()].map((id) => resolveTarget({ broker: id }, { namespace: session.namespace, ...facts }).brokers[0]).filter((b) => b !== undefined)
      : resolveTarget({ pod: args.pod, broker }, { namespace: session.namespace, ...facts }).brokers;
    const order = restartOrder(brokers, facts.view.controllerId);
    const first = order[0];
    const firstVerdict =
      first === undefined ? null : disruptionVerdict({ index: facts.index, brokers: [first.id], kind: 'disrupt', down: facts.down, pending: facts.pending, policy: session.policy });
    const result: RestartResult = {
      dryRun: flags['dry-run'],
      order,
      controller: facts.view.controllerId,
      firstAllowed: firstVerdict?.allowed ?? true,
      firstReasons: firstVerdict?.reasons.map((r) => r.message) ?? [],
      steps: [],
    };
    const plan = restartPlan(result);
    if (flags['dry-run']) {
      this.print(result, flags.output, () => plan.join('\n'));
      return result;
    }
    this.reporter.event(plan.join('\n'));
    await this.confirmOrStop(questions.restart, flags.yes);
    const signal = this.interruptSignal();
    try {
      result.steps = await restartBrokers(
        { session, reporter: this.reporter, signal, throttleBytesPerSecond: null, timeoutMs: timeout.value, maxMovesPerBroker: 1 },
        order,
      );
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(restartInterrupted());
      }
      throw error;
    }
    this.print(result, flags.output, (r) =>
      renderTable(
        ['broker', 'pod', 'node', 'leaders moved first', 'pod down', 'back in sync', 'leaders restored'],
        r.steps.map((s) => [
          String(s.broker),
          s.pod,
          s.nodeAfter ?? '-',
          String(s.leadershipMoved),
          formatDuration(s.podDownMs),
          formatDuration(s.totalMs),
          String(s.leadersRestored),
        ]),
      ),
    );
    return result;
  }
}
