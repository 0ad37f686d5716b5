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
import {
  brokerLabel,
  brokerNotInCluster,
  nodeDoesNotExist,
  nodeLabel,
  nodeRunsNoBroker,
  notABrokerId,
  podLabel,
  podNotABroker,
  podWithoutBrokerId,
  targetNotNamed,
  unknownBrokerPod,
} from './messages.js';

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
    throw new UsageError(targetNotNamed(given));
  }
  const brokerOf = (id: number): TargetBroker => {
    const pod = facts.directory.byId.get(id);
    const name = pod?.metadata?.name ?? null;
    const full = facts.pods.find((p) => nameOf(p) === name);
    return { id, pod: name, node: full?.spec?.nodeName ?? null };
  };
  const brokerPods = facts.pods.filter((p) => facts.directory.byPod.has(nameOf(p)));

  if (input.pod !== undefined) {
    const podName = input.pod.replace(/^pods?\//, '');
    const id = facts.directory.byPod.get(podName);
    if (id === undefined) {
      const exists = facts.pods.some((p) => nameOf(p) === podName);
      const why = exists
        ? podWithoutBrokerId(podName, facts.directory.errors.find((e) => e.includes(podName)))
        : podNotABroker(podName, facts.namespace);
      throw new UsageError(unknownBrokerPod(why, brokerPods.map(nameOf)));
    }
    return { kind: 'pod', label: podLabel(podName), brokers: [brokerOf(id)] };
  }

  if (input.broker !== undefined) {
    const id = input.broker;
    const known = facts.index.registered.has(id) || facts.directory.byId.has(id) || facts.index.partitionsByBroker.has(id);
    if (!Number.isSafeInteger(id) || id < 0 || !known) {
      const ids = [...new Set([...facts.index.brokerIds, ...facts.directory.byId.keys()])].sort((a, b) => a - b);
      throw new UsageError(brokerNotInCluster(id, ids));
    }
    return { kind: 'broker', label: brokerLabel(id), brokers: [brokerOf(id)] };
  }

  const node = input.node ?? '';
  if (facts.nodes.size > 0 && !facts.nodes.has(node)) {
    throw new UsageError(nodeDoesNotExist(node, [...facts.nodes.keys()]));
  }
  const onNode = brokerPods.filter((p) => p.spec?.nodeName === node);
  if (onNode.length === 0) {
    throw new UsageError(nodeRunsNoBroker(node, brokerPods.map((p) => ({ pod: nameOf(p), node: p.spec?.nodeName ?? null }))));
  }
  const ids = onNode.map((p) => facts.directory.byPod.get(nameOf(p))).filter((id): id is number => id !== undefined);
  return { kind: 'node', label: nodeLabel(node), node, brokers: [...new Set(ids)].sort((a, b) => a - b).map(brokerOf) };
}

/** `--broker` values are integers; anything else is a usage error before any lookup. */
export function parseBrokerId(text: string): number {
  if (!/^(0|[1-9]\d*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(notABrokerId(text));
  }
  return Number(text);
}
