import { KafkaCommand } from '../../lib/base-command.js';
import { DIFF_TEXT, renderDiffRows } from '../../messages.js';
import { readConfigFacts } from '../../../shared/ops/config.js';
import { diffConfigs, type ConfigDiffRow } from '../../../shared/plan/config.js';

export interface ConfigDiffResult {
  brokers: number[];
  statefulSet: string | null;
  rows: ConfigDiffRow[];
}

export default class ConfigDiff extends KafkaCommand {
  static override summary = DIFF_TEXT.summary;
  static override description = DIFF_TEXT.description;
  static override examples = DIFF_TEXT.examples;

  public async run(): Promise<ConfigDiffResult> {
    const { flags } = await this.parse(ConfigDiff);
    const session = await this.connect(flags);
    const config = await readConfigFacts(session, await session.snapshot());
    const result: ConfigDiffResult = {
      brokers: config.brokers.map((b) => b.broker),
      statefulSet: config.statefulSet?.facts.name ?? null,
      rows: diffConfigs(config.brokers, config.statefulSet?.facts ?? null),
    };
    this.print(result, flags.output, (r) => renderDiffRows(r.rows));
    return result;
  }
}
