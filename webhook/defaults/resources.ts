import { appendEnv, findEnv, mayInjectEnv } from './env.js';
import { MIB, parseMemoryBytes } from './quantity.js';
import { ensureRecord, optionalRecord, PolicyValueError } from './shape.js';
import type { BrokerContainer, DefaultDefinition, DefaultTarget, DefaultsContext } from './types.js';

export const HEAP_ENV = 'KAFKA_HEAP_OPTS';

/** Variables a JVM or the Kafka start scripts read options from; an -Xmx in any of them is a heap the user chose. */
const JVM_OPTION_ENVS = ['KAFKA_OPTS', 'JAVA_OPTS', 'JAVA_TOOL_OPTIONS', 'KAFKA_JVM_PERFORMANCE_OPTS'];

/**
 * Heap size in whole MiB: `percent`% of the memory limit, rounded down. Exact
 * integer arithmetic on hundredths of a percent, so 50% of 3Gi is 1536, not 1535.
 */
export function heapMiBForLimit(limitBytes: bigint, percent: number): bigint {
  const hundredthsOfPercent = BigInt(Math.round(percent * 100));
  return (limitBytes * hundredthsOfPercent) / (10000n * MIB);
}

/** Whether the heap is already decided: KAFKA_HEAP_OPTS set, or -Xmx in the JVM option variables or the command line. */
export function heapIsConfigured(broker: BrokerContainer): boolean {
  if (findEnv(broker, HEAP_ENV) !== undefined) return true;
  for (const name of JVM_OPTION_ENVS) {
    const variable = findEnv(broker, name);
    if (variable === undefined) continue;
    // A value from a ConfigMap or Secret cannot be read here: assume it may size the heap.
    if (variable.valueFrom !== undefined && variable.valueFrom !== null) return true;
    if ((variable.value ?? '').includes('-Xmx')) return true;
  }
  const commandLine = [...(broker.container.command ?? []), ...(broker.container.args ?? [])];
  return commandLine.some((word) => typeof word === 'string' && word.includes('-Xmx'));
}

/**
 * Memory for a broker container that has a memory limit:
 * - request = limit where the request is unset: the kubelet evicts pods whose
 *   usage exceeds their request first under node memory pressure, and a broker
 *   uses all of its limit as page cache. (The apiserver does the same for bare
 *   Pods; a StatefulSet's template is not defaulted that way.)
 * - a JVM heap of `heapPercentOfLimit`% of the limit (-Xms = -Xmx, whole MiB)
 *   where no heap is set: Kafka serves reads from the OS page cache, which
 *   lives in the rest of the limit, so a modest heap beats a large one. Without
 *   it the start script uses a fixed 1 GiB whatever the limit.
 */
export function applyResources(target: DefaultTarget, ctx: DefaultsContext): boolean {
  const broker = target.pod.broker;
  const resourcesPath = `${broker.path}.resources`;
  const resources = optionalRecord(broker.container, 'resources', resourcesPath);
  if (resources === undefined) return false;
  const limits = optionalRecord(resources, 'limits', `${resourcesPath}.limits`);
  const limit = limits?.['memory'];
  if (limit === undefined || limit === null) return false;
  const limitBytes = parseMemoryBytes(limit, `${resourcesPath}.limits.memory`);

  let applied = false;
  const requests = optionalRecord(resources, 'requests', `${resourcesPath}.requests`);
  if (requests?.['memory'] === undefined || requests['memory'] === null) {
    ensureRecord(resources, 'requests')['memory'] = limit;
    applied = true;
  }

  if (!heapIsConfigured(broker)) {
    const percent = ctx.defaults.resources.heapPercentOfLimit;
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
      throw new PolicyValueError('spec.defaults.resources.heapPercentOfLimit', 'a number above 0 and at most 100', percent);
    }
    const heapMiB = heapMiBForLimit(limitBytes, percent);
    if (heapMiB < 1n) {
      target.warn(`kafka-guard did not set ${HEAP_ENV}: ${percent}% of the memory limit ${String(limit)} is less than 1 MiB.`);
    } else if (mayInjectEnv(target, 'resources', [HEAP_ENV])) {
      appendEnv(broker, { name: HEAP_ENV, value: `-Xms${heapMiB}m -Xmx${heapMiB}m` });
      applied = true;
    }
  }
  return applied;
}

export const resources: DefaultDefinition = {
  name: 'resources',
  kinds: ['StatefulSet', 'Pod'],
  scope: 'podSpec',
  apply: applyResources,
};
