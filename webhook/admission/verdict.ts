/**
 * AdmissionVerdict: what a rule (and, after policy is applied, the engine)
 * answers. Built only through the helpers below, turned into an
 * AdmissionReview response only by encode.ts. A verdict is an immutable value:
 * `withWarnings` and friends return a new one.
 */
import type { Operation as JsonPatchOperation } from 'fast-json-patch';
import type { PartitionRef } from '../../shared/safety/types.js';

/** One reason for a refusal. A shared/safety VerdictReason fits as is. */
export interface DenialReason {
  /** Short tag of the broken rule: a safety rule (`under-min-isr`) or a guard's own (`pvc-shrink`). */
  rule: string;
  /** One or two sentences for a person; for Kafka rules this already names the first partitions and the count. */
  message: string;
  /** Every partition affected (may be empty for non-Kafka rules). */
  partitions: readonly PartitionRef[];
  /** The command or change that does the job safely, when there is one. */
  remediation: string | null;
}

/** A reason as rules write it: partitions and remediation may be left out. */
export type DenialReasonFields = Omit<DenialReason, 'partitions' | 'remediation'> & Partial<Pick<DenialReason, 'partitions' | 'remediation'>>;

/** A plain string is a reason without rule tag, partitions or remediation. */
export type DenialReasonInput = string | DenialReasonFields;

/** metav1.Status reasons used in denials. */
export type StatusReason = 'Forbidden' | 'TooManyRequests' | 'Invalid' | 'InternalError' | 'ServiceUnavailable' | 'BadRequest';

/** A disruption this request would cause, for the shared ledger and break-glass bookkeeping. */
export interface Disruption {
  /** `namespace/name` of the governing KafkaGuardPolicy. */
  policyKey: string;
  brokerId: number;
  pod: { namespace: string; name: string; uid: string };
  /** The ledger version the decision read; the reservation is a compare-and-swap against it. */
  ledgerVersion: string;
}

/** Who set a pod's break-glass annotation: recorded in the ledger when the verdict that admits the edit stands. */
export interface BreakGlassSetting {
  pod: { namespace: string; name: string; uid: string };
  value: string;
  user: string;
  groups: readonly string[];
}

export type VerdictOutcome =
  | { kind: 'allow' }
  | {
      kind: 'deny';
      /** HTTP-style code the apiserver returns to the client (403, or 429 so eviction clients retry). */
      code: number;
      statusReason: StatusReason;
      /** One line: what was refused. */
      summary: string;
      reasons: readonly DenialReason[];
      /** Extra lines after the reasons, e.g. how to break glass. */
      hints: readonly string[];
      /** Rules that refused, filled in by the engine. */
      rules: readonly string[];
    }
  | { kind: 'patch'; ops: readonly JsonPatchOperation[] }
  | { kind: 'errored'; code: number; message: string }
  /**
   * The rule could not decide in time. When Kafka is what could not be asked,
   * the policy's onKafkaUnreachable decides; when the Kubernetes apiserver is
   * (`apiserver`: what it had not answered yet, e.g. the ledger), the request
   * is refused whatever the policy says (docs/adr/0001-webhook-error-semantics.md).
   */
  | { kind: 'undecided'; message: string; apiserver?: readonly string[] };

export class AdmissionVerdict {
  private constructor(
    readonly outcome: VerdictOutcome,
    readonly warnings: readonly string[],
    readonly disruption: Disruption | null,
    /** The break-glass annotation this (admitted) pod edit sets, and by whom. */
    readonly breakGlassSetting: BreakGlassSetting | null = null,
  ) {}

  /** @internal construction goes through the helpers below. */
  static of(outcome: VerdictOutcome, warnings: readonly string[] = [], disruption: Disruption | null = null): AdmissionVerdict {
    return new AdmissionVerdict(outcome, warnings, disruption);
  }

  /** Whether the apiserver will let the request through. */
  get allowed(): boolean {
    return this.outcome.kind === 'allow' || this.outcome.kind === 'patch';
  }

  withWarnings(...warnings: readonly string[]): AdmissionVerdict {
    const added = warnings.filter((w) => w.trim() !== '' && !this.warnings.includes(w));
    return added.length === 0 ? this : new AdmissionVerdict(this.outcome, [...this.warnings, ...added], this.disruption, this.breakGlassSetting);
  }

  /** Marks the verdict with the disruption it admits (or refuses), for the ledger. */
  withDisruption(disruption: Disruption | null): AdmissionVerdict {
    return new AdmissionVerdict(this.outcome, this.warnings, disruption, this.breakGlassSetting);
  }

  /** Marks the verdict with the break-glass annotation it lets be set, for the ledger. */
  withBreakGlassSetting(setting: BreakGlassSetting | null): AdmissionVerdict {
    return new AdmissionVerdict(this.outcome, this.warnings, this.disruption, setting);
  }

  /** Same verdict with a different outcome, keeping warnings, disruption and break-glass setting. */
  withOutcome(outcome: VerdictOutcome): AdmissionVerdict {
    return new AdmissionVerdict(outcome, this.warnings, this.disruption, this.breakGlassSetting);
  }
}

export function allow(): AdmissionVerdict {
  return AdmissionVerdict.of({ kind: 'allow' });
}

export interface DenyOptions {
  /** One line saying what was refused; defaults to a generic sentence. */
  summary?: string;
  /** 403 by default; 429 for evictions (kubectl drain and the cluster autoscaler retry those, as for a PDB). */
  code?: number;
  hints?: readonly string[];
}

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  403: 'Forbidden',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export function statusReasonFor(code: number): StatusReason {
  return REASON_BY_CODE[code] ?? (code >= 500 ? 'InternalError' : 'Forbidden');
}

export function deny(reasons: readonly DenialReasonInput[], opts: DenyOptions = {}): AdmissionVerdict {
  const code = opts.code ?? 403;
  return AdmissionVerdict.of({
    kind: 'deny',
    code,
    statusReason: statusReasonFor(code),
    summary: opts.summary ?? 'kafka-guard refused this request',
    reasons: reasons.map(toDenialReason),
    hints: opts.hints ?? [],
    rules: [],
  });
}

function toDenialReason(input: DenialReasonInput): DenialReason {
  if (typeof input === 'string') return { rule: 'refused', message: input, partitions: [], remediation: null };
  return { rule: input.rule, message: input.message, partitions: input.partitions ?? [], remediation: input.remediation ?? null };
}

/** A JSON Patch verdict; an empty patch is a plain allow (the response then carries no patch). */
export function patch(ops: readonly JsonPatchOperation[]): AdmissionVerdict {
  return ops.length === 0 ? allow() : AdmissionVerdict.of({ kind: 'patch', ops });
}

/** An unexpected failure; the message names what failed. Never JSON.stringify an Error: it serialises to {}. */
export function errored(error: unknown, code = 500): AdmissionVerdict {
  return AdmissionVerdict.of({ kind: 'errored', code, message: errorMessage(error) });
}

/** `apiserver`: the apiserver lookups that had not answered; none when Kafka is what could not be asked. */
export function undecided(message: string, apiserver: readonly string[] = []): AdmissionVerdict {
  return AdmissionVerdict.of(apiserver.length === 0 ? { kind: 'undecided', message } : { kind: 'undecided', message, apiserver });
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  return `non-Error value thrown: ${String(error)}`;
}
