import type { EnvConvention } from '../../shared/policy/types.js';
import { appendEnv, findEnv, kafkaSettingEnvName, mayInjectEnv } from './env.js';
import type { DefaultDefinition, DefaultTarget, DefaultsContext } from './types.js';
import { ZONE_TOPOLOGY_KEY } from './zone-spread.js';

/** Holds the zone for a custom start script when the image has no env convention (`--override broker.rack=$KAFKAGUARD_ZONE`). */
export const NEUTRAL_ZONE_ENV = 'KAFKAGUARD_ZONE';

/** The downward API path of the pod's zone label (see below for who puts the label there). */
export const ZONE_LABEL_FIELD_PATH = `metadata.labels['${ZONE_TOPOLOGY_KEY}']`;

export function rackEnvName(convention: EnvConvention): string {
  return convention === 'none' ? NEUTRAL_ZONE_ENV : kafkaSettingEnvName(convention, 'broker.rack');
}

/**
 * `broker.rack` = the zone of the node the pod runs on, so Kafka places a
 * partition's replicas in different zones. The node is unknown when a Pod or
 * StatefulSet is admitted, so the value comes from the downward API at
 * container start: the env var reads the pod label `topology.kubernetes.io/zone`,
 * which the apiserver's PodTopologyLabels admission plugin copies from the node
 * when the scheduler binds the pod (KEP-4742: beta and on by default in
 * Kubernetes 1.35, feature gate `PodTopologyLabelsAdmission` on kube-apiserver
 * from 1.33). Without it the label is absent and the variable is empty: see
 * docs/defaults.md for the trade-offs and the alternative for older clusters.
 */
export function applyRackAwareness(target: DefaultTarget, ctx: DefaultsContext): boolean {
  const name = rackEnvName(ctx.defaults.kafkaSettings.envConvention);
  const broker = target.pod.broker;
  if (findEnv(broker, name) !== undefined) return false;
  if (!mayInjectEnv(target, 'rackAwareness', [name])) return false;
  appendEnv(broker, { name, valueFrom: { fieldRef: { fieldPath: ZONE_LABEL_FIELD_PATH } } });
  return true;
}

export const rackAwareness: DefaultDefinition = {
  name: 'rackAwareness',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podSpec',
  apply: applyRackAwareness,
};
