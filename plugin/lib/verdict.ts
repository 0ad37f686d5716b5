/**
 * The disruption verdict as the webhook gives it, for `can-disrupt`, `status`
 * and the checks before each guarded step: the shared pure verdict, with the
 * brokers already down taken from the pods (not Ready or Terminating), and
 * the webhook's one adjustment: a broker Kafka does not know is not refused
 * when its pod is down anyway (a broker that crashed before registering is
 * exactly what an operator needs to touch); see webhook/rules/brokers.ts.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { BrokerDirectory } from '../../shared/k8s/identity.js';
import { podIsReady, podIsTerminating } from '../../shared/k8s/pods.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { holdsAnyReplica, type ClusterIndex } from '../../shared/safety/cluster-index.js';
import type { Verdict, VerdictPolicy } from '../../shared/safety/types.js';
import type { PendingDisruptions } from './facts.js';
import { verdict } from '../../shared/safety/verdict.js';

/** Broker ids whose pod is not Ready or is being deleted. */
export function downBrokers(pods: readonly V1Pod[], directory: BrokerDirectory): number[] {
  const down = new Set<number>();
  for (const pod of pods) {
    const id = directory.byPod.get(pod.metadata?.name ?? '');
    if (id !== undefined && (!podIsReady(pod) || podIsTerminating(pod))) down.add(id);
  }
  return [...down].sort((a, b) => a - b);
}

export interface VerdictInput {
  index: ClusterIndex;
  brokers: readonly number[];
  kind: 'disrupt' | 'remove';
  down: readonly number[];
  /** Disruptions the webhook admitted (its ledger), counted as down as the webhook counts them. */
  pending: PendingDisruptions;
  policy: KafkaGuardPolicy;
  target?: VerdictPolicy['target'];
}

export function disruptionVerdict(input: VerdictInput): Verdict {
  const { index, brokers, down, pending } = input;
  const raw = verdict(
    index,
    { brokers: [...brokers], kind: input.kind },
    { alreadyDown: [...down], pending: pending.brokers.filter((id) => !brokers.includes(id)) },
    { expendableTopics: input.policy.spec.expendableTopics, ...(input.target === undefined ? {} : { target: input.target }) },
  );
  const result = pending.unknown === null ? raw : { ...raw, warnings: [...raw.warnings, pending.unknown] };
  const unknown = brokers.filter((id) => !index.registered.has(id) && !holdsAnyReplica(index, id));
  if (unknown.length === 0 || !unknown.every((id) => down.includes(id))) return result;
  const reasons = result.reasons.filter((reason) => reason.rule !== 'unknown-broker');
  return { ...result, reasons, allowed: reasons.length === 0 };
}
