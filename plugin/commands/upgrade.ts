import { Args, Flags } from '@oclif/core';
import type { FinalizePlan } from '../../shared/plan/upgrade.js';
import { executeFinalize, executeUpgrade, prepareFinalize, prepareUpgrade, type UpgradePlan } from '../../shared/ops/upgrade.js';
import { notUpgrading } from '../../shared/ops/messages.js';
import type { RestartStep } from '../../shared/ops/restart.js';
import { KafkaCommand, mutatingFlags } from '../lib/base-command.js';
import { InterruptedError, RefusedError, UsageError } from '../lib/errors.js';
import { formatDuration, parseDuration } from '../lib/units.js';
import { renderTable } from '../output/table.js';
import { describeFinalize, finalizeConfirm, finalizeWarning, flagInvalid, imageInvalid, upgradeConfirm, upgradeInterrupted, upgradeModeMissing, upgradePlanLines } from '../messages.js';
import type { Session } from '../lib/session.js';

export interface UpgradeResult {
  dryRun: boolean;
  mode: 'roll' | 'finalize';
  plan: UpgradePlan | null;
  finalize: FinalizePlan | null;
  steps: RestartStep[];
}

export default class Upgrade extends KafkaCommand {
  static override summary = 'Upgrade the Kafka version of a broker StatefulSet, guarded from preflight to finalize.';

  static override description = `Preflight: every partition fully in sync, no reassignment in flight, every broker up, the KRaft
quorum led, and the new release able to run the cluster's finalized metadata.version. Roll: the
image changes with updateStrategy OnDelete (the StatefulSet controller rolls nothing by itself), and
each broker is restarted onto it by the guarded restart (leadership first, full ISR before the
next, the active controller last); the previous updateStrategy comes back at the end. The upgrade
is recorded on the StatefulSet (annotation kafkaguard.io/upgrade): interrupted, a rerun with the
same --image finishes it.

Finalize (--finalize) is a separate step, once the new version has run well: it raises
metadata.version to the highest level every broker supports. A finalized level cannot be lowered,
so after it the previous version can no longer run the cluster (the webhook refuses that image).`;

  static override examples = [
    { description: 'See the plan and the preflight', command: 'kubectl kafka upgrade kafka --image apache/kafka:4.1.1 --dry-run' },
    { description: 'Roll every broker onto the new image', command: 'kubectl kafka upgrade kafka --image apache/kafka:4.1.1' },
    { description: 'Ask Kafka whether finalizing would work, then do it', command: 'kubectl kafka upgrade kafka --finalize --dry-run && kubectl kafka upgrade kafka --finalize' },
  ];

  static override args = { statefulset: Args.string({ description: 'The broker StatefulSet.', required: true }) };

  static override flags = {
    image: Flags.string({ description: 'The new broker image; its tag (or the policy\'s versionAnnotation) names the Kafka version.' }),
    finalize: Flags.boolean({ description: 'Raise metadata.version once every broker runs the new version.', default: false }),
    timeout: Flags.string({ description: 'How long one broker may take to come back in sync.', default: '30m' }),
    ...mutatingFlags,
  };

  public async run(): Promise<UpgradeResult> {
    const { args, flags } = await this.parse(Upgrade);
    const timeout = parseDuration(flags.timeout);
    if (!timeout.ok) throw new UsageError(flagInvalid('--timeout', timeout.error));
    if (flags.finalize === (flags.image !== undefined)) throw new UsageError(upgradeModeMissing());
    if (flags.image !== undefined && !/^[^\s]{1,512}$/.test(flags.image)) throw new UsageError(imageInvalid(flags.image));
    const session = await this.connect(flags);
    return flags.finalize
      ? this.finalize(args.statefulset, flags['dry-run'], flags.yes, flags.output, timeout.value, session)
      : this.roll(args.statefulset, flags.image ?? '', flags['dry-run'], flags.yes, flags.output, timeout.value, session);
  }

  private async roll(statefulSet: string, image: string, dryRun: boolean, yes: boolean, output: string, timeoutMs: number, session: Session): Promise<UpgradeResult> {
    const prepared = await prepareUpgrade(session, statefulSet, image);
    const { plan } = prepared;
    const result: UpgradeResult = { dryRun, mode: 'roll', plan, finalize: null, steps: [] };
    const lines = upgradePlanLines(statefulSet, plan, dryRun);
    if (dryRun) {
      this.print(result, output, () => lines.join('\n'));
      if (plan.problems.length > 0 && !plan.resuming) throw new RefusedError(notUpgrading(statefulSet, plan.problems, false));
      return result;
    }
    this.reporter.event(lines.join('\n'));
    if (plan.problems.length > 0 && !plan.resuming) throw new RefusedError(notUpgrading(statefulSet, plan.problems, true));
    await this.confirmOrStop(upgradeConfirm(), yes);
    const signal = this.interruptSignal();
    try {
      result.steps = (await executeUpgrade({ session, reporter: this.reporter, signal, throttleBytesPerSecond: null, timeoutMs, maxMovesPerBroker: 1 }, prepared)).steps;
    } catch (error) {
      if (signal.aborted) throw new InterruptedError(upgradeInterrupted(statefulSet));
      throw error;
    }
    this.print(result, output, (r) =>
      renderTable(
        ['broker', 'pod', 'node', 'pod down', 'back in sync'],
        r.steps.map((s) => [String(s.broker), s.pod, s.nodeAfter ?? '-', formatDuration(s.podDownMs), formatDuration(s.totalMs)]),
      ),
    );
    return result;
  }

  private async finalize(statefulSet: string, dryRun: boolean, yes: boolean, output: string, timeoutMs: number, session: Session): Promise<UpgradeResult> {
    const prepared = await prepareFinalize(session, statefulSet);
    const result: UpgradeResult = { dryRun, mode: 'finalize', plan: null, finalize: prepared.plan, steps: [] };
    const describe = (): string => describeFinalize(prepared.plan, dryRun);
    if (prepared.plan.action === 'raise' && !dryRun) {
      this.reporter.event(finalizeWarning(prepared.plan.from, prepared.plan.to));
      await this.confirmOrStop(finalizeConfirm(), yes);
    }
    await executeFinalize(session, prepared, dryRun, timeoutMs);
    this.print(result, output, describe);
    return result;
  }
}
