/**
 * The gather step shared by the two mutating rules: the policy's defaults and
 * the cluster facts that only shape advisory warnings (webhook/defaults).
 */
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { DefaultsContext } from '../defaults/types.js';
import type { FactsSource } from '../facts/types.js';
import { requirePolicy } from './pod-disruption.js';
import type { Located } from './rule.js';

export interface DefaultsFactsGathered {
  policy: KafkaGuardPolicy;
  context: DefaultsContext;
}

/**
 * A fact that cannot be looked up is "unknown" (null): it only decides whether
 * an advisory warning is shown, and DefaultsFacts defines null as "no warning",
 * so a lookup failure must not stop the defaults from being applied.
 */
function unknownOnFailure<T>(lookup: Promise<T | null>): Promise<T | null> {
  return lookup.catch(() => null);
}

/** The labels of the pods a StatefulSet or Pod being admitted makes. */
function newPodLabels(request: AdmissionRequest): Record<string, string> | null {
  const object = request.object as { kind?: string; metadata?: { labels?: Record<string, string> }; spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } | null;
  const labels = object?.kind === 'StatefulSet' ? object.spec?.template?.metadata?.labels : object?.metadata?.labels;
  return labels ?? null;
}

export async function gatherDefaults<S>(
  request: AdmissionRequest,
  located: Located<S>,
  facts: FactsSource,
): Promise<DefaultsFactsGathered> {
  const policy = requirePolicy(located);
  const [pdbCoversBrokers, storageClasses, schedulableNodeCount, adoptedPods] = await Promise.all([
    unknownOnFailure(facts.pdbCoversBrokers(policy, newPodLabels(request))),
    unknownOnFailure(facts.storageClasses()),
    unknownOnFailure(facts.schedulableNodeCount()),
    recreatedStatefulSetPods(request, policy, facts),
  ]);
  const context: DefaultsContext = {
    defaults: policy.spec.defaults,
    brokerSelector: policy.spec.brokers.selector,
    operation: request.operation === 'UPDATE' ? 'UPDATE' : 'CREATE',
    facts: { pdbCoversBrokers, storageClasses, schedulableNodeCount },
    ...(policy.spec.brokers.containerName === undefined ? {} : { containerName: policy.spec.brokers.containerName }),
    ...(request.oldObject === null ? {} : { oldObject: request.oldObject }),
    ...(adoptedPods.length === 0 ? {} : { adoptedPods }),
  };
  return { policy, context };
}

/**
 * On a StatefulSet CREATE, its broker pods that already run (`<name>-<ordinal>`,
 * not terminating, controlled by nothing): the StatefulSet was
 * deleted with --cascade=orphan and is created again (DefaultsContext.adoptedPods).
 * A failed lookup counts as none: the defaults are applied as on any CREATE.
 */
async function recreatedStatefulSetPods(request: AdmissionRequest, policy: KafkaGuardPolicy, facts: FactsSource): Promise<string[]> {
  const object = request.object as { kind?: string; metadata?: { name?: string } } | null;
  if (request.operation !== 'CREATE' || object?.kind !== 'StatefulSet') return [];
  const name = request.name || object.metadata?.name || '';
  if (name === '') return [];
  const pods = await facts.brokerPods(policy).catch(() => []);
  const ordinal = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(0|[1-9][0-9]*)$`);
  return pods
    .filter((pod) => ordinal.test(pod.metadata?.name ?? '') && !pod.metadata?.deletionTimestamp)
    // Orphaned: the garbage collector removes the owner references before the old StatefulSet is gone.
    .filter((pod) => !(pod.metadata?.ownerReferences ?? []).some((o) => o.controller === true))
    .map((pod) => pod.metadata?.name ?? '')
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
