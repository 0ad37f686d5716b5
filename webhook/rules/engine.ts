/**
 * The engine: picks the rules for a request, runs locate -> gather -> decide
 * for each under the decision deadline, applies the policy's switches (mode,
 * guards, onKafkaUnreachable, break-glass), combines the verdicts and carries
 * out the effects (ledger reservation, break-glass consumption, Events).
 *
 * The policy application and the combination are pure functions (exported for
 * tests); the I/O is confined to `evaluateRule` and `runEffects`. Nothing
 * escapes: an exception anywhere becomes an errored verdict for the route to
 * encode (docs/adr/0001-webhook-error-semantics.md).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AdmissionRequest } from '../admission/types.js';
import {
  allow,
  deny,
  errored,
  errorMessage,
  patch,
  undecided,
  AdmissionVerdict,
  type Disruption,
  type VerdictOutcome,
} from '../admission/verdict.js';
import type { BreakGlassSetter, Deadline, Effects, FactsSource, ObjectReference } from '../facts/types.js';
import { breakGlassPermission, type Identity } from '../../shared/policy/break-glass.js';
import { policyKey } from '../facts/types.js';
import { PendingLookups, trackLookups, type Lookup } from '../facts/awaited.js';
import {
  DECISION_STAGES,
  EVENT_REASONS,
  LOOKUP_NAMES,
  apiserverUnavailableReason,
  apiserverUnavailableSummary,
  breakGlassNeedsApiserverHint,
  ledgerWriteSkippedWarning,
  ledgerWriteTimeoutMessage,
  breakGlassDryRunWarning,
  breakGlassNotHonouredHint,
  breakGlassRecordFailedMessage,
  breakGlassRaceHint,
  breakGlassUsedWarning,
  deadlineMessage,
  eventMessage,
  ledgerWriteFailedReason,
  mutateFailedWarning,
  renderDenial,
  reservationConflictReason,
  reservationConflictSummary,
  ruleFailedMessage,
  unknownResourceMessage,
  unreachableAllowedWarning,
  unreachableReason,
  unreachableSummary,
  warnModeWarnings,
} from '../messages.js';
import type { WebhookMetrics } from '../metrics.js';
import { isResource, type BreakGlass, type GatherContext, type Located, type Rule } from './rule.js';

export type Route = 'validate' | 'mutate';

export interface RouteRules {
  route: Route;
  rules: readonly Rule[];
  /**
   * What an errored verdict becomes. 'deny' (validate): fail closed, the guard
   * exists to prevent data loss. 'admit' (mutate): fail open without a patch,
   * because refusing to create a broker pod would itself be an outage.
   */
  onError: 'deny' | 'admit';
}

export type EngineLogger = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug'>;

export interface EngineDeps {
  facts: FactsSource;
  effects: Effects;
  metrics: WebhookMetrics;
  log: EngineLogger;
  settings: { maxPartitionsNamed: number; ledgerTtlMs: number };
}

export type Classified =
  | { kind: 'unknown-resource'; message: string }
  | { kind: 'rules'; rules: readonly Rule[] };

/**
 * Which rules look at the request. A resource no rule of the route is
 * registered for is an unknown kind (HTTP 400: the webhook configuration and
 * this build disagree); a known resource with an operation no rule looks at
 * gets no rules and is simply allowed.
 */
export function classify(routeRules: RouteRules, request: AdmissionRequest): Classified {
  const known = routeRules.rules.some((rule) => rule.resources.some((key) => isResource(request, key)));
  if (!known) return { kind: 'unknown-resource', message: unknownResourceMessage(request, `/${routeRules.route}`) };
  return { kind: 'rules', rules: routeRules.rules.filter((rule) => rule.matches(request)) };
}

/** What happened to one rule, for metrics and logs. */
export type RuleOutcome =
  | 'not_governed'
  | 'mode_off'
  | 'guard_off'
  | 'allowed'
  | 'patched'
  | 'denied'
  | 'warned'
  | 'break_glass'
  | 'kafka_unreachable_allowed'
  | 'errored';

/** The result of running one rule's steps, before the policy is applied. */
export interface RuleRun {
  rule: Rule;
  located: Located<unknown> | null;
  verdict: AdmissionVerdict;
  /** Set when the policy switched the rule off or the object is not governed; the verdict is then allow. */
  skipped: 'not_governed' | 'mode_off' | 'guard_off' | null;
  /**
   * Who set the located break-glass annotation (from the ledger), read when the
   * rule refused; null when it was never seen set, or not read.
   */
  breakGlassSetter?: BreakGlassSetter | null;
}

export interface PlannedEvent {
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** One rule's verdict after the policy's switches. */
export interface AppliedRule {
  rule: Rule;
  verdict: AdmissionVerdict;
  outcome: RuleOutcome;
  /** The break-glass annotation to consume for this verdict to stand. */
  breakGlass: BreakGlass | null;
  /** The refusal break-glass overrode: what stands if the annotation is gone by the time it is consumed. */
  overridden: AdmissionVerdict | null;
  /** A guard under a policy in Warn mode: nothing it decides is refused, a failed ledger write included. */
  warnOnly: boolean;
  event: PlannedEvent | null;
}

/** 429 where clients retry on it (evictions), else 503: both say "try again later". */
function retryLaterCode(rule: Rule): number {
  return rule.denialCode === 429 ? 429 : 503;
}

/**
 * Pure: applies mode, onKafkaUnreachable and break-glass to one rule's verdict.
 * A rule undecided because the apiserver did not answer is refused in Enforce
 * mode whatever onKafkaUnreachable says: without the ledger concurrent
 * disruptions cannot be counted, and an admission needs a ledger version to
 * reserve against (runEffects). A break-glass annotation cannot help (using it
 * is a write on that apiserver). In Warn mode it is admitted with the reasons
 * as warnings and left out of the ledger: Warn mode refuses nothing, and a
 * webhook on trial must not block drains because etcd is slow.
 */
export function applyPolicy(run: RuleRun, request: AdmissionRequest): AppliedRule {
  const { rule, located } = run;
  const policy = located?.policy ?? null;
  const warnOnly = rule.guard !== null && policy !== null && policy.spec.mode !== 'Enforce';
  const base = { rule, breakGlass: null, overridden: null, event: null, warnOnly };
  if (run.skipped !== null) return { ...base, verdict: run.verdict, outcome: run.skipped };

  const username = request.userInfo.username;
  const event = (reason: string, text: string): PlannedEvent | null =>
    located === null ? null : { involvedObject: located.involvedObject, type: 'Warning', reason, message: eventMessage(rule.name, username, text) };

  let verdict = run.verdict;
  let unreachableEvent: PlannedEvent | null = null;
  if (verdict.outcome.kind === 'undecided') {
    const why = verdict.outcome.message;
    if (policy === null) {
      return { ...base, verdict: errored(new Error(ruleFailedMessage(rule.name, why)), 503).withWarnings(...verdict.warnings), outcome: 'errored' };
    }
    const key = policyKey(policy);
    const apiserver = verdict.outcome.apiserver;
    if (apiserver !== undefined) {
      const reason = apiserverUnavailableReason(key, apiserver, why);
      const summary = apiserverUnavailableSummary(rule.name);
      const unusedBreakGlass = located?.breakGlass ?? null;
      const hints = unusedBreakGlass === null ? [] : [breakGlassNeedsApiserverHint(unusedBreakGlass.pod.name)];
      const refused = withRule(deny([reason], { summary, code: retryLaterCode(rule), hints }).withWarnings(...verdict.warnings), rule.name);
      const apiserverEvent = event(EVENT_REASONS.apiserverUnavailable, `${summary} ${reason.message}`);
      if (warnOnly && refused.outcome.kind === 'deny') {
        // Without the rule's disruption: with no ledger version there is nothing to reserve against, and Warn mode does not need the count.
        const warnings = warnModeWarnings(key, refused.outcome);
        return { ...base, verdict: refused.withOutcome({ kind: 'allow' }).withWarnings(...warnings), outcome: 'warned', event: apiserverEvent };
      }
      return { ...base, verdict: refused.withDisruption(verdict.disruption), outcome: 'denied', event: apiserverEvent };
    }
    if (policy.spec.onKafkaUnreachable === 'Allow') {
      const warning = unreachableAllowedWarning(key, why);
      return {
        ...base,
        verdict: verdict.withOutcome({ kind: 'allow' }).withWarnings(warning),
        outcome: 'kafka_unreachable_allowed',
        event: event(EVENT_REASONS.kafkaUnreachable, warning),
      };
    }
    const reason = unreachableReason(key, why);
    const summary = unreachableSummary(rule.name);
    verdict = deny([reason], { summary, code: retryLaterCode(rule) }).withWarnings(...verdict.warnings).withDisruption(verdict.disruption);
    unreachableEvent = event(EVENT_REASONS.kafkaUnreachable, `${summary} ${reason.message}`);
  }

  const outcome = verdict.outcome;
  switch (outcome.kind) {
    case 'allow':
      return { ...base, verdict, outcome: 'allowed' };
    case 'patch':
      return { ...base, verdict, outcome: 'patched' };
    case 'errored':
      // Named here, in one place, whichever step failed.
      return { ...base, verdict: verdict.withOutcome({ ...outcome, message: ruleFailedMessage(rule.name, outcome.message) }), outcome: 'errored' };
    case 'undecided':
      return { ...base, verdict, outcome: 'errored' };
    case 'deny': {
      const denial = { ...outcome, rules: [rule.name] };
      const refused = verdict.withOutcome(denial);
      if (warnOnly && policy !== null) {
        // Warn (and Off, should it get here): admit, and say what Enforce would have refused.
        return {
          ...base,
          verdict: refused.withOutcome({ kind: 'allow' }).withWarnings(...warnModeWarnings(policyKey(policy), denial)),
          outcome: 'warned',
          event: unreachableEvent ?? event(EVENT_REASONS.wouldRefuse, renderDenial(denial)),
        };
      }
      const breakGlass = located?.breakGlass ?? null;
      if (breakGlass !== null) {
        // Checked again at use, against the policy as it is now (shared/policy/break-glass.ts).
        const setter = run.breakGlassSetter ?? null;
        const setBy: Identity | null = setter === null ? null : { username: setter.user, groups: setter.groups };
        const permission = breakGlassPermission(policy?.spec.breakGlass, setBy);
        if (!permission.permitted) {
          const hint = breakGlassNotHonouredHint(breakGlass, setBy, policy === null ? '' : policyKey(policy), permission.allowed);
          const notHonoured = { ...denial, hints: [...denial.hints, hint] };
          return { ...base, verdict: verdict.withOutcome(notHonoured), outcome: 'denied', event: unreachableEvent ?? event(EVENT_REASONS.refused, renderDenial(notHonoured)) };
        }
        const warning = request.dryRun ? breakGlassDryRunWarning(breakGlass) : breakGlassUsedWarning(breakGlass, setBy, username);
        return {
          ...base,
          verdict: refused.withOutcome({ kind: 'allow' }).withWarnings(warning),
          outcome: 'break_glass',
          breakGlass,
          overridden: refused,
          event: event(EVENT_REASONS.breakGlass, `${warning} Overrode: ${renderDenial(denial)}`),
        };
      }
      return { ...base, verdict: refused, outcome: 'denied', event: unreachableEvent ?? event(EVENT_REASONS.refused, renderDenial(denial)) };
    }
  }
}

/** Pure: one verdict for the request from every rule's. Refusals win; errors next; patches concatenate. */
export function combine(applied: readonly AppliedRule[], onError: RouteRules['onError']): AdmissionVerdict {
  const warnings = applied.flatMap((a) => a.verdict.warnings);
  const denials = applied.flatMap((a) => (a.verdict.outcome.kind === 'deny' ? [a.verdict.outcome] : []));
  const [firstDenial, ...moreDenials] = denials;
  if (firstDenial !== undefined) {
    const merged: VerdictOutcome = {
      ...firstDenial,
      summary: [firstDenial.summary, ...moreDenials.map((d) => d.summary)].join(' '),
      reasons: denials.flatMap((d) => d.reasons),
      hints: [...new Set(denials.flatMap((d) => d.hints))],
      rules: denials.flatMap((d) => d.rules),
    };
    return AdmissionVerdict.of(merged).withWarnings(...warnings);
  }
  const failure = applied.find((a) => a.verdict.outcome.kind === 'errored');
  if (failure !== undefined && failure.verdict.outcome.kind === 'errored') {
    const { message, code } = failure.verdict.outcome;
    if (onError === 'admit') return allow().withWarnings(...warnings, mutateFailedWarning(message));
    return errored(new Error(message), code).withWarnings(...warnings);
  }
  const ops = applied.flatMap((a) => (a.verdict.outcome.kind === 'patch' ? a.verdict.outcome.ops : []));
  return patch(ops).withWarnings(...warnings);
}

/**
 * Creates the decision deadline; `expired` resolves when it passes. The abort
 * signal is made when a lookup first asks for it (most requests never do:
 * a non-Kafka pod is answered from the caches), already aborted if the
 * deadline has passed by then.
 */
export function startDeadline(ms: number): Deadline & { expired: Promise<void>; clear(): void } {
  const at = Date.now() + ms;
  let controller: AbortController | undefined;
  let passed: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      passed = new Error(`the ${ms} ms decision deadline passed`);
      controller?.abort(passed);
      resolve();
    }, ms);
  });
  return {
    at,
    get signal(): AbortSignal {
      if (controller === undefined) {
        controller = new AbortController();
        if (passed !== undefined) controller.abort(passed);
      }
      return controller.signal;
    },
    remainingMs: () => Math.max(0, at - Date.now()),
    expired,
    clear: () => clearTimeout(timer),
  };
}

interface Progress {
  stage: string;
  located: Located<unknown> | null;
  /** The disruption the rule would reserve, once it knew it (GatherContext.noteDisruption). */
  disruption: Disruption | null;
  /** The rule's lookups that have not answered yet: what the deadline message names. */
  pending: PendingLookups;
}

const DEADLINE_PASSED: unique symbol = Symbol('deadline passed');

/** Runs one rule's steps; never throws. */
async function evaluateRule(
  route: Route,
  rule: Rule,
  request: AdmissionRequest,
  deps: EngineDeps,
  deadline: Deadline,
  arrivedAt: number,
  progress: Progress,
): Promise<RuleRun> {
  const facts = trackLookups(deps.facts, progress.pending);
  try {
    progress.stage = DECISION_STAGES.locating;
    const located = await rule.locate(request, facts);
    progress.located = located;
    if (located === null) return { rule, located, verdict: allow(), skipped: 'not_governed' };
    const policy = located.policy;
    // mode Off switches the cluster's guards and defaults off (the CRD says so); a policy's own validation stays.
    if (policy !== null && policy.spec.mode === 'Off') return { rule, located, verdict: allow(), skipped: 'mode_off' };
    if (rule.guard !== null) {
      if (policy === null) return { rule, located, verdict: allow(), skipped: 'not_governed' };
      if (!policy.spec.guards[rule.guard]) return { rule, located, verdict: allow(), skipped: 'guard_off' };
    }
    progress.stage = DECISION_STAGES.gathering;
    const context: GatherContext = {
      deadline, requestArrivedAt: arrivedAt, maxPartitionsNamed: deps.settings.maxPartitionsNamed,
      noteDisruption: (disruption) => { progress.disruption = disruption; },
    };
    const gathered = await rule.gather(request, located, facts, context);
    progress.stage = DECISION_STAGES.deciding;
    const verdict = rule.decide(request, gathered);
    if (located.breakGlass === null || (verdict.outcome.kind !== 'deny' && verdict.outcome.kind !== 'undecided')) {
      return { rule, located, verdict, skipped: null };
    }
    progress.stage = DECISION_STAGES.breakGlassSetter;
    const breakGlassSetter = await facts.breakGlassSetter(located.breakGlass.pod, located.breakGlass.reason);
    return { rule, located, verdict, skipped: null, breakGlassSetter };
  } catch (error) {
    deps.metrics.errors.inc({ route, type: 'rule' });
    deps.log.error({ err: error, rule: rule.name, uid: request.uid, stage: progress.stage }, 'admission rule failed');
    return { rule, located: progress.located, verdict: errored(error), skipped: null };
  }
}

/**
 * Runs a rule under the deadline. Past it, an ungoverned request is errored; a
 * governed one is undecided, naming what it waited for: the apiserver when any
 * apiserver lookup had not answered (the ledger is read from it on every
 * decision), else Kafka.
 */
async function runWithDeadline(
  route: Route,
  rule: Rule,
  request: AdmissionRequest,
  deps: EngineDeps,
  deadline: Deadline & { expired: Promise<void> },
  deadlineMs: number,
): Promise<RuleRun> {
  const progress: Progress = { stage: DECISION_STAGES.starting, located: null, disruption: null, pending: new PendingLookups() };
  const running = evaluateRule(route, rule, request, deps, deadline, deadline.at - deadlineMs, progress);
  const first = await Promise.race([running, deadline.expired.then((): typeof DEADLINE_PASSED => DEADLINE_PASSED)]);
  if (first !== DEADLINE_PASSED) return first;
  deps.metrics.errors.inc({ route, type: 'deadline' });
  const fromApiserver = names(progress.pending.from('apiserver'));
  const fromKafka = names(progress.pending.from('kafka'));
  const message = deadlineMessage(deadlineMs, progress.stage, [...fromApiserver, ...fromKafka]);
  const waitingFor = fromApiserver.length > 0 ? 'apiserver' : fromKafka.length > 0 ? 'kafka' : 'unknown';
  deps.log.warn(
    { rule: rule.name, uid: request.uid, stage: progress.stage, waitingFor, lookups: [...fromApiserver, ...fromKafka], deadlineMs },
    'admission decision deadline passed',
  );
  const located = progress.located;
  // The late result is dropped (and its effects never run: they are the engine's, below).
  // Waiting on Kafka only, the disruption the rule had noted goes with it: admitted by onKafkaUnreachable Allow, it is still recorded.
  const disruption = fromApiserver.length === 0 ? progress.disruption : null;
  if (located?.policy) return { rule, located, verdict: undecided(message, fromApiserver).withDisruption(disruption), skipped: null };
  return { rule, located, verdict: errored(new Error(message), 503), skipped: null };
}

/** The names of lookups, each once. */
function names(lookups: readonly Lookup[]): string[] {
  return [...new Set(lookups.map((lookup) => LOOKUP_NAMES[lookup]))];
}

/** Decides one request with the given rules (from classify). Never throws. */
export async function decide(
  routeRules: RouteRules,
  rules: readonly Rule[],
  request: AdmissionRequest,
  deps: EngineDeps,
  deadlineMs: number,
): Promise<AdmissionVerdict> {
  const deadline = startDeadline(deadlineMs);
  try {
    const runs = await Promise.all(rules.map((rule) => runWithDeadline(routeRules.route, rule, request, deps, deadline, deadlineMs)));
    const applied = runs.map((run) => applyPolicy(run, request));
    const outcomes = new Map(applied.map((a) => [a.rule.name, a.outcome]));
    let final = combine(applied, routeRules.onError);
    if (final.allowed && !request.dryRun) {
      final = await runEffects(routeRules.route, applied, final, request, deps, outcomes, deadline.at + effectsGraceMs(deadlineMs));
    }
    if (!request.dryRun) recordEvents(routeRules.route, applied, final, request, deps);
    for (const [rule, outcome] of outcomes) deps.metrics.verdicts.inc({ rule, outcome });
    logDecision(outcomes, final, request, deps);
    return final;
  } catch (error) {
    // combine/applyPolicy are pure and effects are guarded; this is a last line of defence.
    deps.metrics.errors.inc({ route: routeRules.route, type: 'internal' });
    deps.log.error({ err: error, uid: request.uid }, 'admission engine failed');
    const failure = errored(error);
    return routeRules.onError === 'admit' ? allow().withWarnings(mutateFailedWarning(ruleFailedMessage('engine', errorMessage(error)))) : failure;
  } finally {
    deadline.clear();
  }
}

/**
 * How long past the decision deadline the ledger writes may take: part of the
 * reserve the deadline keeps before the apiserver's timeout (admission/timeout.ts
 * keeps up to a second, a third of short timeouts), so that a write the
 * apiserver does not answer still gives a refusal with reasons in time.
 */
export function effectsGraceMs(deadlineMs: number): number {
  return Math.max(1, Math.min(500, Math.floor(deadlineMs / 4)));
}

/**
 * Makes an admitted verdict stand: reserves each admitted disruption in the
 * shared ledger (compare-and-swap), then consumes each break-glass annotation
 * used. Losing either race turns the answer into a refusal the client retries.
 * A write not answered by `until` counts as failed: the request is refused
 * (Enforce) before the apiserver gives up on the webhook. Should that write
 * land later, the ledger counts one disruption that did not happen until its
 * entry expires: the safe side.
 */
async function runEffects(
  route: Route,
  applied: readonly AppliedRule[],
  final: AdmissionVerdict,
  request: AdmissionRequest,
  deps: EngineDeps,
  outcomes: Map<string, RuleOutcome>,
  until: number,
): Promise<AdmissionVerdict> {
  let stands = final;
  for (const a of applied) {
    const disruption = a.verdict.allowed ? a.verdict.disruption : null;
    if (disruption === null) continue;
    const reserved = await ledgerWrite(() => reserve(disruption, a.outcome === 'break_glass', deps), until);
    if (reserved instanceof Error) {
      if (!a.warnOnly) return ledgerWriteRefusal(route, a, reserved, request, deps, outcomes);
      noteLedgerWriteFailure(route, a, reserved, request, deps, 'admitted unrecorded (Warn mode)');
      stands = stands.withWarnings(ledgerWriteSkippedWarning(disruption.policyKey, errorMessage(reserved)));
      continue;
    }
    if (!reserved) {
      deps.log.info({ uid: request.uid, rule: a.rule.name, policy: disruption.policyKey, broker: disruption.brokerId }, 'ledger changed concurrently; refusing');
      outcomes.set(a.rule.name, 'denied');
      const refusal = deny([reservationConflictReason()], { summary: reservationConflictSummary(), code: retryLaterCode(a.rule) });
      return withRule(refusal, a.rule.name);
    }
  }
  for (const a of applied) {
    if (a.breakGlass === null) continue;
    const breakGlass = a.breakGlass;
    const consumed = await ledgerWrite(() => deps.effects.consumeBreakGlass({ pod: breakGlass.pod, expectedValue: breakGlass.reason }), until);
    if (consumed instanceof Error) return ledgerWriteRefusal(route, a, consumed, request, deps, outcomes);
    if (!consumed && a.overridden !== null && a.overridden.outcome.kind === 'deny') {
      deps.log.info({ uid: request.uid, rule: a.rule.name, pod: a.breakGlass.pod }, 'break-glass already consumed by another request');
      outcomes.set(a.rule.name, 'denied');
      const outcome = a.overridden.outcome;
      return a.overridden.withOutcome({ ...outcome, hints: [...outcome.hints, breakGlassRaceHint(a.breakGlass.pod.name)] });
    }
    deps.log.warn(
      { uid: request.uid, rule: a.rule.name, user: request.userInfo.username, pod: a.breakGlass.pod, reason: a.breakGlass.reason },
      'break-glass used: guard bypassed once',
    );
  }
  for (const a of applied) {
    const setting = a.verdict.allowed ? a.verdict.breakGlassSetting : null;
    if (setting === null) continue;
    const recorded = await ledgerWrite(async () => { await deps.effects.recordBreakGlassSetting(setting); return true; }, until);
    if (recorded instanceof Error) {
      // Fail closed: admitted unrecorded, the annotation's setter would be unknown at its use.
      deps.log.error({ err: recorded, uid: request.uid, pod: setting.pod }, 'could not record who set the break-glass annotation');
      outcomes.set(a.rule.name, 'errored');
      return errored(new Error(breakGlassRecordFailedMessage(setting.pod.namespace, setting.pod.name, errorMessage(recorded))), 503);
    }
    deps.log.warn({ uid: request.uid, rule: a.rule.name, user: setting.user, groups: setting.groups, pod: setting.pod, reason: setting.value }, 'break-glass annotation set');
  }
  return stands;
}

/** A ledger write's answer, or what it threw (the apiserver refused or failed the write), or an error when it did not answer by `until`. */
async function ledgerWrite(write: () => Promise<boolean>, until: number): Promise<boolean | Error> {
  let timer: NodeJS.Timeout | undefined;
  const waitMs = Math.max(0, until - Date.now());
  const late = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error(ledgerWriteTimeoutMessage(waitMs))), waitMs);
  });
  try {
    return await Promise.race([write(), late]);
  } catch (error) {
    return error instanceof Error ? error : new Error(errorMessage(error));
  } finally {
    clearTimeout(timer);
  }
}

/** Counts and logs a failed ledger write, saying what became of the request. */
function noteLedgerWriteFailure(route: Route, a: AppliedRule, error: Error, request: AdmissionRequest, deps: EngineDeps, consequence: string): void {
  deps.metrics.errors.inc({ route, type: 'effect' });
  deps.log.error({ err: error, uid: request.uid, rule: a.rule.name }, `could not write the disruption ledger; ${consequence}`);
}

/** A ledger write failed: the admission it would record does not stand, and the refusal names the apiserver. */
function ledgerWriteRefusal(
  route: Route,
  a: AppliedRule,
  error: Error,
  request: AdmissionRequest,
  deps: EngineDeps,
  outcomes: Map<string, RuleOutcome>,
): AdmissionVerdict {
  noteLedgerWriteFailure(route, a, error, request, deps, 'refusing');
  outcomes.set(a.rule.name, 'denied');
  const refusal = deny([ledgerWriteFailedReason(errorMessage(error))], { summary: reservationConflictSummary(), code: retryLaterCode(a.rule) });
  return withRule(refusal, a.rule.name);
}

function reserve(disruption: Disruption, breakGlass: boolean, deps: EngineDeps): Promise<boolean> {
  return deps.effects.reserveDisruption({
    breakGlass,
    policyKey: disruption.policyKey,
    brokerId: disruption.brokerId,
    podUid: disruption.pod.uid,
    ttlMs: deps.settings.ledgerTtlMs,
    expectedVersion: disruption.ledgerVersion,
  });
}

function withRule(verdict: AdmissionVerdict, rule: string): AdmissionVerdict {
  const outcome = verdict.outcome;
  return outcome.kind === 'deny' ? verdict.withOutcome({ ...outcome, rules: [rule] }) : verdict;
}

/**
 * Events are best effort and not awaited: the apiserver is waiting for this
 * answer, and a refusal must not turn into a timeout because an Event could
 * not be written. Break-glass events are only recorded when the bypass stood.
 */
function recordEvents(
  route: Route,
  applied: readonly AppliedRule[],
  final: AdmissionVerdict,
  request: AdmissionRequest,
  deps: EngineDeps,
): void {
  for (const a of applied) {
    if (a.event === null) continue;
    if (a.outcome === 'break_glass' && !final.allowed) continue;
    const { involvedObject, type, reason, message } = a.event;
    deps.effects.recordEvent(involvedObject, type, reason, message).catch((error: unknown) => {
      deps.metrics.errors.inc({ route, type: 'effect' });
      deps.log.warn({ err: error, uid: request.uid, reason }, 'could not record Event');
    });
  }
}

function logDecision(outcomes: ReadonlyMap<string, RuleOutcome>, final: AdmissionVerdict, request: AdmissionRequest, deps: EngineDeps): void {
  const fields = {
    uid: request.uid,
    user: request.userInfo.username,
    operation: request.operation,
    resource: `${request.resource.resource}${request.subResource === null ? '' : `/${request.subResource}`}`,
    namespace: request.namespace,
    name: request.name,
    dryRun: request.dryRun,
    rules: Object.fromEntries(outcomes),
    allowed: final.allowed,
  };
  if (final.outcome.kind === 'deny') deps.log.info({ ...fields, reasons: final.outcome.reasons.map((r) => r.rule) }, 'admission refused');
  else deps.log.debug(fields, 'admission decided');
}
