import { Args, Flags } from '@oclif/core';
import { KafkaCommand, mutatingFlags, parseReassignmentFlags, reassignmentFlags } from '../lib/base-command.js';
import { InterruptedError, UsageError } from '../lib/errors.js';
import { executeScale, prepareScale, type ScaleResult } from '../../shared/ops/scale.js';
import { questions, renderScalePlan, renderScaleResult, replicasTooFew, scaleInterrupted, scaleNothingToDo } from '../messages.js';

export default class Scale extends KafkaCommand {
  static override summary = 'Scale a broker StatefulSet safely: drain the brokers that go away first, or rebalance onto the new ones.';

  static override description = `Down: the brokers of the removed ordinals (>= N) are drained (their replicas move to the
brokers that stay), then the StatefulSet is scaled. Their PersistentVolumeClaims are kept unless
--delete-volumes. Up: the StatefulSet is scaled, the new brokers are waited for until they have
registered with Kafka, then replicas are rebalanced onto them.`;

  static override examples = [
    { description: 'Remove the last broker (drains it first)', command: 'kubectl kafka scale kafka --replicas 2' },
    { description: 'Add a broker and move replicas onto it at 100 MiB/s', command: 'kubectl kafka scale kafka --replicas 4 --throttle 100MiB/s' },
    { description: 'What would removing two brokers move?', command: 'kubectl kafka scale kafka --replicas 3 --dry-run' },
    { description: 'Remove a broker and its volume', command: 'kubectl kafka scale kafka --replicas 3 --delete-volumes --yes' },
  ];

  static override args = { statefulset: Args.string({ description: 'The broker StatefulSet.', required: true }) };

  static override flags = {
    replicas: Flags.integer({ description: 'The number of brokers (pods) wanted.', required: true, min: 0 }),
    'delete-volumes': Flags.boolean({ description: 'When scaling down, delete the removed brokers\' PersistentVolumeClaims.', default: false }),
    ...mutatingFlags,
    ...reassignmentFlags,
  };

  public async run(): Promise<ScaleResult> {
    const { args, flags } = await this.parse(Scale);
    const { throttleBytesPerSecond, timeoutMs, maxDiskUsagePercent } = parseReassignmentFlags(flags);
    if (flags.replicas < 1) throw new UsageError(replicasTooFew());
    const session = await this.connect(flags);
    const prepared = await prepareScale(session, {
      statefulSet: args.statefulset.replace(/^(statefulset|sts)(\.apps)?\//, ''),
      replicas: flags.replicas,
      deleteVolumes: flags['delete-volumes'],
      maxMovesPerBroker: flags['max-moves-per-broker'],
      throttleBytesPerSecond,
      maxDiskUsagePercent,
    });
    const { plan } = prepared;
    const result: ScaleResult = { ...plan, dryRun: flags['dry-run'], drain: null, rebalance: null, deletedClaims: [], unregistered: null };
    if (plan.direction === 'none') {
      this.print(result, flags.output, () => scaleNothingToDo(plan.statefulSet, plan.to));
      return result;
    }
    if (flags['dry-run']) {
      this.print(result, flags.output, (r) => renderScalePlan(r, true).join('\n'));
      return result;
    }
    this.reporter.event(renderScalePlan(plan, false).join('\n'));
    await this.confirmOrStop(questions.scale(plan.statefulSet, plan.from, plan.to), flags.yes);
    const signal = this.interruptSignal();
    try {
      Object.assign(
        result,
        await executeScale(
          { session, reporter: this.reporter, signal, throttleBytesPerSecond, timeoutMs, maxMovesPerBroker: flags['max-moves-per-broker'] },
          prepared,
        ),
      );
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(scaleInterrupted(plan.statefulSet, plan.to));
      }
      throw error;
    }
    this.print(result, flags.output, renderScaleResult);
    return result;
  }
}
