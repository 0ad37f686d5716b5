/**
 * Every sentence the webhook shows a person: refusal summaries and reasons,
 * warnings, Event texts and HTTP error bodies. Kafka safety sentences (which
 * partitions, why) come from shared/safety/messages.ts through the verdict;
 * this module frames them for admission responses. One place, so the wording
 * is consistent and reviewable at once.
 */
import { levelName, RELEASE_LEVELS } from '../shared/kafka/features.js';
import type { ImageVersion } from '../shared/k8s/kafka-image.js';
import { ANNOTATIONS } from '../shared/policy/types.js';
import type { AdmissionRequest } from './admission/types.js';
import type { DenialReason, DenialReasonFields, VerdictOutcome } from './admission/verdict.js';
import type { BreakGlass } from './rules/rule.js';
import type { Identity } from '../shared/policy/break-glass.js';
import type { Lookup } from './facts/awaited.js';

type DenyOutcome = Extract<VerdictOutcome, { kind: 'deny' }>;

const ns = (namespace: string): string => ` -n ${namespace}`;

// ---- refusal summaries (one line: what was refused) ----

export function evictionSummary(namespace: string, pod: string, brokerId: number | null): string {
  return `kafka-guard refused to evict pod ${namespace}/${pod}${brokerLabel(brokerId)}.`;
}

export function podDeleteSummary(namespace: string, pod: string, brokerId: number | null, username: string): string {
  const retry = isStatefulSetController(username)
    ? ' The StatefulSet controller retries the delete; it is admitted once the broker can go down safely.'
    : '';
  return `kafka-guard refused to delete pod ${namespace}/${pod}${brokerLabel(brokerId)}.${retry}`;
}

export function scaleDownSummary(namespace: string, sts: string, from: number, to: number): string {
  return `kafka-guard refused to scale StatefulSet ${namespace}/${sts} from ${from} to ${to} replicas.`;
}

export function pvcDeleteSummary(namespace: string, pvc: string, brokerId: number | null): string {
  return `kafka-guard refused to delete PersistentVolumeClaim ${namespace}/${pvc}${brokerLabel(brokerId, 'the volume of broker')}.`;
}

export function pvcShrinkSummary(namespace: string, pvc: string): string {
  return `kafka-guard refused to shrink PersistentVolumeClaim ${namespace}/${pvc}, a Kafka broker volume.`;
}

export function volumeTemplatesSummary(namespace: string, sts: string): string {
  return `kafka-guard refused StatefulSet ${namespace}/${sts}: its volumeClaimTemplates are smaller than the broker volumes that exist.`;
}

export function retentionSummary(namespace: string, sts: string): string {
  return `kafka-guard refused StatefulSet ${namespace}/${sts}: its PVC retention policy would delete broker volumes.`;
}

export function policyInvalidSummary(namespace: string, name: string): string {
  return `kafka-guard refused KafkaGuardPolicy ${namespace}/${name}: it is invalid.`;
}

export function nodePoolSummary(namespace: string, pool: string): string {
  return `kafka-guard refused to shrink the storage of KafkaNodePool ${namespace}/${pool}.`;
}

function brokerLabel(brokerId: number | null, words = 'Kafka broker'): string {
  return brokerId === null ? '' : ` (${words} ${brokerId})`;
}

export function isStatefulSetController(username: string): boolean {
  return username === 'system:serviceaccount:kube-system:statefulset-controller';
}

// ---- reasons of the non-Kafka rules ----

export function identityReason(error: string, policyKey: string, namespace: string): DenialReasonFields {
  return {
    rule: 'broker-identity',
    message: `Cannot tell which Kafka broker this is, so its safety cannot be checked: ${error}.`,
    remediation: `fix spec.brokers of KafkaGuardPolicy ${policyKey}; check with: kubectl kafka status${ns(namespace)}`,
  };
}

export function liveVolumeReason(pvc: string, pod: string, brokerId: number | null, namespace: string): DenialReasonFields {
  return {
    rule: 'live-volume',
    message:
      `${pvc} is the data volume of pod ${pod}${brokerLabel(brokerId, 'broker')}, which exists: the volume would be ` +
      'removed when the pod next restarts and the broker would come back empty.',
    remediation:
      `kubectl kafka move ${pod} --to-node NODE${ns(namespace)} (recreates a node-local volume on another node), or ` +
      `kubectl kafka drain ${pod}${ns(namespace)} (moves its replicas away), then remove the pod before its volume`,
  };
}

export function shrinkReason(pvc: string, requested: string, capacity: string): DenialReasonFields {
  return {
    rule: 'volume-shrink',
    message: `${pvc} would shrink from ${capacity} to ${requested}; a broker's log dirs cannot be made smaller in place.`,
    remediation: 'keep the size; to move a broker to a smaller disk use: kubectl kafka move POD --to-node NODE after draining it',
  };
}

export function expansionRecoveryWarning(pvc: string, requested: string, capacity: string): string {
  return `kafka-guard: ${pvc} request lowered to ${requested}, still above its capacity ${capacity} (recovery from a failed expansion).`;
}

export function templateShrinkReason(template: string, templateSize: string, larger: ReadonlyArray<{ pvc: string; size: string }>): DenialReasonFields {
  const shown = larger.slice(0, 5).map((l) => `${l.pvc} (${l.size})`).join(', ');
  const more = larger.length > 5 ? ` and ${larger.length - 5} more` : '';
  return {
    rule: 'volume-template-shrink',
    message:
      `volumeClaimTemplate ${template} asks for ${templateSize}, less than existing broker volumes: ${shown}${more}. ` +
      'New brokers would get smaller disks than the replicas they must take over.',
    remediation: `keep volumeClaimTemplate ${template} at least as large as the existing volumes`,
  };
}

export function templateShrinkWarning(template: string, templateSize: string, count: number): string {
  return `kafka-guard: volumeClaimTemplate ${template} (${templateSize}) is smaller than ${count} existing broker volume(s).`;
}

export function brokerIdentitySummary(namespace: string, sts: string): string {
  return `kafka-guard refused StatefulSet ${namespace}/${sts}: it changes the brokers' identity or data directory.`;
}

export function brokerIdentityReason(change: { setting: string; envName: string; before: string | null; after: string | null }): DenialReasonFields {
  const shown = (v: string | null) => v ?? 'unset';
  const effect = change.setting.includes('dir')
    ? 'each broker would start on an empty directory, its replicas rebuilt from the others or lost where it held the only copy'
    : "a broker whose id or role no longer matches its data directory's meta.properties does not start";
  return {
    rule: 'broker-identity-change',
    message: `${change.setting} (${change.envName}) goes from ${shown(change.before)} to ${shown(change.after)}: the StatefulSet would roll it onto every broker, and ${effect}.`,
    remediation:
      `put ${change.envName} back as it was; a broker keeps its id and data directory for life. To renumber or relocate brokers, add new ones and retire the old: ` +
      'kubectl kafka scale STATEFULSET --replicas N (it drains the brokers it removes); other settings: kubectl kafka config set',
  };
}

export function retentionReason(field: 'whenDeleted' | 'whenScaled'): DenialReasonFields {
  const when = field === 'whenDeleted' ? 'the StatefulSet is deleted' : 'the StatefulSet is scaled down';
  return {
    rule: 'pvc-retention-delete',
    message: `persistentVolumeClaimRetentionPolicy.${field} is Delete: broker volumes would be deleted when ${when}.`,
    remediation: `set spec.persistentVolumeClaimRetentionPolicy.${field}: Retain (scale down with: kubectl kafka scale)`,
  };
}

export function retentionWarning(field: 'whenDeleted' | 'whenScaled'): string {
  return `kafka-guard: persistentVolumeClaimRetentionPolicy.${field} is Delete on a broker StatefulSet; set it to Retain.`;
}

export function policyErrorReasons(formatted: string): DenialReasonFields[] {
  return [{ rule: 'invalid-policy', message: formatted, remediation: 'fix the fields listed and apply the policy again' }];
}

export function nodePoolShrinkReason(volume: string, from: string, to: string): DenialReasonFields {
  return {
    rule: 'volume-shrink',
    message: `${volume} would shrink from ${from} to ${to}; broker volumes cannot be made smaller in place.`,
    remediation: 'keep the size; to move brokers to smaller disks, add a new KafkaNodePool and move the replicas to it',
  };
}

export function jbodVolumeRemovedWarning(pool: string, volumeId: string): string {
  return (
    `kafka-guard: removing JBOD volume ${volumeId} from KafkaNodePool ${pool} deletes its data; ` +
    'empty it first (KafkaRebalance mode remove-disks).'
  );
}

export function breakGlassHint(namespace: string, pod: string): string {
  return (
    `To let exactly one disruption of this pod through anyway: ` +
    `kubectl annotate pod ${pod}${ns(namespace)} ${ANNOTATIONS.allowDisruption}="<reason>"`
  );
}

// ---- engine ----

/** Longest request-supplied name an HTTP error quotes; Kubernetes names are at most 253 characters. */
export const MAX_QUOTED_NAME_CHARS = 253;

/**
 * A name taken from a request, cut to MAX_QUOTED_NAME_CHARS (at a code point)
 * with its full length said: a caller's 1 MB resource name must not come back
 * in the answer and the log (found by the admission fuzzer, issue 13).
 */
export function quotedName(text: string): string {
  const points = [...text];
  return points.length <= MAX_QUOTED_NAME_CHARS ? text : `${points.slice(0, MAX_QUOTED_NAME_CHARS).join('')}…(${points.length} characters)`;
}

export function unknownResourceMessage(request: AdmissionRequest, route: string): string {
  const { group, version, resource: plural } = request.resource;
  const resource = `${group === '' ? 'core' : quotedName(group)}/${quotedName(version)} ${quotedName(plural)}` +
    (request.subResource === null ? '' : `/${quotedName(request.subResource)}`);
  return (
    `no kafka-guard rule on ${route} handles ${resource} (kind ${quotedName(request.kind.kind)}): the webhook is never registered ` +
    'for it, so the webhook configuration and this version of kafka-guard disagree; fix the webhook rules in deploy/'
  );
}

export function unreachableReason(policyKey: string, error: string): DenialReasonFields {
  return {
    rule: 'kafka-unreachable',
    message: `Kafka of KafkaGuardPolicy ${policyKey} could not be asked in time (${error}), and its onKafkaUnreachable is Deny.`,
    remediation: 'retry once Kafka answers; check with: kubectl kafka status',
  };
}

export function unreachableSummary(rule: string): string {
  return `kafka-guard could not check this request against Kafka (rule ${rule}).`;
}

/** The decision first: warnings are cut at 256 characters, and the error can be long. */
export function unreachableAllowedWarning(policyKey: string, error: string): string {
  return `kafka-guard: admitted unchecked because onKafkaUnreachable is Allow: Kafka of ${policyKey} unreachable (${error})`;
}

/** What a rule run was doing, for the deadline message. */
export const DECISION_STAGES = {
  starting: 'starting',
  locating: 'looking up the governing policy',
  gathering: 'gathering facts',
  deciding: 'deciding',
  breakGlassSetter: 'reading who set the break-glass annotation',
} as const;

/** How the deadline message and the apiserver refusal name each lookup a rule was still waiting for. */
export const LOOKUP_NAMES: Readonly<Record<Lookup, string>> = {
  policyFor: 'the KafkaGuardPolicies',
  policiesIn: 'the KafkaGuardPolicies',
  pod: 'the pod',
  brokerPods: 'the broker pods',
  statefulSet: 'the StatefulSets',
  statefulSets: 'the StatefulSets',
  pvcs: 'the PersistentVolumeClaims',
  pendingDisruptions: 'the disruption ledger',
  breakGlassSetter: 'the disruption ledger (who set the break-glass annotation)',
  pdbCoversBrokers: 'the PodDisruptionBudgets',
  storageClasses: 'the StorageClasses',
  schedulableNodeCount: 'the Nodes',
  kafkaIndex: 'the Kafka cluster view read after the request arrived',
  replicaSizes: "the brokers' log dir sizes from Kafka (DescribeLogDirs)",
  kafkaFeatures: "the cluster's feature levels from Kafka (ApiVersions)",
};

/** `waitingFor`: the names of the lookups that had not answered (LOOKUP_NAMES). */
export function deadlineMessage(deadlineMs: number, stage: string, waitingFor: readonly string[] = []): string {
  const waiting = waitingFor.length === 0 ? '' : `, waiting for ${waitingFor.join(' and ')}`;
  return `no decision within the ${deadlineMs} ms deadline (still ${stage}${waiting})`;
}

const CHECK_APISERVER = "retry once the apiserver answers (kubectl drain retries a 429 by itself); check the apiserver and etcd with: kubectl get --raw '/readyz?verbose'";

/** `lookups`: what the apiserver had not answered (LOOKUP_NAMES). */
export function apiserverUnavailableReason(policyKey: string, lookups: readonly string[], error: string): DenialReasonFields {
  return {
    rule: 'apiserver-unavailable',
    message:
      `kafka-guard could not read ${lookups.join(' and ')} from the Kubernetes apiserver in time (${error}). Deciding without ` +
      'it could let two disruptions that together break min.insync.replicas both pass, so in Enforce mode this is refused whatever ' +
      `onKafkaUnreachable of KafkaGuardPolicy ${policyKey} says.`,
    remediation: CHECK_APISERVER,
  };
}

/** A break-glass annotation cannot be used while the apiserver does not answer: using it is a write there. */
export function breakGlassNeedsApiserverHint(pod: string): string {
  return `The break-glass annotation on pod ${pod} was not used: using it removes it on the apiserver, which did not answer. ` +
    'It stays set for the retry once the apiserver answers.';
}

export function ledgerWriteTimeoutMessage(waitedMs: number): string {
  return `the apiserver did not answer the write within the ${waitedMs} ms left before its own timeout`;
}

/** Warn mode: a ledger write the apiserver failed; the admission stands (nothing is enforced), unrecorded. */
export function ledgerWriteSkippedWarning(policyKey: string, error: string): string {
  return `kafka-guard (Warn mode, ${policyKey}): this disruption is not in the disruption ledger: the apiserver failed the write (${error}). ` +
    'Admitted anyway, since Warn mode refuses nothing; in Enforce mode it would be refused until the apiserver answers.';
}

export function apiserverUnavailableSummary(rule: string): string {
  return `kafka-guard could not check this request: the Kubernetes apiserver did not answer in time (rule ${rule}).`;
}

/** A ledger write (reservation, break-glass use) that failed: the admission it would record does not stand. */
export function ledgerWriteFailedReason(error: string): DenialReasonFields {
  return {
    rule: 'apiserver-unavailable',
    message:
      `kafka-guard could not write its disruption ledger on the Kubernetes apiserver (${error}); a disruption it cannot ` +
      'record does not stand, since disruptions decided meanwhile would not count it.',
    remediation: CHECK_APISERVER,
  };
}

export function warnModeWarnings(policyKey: string, outcome: DenyOutcome): string[] {
  const warnings = [`kafka-guard (Warn mode, ${policyKey}) would refuse: ${outcome.summary}`];
  for (const reason of outcome.reasons) {
    warnings.push(`kafka-guard (Warn mode): ${reason.message}`);
    if (reason.remediation !== null) warnings.push(`kafka-guard (Warn mode): safe way: ${reason.remediation}`);
  }
  return warnings;
}

/** `setBy` null: the webhook never saw the annotation set (at the pod's creation, or before a policy governed it). */
export function breakGlassUsedWarning(breakGlass: BreakGlass, setBy: Identity | null, username: string): string {
  return (
    `kafka-guard: break-glass on pod ${breakGlass.pod.namespace}/${breakGlass.pod.name} set by ${setterName(setBy)}, ` +
    `used by ${username || 'an unknown user'} (${JSON.stringify(breakGlass.reason)}); the guard was bypassed once and the annotation is used up.`
  );
}

export function breakGlassRetryWarning(namespace: string, pod: string): string {
  return (
    `kafka-guard: the break-glass already used on pod ${namespace}/${pod} admitted its disruption a moment ago; ` +
    'this request is that same disruption retried, so it stands.'
  );
}

export function breakGlassDryRunWarning(breakGlass: BreakGlass): string {
  return `kafka-guard (dry run): the break-glass annotation on pod ${breakGlass.pod.name} would let this through and be used up.`;
}

export function breakGlassRaceHint(pod: string): string {
  return `The break-glass annotation on pod ${pod} was already used (by another request, or earlier); it lets only one disruption through. ` +
    `For another one, give it a new reason: kubectl annotate pod ${pod} --overwrite ${ANNOTATIONS.allowDisruption}="<new reason>"`;
}

export function reservationConflictSummary(): string {
  return 'kafka-guard could not record this disruption for other decisions to see.';
}

export function reservationConflictReason(): DenialReasonFields {
  return {
    rule: 'concurrent-disruption',
    message:
      'Another disruption of this Kafka cluster was admitted at the same moment, so this decision may be out of date.',
    remediation: 'retry: the next decision counts the other disruption (kubectl drain retries this by itself)',
  };
}

export function ruleFailedMessage(rule: string, message: string): string {
  return `kafka-guard rule ${rule} failed: ${message}`;
}

/** `message` already names what failed (ruleFailedMessage). */
export function mutateFailedWarning(message: string): string {
  return `kafka-guard defaults were not applied: ${message}`;
}

/** The status.message of a refusal: summary, one block per reason, then hints. */
export function renderDenial(outcome: DenyOutcome): string {
  const lines = [outcome.summary];
  for (const reason of outcome.reasons) lines.push(...reasonLines(reason));
  lines.push(...outcome.hints);
  return lines.join('\n');
}

function reasonLines(reason: DenialReason): string[] {
  const lines = [`- [${reason.rule}] ${reason.message}`];
  if (reason.remediation !== null) lines.push(`  Safe way: ${reason.remediation}`);
  return lines;
}

// ---- Events ----

export const EVENT_REASONS = {
  refused: 'KafkaGuardRefused',
  wouldRefuse: 'KafkaGuardWouldRefuse',
  breakGlass: 'KafkaGuardBreakGlass',
  kafkaUnreachable: 'KafkaGuardKafkaUnreachable',
  apiserverUnavailable: 'KafkaGuardApiserverUnavailable',
} as const;

/** Event messages are cut at 1024 bytes by client-go's recorder; keep the important part first. */
export function eventMessage(rule: string, username: string, text: string): string {
  const full = `[${rule}] requested by ${username || 'an unknown user'}: ${text.replace(/\s*\n\s*/g, ' ')}`;
  return full.length > 1000 ? `${full.slice(0, 999)}…` : full;
}

// ---- HTTP errors ----

export function bodyTooLargeMessage(limitBytes: number): string {
  return (
    `the AdmissionReview body is larger than the ${limitBytes}-byte limit; raise --body-limit-bytes ` +
    '(KAFKAGUARD_BODY_LIMIT_BYTES) if such objects are expected'
  );
}

export function notJsonMessage(detail: string): string {
  return `the request body is not JSON (${detail}); expected an admission.k8s.io/v1 AdmissionReview`;
}

/** A content-type header that is no media type at all (fastify refuses it before any parser runs). */
export function invalidContentTypeMessage(header: string): string {
  return `the content-type header ${JSON.stringify(quotedName(header))} is not a media type; send the AdmissionReview as application/json`;
}

export const EMPTY_BODY_MESSAGE = 'the request body is empty; expected an admission.k8s.io/v1 AdmissionReview';

// ---- pod-selector-labels: taking a live broker out of its policy's selector (issue 10) ----

/** One selector requirement a label edit breaks: the key, and what the pod had before. */
export interface BrokenSelectorLabel {
  key: string;
  /** The value before the edit; null when the label was absent (e.g. a DoesNotExist requirement now fails). */
  before: string | null;
  /** The value after the edit; null when the label was removed. */
  after: string | null;
}

export function selectorLabelSummary(namespace: string, pod: string, brokerId: number | null): string {
  return `kafka-guard refused to change the labels of pod ${namespace}/${pod}${brokerLabel(brokerId)}.`;
}

function describeLabelChange(label: BrokenSelectorLabel): string {
  if (label.after === null) return `removes label ${label.key} (was ${JSON.stringify(label.before ?? '')})`;
  if (label.before === null) return `adds label ${label.key}=${JSON.stringify(label.after)}`;
  return `changes label ${label.key} from ${JSON.stringify(label.before)} to ${JSON.stringify(label.after)}`;
}

/** Put back what the edit changed: `kubectl label pod P k=v k2- -n NS --overwrite`. */
function restoreLabelsCommand(namespace: string, pod: string, labels: readonly BrokenSelectorLabel[]): string {
  const args = labels.map((label) => (label.before === null ? `${label.key}-` : `${label.key}=${label.before}`));
  return `kubectl label pod ${pod} ${args.join(' ')} --overwrite${ns(namespace)}`;
}

export function selectorLabelReason(
  namespace: string,
  pod: string,
  policyKey: string,
  labels: readonly BrokenSelectorLabel[],
): DenialReasonFields {
  return {
    rule: 'selector-labels',
    message:
      `This edit ${labels.map(describeLabelChange).join(', ')}, which takes a running broker out of spec.brokers.selector ` +
      `of KafkaGuardPolicy ${policyKey}: its deletion and eviction would then no longer be guarded. ` +
      `To retire the broker, use kubectl kafka drain ${pod}${ns(namespace)} or kubectl kafka scale; to take it down for maintenance, ` +
      `kubectl kafka can-disrupt ${pod}${ns(namespace)} tells whether it is safe.`,
    remediation: `keep the label: ${restoreLabelsCommand(namespace, pod, labels)}`,
  };
}

/**
 * Break-glass on a relabelled broker pod: admitted, and the annotation is left
 * in place. Relabelling is no disruption, and consuming the annotation would
 * change the pod under the very update being admitted: the apiserver then
 * retries that update, re-runs admission, and would refuse it.
 */
export function selectorLabelBreakGlassWarning(namespace: string, pod: string, reason: string): string {
  return (
    `kafka-guard: break-glass annotation ${ANNOTATIONS.allowDisruption} on pod ${namespace}/${pod} ("${reason}") lets this ` +
    'relabel take the broker out of its policy; its deletion and eviction are no longer guarded.'
  );
}


// ---- Kafka version of a broker image (statefulset-kafka-version) ----

export function kafkaVersionSummary(namespace: string, sts: string, version: string): string {
  return `kafka-guard refused StatefulSet ${namespace}/${sts}: Kafka ${version} cannot run this cluster's metadata.version.`;
}

/** The oldest release that runs `level`, for the safe way. */
function oldestReleaseRunning(level: number): string | null {
  return RELEASE_LEVELS.find((r) => r.min <= level && level <= r.max)?.release ?? null;
}

export function kafkaVersionAboveReason(
  next: Extract<ImageVersion, { known: true }>,
  levels: { max: number; name: string },
  finalized: number,
  runningMax: number | null,
): DenialReasonFields {
  const oldest = oldestReleaseRunning(finalized);
  return {
    rule: 'kafka-version-below-finalized',
    message:
      `the cluster has finalized metadata.version ${levelName(finalized)}, and Kafka ${next.version.text} (${next.from}) runs at most ${levels.max} (${levels.name}): ` +
      `its brokers would not start. A finalized metadata.version cannot be lowered.`,
    remediation:
      `keep the brokers on Kafka ${oldest ?? 'the version they run'} or newer` +
      (runningMax !== null ? ` (the brokers running now support up to ${levelName(runningMax)})` : '') +
      '; to change the image safely: kubectl kafka upgrade STATEFULSET --image IMAGE',
  };
}

export function kafkaVersionBelowReason(next: Extract<ImageVersion, { known: true }>, levels: { min: number }, finalized: number): DenialReasonFields {
  return {
    rule: 'kafka-version-needs-finalize',
    message:
      `Kafka ${next.version.text} (${next.from}) runs metadata.version ${levelName(levels.min)} or later, and this cluster has finalized ${levelName(finalized)}: its brokers would not start.`,
    remediation: `raise metadata.version first, on the version the brokers run now: kubectl kafka upgrade STATEFULSET --finalize`,
  };
}

export function kafkaVersionZookeeperSummary(namespace: string, sts: string, version: string): string {
  return `kafka-guard refused StatefulSet ${namespace}/${sts}: Kafka ${version} cannot run a ZooKeeper-mode cluster.`;
}

export function kafkaVersionNoZookeeperReason(next: Extract<ImageVersion, { known: true }>): DenialReasonFields {
  return {
    rule: 'kafka-version-no-zookeeper',
    message: `this cluster runs in ZooKeeper mode, and Kafka ${next.version.text} (${next.from}) has no ZooKeeper mode (Kafka 4 runs only KRaft): its brokers would not start.`,
    remediation: 'keep the brokers on Kafka 3.x; migrate the cluster from ZooKeeper to KRaft on Kafka 3.9 first, then upgrade: kubectl kafka upgrade STATEFULSET --image IMAGE',
  };
}

export function kafkaVersionUnknownWarning(reason: string): string {
  return `kafka-guard: the Kafka version of the broker image was not checked against the cluster's metadata.version: ${reason}.`;
}

export function kafkaVersionUncheckedWarning(version: string, reason: string): string {
  return `kafka-guard: Kafka ${version} was not checked against the cluster's metadata.version: ${reason}.`;
}


// ---- who may set the break-glass annotation (pod-break-glass, spec.breakGlass; issue 12) ----

/** A person as the apiserver named them, with their groups (the ones RBAC adds to everyone left out). */
function identityText(who: Identity): string {
  const groups = who.groups.filter((g) => g !== 'system:authenticated');
  return `${who.username || 'an unknown user'}${groups.length > 0 ? ` (groups: ${groups.join(', ')})` : ''}`;
}

function setterName(setBy: Identity | null): string {
  return setBy === null ? 'an unknown user (not recorded: set when the pod was created, or while no policy governed it)' : identityText(setBy);
}

export function breakGlassSetSummary(namespace: string, pod: string): string {
  return `kafka-guard refused to set the break-glass annotation ${ANNOTATIONS.allowDisruption} on pod ${namespace}/${pod}.`;
}

export function breakGlassSetReason(who: Identity, policyKey: string, allowed: string): DenialReasonFields {
  return {
    rule: 'break-glass-not-allowed',
    message: `${identityText(who)} may not set it: KafkaGuardPolicy ${policyKey} (spec.breakGlass) allows ${allowed}.`,
    remediation: `ask one of them to set it, or have spec.breakGlass of KafkaGuardPolicy ${policyKey} changed (kubectl edit kafkaguardpolicy ${policyKey.split('/')[1] ?? ''} -n ${policyKey.split('/')[0] ?? ''})`,
  };
}

export function breakGlassSetWarning(namespace: string, pod: string, who: Identity, value: string): string {
  return (
    `kafka-guard: break-glass set on pod ${namespace}/${pod} by ${identityText(who)} (${JSON.stringify(value)}): ` +
    'the next disruption of this pod a guard refuses is let through once.'
  );
}

export function breakGlassSetWarnModeWarning(policyKey: string, namespace: string, pod: string, who: Identity, allowed: string): string {
  return `kafka-guard (Warn mode, ${policyKey}) would refuse: ${identityText(who)} may not set the break-glass annotation on pod ${namespace}/${pod}; spec.breakGlass allows ${allowed}.`;
}

/** Why an annotation on the pod did not let the refused disruption through. */
export function breakGlassNotHonouredHint(breakGlass: BreakGlass, setBy: Identity | null, policyKey: string, allowed: string): string {
  return (
    `The break-glass annotation on pod ${breakGlass.pod.name} (${JSON.stringify(breakGlass.reason)}) was set by ${setterName(setBy)}, ` +
    `and KafkaGuardPolicy ${policyKey} (spec.breakGlass) now allows ${allowed === 'nobody' ? 'nobody' : `only ${allowed}`} to set it, so it was not used. ` +
    `One of them can set it again: kubectl annotate pod ${breakGlass.pod.name} -n ${breakGlass.pod.namespace} --overwrite ${ANNOTATIONS.allowDisruption}="<new reason>"`
  );
}

export function breakGlassRecordFailedMessage(namespace: string, pod: string, error: string): string {
  return `kafka-guard could not record who set the break-glass annotation on pod ${namespace}/${pod} (${error}); try again.`;
}
