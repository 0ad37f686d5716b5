import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { create } from 'tar';
import { gatherFacts } from '../../shared/ops/snapshot.js';
import { collectReport, kafkaFiles, kubeParts, logDirSizesOf, type ReportManifest } from '../../shared/ops/report.js';
import { KafkaCommand } from '../lib/base-command.js';
import { UsageError } from '../lib/errors.js';
import { buildStatus } from '../lib/status.js';
import { reportMessages } from '../messages.js';

export type ReportResult = ReportManifest & { output: string };

export default class Report extends KafkaCommand {
  static override summary = 'Write a diagnostic bundle (tar.gz) for support; Secret values are always left out.';

  static override description = `Reads, and changes nothing in the cluster. The bundle holds, for the namespace:
  kubernetes/  the StatefulSets, pods, claims, Events, KafkaGuardPolicies (with status) and the
               kafka-guard webhook configurations
  webhook/     the webhook pods' recent logs (pods/log), or a note saying why they could not be read
  kafka/       the cluster description (brokers, controller), under-replicated partitions,
               reassignments in flight, replication throttles and log dir sizes
Secrets are never read into it; env values from secretKeyRef are kept as references, and
last-applied-configuration annotations are removed. A part that cannot be collected (Kafka
unreachable, no permission) is an error note in errors/; the bundle is written anyway, with a
warning, and the exit code is 0. -o json prints the manifest of what was collected.`;

  static override examples = [
    { description: 'A bundle for namespace kafka', command: 'kubectl kafka report -n kafka' },
    { description: 'To a chosen file', command: 'kubectl kafka report -n kafka --output-file /tmp/kafka-report.tar.gz' },
    { description: 'What went in, for a script', command: 'kubectl kafka report -n kafka -o json | jq .files' },
  ];

  static override flags = {
    'output-file': Flags.string({ description: 'The file to write (default: kafka-guard-report-<timestamp>.tar.gz in the current directory).' }),
  };

  public async run(): Promise<ReportResult> {
    const { flags } = await this.parse(Report);
    const now = new Date();
    const output = resolve(flags['output-file'] ?? `kafka-guard-report-${now.toISOString().replace(/[:.]/g, '-')}.tar.gz`);
    if (existsSync(output)) throw new UsageError(reportMessages.outputExists(output));
    if (!existsSync(dirname(output))) throw new UsageError(reportMessages.outputDirMissing(dirname(output)));
    const { cluster } = this.openCluster(flags);
    const namespace = cluster.namespace;
    const parts = [
      ...kubeParts(cluster.kube, namespace),
      {
        name: 'kafka',
        collect: async () => {
          const session = await this.connect(flags);
          const facts = await gatherFacts(session, { volumes: false, sizes: true });
          const status = buildStatus(facts, session.policy, session.namespace, []);
          return kafkaFiles({
            clusterId: facts.view.clusterId,
            controllerId: facts.view.controllerId,
            brokers: status.brokers,
            topics: facts.view.topics,
            throttles: facts.view.throttles,
            logDirSizes: logDirSizesOf(facts.sizes),
          });
        },
      },
    ];
    const { files, manifest } = await collectReport(parts, now, namespace);
    const staging = mkdtempSync(join(tmpdir(), 'kafka-guard-report-'));
    const root = 'kafka-guard-report';
    try {
      for (const file of files) {
        const path = join(staging, root, file.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.content);
      }
      await create({ gzip: true, file: output, cwd: staging, portable: true }, [root]);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    if (manifest.failed.length > 0) this.reporter.event(reportMessages.partsFailed(manifest.failed));
    const result: ReportResult = { ...manifest, output };
    this.print(result, flags.output, (r) => reportMessages.written(r.output, r.files.length));
    return result;
  }
}
