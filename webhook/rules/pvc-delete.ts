/**
 * persistentvolumeclaims DELETE of a broker volume. Refused when the broker's
 * pod exists (the pvc-protection finalizer only postpones the deletion until
 * the pod stops; the StatefulSet then recreates the pod on a new, empty
 * volume) or when the broker still holds replicas (their data would be gone
 * for good). A leftover volume of a drained, scaled-away broker may go.
 *
 * Break-glass: the annotation on the broker's pod lets one deletion of its
 * volume through (the pod's own annotation, since a disrupted volume is a
 * disruption of that broker). `kubectl kafka move` uses it for the node-local
 * path, after its own verdict, to have the volume recreated on the target node.
 * The annotation is consumed from the pod, never patched onto the claim being
 * deleted (that would conflict with the deletion itself).
 */
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, undecided, type AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource, KafkaIndexResult, PodFact } from '../facts/types.js';
import { breakGlassHint, identityReason, liveVolumeReason, pvcDeleteSummary } from '../messages.js';
import { policyKey } from '../facts/types.js';
import { disruptionVerdict } from '../../shared/safety/disruption.js';
import { asPvc, breakGlassOf, brokerOfOrdinal, type OrdinalBroker } from './brokers.js';
import { locateBrokerVolume, type VolumeSubject } from './broker-volume.js';
import { NOTHING_READ, requirePolicy } from './pod-disruption.js';
import { RESOURCES, isResource, kafkaIndexFor, type GatherContext, type Located, type Rule } from './rule.js';

export interface PvcDeleteFacts {
  policy: KafkaGuardPolicy;
  namespace: string;
  pvcName: string;
  statefulSetName: string;
  broker: OrdinalBroker;
  /** null when not needed (the pod exists, or the broker id is unknown). */
  kafka: KafkaIndexResult | null;
  maxPartitionsNamed: number;
}

/** The volume, and the broker pod it belongs to (looked up once, for break-glass and the decision). */
export interface PvcDeleteSubject extends VolumeSubject {
  pod: PodFact | null;
}

export const pvcDelete: Rule<PvcDeleteSubject, PvcDeleteFacts> = {
  name: 'pvc-delete',
  guard: 'volumes',
  resources: [RESOURCES.pvcs],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.pvcs) && request.operation === 'DELETE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<PvcDeleteSubject> | null> {
    if (request.namespace === null || request.name === '') return null;
    const located = await locateBrokerVolume(request.namespace, request.name, asPvc(request.oldObject), facts);
    if (located === null) return null;
    const pod = await facts.pod(request.namespace, located.subject.volume.podName);
    return { ...located, subject: { ...located.subject, pod }, breakGlass: pod === null ? null : breakGlassOf(pod, request.namespace) };
  },

  async gather(_request: AdmissionRequest, located: Located<PvcDeleteSubject>, facts: FactsSource, context: GatherContext) {
    const policy = requirePolicy(located);
    const { namespace, pvcName, volume, pod } = located.subject;
    const broker = brokerOfOrdinal(volume.statefulSetName, volume.ordinal, pod, policy.spec.brokers.idFrom);
    const needsKafka = !broker.podExists && broker.id.ok;
    const kafka = needsKafka
      ? await kafkaIndexFor(facts, policy, context)
      : null;
    return {
      policy,
      namespace,
      pvcName,
      statefulSetName: volume.statefulSetName,
      broker,
      kafka,
      maxPartitionsNamed: context.maxPartitionsNamed,
    };
  },

  decide(_request: AdmissionRequest, facts: PvcDeleteFacts): AdmissionVerdict {
    const { broker } = facts;
    const brokerId = broker.id.ok ? broker.id.id : null;
    const summary = pvcDeleteSummary(facts.namespace, facts.pvcName, brokerId);
    if (broker.podExists) {
      const hints = [breakGlassHint(facts.namespace, broker.podName)];
      return deny([liveVolumeReason(facts.pvcName, broker.podName, brokerId, facts.namespace)], { summary, hints });
    }
    if (!broker.id.ok) {
      return deny([identityReason(broker.id.error, policyKey(facts.policy), facts.namespace)], { summary });
    }
    if (facts.kafka === null || !facts.kafka.ok) {
      return undecided(facts.kafka === null ? 'no Kafka view was gathered' : facts.kafka.error);
    }
    const id = broker.id.id;
    // The pod is gone, so the broker is down already; what matters is whether it still holds replicas.
    const result = disruptionVerdict({
      index: facts.kafka.index,
      brokers: [id],
      kind: 'remove',
      down: [id],
      pending: NOTHING_READ,
      policy: facts.policy,
      maxPartitionsNamed: facts.maxPartitionsNamed,
      target: { namespace: facts.namespace, statefulSet: facts.statefulSetName },
    });
    return (result.allowed ? allow() : deny(result.reasons, { summary })).withWarnings(...result.warnings);
  },
};
