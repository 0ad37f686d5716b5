/**
 * Finding the broker behind a PersistentVolumeClaim: a StatefulSet names the
 * PVCs it creates `<template>-<statefulset>-<ordinal>`, so the PVC is matched
 * against the StatefulSets of its namespace and the policy is the one whose
 * selector matches that StatefulSet's pod template. (PVC labels are not used:
 * they are copied from the selector's matchLabels only, which need not match
 * the policy's broker selector.)
 */
import type { FactsSource, PersistentVolumeClaimFact } from '../facts/types.js';
import { brokerVolumeOf, podTemplateLabels, type BrokerVolume } from './brokers.js';
import type { Located } from './rule.js';

export interface VolumeSubject {
  namespace: string;
  pvcName: string;
  volume: BrokerVolume;
}

export async function locateBrokerVolume(
  namespace: string,
  pvcName: string,
  pvc: PersistentVolumeClaimFact | null,
  facts: FactsSource,
): Promise<Located<VolumeSubject> | null> {
  const volume = brokerVolumeOf(pvcName, await facts.statefulSets(namespace));
  if (volume === null) return null;
  const policy = await facts.policyFor(namespace, podTemplateLabels(volume.statefulSet));
  if (policy === null) return null;
  return {
    policy,
    subject: { namespace, pvcName, volume },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace,
      name: pvcName,
      uid: pvc?.metadata?.uid ?? '',
    },
    breakGlass: null,
  };
}
