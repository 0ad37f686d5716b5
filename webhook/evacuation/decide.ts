/**
 * Pure: what the evacuation controller does next for one policy.
 *
 * - A broker whose pod is on a node that is going away (unschedulable, or
 *   carrying one of the policy's taints) and that no maintenance covers yet:
 *   start one, so the eviction that follows is admitted.
 * - A start still running for a broker whose node is no longer going away
 *   (uncordoned, taint removed, or the pod already elsewhere): stop it (its
 *   throttles are cleared; the record stays, to be ended).
 * - A maintenance the controller started whose brokers are all back (pod
 *   Ready, on a node not going away), with nothing running: end it, putting
 *   replicas and leaders back. Maintenances someone started with `kubectl
 *   kafka` are theirs to end.
 */
export const EVACUATION = 'evacuation';

export interface NodeState {
  unschedulable: boolean;
  taints: readonly string[];
}

export interface BrokerState {
  id: number;
  pod: string;
  node: string | null;
  ready: boolean;
}

export interface RecordState {
  key: string;
  brokers: readonly number[];
  startedBy: string;
}

export interface EvacuationState {
  brokers: readonly BrokerState[];
  nodes: ReadonlyMap<string, NodeState>;
  /** The policy's `spec.evacuation.taints`. */
  taints: readonly string[];
  records: readonly RecordState[];
  /** Brokers with a start in progress. */
  running: ReadonlySet<number>;
  /** Records with an end in progress. */
  ending: ReadonlySet<string>;
}

export type EvacuationAction =
  | { kind: 'start'; broker: number; pod: string; node: string; why: string }
  | { kind: 'stop'; broker: number; why: string }
  | { kind: 'end'; key: string; brokers: number[] };

/** Why the node is going away, or null when it is not. */
export function leavingReason(node: NodeState | undefined, taints: readonly string[]): string | null {
  if (node === undefined) return null;
  if (node.unschedulable) return 'cordoned';
  const taint = node.taints.find((t) => taints.includes(t));
  return taint === undefined ? null : `tainted ${taint}`;
}

export function decideEvacuation(state: EvacuationState): EvacuationAction[] {
  const actions: EvacuationAction[] = [];
  const covered = new Set(state.records.flatMap((r) => r.brokers));
  const byId = new Map(state.brokers.map((b) => [b.id, b]));
  for (const broker of state.brokers) {
    const why = broker.node === null ? null : leavingReason(state.nodes.get(broker.node), state.taints);
    if (why !== null && broker.node !== null && !state.running.has(broker.id) && !covered.has(broker.id)) {
      actions.push({ kind: 'start', broker: broker.id, pod: broker.pod, node: broker.node, why });
    }
  }
  for (const id of state.running) {
    const broker = byId.get(id);
    const why = broker?.node == null ? null : leavingReason(state.nodes.get(broker.node), state.taints);
    if (why === null) actions.push({ kind: 'stop', broker: id, why: broker?.node ? `node ${broker.node} is no longer going away` : 'its pod left the node' });
  }
  for (const record of state.records) {
    if (record.startedBy !== EVACUATION || state.ending.has(record.key)) continue;
    if (record.brokers.some((id) => state.running.has(id))) continue;
    const back = record.brokers.every((id) => {
      const broker = byId.get(id);
      return broker !== undefined && broker.ready && broker.node !== null && leavingReason(state.nodes.get(broker.node), state.taints) === null;
    });
    if (back) actions.push({ kind: 'end', key: record.key, brokers: [...record.brokers] });
  }
  return actions;
}
