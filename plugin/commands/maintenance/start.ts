import { Args, Flags } from '@oclif/core';
import { KafkaCommand, mutatingFlags, parseReassignmentFlags, reassignmentFlags } from '../../lib/base-command.js';
import { InterruptedError, RefusedError, UsageError } from '../../lib/errors.js';
import { evictAndWait, type EvictionOutcome } from '../../../shared/ops/pods.js';
import { gatherFacts } from '../../../shared/ops/snapshot.js';
import { executeStart, MAINTENANCE_CONFIGMAP, prepareStart, type StartOutcome } from '../../../shared/ops/maintenance.js';
import { describeMovePlan, type MovePlanView } from '../../../shared/ops/plan-view.js';
import { parseBrokerId, resolveTarget, type TargetBroker } from '../../../shared/ops/target.js';
import { parseDuration } from '../../lib/units.js';
import {
  flagInvalid,
  maintenanceStartHeader,
  maintenanceStartInterrupted,
  nodeCordoned,
  questions,
  renderMaintenanceStartResult,
  renderMovePlan,
  stillNotSafeAfterMoves,
} from '../../messages.js';
import type { PartitionRef } from '../../../shared/safety/types.js';

export interface MaintenanceStartResult {
  target: string;
  brokers: TargetBroker[];
  dryRun: boolean;
  /** Partitions that would go offline or under min.insync.replicas without the brokers: these move. */
  atRisk: PartitionRef[];
  /** Partitions that stay on the brokers and catch up from their leader when they return. */
  staying: number;
  leadershipMoves: number;
  plan: MovePlanView;
  recordKey: string;
  cordoned: string | null;
  outcome: StartOutcome | null;
  evicted: EvictionOutcome[];
}

export default class MaintenanceStart extends KafkaCommand {
  static override summary = 'Make brokers safe to go down for a while (node reboot or upgrade), moving only what would break without them.';

  static override description = `For a broker that comes back: its node is rebooted, upgraded or repaired, and the broker returns
(same node for a node-local volume, any node for a network volume). Unlike drain, which moves every
replica off for good, maintenance moves only the partitions that would go offline or under
min.insync.replicas while the brokers are away (for example an RF 1 topic), plus the leadership of
everything they lead. Their other replicas stay, and catch up from their leaders when they return.
So it works where a drain cannot: when the other brokers already hold a replica of every partition.

What changed is recorded in the ConfigMap ${MAINTENANCE_CONFIGMAP} before anything changes;
run the same command again after an interruption, and \`kubectl kafka maintenance end\` when the
brokers are back, to put the moved replicas and preferred leaders back.
With --node the node is cordoned first (and uncordoned by \`maintenance end\`); with --evict the
pods are evicted through the Eviction API afterwards, as kubectl drain would.`;

  static override examples = [
    { description: 'Show what a reboot of kafka-2\'s node needs', command: 'kubectl kafka maintenance start kafka-2 --dry-run' },
    { description: 'Prepare, then let kubectl drain take the node down', command: 'kubectl kafka maintenance start kafka-2 --yes && kubectl drain node-a2 --ignore-daemonsets' },
    { description: 'Everything on a node: cordon it, prepare, evict its broker pods', command: 'kubectl kafka maintenance start --node node-a2 --evict --yes' },
    { description: 'When the broker is back', command: 'kubectl kafka maintenance end kafka-2' },
  ];

  static override args = { pod: Args.string({ description: 'A broker pod.', required: false }) };

  static override flags = {
    broker: Flags.string({ description: 'A broker id instead of a pod.' }),
    node: Flags.string({ description: 'A node: every broker on it (the node is cordoned first).' }),
    evict: Flags.boolean({ description: 'Evict the brokers\' pods afterwards through the Eviction API.', default: false }),
    'evict-timeout': Flags.string({ description: 'How long to keep retrying a refused eviction.', default: '5m' }),
    ...mutatingFlags,
    ...reassignmentFlags,
  };

  public async run(): Promise<MaintenanceStartResult> {
    const { args, flags } = await this.parse(MaintenanceStart);
    const { throttleBytesPerSecond, timeoutMs } = parseReassignmentFlags(flags);
    const broker = flags.broker === undefined ? undefined : parseBrokerId(flags.broker);
    const evictTimeout = parseDuration(flags['evict-timeout']);
    if (!evictTimeout.ok) throw new UsageError(flagInvalid('--evict-timeout', evictTimeout.error));

    const session = await this.connect(flags);
    const facts = await gatherFacts(session, { nodes: true });
    const target = resolveTarget({ pod: args.pod, broker, node: flags.node }, { namespace: session.namespace, ...facts });
    const prepared = await prepareStart(session, facts, target, flags['max-moves-per-broker']);
    const { plan } = prepared;
    const view = await describeMovePlan(await session.kafka(), {
      plan: plan.drain.plan,
      resumed: plan.drain.resumed,
      leadershipFirst: plan.leadership.changes.length,
      leadersStaying: plan.drain.leadersStaying,
      throttleBytesPerSecond,
    });
    const result: MaintenanceStartResult = {
      target: target.label,
      brokers: target.brokers,
      dryRun: flags['dry-run'],
      atRisk: plan.atRisk,
      staying: plan.staying,
      leadershipMoves: plan.leadership.changes.length,
      plan: view,
      recordKey: prepared.key,
      cordoned: null,
      outcome: null,
      evicted: [],
    };
    const header = maintenanceStartHeader(result, flags.evict, target.node ?? null, prepared.existing !== null);
    if (flags['dry-run']) {
      this.print(result, flags.output, (r) => [...header, ...renderMovePlan(r.plan)].join('\n'));
      return result;
    }
    this.reporter.event([...header, ...renderMovePlan(view, 10)].join('\n'));
    await this.confirmOrStop(questions.maintenanceStart, flags.yes);

    const signal = this.interruptSignal();
    if (target.node !== undefined) {
      await session.kube.setUnschedulable(target.node, true);
      result.cordoned = target.node;
      this.reporter.event(nodeCordoned(target.node));
    }
    let outcome: StartOutcome;
    try {
      outcome = await executeStart(
        { session, reporter: this.reporter, signal, throttleBytesPerSecond, timeoutMs, maxMovesPerBroker: flags['max-moves-per-broker'] },
        prepared,
        result.cordoned,
        'kubectl kafka',
      );
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(maintenanceStartInterrupted(endTarget(result)));
      }
      throw error;
    }
    result.outcome = outcome;
    this.reporter.flush();
    if (!outcome.verdict.allowed) {
      throw new RefusedError(stillNotSafeAfterMoves(target.label, outcome.verdict));
    }
    if (flags.evict) {
      for (const b of target.brokers) {
        if (b.pod === null) continue;
        result.evicted.push(await evictAndWait(session.kube, session.namespace, b.pod, { timeoutMs: evictTimeout.value, signal, onEvent: (line) => this.reporter.event(line) }));
      }
    }
    this.print(result, flags.output, (r) => renderMaintenanceStartResult(r, endTarget(r)));
    return result;
  }
}

function endTarget(result: MaintenanceStartResult): string {
  const only = result.brokers.length === 1 ? result.brokers[0] : undefined;
  if (only !== undefined) return only.pod ?? `--broker ${only.id}`;
  return result.cordoned !== null ? `--node ${result.cordoned}` : result.target;
}
