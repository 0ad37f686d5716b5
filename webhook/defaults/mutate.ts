/**
 * The mutating half's decision: which Kafka-aware defaults a broker StatefulSet
 * or Pod gets, as a JSON Patch. Pure: no I/O, the caller passes policy and facts.
 *
 * How: deep-clone the object (cloneJson), let each default (one file each) write into the
 * clone where the user has not set the field, then diff original and clone
 * with fast-json-patch (so annotation keys with `/` are escaped as `~1`
 * correctly). If anything throws, the answer is an error and no patch: a
 * default is never half-applied.
 */
import jsonPatch from 'fast-json-patch';
import { ANNOTATIONS } from '../../shared/policy/types.js';
import { mergeAppliedDefaults, parseSkipDefaults, type SkipList } from './annotations.js';
import { antiAffinity } from './anti-affinity.js';
import { factWarnings } from './fact-warnings.js';
import { kafkaSettings } from './kafka-settings.js';
import { readParts, type ObjectParts } from './parts.js';
import { pvcRetention } from './pvc-retention.js';
import { rackAwareness } from './rack-awareness.js';
import { readinessProbe } from './readiness-probe.js';
import { resources } from './resources.js';
import { safeToEvictAnnotation } from './safe-to-evict.js';
import { matchesSelector } from '../../shared/k8s/selector.js';
import { cloneJson, isRecord, MalformedObjectError, requireRecord, type JsonRecord } from './shape.js';
import { terminationGracePeriod } from './termination-grace.js';
import type { DefaultDefinition, DefaultName, DefaultsContext, MutationResult, TargetKind } from './types.js';
import { updateStrategy } from './update-strategy.js';
import { zoneSpread } from './zone-spread.js';

/** Every default in application order (the order of DEFAULT_NAMES). */
export const DEFAULTS: readonly DefaultDefinition[] = [
  antiAffinity,
  zoneSpread,
  rackAwareness,
  terminationGracePeriod,
  pvcRetention,
  updateStrategy,
  safeToEvictAnnotation,
  resources,
  kafkaSettings,
  readinessProbe,
];

/** A default threw: names it, keeps the cause. */
class DefaultFailedError extends Error {
  constructor(
    readonly defaultName: DefaultName,
    cause: unknown,
  ) {
    super(`default ${defaultName} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DefaultFailedError';
  }
}

/** Kafka-aware defaults for a broker StatefulSet (AdmissionReview `request.object`). Pure; never throws. */
export function mutateStatefulSet(statefulSet: object, ctx: DefaultsContext): MutationResult {
  return mutate('StatefulSet', statefulSet, ctx);
}

/** Kafka-aware defaults for a broker Pod (AdmissionReview `request.object`); on UPDATE only its annotations change. Pure; never throws. */
export function mutatePod(pod: object, ctx: DefaultsContext): MutationResult {
  return mutate('Pod', pod, ctx);
}

function mutate(kind: TargetKind, original: object, ctx: DefaultsContext): MutationResult {
  try {
    return decide(kind, requireRecord(original, 'the object'), ctx);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const prefix = error instanceof MalformedObjectError ? `malformed ${kind}: ` : '';
    return { ok: false, error: `kafka-guard cannot apply defaults to this ${kind}: ${prefix}${reason}` };
  }
}

interface Outcome {
  definition: DefaultDefinition;
  changed: boolean;
  warnings: string[];
}

function decide(kind: TargetKind, original: JsonRecord, ctx: DefaultsContext): MutationResult {
  const mutated = cloneJson(original);
  let parts = readParts(kind, mutated, ctx.containerName);
  if (!matchesSelector(parts.pod.labels, ctx.brokerSelector)) return { ok: true, patch: [], applied: [], warnings: [] };

  const skip = skipList(parts);
  const outcomes: Outcome[] = [];
  for (const definition of DEFAULTS) {
    if (!shouldRun(definition, kind, ctx, skip)) continue;
    const warnings: string[] = [];
    const target = { ...parts, warn: (message: string) => void warnings.push(message) };
    try {
      outcomes.push({ definition, changed: definition.apply(target, ctx), warnings });
    } catch (error) {
      throw new DefaultFailedError(definition.name, error);
    }
  }

  let kept = outcomes;
  let deferred: DefaultName[] = [];
  if (kind === 'StatefulSet' && !podTemplateMayChange(ctx, original)) {
    // Changing the template of a live StatefulSet rolls every broker: only do it when this update rolls them anyway.
    deferred = outcomes.filter((outcome) => outcome.changed && outcome.definition.scope !== 'workload').map((outcome) => outcome.definition.name);
    kept = outcomes.filter((outcome) => outcome.definition.scope === 'workload');
    restorePodTemplate(mutated, original);
    parts = readParts(kind, mutated, ctx.containerName);
  }

  const applied = kept.filter((outcome) => outcome.changed).map((outcome) => outcome.definition.name);
  recordApplied(parts, applied, kept);

  const warnings: string[] = [];
  if (applied.length > 0) warnings.push(`kafka-guard applied defaults: ${[...applied].sort().join(', ')}`);
  for (const outcome of kept) warnings.push(...outcome.warnings);
  if (deferred.length > 0) {
    const adopted = ctx.operation === 'CREATE' ? (ctx.adoptedPods ?? []) : [];
    const why =
      adopted.length > 0
        ? `this StatefulSet takes over broker pods that run already (${adopted.join(', ')}: it was deleted with --cascade=orphan and created again)`
        : 'this update does not change the pod template';
    warnings.push(
      `kafka-guard did not apply ${deferred.join(', ')} to spec.template: ${why}, and ` +
        `changing it would restart every broker. They will be applied with the next change to spec.template.`,
    );
  }
  warnings.push(...skipWarnings(parts, skip));
  warnings.push(...factWarnings({ ...parts, warn: () => undefined }, ctx.facts));

  return { ok: true, patch: jsonPatch.compare(original, mutated), applied, warnings };
}

function shouldRun(definition: DefaultDefinition, kind: TargetKind, ctx: DefaultsContext, skip: SkipList): boolean {
  if (!definition.kinds.includes(kind)) return false;
  if (!ctx.defaults.enabled || !ctx.defaults[definition.name].enabled) return false;
  if (skip.all || skip.names.has(definition.name)) return false;
  // The apiserver refuses changes to a running Pod's spec; its annotations may still change.
  if (kind === 'Pod' && ctx.operation === 'UPDATE' && definition.scope === 'podSpec') return false;
  return true;
}

/**
 * On CREATE unless it re-creates a StatefulSet whose pods run (they would all
 * restart); on UPDATE only when the update itself changes spec.template (compared with oldObject).
 */
function podTemplateMayChange(ctx: DefaultsContext, original: JsonRecord): boolean {
  if (ctx.operation === 'CREATE') return (ctx.adoptedPods ?? []).length === 0;
  const before = isRecord(ctx.oldObject) && isRecord(ctx.oldObject['spec']) ? ctx.oldObject['spec']['template'] : undefined;
  const after = isRecord(original['spec']) ? original['spec']['template'] : undefined;
  if (!isRecord(before) || !isRecord(after)) return false;
  return jsonPatch.compare(before, after).length > 0;
}

function restorePodTemplate(mutated: JsonRecord, original: JsonRecord): void {
  const originalSpec = requireRecord(original['spec'], 'spec');
  requireRecord(mutated['spec'], 'spec')['template'] = cloneJson(originalSpec['template']);
}

/**
 * `kafkaguard.io/applied-defaults`: on the object, every default kafka-guard
 * applied to it; on a StatefulSet's pod template (and so on its Pods), those
 * applied to the template. Only written when something was applied, so a second
 * pass changes nothing.
 */
function recordApplied(parts: ObjectParts, applied: DefaultName[], kept: Outcome[]): void {
  if (applied.length === 0) return;
  const key = ANNOTATIONS.appliedDefaults;
  parts.setObjectAnnotation(key, mergeAppliedDefaults(parts.objectAnnotation(key), applied));
  if (parts.kind !== 'StatefulSet') return;
  const onTemplate = kept.filter((outcome) => outcome.changed && outcome.definition.scope !== 'workload').map((outcome) => outcome.definition.name);
  if (onTemplate.length > 0) parts.pod.setAnnotation(key, mergeAppliedDefaults(parts.pod.annotation(key), onTemplate));
}

function skipList(parts: ObjectParts): SkipList {
  const key = ANNOTATIONS.skipDefaults;
  return parts.kind === 'StatefulSet'
    ? parseSkipDefaults([parts.objectAnnotation(key), parts.pod.annotation(key)])
    : parseSkipDefaults([parts.objectAnnotation(key)]);
}

function skipWarnings(parts: ObjectParts, skip: SkipList): string[] {
  const key = ANNOTATIONS.skipDefaults;
  const warnings: string[] = [];
  if (skip.unknown.length > 0) {
    warnings.push(`${key} names unknown defaults (${skip.unknown.join(', ')}); known: all, ${DEFAULTS.map((definition) => definition.name).join(', ')}.`);
  }
  const onObject = (parts.objectAnnotation(key) ?? '').trim();
  if (parts.kind === 'StatefulSet' && onObject !== '' && (parts.pod.annotation(key) ?? '').trim() === '') {
    warnings.push(
      `${key} is set on the StatefulSet but not on spec.template.metadata.annotations: Pods are defaulted on their own ` +
        `and read only their own annotations, so set it on the pod template too to keep these defaults off the Pods.`,
    );
  }
  return warnings;
}
