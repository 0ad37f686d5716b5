/**
 * statefulsets UPDATE of a broker StatefulSet whose pod template changes a
 * setting that is each broker's identity or where its data lives (node.id,
 * broker.id, process.roles, log.dirs, log.dir, metadata.log.dir), as the
 * image's environment variables set them: the StatefulSet controller would
 * roll that value onto every broker, and a broker whose id no longer matches
 * its data directory's meta.properties does not start, while one given a new
 * data directory starts empty (its replicas are then rebuilt from the others,
 * or lost where it held the only copy). The roll stops at the first broker,
 * which is then down.
 *
 * Only a change is refused (added, removed or another value); a template
 * that keeps the values it had passes, so unrelated updates are not blocked.
 * `kubectl kafka config set` never changes these keys either (docs/plugin.md).
 */
import { settingOfEnvName } from '../../shared/kafka/env-names.js';
import { brokerContainer } from '../../shared/k8s/kafka-image.js';
import type { EnvConvention, KafkaGuardPolicy } from '../../shared/policy/types.js';
import { allow, deny, type AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest } from '../admission/types.js';
import type { FactsSource } from '../facts/types.js';
import { brokerIdentityReason, brokerIdentitySummary } from '../messages.js';
import { asStatefulSet, podTemplateLabels, statefulSetReference } from './brokers.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

/** The settings a broker keeps for its whole life. */
export const IDENTITY_SETTINGS: readonly string[] = ['node.id', 'broker.id', 'process.roles', 'log.dirs', 'log.dir', 'metadata.log.dir'];

export interface IdentityChange {
  setting: string;
  envName: string;
  /** The value before and after, as shown: `"7"` for a literal, `valueFrom {...}` for a source; null when the variable is absent. */
  before: string | null;
  after: string | null;
}

export interface IdentityFacts {
  namespace: string;
  statefulSetName: string;
  changes: IdentityChange[];
}

interface EnvVarLike {
  name?: string;
  value?: string;
  valueFrom?: unknown;
}

type TemplateLike = { spec?: { containers?: Array<{ name?: string; env?: EnvVarLike[] }> } } | undefined;

/** The identity settings a template's broker container sets through its env, by setting, with the variable that sets it. */
export function identityEnv(template: TemplateLike, containerName: string | undefined, convention: EnvConvention): Map<string, { envName: string; value: string }> {
  const container = brokerContainer(template, containerName) as { env?: EnvVarLike[] } | null;
  // With no convention declared, read the names as either image would.
  const conventions: EnvConvention[] = convention === 'none' ? ['apache', 'bitnami'] : [convention];
  const found = new Map<string, { envName: string; value: string }>();
  for (const variable of container?.env ?? []) {
    if (typeof variable.name !== 'string') continue;
    for (const c of conventions) {
      const setting = settingOfEnvName(c, variable.name);
      if (setting === null || !IDENTITY_SETTINGS.includes(setting)) continue;
      found.set(setting, { envName: variable.name, value: variable.valueFrom !== undefined ? `valueFrom ${JSON.stringify(variable.valueFrom)}` : JSON.stringify(String(variable.value ?? '')) });
    }
  }
  return found;
}

/** Pure: the identity settings that differ between two templates. */
export function identityChanges(before: TemplateLike, after: TemplateLike, policy: Pick<KafkaGuardPolicy, 'spec'>): IdentityChange[] {
  const containerName = policy.spec.brokers.containerName;
  const convention = policy.spec.defaults.kafkaSettings.envConvention;
  const old = identityEnv(before, containerName, convention);
  const next = identityEnv(after, containerName, convention);
  const changes: IdentityChange[] = [];
  for (const setting of IDENTITY_SETTINGS) {
    const a = old.get(setting);
    const b = next.get(setting);
    if (a?.value === b?.value) continue;
    changes.push({ setting, envName: b?.envName ?? a?.envName ?? '', before: a?.value ?? null, after: b?.value ?? null });
  }
  return changes;
}

export const statefulSetBrokerIdentity: Rule<IdentityFacts, IdentityFacts> = {
  name: 'statefulset-broker-identity',
  guard: 'identity',
  resources: [RESOURCES.statefulSets],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.statefulSets) && request.subResource === null && request.operation === 'UPDATE';
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<IdentityFacts> | null> {
    const statefulSet = asStatefulSet(request.object);
    const before = asStatefulSet(request.oldObject);
    if (statefulSet === null || before === null || request.namespace === null) return null;
    const policy = await facts.policyFor(request.namespace, podTemplateLabels(statefulSet));
    if (policy === null) return null;
    const changes = identityChanges(before.spec?.template as TemplateLike, statefulSet.spec?.template as TemplateLike, policy);
    if (changes.length === 0) return null;
    const name = request.name || statefulSet.metadata?.name || '';
    return {
      policy,
      subject: { namespace: request.namespace, statefulSetName: name, changes },
      involvedObject: statefulSetReference(request.namespace, name, before),
      breakGlass: null,
    };
  },

  async gather(_request: AdmissionRequest, located: Located<IdentityFacts>) {
    return located.subject;
  },

  decide(_request: AdmissionRequest, facts: IdentityFacts): AdmissionVerdict {
    return deny(facts.changes.map((c) => brokerIdentityReason(c)), { summary: brokerIdentitySummary(facts.namespace, facts.statefulSetName) });
  },
};
