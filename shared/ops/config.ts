/**
 * Broker configuration: read (every broker's configs with their levels, the
 * StatefulSet's env), and change it the way Kafka allows:
 * - a dynamic key live with IncrementalAlterConfigs, checked by Kafka first
 *   (ValidateOnly) so a value Kafka rejects changes nothing;
 * - a static key in the StatefulSet's broker container env, rolled onto only
 *   the brokers whose value changes, one at a time, by the guarded restart
 *   (full ISR before the next, controller last), each checked to run the new
 *   value before the next restarts.
 *
 * The static roll: the update strategy becomes OnDelete (so the template change
 * restarts nothing by itself), the env changes, each broker to change is
 * restarted through the guarded restart (its replacement pod gets the new
 * template), pods whose broker already runs the value are labelled with the new
 * revision (so the controller does not roll them), then the update strategy
 * comes back. The original strategy and the keys are recorded in the
 * `kafkaguard.io/config-roll` annotation first: an interrupted roll is finished
 * by running the same command again (docs/plugin.md).
 */
import type { V1Container, V1EnvVar, V1StatefulSet } from '@kubernetes/client-node';
import jsonPatch from 'fast-json-patch';
import type { KafkaApi } from '../kafka/client.js';
import { ErrorCode, failure, KafkaRequestError, type KafkaFailure } from '../kafka/errors.js';
import { ConfigOperation, ConfigResourceType, DescribeConfigsWithSynonyms, IncrementalAlterConfigs, type AlterConfigsResource } from '../kafka/protocol.js';
import type { JsonPatchOperation, KubeCluster } from '../k8s/cluster.js';
import { statefulSetNameOfPod } from '../k8s/identity.js';
import type { BrokerConfigs, ConfigSetPlan, KeyPlan, StatefulSetConfigFacts } from '../plan/config.js';
import { RefusedError } from './errors.js';
import {
  brokerDidNotTakeConfig,
  brokerRunsConfig,
  brokersInNoStatefulSet,
  brokersInSeveralStatefulSets,
  configResourceLabel,
  describeConfigsHint,
  kafkaRefusedConfig,
  configAppliedLive,
  configPinnedByMove,
  configRollDone,
  configRollStarted,
  configRollUnreadable,
  containerMissing,
  envFromElsewhere,
  liveKeyApplied,
  otherConfigRollInProgress,
  podAlreadyBehindTemplate,
  statefulSetGone,
  waitBrokersReportValues,
  waitNewTemplate,
} from './messages.js';
import type { BrokerRef, OperationContext, OperationFacts, OperationSession } from './operation.js';
import { restartBrokers, restartOrder, type RestartStep } from './restart.js';
import { waitFor } from './wait.js';

export const CONFIG_ROLL_ANNOTATION = 'kafkaguard.io/config-roll';
/** The StatefulSet controller compares this pod label with status.updateRevision. */
const REVISION_LABEL = 'controller-revision-hash';

/** Every broker's configs (all keys when `keys` is null), asked of each broker. */
export async function readBrokerConfigs(api: KafkaApi, brokerIds: readonly number[], keys: string[] | null = null): Promise<BrokerConfigs[]> {
  const failures: KafkaFailure[] = [];
  const results = await Promise.all(
    brokerIds.map(async (id): Promise<BrokerConfigs | null> => {
      const [result] = await api.call({ broker: id }, DescribeConfigsWithSynonyms, { resources: [{ type: ConfigResourceType.BROKER, name: String(id), keys }] });
      if (result === undefined || result.errorCode !== ErrorCode.NONE) {
        failures.push(failure(`broker ${id}`, result?.errorCode ?? -1, result?.errorMessage ?? 'no result'));
        return null;
      }
      return { broker: id, entries: new Map(result.configs.map((c) => [c.name, c])) };
    }),
  );
  if (failures.length > 0) throw new KafkaRequestError('DescribeConfigs on brokers', failures, describeConfigsHint());
  return results.filter((r): r is BrokerConfigs => r !== null).sort((a, b) => a.broker - b.broker);
}

/** The brokers' StatefulSet and where its broker container keeps its env. */
export interface StatefulSetConfig {
  facts: StatefulSetConfigFacts;
  statefulSet: V1StatefulSet;
  containerIndex: number;
}

export interface ConfigFacts {
  brokers: BrokerConfigs[];
  statefulSet: StatefulSetConfig | null;
  /** Why there is no single StatefulSet (for a static change's refusal). */
  statefulSetProblem: string | undefined;
}

/** The broker container: the one named kafka, else the first running a Kafka image, else the first. */
export function brokerContainerIndex(containers: readonly V1Container[]): number {
  const named = containers.findIndex((c) => c.name === 'kafka');
  if (named >= 0) return named;
  const image = containers.findIndex((c) => /kafka/i.test(c.image ?? ''));
  return Math.max(0, image);
}

export async function readConfigFacts(session: OperationSession, facts: OperationFacts, keys: string[] | null = null): Promise<ConfigFacts> {
  const admin = await session.kafka();
  const running = facts.view.brokers.map((b) => b.id).sort((a, b) => a - b);
  const brokers = await readBrokerConfigs(admin, running, keys);
  const names = [...new Set(facts.pods.filter((p) => facts.directory.byPod.has(p.metadata?.name ?? '')).map((p) => statefulSetNameOfPod(p)))];
  if (names.length !== 1 || names[0] === undefined) {
    const problem = names.length === 0 ? brokersInNoStatefulSet() : brokersInSeveralStatefulSets(names.map((n) => n ?? 'none'));
    return { brokers, statefulSet: null, statefulSetProblem: problem };
  }
  const sts = await session.kube.readStatefulSet(session.namespace, names[0]);
  if (sts === null) return { brokers, statefulSet: null, statefulSetProblem: statefulSetGone(session.namespace, names[0]) };
  const containers = sts.spec?.template?.spec?.containers ?? [];
  const containerIndex = brokerContainerIndex(containers);
  const env = new Map((containers[containerIndex]?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? '']));
  return {
    brokers,
    statefulSet: { facts: { name: names[0], convention: session.policy.spec.defaults.kafkaSettings.envConvention, env }, statefulSet: sts, containerIndex },
    statefulSetProblem: undefined,
  };
}

function liveResources(plan: ConfigSetPlan): AlterConfigsResource[] {
  const byResource = new Map<string, AlterConfigsResource>();
  for (const key of plan.keys) {
    if (key.mode !== 'live' || key.resource === null) continue;
    const resource = byResource.get(key.resource) ?? { type: ConfigResourceType.BROKER, name: key.resource, configs: [] };
    resource.configs.push({ name: key.key, operation: key.value === null ? ConfigOperation.DELETE : ConfigOperation.SET, value: key.value });
    byResource.set(key.resource, resource);
  }
  return [...byResource.values()];
}

/** Sends the plan's live changes; with validateOnly Kafka only checks them. Kafka's refusals come back as a KafkaRequestError. */
async function sendLive(api: KafkaApi, plan: ConfigSetPlan, validateOnly: boolean): Promise<void> {
  const failures: KafkaFailure[] = [];
  for (const resource of liveResources(plan)) {
    // A broker's own configs only through that broker; the cluster-wide default through any.
    const target = resource.name === '' ? 'controller' : { broker: Number(resource.name) };
    for (const r of await api.call(target, IncrementalAlterConfigs, { resources: [resource], validateOnly })) {
      if (r.errorCode !== ErrorCode.NONE) failures.push(failure(configResourceLabel(r.name), r.errorCode, r.errorMessage));
    }
  }
  if (failures.length > 0) {
    throw new KafkaRequestError(validateOnly ? kafkaRefusedConfig() : 'IncrementalAlterConfigs', failures);
  }
}

/** Kafka checks every live change without applying it (ValidateOnly); throws Kafka's own message when it refuses. */
export async function validateLiveChanges(api: KafkaApi, plan: ConfigSetPlan): Promise<void> {
  await sendLive(api, plan, true);
}

export interface LiveOutcome {
  keys: string[];
  /** How long until every broker reported the new values. */
  durationMs: number;
}

/** Applies the live keys and waits until every broker they change reports the new value. */
export async function applyLiveChanges(context: OperationContext, plan: ConfigSetPlan): Promise<LiveOutcome> {
  const live = plan.keys.filter((k) => k.mode === 'live');
  const started = Date.now();
  if (live.length === 0) return { keys: [], durationMs: 0 };
  const admin = await context.session.kafka();
  await sendLive(admin, plan, false);
  context.reporter.event(configAppliedLive(live.map((k) => liveKeyApplied(k.key, k.value, configResourceLabel(k.resource ?? '')))));
  const brokers = [...new Set(live.flatMap((k) => k.brokers))];
  await waitFor(
    waitBrokersReportValues(brokers),
    async () => {
      const now = await readBrokerConfigs(admin, brokers, live.map((k) => k.key));
      return live.every((k) => k.value === null || now.every((b) => !k.brokers.includes(b.broker) || b.entries.get(k.key)?.value === k.value)) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, signal: context.signal },
  );
  return { keys: live.map((k) => k.key), durationMs: Date.now() - started };
}

interface RollRecord {
  keys: Record<string, string>;
  updateStrategy: unknown;
}

function rollRecordOf(sts: V1StatefulSet): RollRecord | null {
  const raw = sts.metadata?.annotations?.[CONFIG_ROLL_ANNOTATION];
  if (raw === undefined) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<RollRecord>;
    if (parsed.keys !== undefined && typeof parsed.keys === 'object') return { keys: parsed.keys, updateStrategy: parsed.updateStrategy };
  } catch {
    // fall through
  }
  throw new RefusedError(configRollUnreadable(sts.metadata?.name ?? '', CONFIG_ROLL_ANNOTATION, raw));
}

/** Pure: the broker container's env with the keys' variables set (added at the end when new). */
export function envWith(env: readonly V1EnvVar[], changes: ReadonlyArray<{ envName: string; value: string }>): V1EnvVar[] {
  const next = env.map((e) => ({ ...e }));
  for (const { envName, value } of changes) {
    const existing = next.find((e) => e.name === envName);
    if (existing === undefined) next.push({ name: envName, value });
    else if (existing.valueFrom !== undefined) {
      throw new RefusedError(envFromElsewhere(envName, JSON.stringify(existing.valueFrom)));
    } else existing.value = value;
  }
  return next;
}

export interface RollOutcome {
  statefulSet: string;
  /** Restarted, in order. */
  steps: RestartStep[];
  /** Pods whose broker already ran the values: relabelled to the new revision, not restarted. */
  relabelled: string[];
  durationMs: number;
}

/**
 * Writes the static keys into the StatefulSet and restarts, guarded and one at
 * a time, the brokers whose value changes (see the module comment).
 */
export async function rollStaticChanges(context: OperationContext, plan: ConfigSetPlan, sts: StatefulSetConfig): Promise<RollOutcome> {
  const { session, reporter, signal } = context;
  const { kube, namespace } = session;
  const name = sts.facts.name;
  const started = Date.now();
  const restartKeys = plan.keys.filter((k): k is KeyPlan & { envName: string; value: string } => k.mode === 'restart' && k.envName !== null && k.value !== null);
  if (restartKeys.length === 0) return { statefulSet: name, steps: [], relabelled: [], durationMs: 0 };
  const wanted = Object.fromEntries(restartKeys.map((k) => [k.key, k.value]));

  // 1. Record, switch to OnDelete, change the env: one patch, guarded by resourceVersion.
  const before = await kube.readStatefulSet(namespace, name);
  if (before === null) throw new RefusedError(statefulSetGone(namespace, name));
  if (before.metadata?.annotations?.['kafkaguard.io/move-pin'] !== undefined) {
    throw new RefusedError(configPinnedByMove(name));
  }
  const existing = rollRecordOf(before);
  if (existing !== null && JSON.stringify(existing.keys) !== JSON.stringify(wanted)) {
    throw new RefusedError(
      otherConfigRollInProgress(
        name,
        Object.entries(existing.keys).map(([k, v]) => `${k}=${v}`),
        CONFIG_ROLL_ANNOTATION,
      ),
    );
  }
  const previousRevision = before.status?.updateRevision ?? null;
  const record: RollRecord = { keys: wanted, updateStrategy: existing?.updateStrategy ?? before.spec?.updateStrategy ?? { type: 'RollingUpdate' } };
  const patched = await kube.patchStatefulSetFresh(namespace, name, (fresh) => {
    const container = fresh.spec?.template?.spec?.containers?.[sts.containerIndex];
    if (container === undefined) throw new RefusedError(containerMissing(name, String(sts.containerIndex)));
    const ops: JsonPatchOperation[] = [];
    if (fresh.metadata?.annotations === undefined) ops.push({ op: 'add', path: '/metadata/annotations', value: {} });
    ops.push(
      { op: 'add', path: `/metadata/annotations/${jsonPatch.escapePathComponent(CONFIG_ROLL_ANNOTATION)}`, value: JSON.stringify(record) },
      { op: 'add', path: '/spec/updateStrategy', value: { type: 'OnDelete' } },
      { op: 'add', path: `/spec/template/spec/containers/${sts.containerIndex}/env`, value: envWith(container.env ?? [], restartKeys) },
    );
    return ops;
  });
  reporter.event(configRollStarted(name, restartKeys.map((k) => `${k.envName}=${k.value}`)));
  const generation = patched.metadata?.generation ?? 0;
  const revision = await waitFor(
    waitNewTemplate(name),
    async () => {
      const current = await kube.readStatefulSet(namespace, name);
      return (current?.status?.observedGeneration ?? 0) >= generation && current?.status?.updateRevision ? current.status.updateRevision : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, signal },
  );

  // 2. Brokers that already run every value: their pod differs from the template only by it.
  const facts = await session.snapshot();
  const toRestart = new Set(plan.restartBrokers);
  const refs = (ids: Iterable<number>): BrokerRef[] =>
    [...ids].map((id) => {
      const pod = facts.directory.byId.get(id);
      const full = facts.pods.find((p) => p.metadata?.name === pod?.metadata?.name);
      return { id, pod: pod?.metadata?.name ?? null, node: full?.spec?.nodeName ?? null };
    });
  const relabelled: string[] = [];
  for (const [id, pod] of facts.directory.byId) {
    if (toRestart.has(id)) continue;
    const podName = pod.metadata?.name;
    const full = facts.pods.find((p) => p.metadata?.name === podName);
    const label = full?.metadata?.labels?.[REVISION_LABEL];
    if (podName === undefined || label === undefined || label === revision) continue;
    if (label !== previousRevision && existing === null) {
      reporter.event(podAlreadyBehindTemplate(podName, name));
      continue;
    }
    await kube.patchPod(namespace, podName, [{ op: 'replace', path: `/metadata/labels/${jsonPatch.escapePathComponent(REVISION_LABEL)}`, value: revision }]);
    relabelled.push(podName);
  }

  // 3. The guarded restarts, checking each broker runs the new values before the next.
  const steps: RestartStep[] = [];
  const remaining = refs(toRestart);
  const admin = await session.kafka();
  while (remaining.length > 0) {
    signal.throwIfAborted();
    const [next] = restartOrder(remaining, (await session.snapshot()).view.controllerId);
    if (next === undefined) break;
    remaining.splice(remaining.indexOf(next), 1);
    steps.push(...(await restartBrokers(context, [next])));
    const [after] = await readBrokerConfigs(admin, [next.id], restartKeys.map((k) => k.key));
    const notTaken = restartKeys.filter((k) => after?.entries.get(k.key)?.value !== k.value);
    if (notTaken.length > 0) {
      throw new RefusedError(
        brokerDidNotTakeConfig(
          next.id,
          notTaken.map((k) => `${k.key}=${after?.entries.get(k.key)?.value ?? '-'}`),
          name,
          CONFIG_ROLL_ANNOTATION,
        ),
      );
    }
    reporter.event(brokerRunsConfig(next.id, restartKeys.map((k) => `${k.key}=${k.value}`)));
  }

  // 4. The update strategy comes back; no pod is behind the template, so nothing rolls.
  await kube.patchStatefulSetFresh(namespace, name, () => [
    { op: 'add', path: '/spec/updateStrategy', value: record.updateStrategy },
    { op: 'remove', path: `/metadata/annotations/${jsonPatch.escapePathComponent(CONFIG_ROLL_ANNOTATION)}` },
  ]);
  reporter.event(configRollDone(name));
  return { statefulSet: name, steps, relabelled, durationMs: Date.now() - started };
}
