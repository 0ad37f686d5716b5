/**
 * Which lookups a rule is still waiting for. The engine gives each rule its
 * facts through `trackLookups`, so that when the decision deadline passes it
 * can say what was slow: Kafka, or the Kubernetes apiserver behind the ledger
 * and the caches. The two call for different answers (docs/adr/0001): an
 * unreachable Kafka goes by the policy's onKafkaUnreachable, an apiserver that
 * does not answer is refused whatever onKafkaUnreachable says (in Warn mode,
 * admitted with a warning), because without the ledger concurrent
 * disruptions cannot be counted.
 */
import type { FactsSource } from './types.js';

/** Where a lookup's answer comes from. */
export type LookupOrigin = 'kafka' | 'apiserver';

export type Lookup = keyof FactsSource;

/**
 * Every lookup's origin. The ledger (pendingDisruptions, breakGlassSetter) is
 * read from the apiserver on each call; the rest of the Kubernetes facts come
 * from informer caches the apiserver feeds.
 */
export const LOOKUP_ORIGINS: Readonly<Record<Lookup, LookupOrigin>> = {
  policyFor: 'apiserver',
  policiesIn: 'apiserver',
  pod: 'apiserver',
  brokerPods: 'apiserver',
  statefulSet: 'apiserver',
  statefulSets: 'apiserver',
  pvcs: 'apiserver',
  pendingDisruptions: 'apiserver',
  breakGlassSetter: 'apiserver',
  pdbCoversBrokers: 'apiserver',
  storageClasses: 'apiserver',
  schedulableNodeCount: 'apiserver',
  kafkaIndex: 'kafka',
  replicaSizes: 'kafka',
  kafkaFeatures: 'kafka',
};

/** The lookups of one rule run that have started and not answered yet. */
export class PendingLookups {
  private readonly counts = new Map<Lookup, number>();

  /** Runs `lookup`, counted as pending until it settles. */
  async during<T>(name: Lookup, lookup: () => Promise<T>): Promise<T> {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    try {
      return await lookup();
    } finally {
      const left = (this.counts.get(name) ?? 1) - 1;
      if (left === 0) this.counts.delete(name);
      else this.counts.set(name, left);
    }
  }

  /** The pending lookups from `origin`, in the order they started. */
  from(origin: LookupOrigin): Lookup[] {
    return [...this.counts.keys()].filter((name) => LOOKUP_ORIGINS[name] === origin);
  }
}

/** `facts`, with every lookup counted in `pending` while it runs. */
export function trackLookups(facts: FactsSource, pending: PendingLookups): FactsSource {
  const { replicaSizes, kafkaFeatures } = facts;
  return {
    policyFor: (namespace, labels) => pending.during('policyFor', () => facts.policyFor(namespace, labels)),
    policiesIn: (namespace) => pending.during('policiesIn', () => facts.policiesIn(namespace)),
    pod: (namespace, name) => pending.during('pod', () => facts.pod(namespace, name)),
    brokerPods: (policy) => pending.during('brokerPods', () => facts.brokerPods(policy)),
    statefulSet: (namespace, name) => pending.during('statefulSet', () => facts.statefulSet(namespace, name)),
    statefulSets: (namespace) => pending.during('statefulSets', () => facts.statefulSets(namespace)),
    pvcs: (namespace) => pending.during('pvcs', () => facts.pvcs(namespace)),
    kafkaIndex: (policy, options) => pending.during('kafkaIndex', () => facts.kafkaIndex(policy, options)),
    pendingDisruptions: (key) => pending.during('pendingDisruptions', () => facts.pendingDisruptions(key)),
    breakGlassSetter: (pod, value) => pending.during('breakGlassSetter', () => facts.breakGlassSetter(pod, value)),
    pdbCoversBrokers: (policy, labels) => pending.during('pdbCoversBrokers', () => facts.pdbCoversBrokers(policy, labels)),
    storageClasses: () => pending.during('storageClasses', () => facts.storageClasses()),
    schedulableNodeCount: () => pending.during('schedulableNodeCount', () => facts.schedulableNodeCount()),
    // Optional: a source without them stays without them (the rules then skip those checks).
    ...(replicaSizes === undefined
      ? {}
      : { replicaSizes: (policy, brokers, deadline) => pending.during('replicaSizes', () => replicaSizes.call(facts, policy, brokers, deadline)) }),
    ...(kafkaFeatures === undefined
      ? {}
      : { kafkaFeatures: (policy, deadline) => pending.during('kafkaFeatures', () => kafkaFeatures.call(facts, policy, deadline)) }),
  };
}
