import { KafkaCommand } from '../lib/base-command.js';
import { gatherFacts } from '../../shared/ops/snapshot.js';
import { buildStatus, type StatusResult } from '../lib/status.js';
import { formatBytes } from '../lib/units.js';
import { renderFields, renderTable } from '../output/table.js';
import { maintenanceInPlace, maintenanceInProgress, reassignmentsInFlight, statusNote, throttlesSummary } from '../messages.js';
import { readRecords } from '../../shared/ops/maintenance.js';

export default class Status extends KafkaCommand {
  static override summary = 'Show the brokers, where they run, what they hold, and whether each is safe to disrupt now.';

  static override description = `Per broker: id, pod, node, zone, volume (size, storage class, node-local or network),
readiness, replicas, leaders, under-replicated, under-min-ISR and sole-replica partitions, disk
(replica data over capacity: the smaller of the volume claim and the log dir's file system), and
whether taking it down now is safe (the same verdict the kafka-guard webhook gives), with the reason.
Then cluster totals, reassignments in flight, replication throttles, and maintenances in progress
(kubectl kafka maintenance start, or the webhook's evacuation of a cordoned node) with their phase.`;

  static override examples = [
    { description: 'Status of the Kafka cluster in the current namespace', command: 'kubectl kafka status' },
    { description: 'In namespace kafka, as JSON', command: 'kubectl kafka status -n kafka -o json' },
    { description: 'From a laptop, with Kafka reachable on a port-forward', command: 'kubectl kafka status --bootstrap-server 127.0.0.1:9092' },
  ];

  public async run(): Promise<StatusResult> {
    const { flags } = await this.parse(Status);
    const session = await this.connect(flags);
    const [facts, records] = await Promise.all([gatherFacts(session, { volumes: true, sizes: true }), readRecords(session)]);
    const result = buildStatus(facts, session.policy, session.namespace, records.flatMap((r) => (r.record === null ? [] : [r.record])));
    this.print(result, flags.output, renderStatus);
    return result;
  }
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** "61.0 MiB / 1.00 GiB (6%)": replica data over capacity. */
export function diskCell(used: number | null, capacity: number | null): string {
  const usedText = used === null ? '?' : formatBytes(used);
  if (capacity === null) return `${usedText} / ?`;
  return `${usedText} / ${formatBytes(capacity)}${used === null ? '' : ` (${Math.round((used / capacity) * 100)}%)`}`;
}

export function renderStatus(status: StatusResult): string {
  const brokers = renderTable(
    ['id', 'pod', 'node', 'zone', 'volume', 'ready', 'replicas', 'leaders', 'under-repl', 'under-min-isr', 'sole', 'disk', 'safe', 'reason'],
    status.brokers.map((b) => [
      `${b.id}${b.controller ? '*' : ''}`,
      b.pod ?? '-',
      b.node ?? '-',
      b.zone ?? b.rack ?? '-',
      b.volume === null ? '-' : `${b.volume.size ?? '?'} ${b.volume.storageClass ?? '(no class)'} ${b.volume.kind}`,
      b.ready ? 'yes' : b.registered ? 'no (registered)' : 'no',
      String(b.replicas),
      String(b.leaders),
      String(b.underReplicated),
      String(b.underMinIsr),
      String(b.soleReplicas),
      diskCell(b.dataBytes, b.capacityBytes),
      yesNo(b.safeToDisrupt),
      b.reason,
    ]),
  );
  const t = status.totals;
  const totals = renderFields([
    ['cluster', `${status.clusterId} (policy ${status.policy}; * = active controller ${status.controller >= 0 ? status.controller : 'unknown'})`],
    ['brokers', `${t.brokers} (${t.registeredBrokers} registered)`],
    ['topics', `${t.topics}, ${t.partitions} partitions, ${t.replicas} replicas${t.dataBytes === null ? '' : `, ${formatBytes(t.dataBytes)}`}`],
    ['under-replicated', String(t.underReplicated)],
    ['under min ISR', String(t.underMinIsr)],
    ['offline', String(t.offline)],
  ]);
  const sections = [brokers, '', totals];
  sections.push('', reassignmentsInFlight(status.reassignments.length));
  if (status.reassignments.length > 0) {
    sections.push(
      renderTable(
        ['partition', 'replicas', 'adding', 'removing'],
        status.reassignments.map((r) => [`${r.topic}-${r.partition}`, r.replicas.join(','), r.adding.join(',') || '-', r.removing.join(',') || '-']),
      ),
    );
  }
  sections.push(throttlesSummary(status.throttles));
  if (status.maintenance.length > 0) {
    sections.push(
      maintenanceInProgress(status.maintenance.length),
      renderTable(
        ['brokers', 'by', 'phase', 'moved partitions', 'cordoned'],
        status.maintenance.map((m) => [m.brokers.join(', '), m.startedBy, m.phase, maintenanceInPlace(m.partitionsMoved, m.partitionsToMove), m.cordoned ?? '-']),
      ),
    );
  }
  for (const note of status.notes) sections.push(statusNote(note));
  return sections.join('\n');
}
