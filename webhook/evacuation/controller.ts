/**
 * Evacuation on cordon, in the webhook's Deployment. Cluster autoscalers and
 * managed node-pool upgrades cordon a node and then evict its pods; nobody
 * runs `kubectl kafka`. For a policy with `spec.evacuation.onCordon`, this
 * controller sees the broker on a node going away and runs the same
 * maintenance `kubectl kafka maintenance start` runs (shared/ops), so the
 * eviction that keeps being retried is admitted. When the broker is back on a
 * node that stays, it ends the maintenance, putting replicas and leaders
 * back. A start is stopped (throttles cleared) when the node is uncordoned
 * first. Progress goes to Events on the broker pod and to the log.
 *
 * One replica acts at a time (lease.ts). Each pass is a poll (every
 * `intervalMs`): list the opted-in policies and the nodes, read each policy's
 * pods and maintenance records, and act on decide.ts's answer.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createKafkaAdmin, resolveConnection, WEBHOOK_CLIENT_DEFAULTS, type KafkaAdmin } from '../../shared/kafka/client.js';
import { KubeCluster } from '../../shared/k8s/cluster.js';
import { buildBrokerDirectory } from '../../shared/k8s/identity.js';
import { podIsReady, podIsTerminating } from '../../shared/k8s/pods.js';
import { selectorToString } from '../../shared/k8s/selector.js';
import type { LedgerLocation } from '../../shared/k8s/ledger.js';
import { errorMessage } from '../admission/verdict.js';
import { executeEnd, executeStart, prepareEnd, prepareStart, readRecords } from '../../shared/ops/maintenance.js';
import type { OperationContext, OperationFacts, OperationSession } from '../../shared/ops/operation.js';
import { gatherFacts } from '../../shared/ops/snapshot.js';
import { parsePolicy } from '../../shared/policy/parse.js';
import { policyKey, type KafkaGuardPolicy } from '../../shared/policy/types.js';
import type { ObjectReference } from '../facts/types.js';
import { decideEvacuation, EVACUATION, type EvacuationAction, type NodeState } from './decide.js';
import { Lease } from './lease.js';

export interface EvacuationOptions {
  kc: KubeConfig;
  log: Logger;
  /** This replica's name, for the Lease. */
  identity: string;
  /** Where the Lease lives (the webhook's namespace). */
  namespace: string;
  ledger: LedgerLocation;
  intervalMs: number;
  /** How long one batch of moved data may take to get in sync. */
  batchTimeoutMs: number;
  recordEvent(involvedObject: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export const EVACUATION_EVENTS = {
  started: 'KafkaGuardEvacuating',
  ready: 'KafkaGuardEvacuated',
  failed: 'KafkaGuardEvacuationFailed',
  stopped: 'KafkaGuardEvacuationStopped',
  ended: 'KafkaGuardEvacuationEnded',
} as const;

/** A failed start is tried again after this long, not on every pass. */
const RETRY_AFTER_MS = 60_000;

class PolicySession implements OperationSession {
  private admin: KafkaAdmin | null = null;

  constructor(
    readonly kube: KubeCluster,
    readonly policy: KafkaGuardPolicy,
    readonly ledger: LedgerLocation,
    private readonly log: Logger,
  ) {}

  get namespace(): string {
    return this.policy.metadata.namespace;
  }

  async kafka(): Promise<KafkaAdmin> {
    if (this.admin !== null) return this.admin;
    const connection = await resolveConnection(this.policy.spec.kafka, (name) => this.kube.readSecret(this.namespace, name));
    this.admin = createKafkaAdmin(connection, {
      ...WEBHOOK_CLIENT_DEFAULTS,
      clientId: 'kafka-guard-evacuation',
      // Moves take minutes: patient requests, unlike the admission path's.
      requestTimeoutMs: 15_000,
      metadataMaxAgeMs: 5_000,
      log: (entry) => this.log.debug({ kafka: entry.namespace }, entry.message),
    });
    return this.admin;
  }

  async snapshot(): Promise<OperationFacts> {
    return gatherFacts(this, { nodes: false });
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }
}

export class EvacuationController {
  private readonly kube: KubeCluster;
  private readonly lease: Lease;
  private readonly sessions = new Map<string, PolicySession>();
  /** policy key -> broker id -> the running start's abort controller. */
  private readonly running = new Map<string, Map<number, AbortController>>();
  private readonly ending = new Map<string, Set<string>>();
  private readonly failedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: EvacuationOptions) {
    this.kube = new KubeCluster(options.kc);
    this.lease = new Lease(options.kc, {
      namespace: options.namespace,
      name: 'kafka-guard-evacuation',
      identity: options.identity,
      durationSeconds: 30,
      onError: (error) => options.log.warn({ err: error }, 'could not take or renew the evacuation Lease'),
    });
  }

  start(): void {
    const tick = () => {
      if (this.closed || this.pass !== null) return;
      this.pass = this.runPass()
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'evacuation pass failed'))
        .finally(() => {
          this.pass = null;
        });
    };
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
    tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    for (const byBroker of this.running.values()) for (const c of byBroker.values()) c.abort(new Error('the webhook is shutting down'));
    await this.pass;
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  /** One poll, every intervalMs. */
  private async runPass(): Promise<void> {
    const policies = (await this.kube.listAllPolicies())
      .map((item) => parsePolicy(item))
      .flatMap((parsed) => (parsed.ok ? [parsed.policy] : []))
      .filter((p) => p.spec.evacuation.onCordon && p.spec.mode !== 'Off');
    if (policies.length === 0) return;
    if (!(await this.lease.hold())) return;
    const nodes = new Map<string, NodeState>(
      (await this.kube.listNodes()).map((n) => [
        n.metadata?.name ?? '',
        { unschedulable: n.spec?.unschedulable === true, taints: (n.spec?.taints ?? []).map((t) => t.key) },
      ]),
    );
    for (const policy of policies) await this.passFor(policy, nodes);
  }

  private sessionFor(policy: KafkaGuardPolicy): PolicySession {
    const key = policyKey(policy);
    const existing = this.sessions.get(key);
    // By spec, not resourceVersion: the webhook writes the policy's status every few seconds,
    // and a new session would mean a new Kafka client each pass.
    if (existing !== undefined && JSON.stringify(existing.policy.spec) === JSON.stringify(policy.spec)) return existing;
    void existing?.close();
    const session = new PolicySession(this.kube, policy, this.options.ledger, this.options.log);
    this.sessions.set(key, session);
    return session;
  }

  private async passFor(policy: KafkaGuardPolicy, nodes: ReadonlyMap<string, NodeState>): Promise<void> {
    const key = policyKey(policy);
    const session = this.sessionFor(policy);
    // Pods and ids are enough to decide; Kafka is read only when there is something to do.
    const pods = await this.kube.listPods(session.namespace, selectorToString(policy.spec.brokers.selector));
    const directory = buildBrokerDirectory(pods, policy.spec.brokers.idFrom);
    const brokers = pods.flatMap((pod) => {
      const id = directory.byPod.get(pod.metadata?.name ?? '');
      if (id === undefined || podIsTerminating(pod)) return [];
      return [{ id, pod: pod.metadata?.name ?? '', node: pod.spec?.nodeName ?? null, ready: podIsReady(pod) }];
    });
    const records = (await readRecords(session)).flatMap((r) => (r.record === null ? [] : [{ key: r.key, brokers: r.record.brokers, startedBy: r.record.startedBy }]));
    const running = this.running.get(key) ?? new Map<number, AbortController>();
    this.running.set(key, running);
    const ending = this.ending.get(key) ?? new Set<string>();
    this.ending.set(key, ending);
    const actions = decideEvacuation({ brokers, nodes, taints: policy.spec.evacuation.taints, records, running: new Set(running.keys()), ending });
    for (const action of actions) this.act(session, { pods, directory }, action, running, ending);
  }

  private act(session: PolicySession, facts: Pick<OperationFacts, 'pods' | 'directory'>, action: EvacuationAction, running: Map<number, AbortController>, ending: Set<string>): void {
    const { log } = this.options;
    const podRef = (name: string): ObjectReference => {
      const pod = facts.pods.find((p) => p.metadata?.name === name);
      return { apiVersion: 'v1', kind: 'Pod', namespace: session.namespace, name, uid: pod?.metadata?.uid ?? '' };
    };
    const event = (pod: string, type: 'Normal' | 'Warning', reason: string, message: string) => {
      log.info({ policy: policyKey(session.policy), pod, reason }, message);
      this.options.recordEvent(podRef(pod), type, reason, message).catch((error: unknown) => log.warn({ err: error }, 'could not record Event'));
    };
    switch (action.kind) {
      case 'start': {
        const retryKey = `${policyKey(session.policy)}#${action.broker}`;
        if (Date.now() - (this.failedAt.get(retryKey) ?? 0) < RETRY_AFTER_MS) return;
        const controller = new AbortController();
        running.set(action.broker, controller);
        event(action.pod, 'Normal', EVACUATION_EVENTS.started,
          `node ${action.node} is ${action.why}: moving what would go offline or under min.insync.replicas without broker ${action.broker}, and its leadership, so its eviction can be admitted`);
        void (async () => {
          const context = this.contextFor(session, controller.signal, (line) => log.info({ pod: action.pod }, line));
          const prepared = await prepareStart(session, await session.snapshot(), { label: `broker ${action.broker}`, brokers: [{ id: action.broker }] }, 10);
          const outcome = await executeStart(context, prepared, null, EVACUATION);
          if (outcome.verdict.allowed) {
            event(action.pod, 'Normal', EVACUATION_EVENTS.ready,
              `broker ${action.broker} may go down now: ${outcome.reassignment.partitions} partition(s) moved, leadership of ${outcome.leadershipMoved} moved away; the eviction will be admitted`);
          } else {
            this.failedAt.set(retryKey, Date.now());
            event(action.pod, 'Warning', EVACUATION_EVENTS.failed, `broker ${action.broker} is still not safe to take down: ${outcome.verdict.reasons.map((r) => r.message).join(' ')}`);
          }
        })()
          .catch((error: unknown) => {
            if (controller.signal.aborted) {
              event(action.pod, 'Normal', EVACUATION_EVENTS.stopped, `evacuation of broker ${action.broker} stopped (${errorMessage(controller.signal.reason)}); throttles cleared`);
            } else {
              this.failedAt.set(retryKey, Date.now());
              event(action.pod, 'Warning', EVACUATION_EVENTS.failed, `evacuation of broker ${action.broker} failed: ${errorMessage(error)}`);
            }
          })
          .finally(() => running.delete(action.broker));
        return;
      }
      case 'stop':
        running.get(action.broker)?.abort(new Error(action.why));
        return;
      case 'end': {
        ending.add(action.key);
        const pod = facts.directory.byId.get(action.brokers[0] ?? -1)?.metadata?.name ?? '';
        void (async () => {
          const context = this.contextFor(session, new AbortController().signal, (line) => log.info({ record: action.key }, line));
          const target = { label: `broker(s) ${action.brokers.join(', ')}`, brokers: action.brokers.map((id) => ({ id })) };
          const prepared = await prepareEnd(session, await session.snapshot(), target);
          const outcome = await executeEnd(context, prepared, false, this.options.batchTimeoutMs);
          event(pod, 'Normal', EVACUATION_EVENTS.ended,
            `broker(s) ${action.brokers.join(', ')} back: ${outcome.movedBack?.partitions ?? 0} partition(s) moved back, ${outcome.leadersRestored} preferred leader(s) restored`);
        })()
          .catch((error: unknown) => event(pod, 'Warning', EVACUATION_EVENTS.failed, `ending the evacuation of broker(s) ${action.brokers.join(', ')} failed: ${errorMessage(error)}`))
          .finally(() => ending.delete(action.key));
      }
    }
  }

  private contextFor(session: PolicySession, signal: AbortSignal, line: (text: string) => void): OperationContext {
    const throttle = session.policy.spec.evacuation.throttleBytesPerSecond;
    return {
      session,
      reporter: { event: line, progress: () => undefined },
      signal,
      throttleBytesPerSecond: throttle > 0 ? throttle : null,
      timeoutMs: this.options.batchTimeoutMs,
      maxMovesPerBroker: 10,
    };
  }
}
