/**
 * The rules of each route. Adding a guard is adding a file and a line here.
 */
import { nodePoolStorage } from './nodepool-storage.js';
import { podBreakGlass } from './pod-break-glass.js';
import { podDefaults } from './pod-defaults.js';
import { podDelete } from './pod-delete.js';
import { podEviction } from './pod-eviction.js';
import { podSelectorLabels } from './pod-selector-labels.js';
import { policyValidate } from './policy-validate.js';
import { pvcDelete } from './pvc-delete.js';
import { pvcShrink } from './pvc-shrink.js';
import type { Rule } from './rule.js';
import { statefulSetBrokerIdentity } from './statefulset-broker-identity.js';
import { statefulSetDefaults } from './statefulset-defaults.js';
import { statefulSetKafkaVersion } from './statefulset-kafka-version.js';
import { statefulSetRetentionPolicy } from './statefulset-retention-policy.js';
import { statefulSetScaleDown } from './statefulset-scale-down.js';
import { statefulSetScaleSubresource } from './statefulset-scale-subresource.js';
import { statefulSetVolumeTemplates } from './statefulset-volume-templates.js';

export const VALIDATING_RULES: readonly Rule[] = [
  podEviction,
  podDelete,
  podSelectorLabels,
  podBreakGlass,
  statefulSetScaleDown,
  statefulSetScaleSubresource,
  statefulSetVolumeTemplates,
  statefulSetRetentionPolicy,
  statefulSetKafkaVersion,
  statefulSetBrokerIdentity,
  pvcDelete,
  pvcShrink,
  policyValidate,
  nodePoolStorage,
];

export const MUTATING_RULES: readonly Rule[] = [statefulSetDefaults, podDefaults];
