import { optionalInteger, PolicyValueError } from './shape.js';
import type { DefaultDefinition, DefaultTarget, DefaultsContext } from './types.js';

/** What the apiserver fills in before any webhook runs, so a 30 here may not be a choice. */
const KUBERNETES_DEFAULT_GRACE_SECONDS = 30;

/**
 * A broker needs time to shut down cleanly: hand partition leadership to other
 * brokers (controlled shutdown) and flush its logs. When the kubelet's SIGKILL
 * comes first, the next start runs log recovery and clients see leaderless
 * partitions meanwhile. Kubernetes' own default is 30 s, so a value below the
 * policy minimum is raised (the one case where an explicit value is changed,
 * said in a warning); a higher value is left alone.
 */
export function applyTerminationGrace(target: DefaultTarget, ctx: DefaultsContext): boolean {
  const minimum = ctx.defaults.terminationGracePeriod.seconds;
  if (!Number.isInteger(minimum) || minimum < 0) {
    throw new PolicyValueError('spec.defaults.terminationGracePeriod.seconds', 'an integer of at least 0', minimum);
  }
  const { pod } = target;
  const path = `${pod.specPath}.terminationGracePeriodSeconds`;
  const current = optionalInteger(pod.spec, 'terminationGracePeriodSeconds', path);
  if (current !== undefined && current >= minimum) return false;
  pod.spec.terminationGracePeriodSeconds = minimum;
  if (current !== undefined) {
    const origin = current === KUBERNETES_DEFAULT_GRACE_SECONDS ? ', which is also the Kubernetes default,' : '';
    target.warn(
      `kafka-guard raised ${path} from ${current}${origin} to the policy minimum ${minimum}: ` +
        `a broker needs the time to move leadership away and flush its logs before it is killed.`,
    );
  }
  return true;
}

export const terminationGracePeriod: DefaultDefinition = {
  name: 'terminationGracePeriod',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podSpec',
  apply: applyTerminationGrace,
};
