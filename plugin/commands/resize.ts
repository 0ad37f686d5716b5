import { Args, Flags } from '@oclif/core';
import { KafkaCommand, mutatingFlags } from '../lib/base-command.js';
import { InterruptedError, UsageError } from '../lib/errors.js';
import { parseDuration } from '../lib/units.js';
import { flagInvalid, renderResizePlan, renderResizeResult, RESIZE_HELP, RESIZE_INTERRUPTED, templateNameInvalid, type ResizePlanView } from '../messages.js';
import type { OperationContext } from '../lib/operation.js';
import type { Session } from '../lib/session.js';
import { executeResize, prepareResize, type ResizeOutcome } from '../../shared/ops/resize.js';
import { parseStorageSize } from '../../shared/plan/resize.js';

export interface ResizeResult {
  statefulSet: string;
  template: string;
  storage: string;
  dryRun: boolean;
  /** Nothing to do: template and claims are at the size already. */
  nothing: boolean;
  note: string | null;
  plan: ResizePlanView | null;
  outcome: ResizeOutcome | null;
}

export default class Resize extends KafkaCommand {
  static override summary = RESIZE_HELP.summary;
  static override description = RESIZE_HELP.description;
  static override examples = RESIZE_HELP.examples;

  static override args = { statefulset: Args.string({ description: 'The broker StatefulSet.', required: true }) };

  static override flags = {
    storage: Flags.string({ description: RESIZE_HELP.flags.storage, required: true }),
    template: Flags.string({ description: RESIZE_HELP.flags.template }),
    'online-resize-wait': Flags.string({ description: RESIZE_HELP.flags.onlineResizeWait, default: '2m' }),
    timeout: Flags.string({ description: RESIZE_HELP.flags.timeout, default: '30m' }),
    ...mutatingFlags,
  };

  private operationContext(session: Session, timeoutMs: number): OperationContext {
    return { session, reporter: this.reporter, signal: new AbortController().signal, throttleBytesPerSecond: null, timeoutMs, maxMovesPerBroker: 1 };
  }

  public async run(): Promise<ResizeResult> {
    const { args, flags } = await this.parse(Resize);
    const storage = parseStorageSize(flags.storage);
    if (!storage.ok) throw new UsageError(storage.error);
    const onlineWait = parseDuration(flags['online-resize-wait']);
    if (!onlineWait.ok) throw new UsageError(flagInvalid('--online-resize-wait', onlineWait.error));
    const timeout = parseDuration(flags.timeout);
    if (!timeout.ok) throw new UsageError(flagInvalid('--timeout', timeout.error));
    if (flags.template !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(flags.template)) {
      throw new UsageError(templateNameInvalid(flags.template));
    }

    const session = await this.connect(flags);
    const prepared = await prepareResize(session, {
      statefulSet: args.statefulset.replace(/^(statefulset|sts)(\.apps)?\//, ''),
      ...(flags.template === undefined ? {} : { template: flags.template }),
      storage: storage.value,
    });
    const { plan } = prepared;
    const result: ResizeResult = {
      statefulSet: prepared.statefulSet,
      template: prepared.template,
      storage: storage.value.quantity,
      dryRun: flags['dry-run'],
      nothing: plan.kind === 'nothing',
      note: plan.kind === 'nothing' ? plan.note : null,
      plan: null,
      outcome: null,
    };
    if (plan.kind === 'nothing') {
      // Forgets a record a run stopped after its create left behind.
      if (!flags['dry-run']) await executeResize(this.operationContext(session, timeout.value), prepared, { onlineResizeWaitMs: onlineWait.value });
      this.print(result, flags.output, (r) => r.note ?? '');
      return result;
    }
    result.plan = {
      statefulSet: plan.statefulSet,
      template: plan.template,
      storage: storage.value.quantity,
      templateFrom: plan.templateFrom,
      templateTo: plan.templateTo,
      templateStep: plan.templateStep,
      claims: plan.claims,
      mayRestart: plan.claims.filter((c) => c.action === 'expand' || c.action === 'resizing').map((c) => c.pod),
      restartPending: plan.claims.filter((c) => c.restartPending).map((c) => c.pod),
    };
    const view = result.plan;
    if (flags['dry-run']) {
      this.print(result, flags.output, () => renderResizePlan(view, true, onlineWait.value));
      return result;
    }
    this.reporter.event(renderResizePlan(view, false, onlineWait.value));
    await this.confirmOrStop(RESIZE_HELP.confirm(prepared.statefulSet, storage.value.quantity), flags.yes);
    const signal = this.interruptSignal();
    try {
      result.outcome = await executeResize(
        { ...this.operationContext(session, timeout.value), signal },
        prepared,
        { onlineResizeWaitMs: onlineWait.value },
      );
    } catch (error) {
      if (signal.aborted) throw new InterruptedError(RESIZE_INTERRUPTED);
      throw error;
    }
    const outcome = result.outcome;
    this.print(result, flags.output, () => renderResizeResult(prepared.statefulSet, storage.value.quantity, outcome));
    return result;
  }
}
