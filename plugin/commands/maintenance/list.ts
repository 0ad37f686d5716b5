import { KafkaCommand } from '../../lib/base-command.js';
import { MAINTENANCE_CONFIGMAP, readRecords } from '../../../shared/ops/maintenance.js';
import { renderTable } from '../../output/table.js';
import { maintenanceProgress } from '../../../shared/plan/maintenance.js';
import type { MaintenanceStatus } from '../../../shared/policy/types.js';
import { maintenanceInPlace, maintenanceRecordUnreadable, noMaintenanceInProgress } from '../../messages.js';

export interface MaintenanceListEntry {
  key: string;
  brokers: number[] | null;
  startedAt: string | null;
  /** Partitions the maintenance moves. */
  moved: number | null;
  /** Of those, how many are in place now. */
  inPlace: number | null;
  /** Moving, Ready (the brokers may go down now) or BrokersDown; null when unreadable. */
  phase: MaintenanceStatus['phase'] | null;
  startedBy: string | null;
  cordoned: string | null;
  /** Set when the record cannot be read. */
  problem: string | null;
}

export default class MaintenanceList extends KafkaCommand {
  static override summary = 'List the maintenances started and not yet ended.';

  static override description = `Read from the ConfigMap ${MAINTENANCE_CONFIGMAP} in the policy's namespace, where
\`kubectl kafka maintenance start\` (and the webhook's evacuation of a cordoned node) records what
it changed. The phase is measured against Kafka now: Moving while data still moves, Ready when the
brokers may go down, BrokersDown once they are. The policy's status shows the same (status.maintenance).`;

  static override examples = [{ description: 'As a table, or -o json', command: 'kubectl kafka maintenance list' }];

  public async run(): Promise<MaintenanceListEntry[]> {
    const { flags } = await this.parse(MaintenanceList);
    const session = await this.connect(flags);
    const records = await readRecords(session);
    const facts = records.some((r) => r.record !== null) ? await session.snapshot() : null;
    const entries: MaintenanceListEntry[] = records.map(({ key, record }) => {
      const progress = record === null || facts === null ? null : maintenanceProgress(record, facts.index, facts.down);
      return {
        key,
        brokers: record?.brokers ?? null,
        startedAt: record?.startedAt ?? null,
        moved: record?.moves.length ?? null,
        inPlace: progress?.partitionsMoved ?? null,
        phase: progress?.phase ?? null,
        startedBy: record?.startedBy ?? null,
        cordoned: record?.cordoned ?? null,
        problem: record === null ? maintenanceRecordUnreadable() : null,
      };
    });
    this.print(entries, flags.output, (list) =>
      list.length === 0
        ? noMaintenanceInProgress()
        : renderTable(
            ['brokers', 'started', 'by', 'phase', 'moved partitions', 'cordoned', ''],
            list.map((e) => [
              e.brokers?.join(', ') ?? e.key,
              e.startedAt ?? '-',
              e.startedBy ?? '-',
              e.phase ?? '-',
              e.moved === null ? '-' : maintenanceInPlace(e.inPlace, e.moved),
              e.cordoned ?? '-',
              e.problem ?? '',
            ]),
          ),
    );
    return entries;
  }
}
