/**
 * Which brokers a command is about: `POD`, `--broker ID` or `--node NODE`,
 * exactly one of them. Pure: decided from the gathered facts. Anything that
 * does not name a broker of this cluster is a usage error (exit 2) that lists
 * what does exist, so the next attempt can be right.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { BrokerDirectory } from '../k8s/identity.js';
import type { ClusterIndex } from '../safety/cluster-index.js';
import type { BrokerRef } from './operation.js';
import { UsageError } from './errors.js';

export interface TargetInput {
  pod?: string | undefined;
  broker?: number | undefined;
  node?: string | undefined;
}

/** A broker the user named, with its pod and node. */
export type TargetBroker = BrokerRef;

export interface Target {
  kind: 'pod' | 'broker' | 'node';
  /** How the user named it, for messages: `pod kafka-2`, `broker 2`, `node node-a1`. */
  label: string;
  brokers: TargetBroker[];
  /** For --node. */
  node?: string;
}

export interface TargetFacts {
  namespace: string;
  pods: readonly V1Pod[];
  directory: BrokerDirectory;
  index: ClusterIndex;
  /** Every node of the cluster (for --node). */
  nodes: ReadonlyMap<string, V1Node>;
}

const nameOf = (pod: V1Pod) => pod.metadata?.name ?? '';

export function resolveTarget(input: TargetInput, facts: TargetFacts): Target {
  const given = [input.pod !== undefined, input.broker !== undefined, input.node !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw new UsageError(given === 0 ? 'name the broker: POD, --broker ID or --node NODE' : 'name the broker one way only: POD, --broker ID or --node NODE');
  }
  const brokerOf = (id: number): TargetBroker => {
    const pod = facts.directory.byId.get(id);
    const name = pod?.metadata?.name ?? null;
    const full = facts.pods.find((p) => nameOf(p) === name);
    return { id, pod: name, node: full?.spec?.nodeName ?? null };
  };
  const brokerPods = facts.pods.filter((p) => facts.directory.byPod.has(nameOf(p)));
  const podList = brokerPods.map(nameOf).join(', ') || '(none)';

  if (input.pod !== undefined) {
    const podName = input.pod.replace(/^pods?\//, '');
    const id = facts.directory.byPod.get(podName);
    if (id === undefined) {
      const exists = facts.pods.some((p) => nameOf(p) === podName);
      const why = exists
        ? `pod ${podName} has no broker id (${facts.directory.errors.find((e) => e.includes(podName)) ?? 'see the policy idFrom'})`
        : `pod ${podName} is not a broker pod of this cluster in namespace ${facts.namespace}`;
      throw new UsageError(`${why}; the broker pods are: ${podList}`);
    }
    return { kind: 'pod', label: `pod ${podName}`, brokers: [brokerOf(id)] };
  }

  if (input.broker !== undefined) {
    const id = input.broker;
    const known = facts.index.registered.has(id) || facts.directory.byId.has(id) || facts.index.partitionsByBroker.has(id);
    if (!Number.isSafeInteger(id) || id < 0 || !known) {
      const ids = [...new Set([...facts.index.brokerIds, ...facts.directory.byId.keys()])].sort((a, b) => a - b);
      throw new UsageError(`broker ${id} is not in this cluster; its brokers are: ${ids.join(', ') || '(none)'}`);
    }
    return { kind: 'broker', label: `broker ${id}`, brokers: [brokerOf(id)] };
  }

  const node = input.node ?? '';
  if (facts.nodes.size > 0 && !facts.nodes.has(node)) {
    throw new UsageError(`node ${node} does not exist; the nodes are: ${[...facts.nodes.keys()].sort().join(', ')}`);
  }
  const onNode = brokerPods.filter((p) => p.spec?.nodeName === node);
  if (onNode.length === 0) {
    const where = brokerPods.map((p) => `${nameOf(p)} on ${p.spec?.nodeName ?? '(unscheduled)'}`).join(', ') || '(no broker pods)';
    throw new UsageError(`node ${node} runs no broker of this cluster; the brokers run on: ${where}`);
  }
  const ids = onNode.map((p) => facts.directory.byPod.get(nameOf(p))).filter((id): id is number => id !== undefined);
  return { kind: 'node', label: `node ${node}`, node, brokers: [...new Set(ids)].sort((a, b) => a - b).map(brokerOf) };
}

/** `--broker` values are integers; anything else is a usage error before any lookup. */
export function parseBrokerId(text: string): number {
  if (!/^(0|[1-9]\d*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--broker ${JSON.stringify(text)} is not a broker id; write a whole number such as 2`);
  }
  return Number(text);
}
