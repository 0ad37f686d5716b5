/**
 * What an operation (maintenance today; drain, move, restart, scale as they
 * move here) runs with, whoever runs it: the plugin's commands (a Session from
 * the user's kubeconfig, progress on the terminal) and the evacuation
 * controller in the webhook's Deployment (its own identity, progress as Events).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { KafkaApi } from '../kafka/client.js';
import type { BrokerDirectory } from '../k8s/identity.js';
import type { KubeCluster } from '../k8s/cluster.js';
import type { LedgerLocation, PendingDisruptions } from '../k8s/ledger.js';
import type { ReassignmentProgress } from '../plan/reassign.js';
import type { KafkaGuardPolicy } from '../policy/types.js';
import type { ClusterIndex } from '../safety/cluster-index.js';
import type { ClusterView } from '../kafka/types.js';

/** One snapshot an operation decides from. */
export interface OperationFacts {
  pods: V1Pod[];
  directory: BrokerDirectory;
  /** Brokers whose pod is not Ready or Terminating. */
  down: number[];
  /** Disruptions the webhook admitted that the pods may not show yet (its ledger). */
  pending: PendingDisruptions;
  view: ClusterView;
  index: ClusterIndex;
}

/** A broker an operation acts on: its id, and its pod and node when it has them. */
export interface BrokerRef {
  id: number;
  /** The broker's pod, null when no pod runs it. */
  pod: string | null;
  node: string | null;
}

/** The cluster an operation works on: one policy's brokers, in its namespace. */
export interface OperationSession {
  readonly kube: KubeCluster;
  readonly namespace: string;
  readonly policy: KafkaGuardPolicy;
  /** Where the webhook keeps its disruption ledger. */
  readonly ledger: LedgerLocation;
  kafka(): Promise<KafkaApi>;
  /** A fresh snapshot (pods, ledger, Kafka view). */
  snapshot(): Promise<OperationFacts>;
}

export interface OperationReporter {
  /** One line per notable step. */
  event(line: string): void;
  progress(label: string, progress: ReassignmentProgress): void;
}

export interface OperationContext<S extends OperationSession = OperationSession> {
  session: S;
  reporter: OperationReporter;
  /** Aborted by Ctrl-C, or by the controller when the reason for the operation goes away. */
  signal: AbortSignal;
  throttleBytesPerSecond: number | null;
  /** How long one batch of data, or one broker restart, may take. */
  timeoutMs: number;
  maxMovesPerBroker: number;
}

/** The reporter hooks the shared executors take. */
export function progressHooks(context: OperationContext, label: string) {
  return {
    signal: context.signal,
    onEvent: (line: string) => context.reporter.event(line),
    onProgress: (p: ReassignmentProgress) => context.reporter.progress(label, p),
  };
}
