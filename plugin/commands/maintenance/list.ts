import { KafkaCommand } from '../../lib/base-command.js';
import { MAINTENANCE_CONFIGMAP, readRecords } from '../../../shared/ops/maintenance.js';
import { renderTable } from '../../output/table.js';
import { maintenanceRecordUnreadable, noMaintenanceInProgress } from '../../messages.js';

export interface MaintenanceListEntry {
  key: string;
  brokers: number[] | null;
  startedAt: string | null;
  moved: number | null;
  cordoned: string | null;
  /** Set when the record cannot be read. */
  problem: string | null;
}

export default class MaintenanceList extends KafkaCommand {
  static override summary = 'List the maintenances started and not yet ended.';

  static override description = `Read from the ConfigMap ${MAINTENANCE_CONFIGMAP} in the policy's namespace, where
\`kubectl kafka maintenance start\` records what it changed.`;

  static override examples = [{ description: 'As a table, or -o json', command: 'kubectl kafka maintenance list' }];

  public async run(): Promise<MaintenanceListEntry[]> {
    const { flags } = await this.parse(MaintenanceList);
    const session = await this.connect(flags);
    const entries: MaintenanceListEntry[] = (await readRecords(session)).map(({ key, record }) => ({
      key,
      brokers: record?.brokers ?? null,
      startedAt: record?.startedAt ?? null,
      moved: record?.moves.length ?? null,
      cordoned: record?.cordoned ?? null,
      problem: record === null ? maintenanceRecordUnreadable() : null,
    }));
    this.print(entries, flags.output, (list) =>
      list.length === 0
        ? noMaintenanceInProgress()
        : renderTable(
            ['brokers', 'started', 'moved partitions', 'cordoned', ''],
            list.map((e) => [e.brokers?.join(', ') ?? e.key, e.startedAt ?? '-', String(e.moved ?? '-'), e.cordoned ?? '-', e.problem ?? '']),
          ),
    );
    return entries;
  }
}
