import { PolicyValueError } from './shape.js';
import type { DefaultDefinition, DefaultTarget, DefaultsContext } from './types.js';

/**
 * Without a readiness probe a broker counts as Ready the moment its container
 * starts, so a rolling update moves on to the next broker before this one
 * listens. A TCP check on the broker port is the least that holds for every
 * image; an existing probe of any kind stays.
 */
export function applyReadinessProbe(target: DefaultTarget, ctx: DefaultsContext): boolean {
  const { container } = target.pod.broker;
  if (container.readinessProbe !== undefined && container.readinessProbe !== null) return false;
  const { port } = ctx.defaults.readinessProbe;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PolicyValueError('spec.defaults.readinessProbe.port', 'a port number from 1 to 65535', port);
  }
  container.readinessProbe = { tcpSocket: { port } };
  return true;
}

export const readinessProbe: DefaultDefinition = {
  name: 'readinessProbe',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podSpec',
  apply: applyReadinessProbe,
};
