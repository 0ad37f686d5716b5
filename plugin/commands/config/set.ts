import { Args, Flags } from '@oclif/core';
import { KafkaCommand, mutatingFlags } from '../../lib/base-command.js';
import { configTargetFlags, configTargetOf } from '../../lib/config-flags.js';
import { InterruptedError, RefusedError, UsageError } from '../../lib/errors.js';
import { parseDuration } from '../../lib/units.js';
import {
  CONFIG_SET_INTERRUPTED,
  configChangesMissing,
  configRefused,
  configSetConfirm,
  configTargetMissing,
  configTargetText,
  renderSetOutcome,
  renderSetPlan,
  SET_TEXT,
  timeoutInvalid,
} from '../../messages.js';
import { applyLiveChanges, readConfigFacts, rollStaticChanges, validateLiveChanges, type LiveOutcome, type RollOutcome } from '../../../shared/ops/config.js';
import { parseAssignment, planConfigSet, type ConfigChange, type ConfigTarget, type KeyPlan } from '../../../shared/plan/config.js';

export interface ConfigSetResult {
  target: ConfigTarget;
  dryRun: boolean;
  keys: KeyPlan[];
  /** Brokers the static keys restart (those whose value changes). */
  restartBrokers: number[];
  statefulSet: string | null;
  live: LiveOutcome | null;
  roll: RollOutcome | null;
}

export default class ConfigSet extends KafkaCommand {
  static override summary = SET_TEXT.summary;
  static override description = SET_TEXT.description;
  static override examples = SET_TEXT.examples;
  static override strict = false;
  static override args = { assignment: Args.string({ description: 'KEY=VALUE, one or more.', required: false }) };
  static override flags = {
    ...configTargetFlags,
    unset: Flags.string({ description: "Remove the key's value at this level (dynamic keys); repeatable.", multiple: true }),
    timeout: Flags.string({ description: 'How long one broker may take to come back in sync after its restart.', default: '30m' }),
    ...mutatingFlags,
  };

  public async run(): Promise<ConfigSetResult> {
    const { argv, flags } = await this.parse(ConfigSet);
    const target = configTargetOf(flags);
    if (target === null) throw new UsageError(configTargetMissing());
    const timeout = parseDuration(flags.timeout);
    if (!timeout.ok) throw new UsageError(timeoutInvalid(timeout.error));
    const changes: ConfigChange[] = [];
    for (const text of argv.map(String)) {
      const parsed = parseAssignment(text);
      if (!parsed.ok) throw new UsageError(parsed.error);
      changes.push(parsed.change);
    }
    for (const key of flags.unset ?? []) changes.push({ key, value: null });
    if (changes.length === 0) throw new UsageError(configChangesMissing());

    const session = await this.connect(flags);
    const config = await readConfigFacts(session, await session.snapshot());
    const plan = planConfigSet({
      target,
      changes,
      brokers: config.brokers,
      statefulSet: config.statefulSet?.facts ?? null,
      ...(config.statefulSetProblem === undefined ? {} : { statefulSetProblem: config.statefulSetProblem }),
    });
    if (plan.refusals.length > 0) throw new RefusedError(configRefused(plan.refusals));
    // Kafka's own checks of the live values, before anything changes.
    await validateLiveChanges(await session.kafka(), plan);

    const targetText = configTargetText(target);
    const result: ConfigSetResult = {
      target,
      dryRun: flags['dry-run'],
      keys: plan.keys,
      restartBrokers: plan.restartBrokers,
      statefulSet: config.statefulSet?.facts.name ?? null,
      live: null,
      roll: null,
    };
    const planText = renderSetPlan(targetText, result.dryRun, plan.keys, plan.restartBrokers, result.statefulSet);
    if (flags['dry-run'] || plan.keys.every((k) => k.mode === 'unchanged')) {
      this.print(result, flags.output, () => planText);
      return result;
    }
    this.reporter.event(planText);
    await this.confirmOrStop(configSetConfirm(plan.restartBrokers), flags.yes);
    const signal = this.interruptSignal();
    const context = { session, reporter: this.reporter, signal, throttleBytesPerSecond: null, timeoutMs: timeout.value, maxMovesPerBroker: 1 };
    try {
      result.live = await applyLiveChanges(context, plan);
      if (config.statefulSet !== null && plan.keys.some((k) => k.mode === 'restart')) result.roll = await rollStaticChanges(context, plan, config.statefulSet);
    } catch (error) {
      if (signal.aborted) {
        throw new InterruptedError(CONFIG_SET_INTERRUPTED);
      }
      throw error;
    }
    this.print(result, flags.output, (r) => [planText, renderSetOutcome(r.live, r.roll)].filter(Boolean).join('\n'));
    return result;
  }
}
