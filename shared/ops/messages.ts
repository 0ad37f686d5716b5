/**
 * Every sentence the operations show a person: their refusals and usage
 * errors, the progress lines they report as they go, the steps of a plan, and
 * what a wait that timed out was waiting for. The plugin prints them on the
 * terminal and the webhook's evacuation controller records them in Events, so
 * they are here in shared/, in one place, and read the same in both. Callers
 * pass facts; these functions only word them. The plugin's own output lines
 * are in plugin/messages.ts.
 */
import { formatDuration } from '../duration.js';
import { ANNOTATIONS } from '../policy/types.js';
import { brokerList } from '../safety/messages.js';
import type { Verdict } from '../safety/types.js';

const reasonsOf = (verdict: Verdict): string => verdict.reasons.map((r) => r.message).join(' ');
const listOr = (items: readonly (string | number)[], none: string): string => items.join(', ') || none;

// ---- plans that cannot be carried out ----

/** A plan the planner refused (its message names the partitions and figures): nothing was changed. */
export function planRefused(planMessage: string): string {
  return `${withoutFinalStop(planMessage)}. Nothing was changed`;
}

function withoutFinalStop(message: string): string {
  return message.replace(/\.+$/, '');
}

/** How long a wait lasted, what it waited for, the last state seen and the last error. */
export function waitTimedOut(timeoutMs: number, what: string, state: string, lastError: string | null): string {
  return `timed out after ${formatDuration(timeoutMs)} waiting for ${what}${state ? ` (${state})` : ''}${lastError === null ? '' : `; last error: ${lastError}`}`;
}

// ---- naming the brokers (POD, --broker ID, --node NODE) ----

export function targetNotNamed(given: number): string {
  return given === 0 ? 'name the broker: POD, --broker ID or --node NODE' : 'name the broker one way only: POD, --broker ID or --node NODE';
}

export function podLabel(pod: string): string {
  return `pod ${pod}`;
}

export function brokerLabel(id: number): string {
  return `broker ${id}`;
}

export function nodeLabel(node: string): string {
  return `node ${node}`;
}

/** `detail` is the broker directory's error about this pod, when it has one. */
export function podWithoutBrokerId(pod: string, detail: string | undefined): string {
  return `pod ${pod} has no broker id (${detail ?? 'see the policy idFrom'})`;
}

export function podNotABroker(pod: string, namespace: string): string {
  return `pod ${pod} is not a broker pod of this cluster in namespace ${namespace}`;
}

/** Why the pod named is not a broker (podWithoutBrokerId, podNotABroker), and which pods are. */
export function unknownBrokerPod(why: string, brokerPods: readonly string[]): string {
  return `${why}; the broker pods are: ${listOr(brokerPods, '(none)')}`;
}

export function brokerNotInCluster(id: number, ids: readonly number[]): string {
  return `broker ${id} is not in this cluster; its brokers are: ${listOr(ids, '(none)')}`;
}

export function nodeDoesNotExist(node: string, nodes: readonly string[]): string {
  return `node ${node} does not exist; the nodes are: ${[...nodes].sort().join(', ')}`;
}

export function nodeRunsNoBroker(node: string, brokers: ReadonlyArray<{ pod: string; node: string | null }>): string {
  const where = brokers.map((b) => `${b.pod} on ${b.node ?? '(unscheduled)'}`).join(', ') || '(no broker pods)';
  return `node ${node} runs no broker of this cluster; the brokers run on: ${where}`;
}

export function notABrokerId(text: string): string {
  return `--broker ${JSON.stringify(text)} is not a broker id; write a whole number such as 2`;
}

// ---- the snapshot ----

export function ledgerForbidden(namespace: string, name: string): string {
  return (
    `cannot read the webhook's disruption ledger, ConfigMap ${namespace}/${name} (forbidden), so disruptions it admitted ` +
    'that the pods do not show yet are not counted; grant get on it to see the same verdict as the webhook'
  );
}

export function replicaSizesUnknown(reason: string): string {
  return `sizes unknown: ${reason}`;
}

export function diskHeadroomNotChecked(reason: string): string {
  return `disk headroom not checked: replica sizes unknown (${reason})`;
}

export function diskCapacityUnknown(brokers: readonly number[]): string {
  return (
    `disk capacity of ${brokerList(brokers)} unknown (no volume claim, and Kafka older than 3.3 does not report its log dir size): ` +
    'no headroom limit for ' + (brokers.length === 1 ? 'it' : 'them')
  );
}

// ---- pods: eviction and waits ----

export function nothingToEvict(namespace: string, pod: string): string {
  return `pod ${namespace}/${pod} does not exist (any more); nothing to evict`;
}

export function evictionStillRefused(namespace: string, pod: string, waitedMs: number, attempts: number, message: string): string {
  return `the eviction of pod ${namespace}/${pod} was still refused after ${formatDuration(waitedMs)} (${attempts} attempts): ${message}`;
}

export function evictionRetrying(pod: string, status: number, message: string): string {
  return `eviction of ${pod} refused for now (HTTP ${status}): ${message}; retrying`;
}

export function podEvicted(pod: string): string {
  return `pod ${pod} evicted; waiting for it to terminate`;
}

/** What waitFor waits for (shown when it times out). */
export function podToTerminate(pod: string): string {
  return `pod ${pod} to terminate`;
}

export function podToComeBackReady(pod: string): string {
  return `pod ${pod} to come back Ready`;
}

/** The state of a pod being waited for, shown when the wait times out. */
export const podWaitState = {
  notCreated: 'not created yet',
  oldPodThere: 'old pod still there',
  terminating: 'terminating',
  notScheduled: (reason: string | undefined): string => `not scheduled${reason ? `: ${reason}` : ''}`,
  notReady: (node: string): string => `on ${node}, not Ready`,
};

export function brokerToRegister(broker: number): string {
  return `broker ${broker} to register with Kafka`;
}

// ---- break-glass ----

export function breakGlassInUse(namespace: string, pod: string, existing: string): string {
  return (
    `pod ${pod} already carries ${ANNOTATIONS.allowDisruption}="${existing}", someone's one-time override, which this step would use up. ` +
    `Remove it (kubectl annotate pod ${pod} -n ${namespace} ${ANNOTATIONS.allowDisruption}-) and run the command again`
  );
}

export function breakGlassNotRemoved(namespace: string, pod: string, error: string): string {
  return (
    `could not remove ${ANNOTATIONS.allowDisruption} from pod ${pod} (${error}); ` +
    `remove it by hand: kubectl annotate pod ${pod} -n ${namespace} ${ANNOTATIONS.allowDisruption}-`
  );
}

export function warningLine(warning: string): string {
  return `warning: ${warning}`;
}

// ---- maintenance ----

export function maintenanceRecordUnreadable(key: string, configMap: string): string {
  return (
    `the maintenance record ${key} in ConfigMap ${configMap} cannot be read; fix or remove that key ` +
    `(kubectl edit configmap ${configMap}) and run the command again`
  );
}

/** `recorded`: the broker sets of the records in the way (null: unreadable). */
export function maintenanceRecordsInTheWay(recorded: ReadonlyArray<readonly number[] | null>): string {
  const named = recorded.map((brokers) => `broker(s) ${brokers?.join(', ') ?? '?'}`).join('; ');
  return `a maintenance of ${named} is recorded; name exactly those brokers (kubectl kafka maintenance list shows them)`;
}

export function noMaintenanceRecorded(target: string): string {
  return `no maintenance of ${target} is recorded; kubectl kafka maintenance list shows the ones that are`;
}

export function maintenanceRecorded(configMap: string, key: string): string {
  return `recorded in ConfigMap ${configMap} (key ${key}) what this maintenance changes`;
}

export function leadershipMovedOffBrokers(partitions: number, brokers: readonly number[]): string {
  return `leadership of ${partitions} partition(s) moved off broker(s) ${brokers.join(', ')}`;
}

export function throttleSweepFailed(error: string): string {
  return `sweeping throttles failed: ${error}; run \`kubectl kafka throttles --clear\``;
}

export function brokerHasNoPod(broker: number): string {
  return `broker ${broker} has no pod`;
}

export function brokerPodNotReady(pod: string, broker: number): string {
  return `pod ${pod} of broker ${broker} is not Ready`;
}

export function brokerNotRegistered(broker: number): string {
  return `broker ${broker} is not registered with Kafka`;
}

export function nodeUncordoned(node: string): string {
  return `node ${node} uncordoned`;
}

export function waitingForBrokersBack(notBack: readonly string[]): string {
  return `waiting for the brokers to be back: ${notBack.join('; ')}`;
}

export function brokersToBeBack(brokers: readonly number[]): string {
  return `broker(s) ${brokers.join(', ')} to be back (pod Ready, registered with Kafka); nothing was moved back, run this again once they are`;
}

export function brokersBack(brokers: readonly number[]): string {
  return `broker(s) ${brokers.join(', ')} are back`;
}

export function movingBackBeforeMaintenance(partitions: number): string {
  return `moving ${partitions} partition(s) back to their replicas before the maintenance`;
}

export function brokersInSync(brokers: readonly number[], inSync: number, total: number): string {
  return `broker(s) ${brokers.join(', ')}: ${inSync}/${total} partitions in sync`;
}

// ---- move ----

export function podRunsNoBroker(pod: string): string {
  return `${pod} runs no broker`;
}

export function podNotFound(pod: string): string {
  return `pod ${pod} not found`;
}

export function notAStatefulSetPod(pod: string): string {
  return `pod ${pod} is not a StatefulSet pod; kubectl kafka move places StatefulSet brokers`;
}

export function statefulSetOfPodMissing(statefulSet: string, pod: string): string {
  return `StatefulSet ${statefulSet} of pod ${pod} does not exist`;
}

export function dataLocationUnknown(pod: string, reason: string | undefined): string {
  return `cannot tell where the data of ${pod} lives (${reason ?? 'no volume found'}); nothing was changed`;
}

export function volumeNotAttachable(pod: string, volume: string, node: string, reason: string): string {
  return `the volume of ${pod} (${volume}) cannot be attached on node ${node}: ${reason}. Choose a node it can reach`;
}

export function alreadyOnNode(pod: string, node: string): string {
  return `${pod} already runs on ${node}`;
}

export function nodeIsCordoned(node: string): string {
  return `node ${node} is cordoned; uncordon it or choose another node`;
}

export function nodeNotReady(node: string): string {
  return `node ${node} is not Ready`;
}

export function nodeHasBroker(node: string, pod: string): string {
  return `node ${node} already runs broker pod ${pod}; brokers do not share nodes. Choose a node without one`;
}

export function nodeAffinityUnmet(node: string, statefulSet: string): string {
  return `node ${node} does not satisfy the node selector / required node affinity of StatefulSet ${statefulSet}`;
}

const safeNow = (allowed: boolean) => (allowed ? 'safe' : 'NOT safe');

/** Why a network-volume move only restarts the broker; `volumeReason` says what the volume is. */
export function networkMoveWhy(volumeReason: string, toNode: string): string {
  return `${volumeReason}: the data goes with the claim, so the broker only restarts on ${toNode}`;
}

export function networkMoveSteps(m: { broker: number; allowed: boolean; statefulSet: string; pod: string; toNode: string }): string[] {
  return [
    `check that broker ${m.broker} may go down (it is ${safeNow(m.allowed)} now)`,
    `move the leadership of its partitions to other in-sync replicas`,
    `pin StatefulSet ${m.statefulSet}'s pods to ${m.toNode} (update strategy OnDelete while pinned), delete ${m.pod}`,
    `once the new pod is scheduled on ${m.toNode}, take the pin out again`,
    `wait until it is Ready, broker ${m.broker} registered and every partition it hosts in sync; restore its preferred leaders`,
  ];
}

export function nodeLocalMoveWhy(volumeReason: string, broker: number, toNode: string): string {
  return `${volumeReason}: the data cannot follow the pod, so broker ${broker} is drained, recreated empty on ${toNode} with the same id, and refilled`;
}

export function nodeLocalMoveSteps(m: {
  broker: number;
  allowed: boolean;
  moving: number;
  rebuilt: number;
  statefulSet: string;
  pod: string;
  toNode: string;
  claims: readonly string[];
}): string[] {
  return [
    `drain broker ${m.broker}: ${m.moving} partition(s) move to other brokers` +
      (m.rebuilt > 0 ? `; ${m.rebuilt} have a replica on every other broker and are rebuilt from their leader (${safeNow(m.allowed)} now)` : ''),
    `pin StatefulSet ${m.statefulSet}'s pods to ${m.toNode}; delete PersistentVolumeClaim(s) ${listOr(m.claims, '(none)')} and pod ${m.pod}`,
    `once the new pod is scheduled on ${m.toNode}, take the pin out again; its new volume is provisioned there`,
    `wait until broker ${m.broker} registers (empty), then move the drained partitions back to their original replicas`,
    'wait until every partition it hosts is in sync; restore its preferred leaders',
  ];
}

/** The break-glass reason a node-local move puts on its pod (the webhook shows it in an Event). */
export function moveBreakGlassReason(pod: string, toNode: string): string {
  return `kubectl kafka move ${pod} --to-node ${toNode}: its node-local volume is recreated on the target node`;
}

export function earlierPinUndone(statefulSet: string, pod: string, node: string): string {
  return `undid the pin an interrupted move left on StatefulSet ${statefulSet} (${pod} -> ${node})`;
}

export function notMoving(pod: string, verdict: Verdict): string {
  return `not moving ${pod}: ${reasonsOf(verdict)}`;
}

export function leadershipMovedOffBroker(partitions: number, broker: number): string {
  return `leadership of ${partitions} partition(s) moved off broker ${broker}`;
}

export function statefulSetPinned(statefulSet: string, node: string): string {
  return `StatefulSet ${statefulSet} pinned to ${node}`;
}

export function podDeletedWaiting(pod: string): string {
  return `pod ${pod} deleted; waiting for it to stop`;
}

export function claimToBeDeleted(claim: string): string {
  return `claim ${claim} to be deleted`;
}

export function newPodToBeScheduled(pod: string): string {
  return `the new ${pod} to be scheduled`;
}

export function pinRemoved(statefulSet: string): string {
  return `pin removed from StatefulSet ${statefulSet}`;
}

export function scheduledElsewhere(pod: string, node: string, wanted: string): string {
  return `${pod} was scheduled on ${node}, not ${wanted}`;
}

export function scheduledWaitingReady(pod: string, node: string): string {
  return `${pod} scheduled on ${node}; waiting for it to be Ready`;
}

export function brokerBackOn(broker: number, node: string, downMs: number): string {
  return `broker ${broker} is back on ${node} after ${formatDuration(downMs)}`;
}

export function brokerInSync(broker: number, inSync: number, total: number): string {
  return `broker ${broker}: ${inSync}/${total} partitions in sync`;
}

export function claimDeletedWithPod(claim: string): string {
  return `PersistentVolumeClaim ${claim} deleted (it goes once the pod has)`;
}

export function claimDeleteRefusedMovingBack(claim: string): string {
  return `deleting ${claim} was refused; moving the drained partitions back`;
}

export function claimDeleteRefused(claim: string, error: string, pod: string, fromNode: string): string {
  return (
    `the apiserver refused to delete PersistentVolumeClaim ${claim}: ${error}. The drained partitions were moved back and ` +
    `${pod} still runs on ${fromNode}. Allow this one deletion and run the move again`
  );
}

export function movingBackToOriginal(partitions: number): string {
  return `moving ${partitions} partition(s) back to their original replicas`;
}

// ---- pins ----

export function pinUnreadable(statefulSet: string, annotation: string, raw: string): string {
  return `StatefulSet ${statefulSet} carries an unreadable ${annotation} annotation (${raw}); remove it and check the template's node affinity by hand`;
}

export function statefulSetGone(namespace: string, statefulSet: string): string {
  return `StatefulSet ${namespace}/${statefulSet} is gone`;
}

export function alreadyPinned(statefulSet: string, annotation: string): string {
  return `StatefulSet ${statefulSet} is already pinned by another move (annotation ${annotation})`;
}

export function restoredTemplateTaken(statefulSet: string): string {
  return `StatefulSet ${statefulSet} to take the restored template`;
}

// ---- restart ----

export function noPodToRestart(broker: number): string {
  return `broker ${broker} has no pod to restart`;
}

/** `restarted`: the pods restarted before this one. */
export function notRestarting(pod: string, verdict: Verdict, restarted: readonly string[]): string {
  const finished = restarted.length === 0 ? '' : ` (restarted so far: ${restarted.join(', ')})`;
  return `not restarting ${pod}: ${reasonsOf(verdict)}${finished}`;
}

export function leadershipMovedForRestart(pod: string, partitions: number, stuck: number): string {
  return `${pod}: leadership of ${partitions} partition(s) moved to other brokers` + (stuck > 0 ? `; ${stuck} have no other in-sync replica` : '');
}

export function newPodScheduled(pod: string, node: string): string {
  return `${pod}: new pod scheduled on ${node}`;
}

export function podReadyWaitingInSync(pod: string, downMs: number, partitions: number): string {
  return `${pod}: Ready after ${formatDuration(downMs)}; waiting for its ${partitions} partition(s) to be in sync`;
}

export function podInSync(pod: string, inSync: number, total: number): string {
  return `${pod}: ${inSync}/${total} partitions in sync`;
}

export function podBackInSync(pod: string, totalMs: number, leadersRestored: number): string {
  return `${pod}: back in sync after ${formatDuration(totalMs)}; ${leadersRestored} preferred leader(s) restored`;
}

// ---- scale ----

export function statefulSetMissing(namespace: string, statefulSet: string): string {
  return `StatefulSet ${namespace}/${statefulSet} does not exist`;
}

export function statefulSetNotOfPolicy(statefulSet: string, policy: string, selector: string): string {
  return `StatefulSet ${statefulSet} does not run brokers of policy ${policy} (its pod labels do not match spec.brokers.selector ${selector})`;
}

export function brokerIdsUnknown(pods: readonly string[]): string {
  return `cannot tell the broker ids of ${pods.join(', ')} (no such pod, and idFrom is not ordinal); nothing was changed`;
}

export function cannotScale(statefulSet: string, replicas: number, planMessage: string): string {
  return `cannot scale ${statefulSet} to ${replicas}: ${planRefused(planMessage)}`;
}

export function notScaling(verdict: Verdict): string {
  return `not scaling: ${reasonsOf(verdict)} Run the command again`;
}

export function scaledDownWaiting(statefulSet: string, replicas: number, pods: readonly string[]): string {
  return `StatefulSet ${statefulSet} scaled to ${replicas}; waiting for ${pods.join(', ')} to go`;
}

export function brokersUnregistered(brokers: readonly number[]): string {
  return `broker(s) ${brokers.join(', ')} unregistered from Kafka`;
}

export function claimDeleted(claim: string): string {
  return `deleted PersistentVolumeClaim ${claim}`;
}

export function scaledUpWaiting(statefulSet: string, replicas: number, pods: readonly string[]): string {
  return `StatefulSet ${statefulSet} scaled to ${replicas}; waiting for ${pods.join(', ')}`;
}

export function podScheduledOn(pod: string, node: string): string {
  return `pod ${pod} scheduled on ${node}`;
}

export function podsWithoutBrokerId(pods: readonly string[]): string {
  return `pods ${pods.join(', ')} have no broker id under the policy's idFrom`;
}

export function brokersToRegister(brokers: readonly number[]): string {
  return `brokers ${brokers.join(', ')} to register with Kafka`;
}

export function brokersRegistered(brokers: readonly number[]): string {
  return `brokers ${brokers.join(', ')} registered; planning the rebalance`;
}

// ---- resize ----

export function resizeRecordUnreadable(key: string, namespace: string, configMap: string, statefulSet: string): string {
  return (
    `the resize record ${key} in ConfigMap ${namespace}/${configMap} cannot be read; look at it (kubectl get configmap ${configMap} -o yaml), ` +
    'make sure StatefulSet ' + statefulSet + ' exists, then remove that key and run the command again'
  );
}

export function statefulSetDeletedByOthers(namespace: string, statefulSet: string): string {
  return `StatefulSet ${namespace}/${statefulSet} is being deleted, and not by kubectl kafka resize (nothing is recorded to create it again from); nothing was changed`;
}

/** No template named and not exactly one to choose. */
export function templateNotChosen(statefulSet: string, templates: readonly string[]): string {
  return templates.length === 0
    ? `StatefulSet ${statefulSet} has no volumeClaimTemplates: its brokers have no claims made from it to grow`
    : `StatefulSet ${statefulSet} has ${templates.length} volumeClaimTemplates (${templates.join(', ')}); choose one with --template NAME`;
}

export function templateNotFound(template: string, statefulSet: string, templates: readonly string[]): string {
  return `--template ${template}: StatefulSet ${statefulSet} has no such volumeClaimTemplate; it has ${templates.join(', ') || 'none'}`;
}

export function notResizing(namespace: string, statefulSet: string, reasons: readonly string[]): string {
  return `not resizing StatefulSet ${namespace}/${statefulSet}:\n- ${reasons.join('\n- ')}\nNothing was changed`;
}

export function claimRequested(claim: string, from: string | null, to: string): string {
  return `claim ${claim}: request ${from ?? '?'} -> ${to}`;
}

export function statefulSetDisappeared(namespace: string, statefulSet: string): string {
  return `StatefulSet ${namespace}/${statefulSet} disappeared before kubectl kafka resize deleted it; nothing to re-create it from`;
}

export function statefulSetDeletingNotRecreated(namespace: string, statefulSet: string): string {
  return `StatefulSet ${namespace}/${statefulSet} is being deleted by someone else; not re-creating it`;
}

export function statefulSetRecordedAndDeleted(statefulSet: string, configMap: string, key: string): string {
  return `StatefulSet ${statefulSet} recorded in ConfigMap ${configMap} (key ${key}) and deleted with --cascade=orphan: its pods keep running`;
}

export function statefulSetFromRecord(statefulSet: string, configMap: string, key: string, recordedAt: string | null): string {
  return `StatefulSet ${statefulSet} is gone; creating it again from ConfigMap ${configMap} (key ${key}), recorded ${recordedAt ?? '?'}`;
}

export function noResizeRecord(namespace: string, statefulSet: string): string {
  return `no record of StatefulSet ${namespace}/${statefulSet} to create it from`;
}

export function waitStatefulSetDeleted(statefulSet: string): string {
  return `StatefulSet ${statefulSet} to be deleted (the garbage collector orphans its pods first)`;
}

/** `size`: the template size the other creator gave, formatted, or null. */
export function statefulSetRecreatedByOthers(namespace: string, statefulSet: string, template: string, size: string | null, storage: string, configMap: string, key: string): string {
  return (
    `StatefulSet ${namespace}/${statefulSet} was created again by someone else with volumeClaimTemplate ${template} at ` +
    `${size === null ? 'no size' : size}; its manifest for ${storage} stays in ConfigMap ${configMap} (key ${key})`
  );
}

export function statefulSetRecreated(statefulSet: string, template: string, storage: string, withoutMs: number): string {
  return `StatefulSet ${statefulSet} created again with volumeClaimTemplate ${template} at ${storage} (${formatDuration(withoutMs)} without it)`;
}

export function waitClaimsGrow(claims: readonly string[], storage: string): string {
  return `claims ${claims.join(', ')} to grow to ${storage}`;
}

export function waitFileSystemsGrow(claims: readonly string[]): string {
  return `the file systems of ${claims.join(', ')} to grow after their pods restarted`;
}

export function claimResizeFailed(claim: string, failure: string, namespace: string): string {
  return `claim ${claim} did not grow: ${failure}. kubectl describe pvc ${claim} -n ${namespace} says more; run this again once it is fixed`;
}

/** `restartedPod`: the pod whose restart grew it, or null (grown online). */
export function claimGrown(claim: string, capacity: string, restartedPod: string | null): string {
  return `claim ${claim}: ${capacity}${restartedPod === null ? '' : ` after ${restartedPod} restarted`}`;
}

export function claimFileSystemPending(claim: string): string {
  return `claim ${claim}: volume grown, its file system grows on the node (FileSystemResizePending)`;
}

export function claimRestartNeeded(claim: string, waitedMs: number, pod: string): string {
  return `claim ${claim}: file system still not grown after ${formatDuration(waitedMs)} with ${pod} running; ${pod} restarts for it`;
}

/** What a claim wait last saw of one claim. */
export function claimWaitState(claim: string, capacity: string | null, fileSystemResizePending: boolean): string {
  return `${claim}: capacity ${capacity ?? '?'}${fileSystemResizePending ? ', FileSystemResizePending' : ''}`;
}

export function podWithoutBrokerIdToRestart(pod: string): string {
  return `pod ${pod} has no broker id under the policy's idFrom; restart it yourself (kubectl kafka restart ${pod})`;
}

export function restartingForResize(pods: readonly (string | null)[]): string {
  return `restarting ${pods.join(', ')} (guarded, one at a time, controller last) so their file systems grow`;
}

// ---- upgrade ----

export function statefulSetNotBrokersOf(statefulSet: string, policy: string): string {
  return `StatefulSet ${statefulSet} does not run brokers of policy ${policy}`;
}

export function containerMissing(statefulSet: string, container: string): string {
  return `StatefulSet ${statefulSet} has no container ${container}`;
}

export function upgradeRecordUnreadable(annotation: string, statefulSet: string): string {
  return `the annotation ${annotation} on StatefulSet ${statefulSet} cannot be read; fix or remove it, then run the upgrade again`;
}

export function otherUpgradeUnfinished(statefulSet: string, image: string, startedAt: string): string {
  return `an upgrade of ${statefulSet} to ${image} started at ${startedAt} and is not finished: run it again with --image ${image} to finish it first`;
}

export function upgradeVersionUnknown(reason: string): string {
  return `${reason}: kafka-guard upgrades only to a version it can read`;
}

/** The preflight failed; `changedNothing` adds that nothing was changed (not said on a dry run). */
export function notUpgrading(statefulSet: string, problems: readonly string[], changedNothing: boolean): string {
  return `not upgrading ${statefulSet}: ${problems.join('; ')}${changedNothing ? '. Nothing was changed.' : ''}`;
}

export function alreadyUpgraded(statefulSet: string, image: string): string {
  return `every broker of ${statefulSet} already runs ${image}`;
}

export function upgradeStarted(statefulSet: string, image: string, annotation: string): string {
  return `StatefulSet ${statefulSet}: image ${image}, updateStrategy OnDelete while the upgrade rolls (recorded in annotation ${annotation})`;
}

export function waitTemplateObserved(statefulSet: string): string {
  return `StatefulSet ${statefulSet} to observe the new template`;
}

export function upgradeRestarting(statefulSet: string, pods: readonly (string | null)[], image: string): string {
  return pods.length === 0 ? `every pod of ${statefulSet} runs the new template` : `restarting ${pods.join(', ')} onto ${image}, one at a time`;
}

export function podsOnPreviousTemplate(pods: readonly (string | undefined)[]): string {
  return `pod(s) ${pods.join(', ')} still run the previous template; run the upgrade again to finish`;
}

export function upgradeDone(statefulSet: string, image: string): string {
  return `StatefulSet ${statefulSet}: every broker runs ${image}; updateStrategy restored. When it has run well, finalize: kubectl kafka upgrade ${statefulSet} --finalize`;
}

export function upgradeStillRolling(statefulSet: string, annotation: string): string {
  return `an upgrade of ${statefulSet} is still rolling (annotation ${annotation}): finish it first`;
}

export function brokersDownBeforeFinalize(brokers: readonly number[]): string {
  return `${brokers.map((id) => `broker ${id} is down`).join(', ')}: every broker must run the new version`;
}

export function notFinalizing(reason: string): string {
  return `not finalizing: ${reason}`;
}

// ---- config ----

/** A live key as the progress line names it: KEY=VALUE, or KEY (unset), and where. */
export function liveKeyApplied(key: string, value: string | null, resource: string): string {
  return `${key}${value === null ? ' (unset)' : `=${value}`} on ${resource}`;
}

export function configAppliedLive(keys: readonly string[]): string {
  return `applied live: ${keys.join(', ')}`;
}

export function waitBrokersReportValues(brokers: readonly number[]): string {
  return `brokers ${brokers.join(', ')} to report the new values`;
}

export function configRollUnreadable(statefulSet: string, annotation: string, raw: string): string {
  return `StatefulSet ${statefulSet} carries an unreadable ${annotation} annotation (${raw}); restore spec.updateStrategy by hand and remove it`;
}

export function envFromElsewhere(envName: string, valueFrom: string): string {
  return `${envName} takes its value from ${valueFrom}; change it there, then run kubectl kafka restart --all`;
}

export function configPinnedByMove(statefulSet: string): string {
  return `StatefulSet ${statefulSet} is pinned by a kubectl kafka move in progress; finish it first`;
}

/** `assignments` are KEY=VALUE of the roll recorded on the StatefulSet. */
export function otherConfigRollInProgress(statefulSet: string, assignments: readonly string[], annotation: string): string {
  return (
    `StatefulSet ${statefulSet} has a config roll in progress for ${assignments.join(', ')} ` +
    `(annotation ${annotation}); run kubectl kafka config set with those values to finish it first`
  );
}

/** `assignments` are ENV=VALUE. */
export function configRollStarted(statefulSet: string, assignments: readonly string[]): string {
  return `StatefulSet ${statefulSet}: ${assignments.join(', ')} set, update strategy OnDelete while the brokers restart one at a time`;
}

export function waitNewTemplate(statefulSet: string): string {
  return `StatefulSet ${statefulSet} to take the new template`;
}

export function podAlreadyBehindTemplate(pod: string, statefulSet: string): string {
  return `${pod} was already behind StatefulSet ${statefulSet}'s template before this change; it is left as it was`;
}

/** `running` are KEY=VALUE as the broker runs them after its restart. */
export function brokerDidNotTakeConfig(broker: number, running: readonly string[], statefulSet: string, annotation: string): string {
  return (
    `broker ${broker} restarted but runs ${running.join(', ')}, not the StatefulSet's value: ` +
    `something else sets it (a mounted server.properties, the command line, another env var). The other brokers were not restarted; ` +
    `StatefulSet ${statefulSet} stays OnDelete (annotation ${annotation}) until the same command runs through`
  );
}

/** `assignments` are KEY=VALUE. */
export function brokerRunsConfig(broker: number, assignments: readonly string[]): string {
  return `broker ${broker} runs ${assignments.join(', ')}`;
}

export function configRollDone(statefulSet: string): string {
  return `StatefulSet ${statefulSet}: update strategy restored`;
}

/** Where a config value is set: the cluster-wide default (resource '') or one broker. */
export function configResourceLabel(resource: string): string {
  return resource === '' ? 'cluster default' : `broker ${resource}`;
}

export function describeConfigsHint(): string {
  return 'The Kafka principal needs DescribeConfigs on the cluster';
}

export function kafkaRefusedConfig(): string {
  return 'Kafka refused the change (nothing was changed)';
}

export function brokersInNoStatefulSet(): string {
  return 'no broker pod belongs to a StatefulSet';
}

export function brokersInSeveralStatefulSets(statefulSets: readonly string[]): string {
  return `the brokers belong to ${statefulSets.length} StatefulSets (${statefulSets.join(', ')}); change each by hand`;
}

// ---- doctor (kubectl kafka doctor): one finding and its fix per check ----

const firstOf = (items: readonly string[], max = 5): string =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
const daysLeft = (days: number): string => (days < 1 ? 'less than a day' : `${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'}`);

/** What `kubectl kafka doctor` says; every finding names what is wrong and how to fix it. */
export const doctorText = {
  installFix: 'install kafka-guard: helm install kafka-guard deploy/chart/kafka-guard -n kafka-guard --create-namespace (or kubectl apply -f deploy/kafka-guard.yaml); docs/install.md',
  noWebhooks: 'no webhook named *.kafkaguard.io is registered: nothing guards the brokers',
  guardsMissing: (names: readonly string[]) => `registrations missing: ${names.join(', ')}; what they guard passes unchecked`,
  othersMissing: (names: readonly string[]) => `registrations missing: ${names.join(', ')}`,
  reinstallFix: 'reinstall or upgrade the chart (helm upgrade kafka-guard deploy/chart/kafka-guard -n kafka-guard), or kubectl apply -f deploy/kafka-guard.yaml',
  guardIgnores: (webhook: string) => `${webhook} has failurePolicy Ignore: while the webhook is down or slow, every disruption it guards passes unchecked`,
  guardIgnoresFix: 'set failurePolicy: Fail (the chart does; docs/adr/0001-webhook-error-semantics.md)',
  defaultsFail: (webhook: string) => `${webhook} has failurePolicy Fail: while the webhook is down, no broker pod or StatefulSet can be created`,
  defaultsFailFix: 'set failurePolicy: Ignore (defaults are best effort; the chart does)',
  timeoutShort: (webhook: string, seconds: number) => `${webhook} has timeoutSeconds ${seconds}: the webhook takes up to 2 s (--decision-deadline-ms) to decide on a fresh Kafka view, so the apiserver may give up first and refuse`,
  timeoutShortFix: (webhook: string) => `raise ${webhook}'s timeoutSeconds to 3 or more (chart values timeouts.*), or lower --decision-deadline-ms below it`,
  timeoutLong: (webhook: string, seconds: number) => `${webhook} has timeoutSeconds ${seconds}: a hung webhook holds every guarded request (kubectl drain, rollouts) that long`,
  timeoutLongFix: 'keep timeoutSeconds at 3 to 10 (chart values timeouts.*)',
  webhooksOk: (count: number, timeouts: readonly number[]) =>
    `${count} webhooks registered; the guards fail closed (Fail), the defaults open (Ignore); timeouts ${[...new Set(timeouts)].sort((a, b) => a - b).join(', ')} s`,

  urlUnreachable: (url: string, error: string) => `the webhook at ${url} cannot be reached from here: ${error}`,
  urlUnreachableFix: 'check that the webhook process runs and listens there; the validating webhooks fail closed, so guarded requests are refused meanwhile',
  unhealthy: (target: string, status: number) => `the webhook at ${target} answered GET /healthz with HTTP ${status}`,
  unhealthyFix: (target: string) => `look at the webhook's logs (kubectl logs -n kafka-guard deploy/kafka-guard, or the process serving ${target})`,
  serviceMissing: (service: string) => `Service ${service} that the registrations call does not exist: every guarded request is refused (failurePolicy Fail)`,
  serviceMissingFix: 'reinstall the chart, or point the registrations at the Service that serves the webhook',
  noEndpoints: (service: string) => `Service ${service} has no ready endpoint: the webhook pods are not running or not Ready, so every guarded request is refused`,
  noEndpointsFix: (namespace: string) => `kubectl get pods -n ${namespace} -l app.kubernetes.io/name=kafka-guard; kubectl describe deploy -n ${namespace} kafka-guard`,
  oneEndpoint: (service: string) => `Service ${service} has one ready endpoint: while that pod restarts, guarded requests are refused`,
  oneEndpointFix: 'run 2 or more webhook replicas (chart value replicas, default 2) on different nodes',
  endpointOk: (target: string, detail: string) => `the webhook at ${target} ${detail}`,
  healthy: 'answers GET /healthz',
  readyEndpoints: (count: number) => `has ${count} ready endpoints`,
  notFromHere: 'cannot be reached from here (outside the cluster): its serving certificate is not checked',

  caMissing: (webhooks: readonly string[]) => `${firstOf(webhooks)}: no caBundle, so the apiserver cannot trust the webhook's certificate`,
  caNotInjected: (webhooks: readonly string[], from: string) => `${firstOf(webhooks)}: no caBundle; cert-manager has not injected it from ${from}`,
  caNotInjectedFix: (from: string) => `check cert-manager's cainjector and the Certificate ${from} (kubectl describe certificate -n ${from.split('/')[0] ?? ''} ${from.split('/')[1] ?? ''})`,
  caMissingFix: 'set the chart value certificates.caBundle (certificates.mode=self-managed) to the base64 PEM of the CA that signed the serving certificate',
  caUnreadable: (webhooks: readonly string[], error: string) => `${firstOf(webhooks)}: the caBundle is not a PEM certificate: ${error}`,
  caExpired: (subject: string, at: string) => `the caBundle's CA ${subject} expired at ${at}: the apiserver refuses the webhook's certificate`,
  caNotYetValid: (subject: string, from: string) => `the caBundle's CA ${subject} is valid only from ${from}`,
  caRenewFix: 'renew the CA and the serving certificate (cert-manager: kubectl cert-manager renew; self-managed: a new CA, Secret and certificates.caBundle)',
  caExpiresSoon: (subject: string, at: string, days: number) => `the caBundle's CA ${subject} expires at ${at}, in ${daysLeft(days)}`,
  caOk: (subject: string, at: string, days: number) => `the caBundle's CA ${subject} is valid until ${at} (${daysLeft(days)})`,
  servingUnverified: (target: string, subject: string) => `the serving certificate of ${target} (${subject}) is not signed by the caBundle: the apiserver refuses the TLS handshake, so every guarded request fails`,
  servingWrongHost: (target: string, host: string) => `the serving certificate of ${target} does not name ${host}: the apiserver refuses the TLS handshake`,
  servingFix: 'give the registrations the CA that signed the serving certificate (certificates.caBundle), or re-issue the certificate (docs/install.md)',
  servingExpired: (target: string, at: string) => `the serving certificate of ${target} expired at ${at}`,
  servingExpiresSoon: (target: string, at: string, days: number) => `the serving certificate of ${target} expires at ${at}, in ${daysLeft(days)}, and has not been renewed`,
  servingOk: (target: string, at: string) => `the serving certificate of ${target} is signed by the caBundle, names its host and is valid until ${at}`,

  namespaceUnguarded: (namespace: string, policies: readonly string[]) =>
    `namespace ${namespace} (policy ${policies.join(', ')}) is not selected by pods.validate.kafkaguard.io: evictions, deletions and scale-downs of its brokers are not checked`,
  labelFix: (namespace: string, label: string) => `kubectl label namespace ${namespace} ${label}`,
  listFix: (namespace: string) => `add ${namespace} to the chart value guard.namespaces`,
  namespaceUnreadable: (namespace: string, error: string) => `cannot read namespace ${namespace}'s labels: ${error}`,
  namespaceGuarded: (namespace: string) => `namespace ${namespace} is guarded`,

  noPolicies: (where: string) => `no KafkaGuardPolicy ${where}: no broker is guarded`,
  noPoliciesFix: 'create one per Kafka cluster (docs/policy.md)',
  policyInvalid: (errors: string) => errors.split('\n').map((line) => line.trim()).join(' '),
  policyFix: (name: string, namespace: string) => `kubectl edit kafkaguardpolicy ${name} -n ${namespace} (docs/policy.md)`,
  modeOff: 'mode is Off: the webhook admits everything for this cluster',
  modeOffFix: 'set spec.mode: Enforce (or Warn to see the refusals first)',
  modeWarn: 'mode is Warn: refusals are only warnings, nothing is refused',
  modeWarnFix: 'set spec.mode: Enforce once the warnings look right',
  noBrokerPods: (selector: string, namespace: string) => `spec.brokers.selector (${selector}) selects no pod in namespace ${namespace}`,
  selectorFix: 'make spec.brokers.selector match the broker pods\' labels (kubectl get pods --show-labels)',
  idErrors: (errors: readonly string[]) => firstOf(errors, 3),
  idFix: 'fix spec.brokers.idFrom so that every broker pod yields its own broker id (docs/policy.md)',
  noIdKnown: (ids: readonly number[], registered: readonly number[]) => `the pods' broker ids (${ids.join(', ')}) are none of those Kafka has registered (${registered.join(', ')})`,
  unregisteredPods: (pods: readonly string[]) => `broker pods not registered with Kafka (down, or their id is wrong): ${firstOf(pods)}`,
  unregisteredFix: 'kubectl kafka status; a pod that runs but is not registered has another id than idFrom gives',
  podlessBrokers: (ids: readonly number[]) => `brokers registered with Kafka that no selected pod runs: ${ids.join(', ')}; the guards do not see them`,
  podlessFix: 'make spec.brokers.selector select every broker pod, or unregister brokers that are gone (kubectl kafka scale)',
  brokersOk: (pairs: readonly string[]) => `${pairs.length} brokers identified: ${firstOf(pairs, 10)}`,

  pdbUnreadable: (error: string) => `cannot list PodDisruptionBudgets: ${error}`,
  noPdb: (uncovered: readonly string[]) => `no PodDisruptionBudget covers broker pods ${firstOf(uncovered)}: a drain that does not consult kafka-guard (webhook down, other namespaces) may take several at once`,
  pdbFix: (namespace: string, selector: string) => `kubectl create poddisruptionbudget kafka-brokers -n ${namespace} --selector='${selector}' --max-unavailable=1`,
  pdbOk: (names: readonly string[], count: number) => `PodDisruptionBudget ${names.join(', ')} covers the ${count} broker pods`,

  rackOff: 'rack awareness is off in the policy (spec.defaults.rackAwareness): broker.rack is not set from the zone',
  noZoneLabel: (pods: readonly string[]) => `broker pods without the topology.kubernetes.io/zone label: ${firstOf(pods)}; their broker.rack is empty`,
  zoneFix: 'on Kubernetes 1.33 and 1.34 start kube-apiserver with --feature-gates=PodTopologyLabelsAdmission=true (on by default from 1.35), then restart the brokers (kubectl kafka restart --all); docs/defaults.md#rack-awareness',
  noRack: (brokers: readonly string[]) => `brokers without broker.rack: ${firstOf(brokers)}; replicas are not spread over zones`,
  brokerOfPod: (id: number, pod: string) => `${id} (${pod})`,
  rackOfPod: (id: number, pod: string, rack: string, zone: string) => `${id} (${pod}): rack ${rack}, zone ${zone}`,
  rackMismatch: (brokers: readonly string[]) => `broker.rack is not the pod's zone: ${firstOf(brokers)}`,
  rackFix: 'restart the brokers so the rack default applies (kubectl kafka restart --all), or check the image reads KAFKA_BROKER_RACK (envConvention)',
  rackOk: (zones: readonly string[]) => `every broker's broker.rack is its zone (${zones.join(', ')})`,
  rackUnknown: 'Kafka cannot be read, so broker.rack is not checked',

  noClaims: 'the broker pods have no PersistentVolumeClaim: nothing to check for volume expansion',
  claimNoClass: (claims: readonly string[]) => `broker claims without a StorageClass (pre-provisioned volumes): ${firstOf(claims)}; they cannot be grown with kubectl kafka resize`,
  classMissing: (storageClass: string, claims: readonly string[]) => `StorageClass ${storageClass} of ${firstOf(claims)} does not exist`,
  classMissingFix: 'create the StorageClass, or move the brokers to one that exists',
  noExpansion: (storageClass: string, claims: readonly string[]) => `StorageClass ${storageClass} (claims ${firstOf(claims)}) has allowVolumeExpansion false: a broker whose disk fills cannot be grown in place`,
  expansionFix: (storageClass: string) => `if its driver can expand volumes: kubectl patch storageclass ${storageClass} -p '{"allowVolumeExpansion": true}'`,
  storageUnreadable: (error: string) => `cannot read the broker volumes: ${error}`,
  storageOk: (classes: readonly string[]) => `StorageClass ${classes.join(', ')} of the broker claims allow volume expansion`,

  kafkaUnreachable: (error: string) => `Kafka cannot be reached as the policy says: ${error}`,
  kafkaUnreachableFix: 'check spec.kafka.bootstrapServers and the TLS/SASL Secrets the policy names (kubectl kafka status --verbose); the webhook then decides by spec.onKafkaUnreachable',
  aclsUnknown: (error: string) => `the principal's Kafka permissions cannot be read (${error})`,
  aclsUnknownFix: 'Kafka 2.8 or newer reports them (DescribeCluster); check the ACLs by hand (README: Kafka version and permissions)',
  clusterReadDenied: (missing: readonly string[]) => `the principal may not ${missing.join(', ')} the cluster: the webhook cannot decide, so every guarded disruption goes by spec.onKafkaUnreachable`,
  topicsReadDenied: (topics: readonly string[]) => `the principal may not DescribeConfigs topics ${firstOf(topics)}: their min.insync.replicas is unknown to the webhook`,
  readAclFix: (principal: string) => `kafka-acls.sh --bootstrap-server ... --add --allow-principal ${principal} --operation Describe --operation DescribeConfigs --cluster --topic '*'`,
  clusterWriteDenied: (missing: readonly string[]) => `the principal may not ${missing.join(', ')} the cluster: drain, move, restart, scale, rebalance and throttles fail (reassignments, leader elections, throttle rates)`,
  topicsWriteDenied: (topics: readonly string[]) => `the principal may not AlterConfigs topics ${firstOf(topics)}: throttled moves of their partitions fail`,
  writeAclFix: (principal: string) => `kafka-acls.sh --bootstrap-server ... --add --allow-principal ${principal} --operation Alter --operation AlterConfigs --cluster; and --operation AlterConfigs --topic '*'`,
  kafkaOk: (servers: readonly string[], topics: number) => `Kafka at ${firstOf(servers, 3)} is reachable; the principal may Describe, DescribeConfigs, Alter and AlterConfigs the cluster and its ${topics} topics`,
  principalOfPolicy: 'User:<the policy\'s principal>',

  soleReplicaTopics: (topics: readonly string[]) => `topics with replication factor 1: ${firstOf(topics)}; taking their broker down takes them offline, so the webhook refuses it`,
  soleReplicaFix: 'raise their replication factor (kafka-reassign-partitions.sh), or list them in spec.expendableTopics if losing them for a while is fine',
  topicReplication: (topic: string, rf: number, minIsr: number) => `${topic} (RF ${rf}, min.insync.replicas ${minIsr})`,
  minIsrTopics: (topics: readonly string[]) => `topics whose min.insync.replicas is at least their replication factor: ${firstOf(topics)}; no broker holding them can go down without refusing acks=all writes, so the webhook refuses every disruption of their brokers`,
  minIsrFix: 'set min.insync.replicas below the replication factor (usually RF 3, min.insync.replicas 2): kafka-configs.sh --alter --entity-type topics --entity-name TOPIC --add-config min.insync.replicas=2',
  topicsOk: (count: number) => `${count} topics: each has replication factor 2 or more and min.insync.replicas below it`,
  topicsUnknown: 'Kafka cannot be read, so the topics are not checked',
} as const;

// ---- kubectl kafka report (the diagnostic bundle)

export const reportText = {
  partFailed: (part: string, error: string) => `${part} could not be collected: ${error}\n`,
  noWebhookPods: () => 'no pod backs the kafka-guard webhook Service here (a url webhook, or the Service has no selector); its logs are not in the bundle\n',
  logForbidden: (pod: string, error: string) =>
    `the log of pod ${pod} could not be read: ${error}\nGrant get on pods/log in the webhook's namespace (the chart's plugin Role does), or attach kubectl logs output by hand.\n`,
  secretOmitted: (name: string) => `(Secret ${name}: value left out)`,
  readme: (createdAt: string, namespace: string) =>
    `kafka-guard diagnostic bundle, created ${createdAt} for namespace ${namespace}.\n` +
    'Secret values are always left out: Secret data is never read into it, env values from secretKeyRef\n' +
    'are kept as references only, and last-applied-configuration annotations are removed.\n' +
    'manifest.json lists every file and each part that could not be collected (see errors/).\n',
};
