/**
 * What evicting and deleting a broker pod have in common: both take one
 * broker down for a while ('disrupt'), so both are refused while that would
 * take a partition offline or under min.insync.replicas. The two rule files
 * differ only in how they find the pod and in their wording; this module holds
 * the shared gather step and the pure decision.
 */
import { brokerIdOfPod, statefulSetNameOfPod, type BrokerIdResult } from '../../shared/k8s/identity.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, undecided, type AdmissionVerdict, type Disruption } from '../admission/verdict.js';
import type { FactsSource, KafkaIndexResult, LedgerReading, PodFact } from '../facts/types.js';
import { policyKey } from '../facts/types.js';
import { breakGlassHint, breakGlassRetryWarning, identityReason } from '../messages.js';
import { disruptionVerdict } from '../../shared/safety/disruption.js';
import { podIsTerminating } from '../../shared/k8s/pods.js';
import { breakGlassOf, brokersDown, podReference } from './brokers.js';
import { kafkaIndexFor, type GatherContext, type Located } from './rule.js';

export interface PodSubject {
  namespace: string;
  pod: PodFact;
  podName: string;
}

export interface PodDisruptionFacts {
  policy: KafkaGuardPolicy;
  namespace: string;
  podName: string;
  podUid: string;
  /** The pod is already Terminating: the disruption is under way, this request changes nothing. */
  terminating: boolean;
  brokerId: BrokerIdResult;
  /** StatefulSet of the pod, for remediation commands. */
  statefulSet: string | null;
  alreadyDown: number[];
  pending: LedgerReading;
  /** null when no Kafka view was needed (terminating pod, unknown broker id). */
  kafka: KafkaIndexResult | null;
  maxPartitionsNamed: number;
}

/** Finds the policy of a broker pod; null when the pod is no broker of any policy. */
export async function locateBrokerPod(
  namespace: string,
  pod: PodFact,
  facts: FactsSource,
): Promise<Located<PodSubject> | null> {
  const policy = await facts.policyFor(namespace, pod.metadata?.labels ?? {});
  if (policy === null) return null;
  const podName = pod.metadata?.name ?? '';
  return {
    policy,
    subject: { namespace, pod, podName },
    involvedObject: podReference(namespace, podName, pod),
    breakGlass: breakGlassOf(pod, namespace),
  };
}

export async function gatherPodDisruption(
  located: Located<PodSubject>,
  facts: FactsSource,
  context: GatherContext,
): Promise<PodDisruptionFacts> {
  const { namespace, pod, podName } = located.subject;
  // The engine only gathers for rules with a policy; a null here is a bug in locate.
  const policy = requirePolicy(located);
  const brokerId = brokerIdOfPod(pod, policy.spec.brokers.idFrom);
  const terminating = podIsTerminating(pod);
  const needsKafka = brokerId.ok && !terminating;
  const podUid = pod.metadata?.uid ?? '';
  const key = policyKey(policy);
  const [brokerPods, pending, kafka] = await Promise.all([
    needsKafka ? facts.brokerPods(policy) : Promise.resolve([]),
    needsKafka
      ? facts.pendingDisruptions(key).then((read) => {
        // Known before Kafka answers: what the engine records if the deadline passes waiting for Kafka and the policy admits.
        if (brokerId.ok && !read.breakGlassPods.includes(podUid)) {
          context.noteDisruption?.(podDisruption(key, brokerId.id, { namespace, name: podName, uid: podUid }, read.version));
        }
        return read;
      })
      : Promise.resolve(NOTHING_READ),
    needsKafka
      ? kafkaIndexFor(facts, policy, context)
      : Promise.resolve(null),
  ]);
  return {
    policy,
    namespace,
    podName,
    podUid,
    terminating,
    brokerId,
    statefulSet: statefulSetNameOfPod(pod) ?? null,
    alreadyDown: brokersDown(brokerPods, policy.spec.brokers.idFrom),
    pending,
    kafka,
    maxPartitionsNamed: context.maxPartitionsNamed,
  };
}

/** The disruption a broker pod going down is reserved as, against the ledger version read. */
function podDisruption(key: string, brokerId: number, pod: Disruption['pod'], ledgerVersion: string): Disruption {
  return { policyKey: key, brokerId, pod, ledgerVersion };
}

/** No ledger was read (the decision does not need it): nothing pending, and no version to reserve against. */
export const NOTHING_READ: LedgerReading = Object.freeze({ brokers: [], unknown: null, version: '', breakGlassPods: [] }) as LedgerReading;

export function requirePolicy<S>(located: Located<S>): KafkaGuardPolicy {
  if (located.policy === null) throw new Error('rule gathered facts without a governing policy (locate returned none)');
  return located.policy;
}

export interface PodDisruptionWording {
  summary: (brokerId: number | null) => string;
  /** 429 for evictions (clients retry), 403 for deletes. */
  code: number;
}

/** Pure: may this broker pod go down now? */
export function decidePodDisruption(facts: PodDisruptionFacts, wording: PodDisruptionWording): AdmissionVerdict {
  if (facts.terminating) return allow();
  const key = policyKey(facts.policy);
  const hints = [breakGlassHint(facts.namespace, facts.podName)];
  if (!facts.brokerId.ok) {
    // 403 even for evictions: retrying cannot help until the policy or the pod is fixed.
    return deny([identityReason(facts.brokerId.error, key, facts.namespace)], { summary: wording.summary(null), code: 403, hints });
  }
  if (facts.pending.breakGlassPods.includes(facts.podUid)) {
    // Already recorded (with its own expiry): nothing to reserve again.
    return allow().withWarnings(breakGlassRetryWarning(facts.namespace, facts.podName));
  }
  const brokerId = facts.brokerId.id;
  const disruption = podDisruption(key, brokerId, { namespace: facts.namespace, name: facts.podName, uid: facts.podUid }, facts.pending.version);
  if (facts.kafka === null || !facts.kafka.ok) {
    // Carries the disruption: admitted under onKafkaUnreachable: Allow, it must still be counted by others.
    return undecided(facts.kafka === null ? 'no Kafka view was gathered' : facts.kafka.error).withDisruption(disruption);
  }
  const result = disruptionVerdict({
    index: facts.kafka.index,
    brokers: [brokerId],
    kind: 'disrupt',
    down: facts.alreadyDown,
    pending: facts.pending,
    policy: facts.policy,
    maxPartitionsNamed: facts.maxPartitionsNamed,
    target: {
      namespace: facts.namespace,
      pod: facts.podName,
      ...(facts.statefulSet === null ? {} : { statefulSet: facts.statefulSet }),
    },
  });
  const decided = result.allowed
    ? allow()
    : deny(result.reasons, { summary: wording.summary(brokerId), code: wording.code, hints });
  return decided.withWarnings(...result.warnings).withDisruption(disruption);
}
