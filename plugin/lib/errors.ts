/**
 * Exit codes (docs/plugin.md "Conventions") and the errors that carry them.
 * Every command ends in exactly one of these; exitCodeOf() maps errors from
 * the shared modules onto them in one place.
 */
import { KafkaUnreachableError } from '../../shared/kafka/errors.js';
import { KubeApiError, KubeConfigError, KubeUnreachableError } from '../../shared/k8s/cluster.js';
import { PlanError } from '../../shared/safety/planner.js';
import { RefusedError, UsageError } from '../../shared/ops/errors.js';

export const ExitCode = {
  /** Done, or safe. */
  ok: 0,
  /** Unsafe, refused, or failed part-way. */
  refused: 1,
  /** The command line is wrong (unknown pod, malformed flag, ...). Nothing was changed. */
  usage: 2,
  /** Kafka or the Kubernetes apiserver cannot be reached. */
  unreachable: 3,
  /** Interrupted with Ctrl-C (128 + SIGINT), after cleaning up. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

// Shared with the evacuation controller, which runs the same operations.
export { RefusedError, UsageError } from '../../shared/ops/errors.js';

/**
 * Kafka cannot be connected to as the policy says: a Secret it names is
 * missing, unreadable or incomplete. Exit code 3, like an unreachable broker.
 */
export class KafkaSettingsError extends Error {
  override readonly name = 'KafkaSettingsError';
}

/** Ctrl-C: cleanup has run; the message says what is left. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  if (error instanceof UsageError || error instanceof KubeConfigError) return ExitCode.usage;
  if (error instanceof KafkaUnreachableError || error instanceof KubeUnreachableError || error instanceof KafkaSettingsError) {
    return ExitCode.unreachable;
  }
  if (error instanceof InterruptedError) return ExitCode.interrupted;
  if (error instanceof KubeApiError && error.status === 401) return ExitCode.unreachable;
  if (error instanceof PlanError || error instanceof RefusedError) return ExitCode.refused;
  return ExitCode.refused;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
