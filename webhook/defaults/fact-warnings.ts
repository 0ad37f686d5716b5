/**
 * Warnings about the cluster around the brokers, from facts the caller
 * gathered. They change nothing; an unknown fact (null) says nothing.
 */
import { HOSTNAME_TOPOLOGY_KEY } from './anti-affinity.js';
import { RECOMMENDED_REPLICATION_FACTOR } from './kafka-settings.js';
import { isRecord, optionalArray, optionalRecord } from './shape.js';
import type { DefaultTarget, DefaultsFacts } from './types.js';

export function factWarnings(target: DefaultTarget, facts: DefaultsFacts): string[] {
  const warnings: string[] = [];
  if (facts.pdbCoversBrokers === false) {
    warnings.push(
      'no PodDisruptionBudget selects the broker pods: add one with maxUnavailable: 1 so voluntary disruptions ' +
        '(drains, autoscaler) take one broker at a time even when kafka-guard is not consulted.',
    );
  }
  if (target.statefulSetSpec === null || target.replicas === null) return warnings;

  if (facts.storageClasses !== null) warnings.push(...storageWarnings(target, facts.storageClasses));

  const replicas = target.replicas;
  if (replicas < RECOMMENDED_REPLICATION_FACTOR) {
    warnings.push(
      `spec.replicas is ${replicas}, fewer than replication factor ${RECOMMENDED_REPLICATION_FACTOR}: partitions cannot keep ` +
        `${RECOMMENDED_REPLICATION_FACTOR} copies, so one broker down can leave partitions offline or below min.insync.replicas.`,
    );
  }
  if (facts.schedulableNodeCount !== null && facts.schedulableNodeCount < replicas && hasRequiredHostAntiAffinity(target)) {
    warnings.push(
      `required pod anti-affinity allows one broker per node, but only ${facts.schedulableNodeCount} schedulable node(s) ` +
        `exist for ${replicas} replicas: the extra broker pods will stay Pending. Add nodes or use antiAffinity mode preferred.`,
    );
  }
  return warnings;
}

function storageWarnings(target: DefaultTarget, classes: NonNullable<DefaultsFacts['storageClasses']>): string[] {
  const warnings: string[] = [];
  const templates = optionalArray(target.statefulSetSpec ?? {}, 'volumeClaimTemplates', 'spec.volumeClaimTemplates') ?? [];
  templates.forEach((template, index) => {
    const path = `spec.volumeClaimTemplates[${index}]`;
    if (!isRecord(template)) return;
    const metadata = optionalRecord(template, 'metadata', `${path}.metadata`);
    const claimName = typeof metadata?.['name'] === 'string' ? metadata['name'] : `#${index}`;
    const spec = optionalRecord(template, 'spec', `${path}.spec`);
    const requested = spec?.['storageClassName'];
    // "" asks for no class at all (pre-provisioned volumes): nothing to check.
    if (requested === '') return;
    if (typeof requested === 'string') {
      const storageClass = classes.find((candidate) => candidate.name === requested);
      if (storageClass === undefined) {
        warnings.push(`volumeClaimTemplate ${claimName} asks for StorageClass ${requested}, which does not exist: its PVCs will stay Pending until it does.`);
      } else if (!storageClass.allowVolumeExpansion) {
        warnings.push(expansionWarning(claimName, `StorageClass ${requested}`));
      }
      return;
    }
    const defaultClass = classes.find((candidate) => candidate.isDefault);
    if (defaultClass !== undefined && !defaultClass.allowVolumeExpansion) {
      warnings.push(expansionWarning(claimName, `the default StorageClass ${defaultClass.name}`));
    }
  });
  return warnings;
}

function expansionWarning(claimName: string, storageClass: string): string {
  return (
    `volumeClaimTemplate ${claimName} uses ${storageClass}, which has allowVolumeExpansion false: a broker whose disk fills up ` +
    `cannot be given a bigger volume in place, only drained and rebuilt.`
  );
}

function hasRequiredHostAntiAffinity(target: DefaultTarget): boolean {
  const antiAffinity = target.pod.spec.affinity?.podAntiAffinity;
  const terms: unknown = isRecord(antiAffinity) ? antiAffinity['requiredDuringSchedulingIgnoredDuringExecution'] : undefined;
  return Array.isArray(terms) && terms.some((term) => isRecord(term) && term['topologyKey'] === HOSTNAME_TOPOLOGY_KEY);
}
