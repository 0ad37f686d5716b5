/**
 * What a guarded operation (drain, scale, restart, move, rebalance) runs
 * with, besides its own input: the session, somewhere to report progress,
 * the Ctrl-C signal, and the data-moving settings from the command line.
 */
import type { Reporter } from '../output/progress.js';
import type { Session } from './session.js';

export interface OperationContext {
  session: Session;
  reporter: Reporter;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
  throttleBytesPerSecond: number | null;
  /** How long one batch of data, or one broker restart, may take. */
  timeoutMs: number;
  maxMovesPerBroker: number;
}

/** The reporter hooks the shared executors take. */
export function progressHooks(context: OperationContext, label: string) {
  return {
    signal: context.signal,
    onEvent: (line: string) => context.reporter.event(line),
    onProgress: (p: Parameters<Reporter['progress']>[1]) => context.reporter.progress(label, p),
  };
}
