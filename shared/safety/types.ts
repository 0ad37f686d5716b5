/**
 * Verdict types: the answer to "may these brokers go down?". Produced by the
 * pure functions in shared/safety/verdict.ts, rendered by the webhook (admission
 * responses, Events) and the plugin (can-disrupt, status).
 */

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** A partition as a Map/Set key ('\u0000' cannot occur in a topic name). */
export function partitionKey({ topic, partition }: PartitionRef): string {
  return `${topic}\u0000${partition}`;
}

/** The safety rules of docs/architecture.md ("The safety model"). */
export type SafetyRule =
  /** The partition's effective ISR would become empty. */
  | 'offline'
  /** The partition's effective ISR would drop below the topic's min.insync.replicas. */
  | 'under-min-isr'
  /** A broker to be removed for good still holds replicas. */
  | 'holds-replicas'
  /** A broker id that is not part of the cluster. */
  | 'unknown-broker';

export interface VerdictReason {
  rule: SafetyRule;
  /** One line for a person: what would happen and why it is refused. */
  message: string;
  /** Every partition affected by this rule, sorted by topic then partition. */
  partitions: PartitionRef[];
  /** The command that does the job safely. */
  remediation: string;
}

export interface Verdict {
  allowed: boolean;
  /** Why it is refused; empty when allowed. */
  reasons: VerdictReason[];
  /** Things worth saying even when allowed (e.g. expendable topics going offline). */
  warnings: string[];
}

/** What is being asked. */
export interface DisruptionRequest {
  /** Brokers the request takes down. */
  brokers: number[];
  /**
   * 'disrupt': temporarily (eviction, delete, restart) -> offline / under-min-isr rules.
   * 'remove': for good (scale-down, volume deletion) -> also holds-replicas.
   */
  kind: 'disrupt' | 'remove';
}

/** Facts about brokers that are already unavailable, gathered by the caller. */
export interface DisruptionContext {
  /** Brokers already down: pod not Ready, being deleted, or not registered with Kafka. */
  alreadyDown: number[];
  /** Brokers whose disruption was admitted recently and may not have happened yet. */
  pending: number[];
}

/** The policy knobs the verdict reads. */
export interface VerdictPolicy {
  /** Topic names or `prefix*` patterns whose partitions may go offline. */
  expendableTopics: string[];
  /** Render partition lists: how many to name before "and N more". */
  maxPartitionsNamed?: number;
  /** Names used to build remediation commands. */
  target?: {
    namespace?: string;
    pod?: string;
    statefulSet?: string;
    /** The replica count a scale-down asks for; with `statefulSet` it builds `kubectl kafka scale`. */
    replicas?: number;
  };
}
