import { Args, Flags } from '@oclif/core';
import { KafkaCommand, mutatingFlags, parseReassignmentFlags, reassignmentFlags } from '../../lib/base-command.js';
import { InterruptedError, UsageError } from '../../lib/errors.js';
import { gatherFacts } from '../../../shared/ops/snapshot.js';
import { executeEnd, prepareEnd, readRecords, type EndOutcome } from '../../../shared/ops/maintenance.js';
import type { ClusterFacts } from '../../../shared/ops/snapshot.js';
import type { Session } from '../../lib/session.js';
import { parseBrokerId, resolveTarget, type Target, type TargetInput } from '../../../shared/ops/target.js';
import { parseDuration } from '../../lib/units.js';
import { flagInvalid, maintenanceEndHeader, maintenanceEndInterrupted, questions, renderMaintenanceEndResult } from '../../messages.js';
import { nodeLabel } from '../../../shared/ops/messages.js';
import type { PartitionMove } from '../../../shared/safety/planner.js';
import type { PartitionRef } from '../../../shared/safety/types.js';

export interface MaintenanceEndResult {
  target: string;
  brokers: number[];
  dryRun: boolean;
  keepPlacement: boolean;
  /** Partitions put back where they were before the maintenance. */
  back: PartitionMove[];
  /** Partitions the maintenance moved that are left where they are now (reassigned or deleted since). */
  leftAlone: PartitionRef[];
  leadersToRestore: number;
  uncordon: string | null;
  outcome: EndOutcome | null;
}

export default class MaintenanceEnd extends KafkaCommand {
  static override summary = 'End a maintenance: once its brokers are back, put the moved replicas and preferred leaders back.';

  static override description = `First uncordons the node the maintenance cordoned, then waits (up to --wait) until every broker
of the maintenance runs again (pod Ready, registered with Kafka). Then the partitions maintenance moved go back to their replicas before it (throttled, in batches;
only those still where it put them), every partition the brokers host is waited for until in sync,
their preferred leaders are restored, the node it cordoned is uncordoned and the record is removed.
--keep-placement leaves the moved partitions where they are and only forgets the record.`;

  static override examples = [
    { description: 'What would be put back', command: 'kubectl kafka maintenance end kafka-2 --dry-run' },
    { description: 'Put it back at 50 MiB/s', command: 'kubectl kafka maintenance end kafka-2 --throttle 50MiB/s --yes' },
  ];

  static override args = { pod: Args.string({ description: 'A broker pod.', required: false }) };

  static override flags = {
    broker: Flags.string({ description: 'A broker id instead of a pod.' }),
    node: Flags.string({ description: 'The node the maintenance cordoned (its brokers need not run yet), or a node running brokers.' }),
    wait: Flags.string({ description: 'How long to wait for the brokers to be back before giving up (nothing moved back).', default: '10m' }),
    'keep-placement': Flags.boolean({ description: 'Leave the moved partitions where they are now; only forget the record.', default: false }),
    ...mutatingFlags,
    ...reassignmentFlags,
  };

  public async run(): Promise<MaintenanceEndResult> {
    const { args, flags } = await this.parse(MaintenanceEnd);
    const { throttleBytesPerSecond, timeoutMs } = parseReassignmentFlags(flags);
    const broker = flags.broker === undefined ? undefined : parseBrokerId(flags.broker);
    const backTimeout = parseDuration(flags.wait);
    if (!backTimeout.ok) throw new UsageError(flagInvalid('--wait', backTimeout.error));
    const session = await this.connect(flags);
    const facts = await gatherFacts(session, { nodes: true });
    const target = await endTarget(session, facts, { pod: args.pod, broker, node: flags.node });
    const prepared = await prepareEnd(session, facts, target);
    const keepPlacement = flags['keep-placement'];
    const result: MaintenanceEndResult = {
      target: target.label,
      brokers: prepared.record.brokers,
      dryRun: flags['dry-run'],
      keepPlacement,
      back: keepPlacement ? [] : prepared.back,
      leftAlone: keepPlacement ? prepared.record.moves.map(({ topic, partition }) => ({ topic, partition })) : prepared.leftAlone,
      leadersToRestore: keepPlacement ? 0 : prepared.leaders.length,
      uncordon: prepared.record.cordoned,
      outcome: null,
    };
    const header = maintenanceEndHeader(result, prepared.notBack);
    if (flags['dry-run']) {
      this.print(result, flags.output, () => header.join('\n'));
      return result;
    }
    this.reporter.event(header.join('\n'));
    await this.confirmOrStop(questions.maintenanceEnd, flags.yes);
    const signal = this.interruptSignal();
    try {
      result.outcome = await executeEnd(
        { session, reporter: this.reporter, signal, throttleBytesPerSecond, timeoutMs, maxMovesPerBroker: flags['max-moves-per-broker'] },
        prepared,
        keepPlacement,
        backTimeout.value,
      );
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(maintenanceEndInterrupted());
      }
      throw error;
    }
    this.print(result, flags.output, renderMaintenanceEndResult);
    return result;
  }
}

/**
 * The brokers `maintenance end` is about. `--node` names the node the
 * maintenance cordoned, whose broker pods may not be scheduled anywhere yet,
 * so it is looked up in the records first.
 */
async function endTarget(session: Session, facts: ClusterFacts, input: TargetInput): Promise<Target> {
  if (input.node !== undefined && input.pod === undefined && input.broker === undefined) {
    const node = input.node;
    const stored = (await readRecords(session)).find((r) => r.record?.cordoned === node);
    if (stored?.record) {
      const brokers = stored.record.brokers.map((id) => {
        const pod = facts.directory.byId.get(id);
        const full = facts.pods.find((p) => p.metadata?.name === pod?.metadata?.name);
        return { id, pod: pod?.metadata?.name ?? null, node: full?.spec?.nodeName ?? null };
      });
      return { kind: 'node', label: nodeLabel(node), brokers, node };
    }
  }
  return resolveTarget(input, { namespace: session.namespace, ...facts });
}
