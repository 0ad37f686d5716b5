import { Args, Flags } from '@oclif/core';
import type { Verdict } from '../../shared/safety/types.js';
import { KafkaCommand } from '../lib/base-command.js';
import { ExitCode } from '../lib/errors.js';
import { gatherFacts } from '../../shared/ops/snapshot.js';
import { parseBrokerId, resolveTarget, type TargetBroker } from '../../shared/ops/target.js';
import { disruptionVerdict } from '../../shared/safety/disruption.js';
import { statefulSetNameOfPod } from '../../shared/k8s/identity.js';
import { renderCanDisrupt } from '../messages.js';

export interface CanDisruptResult {
  target: string;
  brokers: TargetBroker[];
  /** Brokers already down (pod not Ready or Terminating), counted as down by the verdict. */
  alreadyDown: number[];
  /** Brokers with a disruption the webhook admitted that the pods do not show yet (its ledger), counted as down too. */
  pending: number[];
  verdict: Verdict;
}

export default class CanDisrupt extends KafkaCommand {
  static override summary = "Would taking these brokers down now be safe? The kafka-guard webhook's verdict, explained.";

  static override description = `Takes a broker pod, a broker id, or a node (all its brokers together) and answers whether
they may go down now: refused when a partition would go offline or under its min.insync.replicas,
counting brokers that are already down and disruptions the webhook has admitted but the pods do
not show yet (its ledger, ConfigMap kafka-guard/kafka-guard-disruptions, or where
KAFKAGUARD_LEDGER_NAMESPACE and KAFKAGUARD_LEDGER_NAME say). Exit code 0 when safe, 1 when not.`;

  static override examples = [
    { description: 'Is evicting kafka-2 safe?', command: 'kubectl kafka can-disrupt kafka-2' },
    { description: 'By broker id', command: 'kubectl kafka can-disrupt --broker 2' },
    { description: 'Everything on a node, e.g. before kubectl drain', command: 'kubectl kafka can-disrupt --node node-a1' },
    { description: 'In a script', command: 'kubectl kafka can-disrupt kafka-2 -o json && kubectl delete pod kafka-2' },
  ];

  static override args = {
    pod: Args.string({ description: 'A broker pod.', required: false }),
  };

  static override flags = {
    broker: Flags.string({ description: 'A broker id instead of a pod.' }),
    node: Flags.string({ description: 'A node: all brokers running on it.' }),
  };

  public async run(): Promise<CanDisruptResult> {
    const { args, flags } = await this.parse(CanDisrupt);
    const broker = flags.broker === undefined ? undefined : parseBrokerId(flags.broker);
    const session = await this.connect(flags);
    const facts = await gatherFacts(session, { nodes: flags.node !== undefined });
    const target = resolveTarget({ pod: args.pod, broker, node: flags.node }, { namespace: session.namespace, ...facts });
    const firstPod = facts.pods.find((p) => p.metadata?.name === target.brokers[0]?.pod);
    const statefulSet = firstPod === undefined ? undefined : statefulSetNameOfPod(firstPod);
    const verdict = disruptionVerdict({
      index: facts.index,
      brokers: target.brokers.map((b) => b.id),
      kind: 'disrupt',
      down: facts.down,
      pending: facts.pending,
      policy: session.policy,
      target: {
        namespace: session.namespace,
        ...(target.brokers.length === 1 && target.brokers[0]?.pod ? { pod: target.brokers[0].pod } : {}),
        ...(statefulSet === undefined ? {} : { statefulSet }),
      },
    });
    const result: CanDisruptResult = { target: target.label, brokers: target.brokers, alreadyDown: facts.down, pending: facts.pending.brokers, verdict };
    this.print(result, flags.output, renderCanDisrupt);
    if (!verdict.allowed) this.exit(ExitCode.refused);
    return result;
  }
}
