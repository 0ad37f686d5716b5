import { Flags } from '@oclif/core';
import { diagnose, type DoctorResult } from '../../shared/ops/doctor.js';
import { gatherDoctorFacts } from '../../shared/ops/doctor-facts.js';
import { KafkaCommand } from '../lib/base-command.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import type { Session } from '../lib/session.js';
import { allNamespacesWithNamespace, doctorScope, renderDoctor } from '../messages.js';

export default class Doctor extends KafkaCommand {
  static override summary = 'Check the kafka-guard installation: webhooks, certificates, namespaces, policies, brokers, Kafka access and topics.';

  static override description = `Reads, and changes nothing. Each check gives a severity (critical, warning, ok), a
one-line finding and the fix:
  webhooks     registered, failurePolicy, timeoutSeconds
  endpoint     the Service's ready endpoints or the URL, and GET /healthz where reachable from here
  caBundle     parses, not expired (a warning under 30 days), and signs the certificate the webhook serves
  namespaces   each policy's namespace is selected by the guards' namespaceSelector
  policy       each KafkaGuardPolicy is valid and not Off
  brokers      its selector and idFrom identify every broker Kafka has registered
  pdb          a PodDisruptionBudget covers the broker pods
  rack         broker.rack is each broker's zone (the rackAwareness default)
  storage      the broker claims' StorageClasses allow volume expansion
  kafkaAccess  Kafka is reachable, and the principal may Describe, DescribeConfigs, Alter and AlterConfigs
  topics       no topic with replication factor 1, or min.insync.replicas >= its replication factor
Exit code 1 when any finding is critical, 0 otherwise; -o json prints every finding for scripts.`;

  static override examples = [
    { description: 'Check the installation and the policies in namespace kafka', command: 'kubectl kafka doctor -n kafka' },
    { description: 'Every policy in the cluster', command: 'kubectl kafka doctor --all-namespaces' },
    { description: 'In a script: the critical findings only', command: "kubectl kafka doctor -n kafka -o json | jq '.findings[] | select(.severity == \"critical\")'" },
    { description: 'From a laptop, Kafka through a port-forward', command: 'kubectl kafka doctor -n kafka --bootstrap-server localhost:9092' },
  ];

  static override flags = {
    'all-namespaces': Flags.boolean({ char: 'A', description: 'Check the policies of every namespace.', default: false }),
  };

  private sessions: Session[] = [];

  public async run(): Promise<DoctorResult> {
    const { flags } = await this.parse(Doctor);
    if (flags['all-namespaces'] && flags.namespace !== undefined) throw new UsageError(allNamespacesWithNamespace());
    const { cluster, sessionFor } = this.openCluster(flags);
    const namespace = flags['all-namespaces'] ? null : cluster.namespace;
    const facts = await gatherDoctorFacts(
      { namespace, ...(flags.policy === undefined ? {} : { policy: flags.policy }) },
      {
        kube: cluster.kube,
        scopeLabel: doctorScope(namespace, flags.policy),
        kafka: async (policy) => {
          const session = sessionFor(policy.parsed.policy);
          this.sessions.push(session);
          const api = await session.kafka();
          return { api, bootstrapServers: api.bootstrapServers };
        },
      },
    );
    const result = diagnose(facts, new Date());
    this.print(result, flags.output, renderDoctor);
    if (result.critical > 0) this.exit(ExitCode.refused);
    return result;
  }

  override async finally(error: Error | undefined): Promise<void> {
    await Promise.allSettled(this.sessions.map((s) => s.close()));
    await super.finally(error);
  }
}
