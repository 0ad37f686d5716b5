/**
 * The shape of a rule. A rule is three steps, kept apart so the decision can be
 * table-tested without any I/O:
 *
 *   locate  (I/O)  which KafkaGuardPolicy governs the object, and the object itself
 *   gather  (I/O)  the facts the decision needs, through FactsSource only
 *   decide  (pure) the verdict, from the request and the gathered facts
 *
 * Policy-wide switches (mode, guards, onKafkaUnreachable, break-glass) are the
 * engine's job, applied after `decide`, so every rule treats them the same way.
 */
import type { AdmissionRequest } from '../admission/types.js';
import type { AdmissionVerdict, Disruption } from '../admission/verdict.js';
import type { Deadline, FactsSource, KafkaIndexResult, ObjectReference } from '../facts/types.js';
import type { GuardsSpec, KafkaGuardPolicy } from '../../shared/policy/types.js';

/** A resource the webhook is registered for: group ("" = core), plural resource, subresource. */
export interface ResourceKey {
  group: string;
  resource: string;
  subResource: string | null;
}

/** A break-glass annotation found on the pod a request disrupts. */
export interface BreakGlass {
  pod: { namespace: string; name: string; uid: string };
  /** The annotation value: the operator's reason. */
  reason: string;
}

export interface Located<Subject> {
  /** The governing policy; null only for rules without a guard (policy validation). */
  policy: KafkaGuardPolicy | null;
  subject: Subject;
  /** What Events about this decision are attached to. */
  involvedObject: ObjectReference;
  breakGlass: BreakGlass | null;
}

/** Settings a rule's gather step may need, from the parsed configuration. */
export interface GatherContext {
  deadline: Deadline;
  /**
   * When the request arrived (epoch ms). Every Kafka view a decision reads was
   * fetched after it: a view cached before the request may miss a topic created
   * or an ISR that shrank a moment ago, and an admission on it could take a
   * partition offline; a refusal on it could refuse a client that had just made
   * its change safe (a drain before its scale-down).
   */
  requestArrivedAt: number;
  maxPartitionsNamed: number;
  /**
   * Called by a rule as soon as it knows the disruption it would reserve (its
   * apiserver facts read, Kafka perhaps not yet): if the deadline passes while
   * Kafka is awaited and onKafkaUnreachable admits, that disruption is still
   * recorded in the ledger, as for a Kafka that answered with an error.
   */
  noteDisruption?: (disruption: Disruption) => void;
}

/** The Kafka view a rule decides on: one whose fetch started after the request arrived. */
export function kafkaIndexFor(facts: FactsSource, policy: KafkaGuardPolicy, context: GatherContext): Promise<KafkaIndexResult> {
  return facts.kafkaIndex(policy, { notBefore: context.requestArrivedAt, deadline: context.deadline });
}

export interface Rule<Subject = unknown, Facts = unknown> {
  /** Stable name: log field, metrics label, Event text. */
  readonly name: string;
  /** The policy switch that turns this rule off; null for rules that always apply. */
  readonly guard: keyof GuardsSpec | null;
  /** The resources this rule is registered for; a request for none of any rule's is refused with 400. */
  readonly resources: readonly ResourceKey[];
  /**
   * Status code of this rule's refusals. Evictions use 429: `kubectl drain` and
   * the cluster autoscaler retry a 429 as they do for a PodDisruptionBudget.
   */
  readonly denialCode: number;
  /** Whether this rule looks at the request (resource, subresource, operation); cheap and pure. */
  matches(request: AdmissionRequest): boolean;
  /** Finds the governing policy. null: the object is none of kafka-guard's business (allowed). */
  locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<Subject> | null>;
  gather(request: AdmissionRequest, located: Located<Subject>, facts: FactsSource, context: GatherContext): Promise<Facts>;
  /** Pure. */
  decide(request: AdmissionRequest, facts: Facts): AdmissionVerdict;
}

/** Whether the request is for this resource (any version: the webhook registers one per resource). */
export function isResource(request: AdmissionRequest, key: ResourceKey): boolean {
  return (
    request.resource.group === key.group &&
    request.resource.resource === key.resource &&
    request.subResource === key.subResource
  );
}

export const RESOURCES = {
  pods: { group: '', resource: 'pods', subResource: null },
  podEviction: { group: '', resource: 'pods', subResource: 'eviction' },
  statefulSets: { group: 'apps', resource: 'statefulsets', subResource: null },
  statefulSetScale: { group: 'apps', resource: 'statefulsets', subResource: 'scale' },
  pvcs: { group: '', resource: 'persistentvolumeclaims', subResource: null },
  policies: { group: 'kafkaguard.io', resource: 'kafkaguardpolicies', subResource: null },
  kafkaNodePools: { group: 'kafka.strimzi.io', resource: 'kafkanodepools', subResource: null },
} as const satisfies Record<string, ResourceKey>;
