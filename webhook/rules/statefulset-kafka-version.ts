/**
 * statefulsets CREATE/UPDATE of a broker StatefulSet whose pod template runs
 * a Kafka version (image tag, or the policy's version annotation) that cannot
 * run the metadata.version the cluster has finalized: above what that release
 * supports (a downgrade past a finalized upgrade: its brokers would not
 * start), or below what it accepts (4.x needs 3.3-IV3 or later).
 *
 * Only a change of the version is checked on UPDATE, so unrelated updates
 * pass. What cannot be known is a warning, never a guess: an image whose
 * version cannot be read, a release kafka-guard has no table row for, or a
 * Kafka that cannot be asked (a broker on the wrong version fails to start
 * and stops the StatefulSet's rollout at that broker; refusing here while
 * Kafka is down would also block the rollback that brings it back).
 */
import { levelsOf, type ClusterFeatures } from '../../shared/kafka/features.js';
import { templateKafkaVersion, type ImageVersion } from '../../shared/k8s/kafka-image.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, type AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource, KafkaFeaturesResult } from '../facts/types.js';
import {
  kafkaVersionAboveReason, kafkaVersionBelowReason, kafkaVersionNoZookeeperReason, kafkaVersionSummary, kafkaVersionZookeeperSummary, kafkaVersionUncheckedWarning, kafkaVersionUnknownWarning,
} from '../messages.js';
import { asStatefulSet, podTemplateLabels, statefulSetReference } from './brokers.js';
import { RESOURCES, isResource, type GatherContext, type Located, type Rule } from './rule.js';

export interface VersionSubject {
  namespace: string;
  statefulSetName: string;
  next: ImageVersion;
}

export interface VersionFacts extends VersionSubject {
  features: KafkaFeaturesResult;
}

function versionOf(template: unknown, policy: KafkaGuardPolicy): ImageVersion {
  return templateKafkaVersion(template as Parameters<typeof templateKafkaVersion>[0], {
    containerName: policy.spec.brokers.containerName,
    versionAnnotation: policy.spec.brokers.versionAnnotation,
  });
}

const text = (v: ImageVersion): string => (v.known ? v.version.text : `unknown: ${v.reason}`);

export const statefulSetKafkaVersion: Rule<VersionSubject, VersionFacts> = {
  name: 'statefulset-kafka-version',
  guard: 'versions',
  resources: [RESOURCES.statefulSets],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.statefulSets) && request.subResource === null && (request.operation === 'CREATE' || request.operation === 'UPDATE');
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<VersionSubject> | null> {
    const statefulSet = asStatefulSet(request.object);
    if (statefulSet === null || request.namespace === null) return null;
    const policy = await facts.policyFor(request.namespace, podTemplateLabels(statefulSet));
    if (policy === null) return null;
    const next = versionOf(statefulSet.spec?.template, policy);
    const before = asStatefulSet(request.oldObject);
    // An update that leaves the version as it was is none of this rule's business.
    if (before !== null && text(versionOf(before.spec?.template, policy)) === text(next)) return null;
    const name = request.name || statefulSet.metadata?.name || '';
    return {
      policy,
      subject: { namespace: request.namespace, statefulSetName: name, next },
      involvedObject: statefulSetReference(request.namespace, name, before),
      breakGlass: null,
    };
  },

  async gather(_request: AdmissionRequest, located: Located<VersionSubject>, facts: FactsSource, context: GatherContext): Promise<VersionFacts> {
    const { policy, subject } = located;
    if (!subject.next.known || policy === null) return { ...subject, features: { ok: false, reason: 'not read' } };
    const features = facts.kafkaFeatures === undefined
      ? { ok: false as const, reason: 'this webhook cannot read Kafka features' }
      : await facts.kafkaFeatures(policy, context.deadline);
    return { ...subject, features };
  },

  decide(_request: AdmissionRequest, facts: VersionFacts): AdmissionVerdict {
    return decideVersion(facts);
  },
};

/** Pure: the verdict for a pod template's version against the cluster's features. */
export function decideVersion(facts: VersionFacts): AdmissionVerdict {
  const { next } = facts;
  if (!next.known) return allow().withWarnings(kafkaVersionUnknownWarning(next.reason));
  if (!facts.features.ok) return allow().withWarnings(kafkaVersionUncheckedWarning(next.version.text, facts.features.reason));
  const finalized = facts.features.features.metadataVersion;
  const levels = levelsOf(next.version);
  if (!levels.known) return allow().withWarnings(kafkaVersionUncheckedWarning(next.version.text, levels.reason));
  if (finalized === null) {
    // A ZooKeeper-mode cluster cannot run Kafka 4 at all (it has no ZooKeeper mode): its brokers would not start.
    if (levels.min > 1 && facts.features.features.mode === 'zookeeper') {
      return deny([kafkaVersionNoZookeeperReason(next)], { summary: kafkaVersionZookeeperSummary(facts.namespace, facts.statefulSetName, next.version.text) });
    }
    // KRaft before 3.3, or a mode the brokers do not tell: no finalized level to compare with. 4.x runs KRaft from 3.3-IV3 only.
    return levels.min > 1
      ? allow().withWarnings(kafkaVersionUncheckedWarning(next.version.text, 'the cluster reports no finalized metadata.version (ZooKeeper mode, or Kafka older than 3.3); Kafka 4 runs only KRaft clusters at 3.3-IV3 or later'))
      : allow();
  }
  const summary = kafkaVersionSummary(facts.namespace, facts.statefulSetName, next.version.text);
  if (finalized > levels.max) return deny([kafkaVersionAboveReason(next, levels, finalized, runningMax(facts.features.features))], { summary });
  if (finalized < levels.min) return deny([kafkaVersionBelowReason(next, levels, finalized)], { summary });
  return allow();
}

/** The highest metadata.version every broker's software supports now, or null. */
function runningMax(features: ClusterFeatures): number | null {
  const maxes = [...features.supportedByBroker.values()];
  return maxes.length === 0 || maxes.some((m) => m === null) ? null : Math.min(...(maxes as number[]));
}
