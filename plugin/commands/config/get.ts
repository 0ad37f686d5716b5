import { Args } from '@oclif/core';
import { KafkaCommand } from '../../lib/base-command.js';
import { configTargetFlags, configTargetOf } from '../../lib/config-flags.js';
import { UsageError } from '../../lib/errors.js';
import { brokerNotRunning, configKeysUnknown, GET_TEXT, renderConfigRows } from '../../messages.js';
import { readConfigFacts } from '../../../shared/ops/config.js';
import { configRows, type ConfigRow, type ConfigTarget } from '../../../shared/plan/config.js';

export interface ConfigGetResult {
  target: ConfigTarget | null;
  rows: ConfigRow[];
}

export default class ConfigGet extends KafkaCommand {
  static override summary = GET_TEXT.summary;
  static override description = GET_TEXT.description;
  static override examples = GET_TEXT.examples;
  static override strict = false;
  static override args = { key: Args.string({ description: 'Config keys (default: every key that is not at its Kafka default).', required: false }) };
  static override flags = {
    ...configTargetFlags,
  };

  public async run(): Promise<ConfigGetResult> {
    const { argv, flags } = await this.parse(ConfigGet);
    const keys = argv.map(String);
    const target = configTargetOf(flags);
    const session = await this.connect(flags);
    const facts = await session.snapshot();
    const config = await readConfigFacts(session, facts, keys.length > 0 ? keys : null);
    if (target?.kind === 'broker' && !config.brokers.some((b) => b.broker === target.broker)) {
      throw new UsageError(brokerNotRunning(target.broker, config.brokers.map((b) => b.broker)));
    }
    const unknown = keys.filter((k) => !config.brokers.some((b) => b.entries.has(k)));
    if (unknown.length > 0) throw new UsageError(configKeysUnknown(unknown));
    const result: ConfigGetResult = { target, rows: configRows(config.brokers, keys, target) };
    this.print(result, flags.output, (r) => renderConfigRows(r.rows));
    return result;
  }
}
