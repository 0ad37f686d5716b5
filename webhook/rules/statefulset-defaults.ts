/**
 * /mutate: statefulsets CREATE/UPDATE of a broker StatefulSet get the policy's
 * Kafka-aware defaults (webhook/defaults) as a JSON Patch.
 */
import { mutateStatefulSet } from '../defaults/mutate.js';
import { errored, patch, type AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest, JsonObject } from '../admission/types.js';
import type { FactsSource } from '../facts/types.js';
import { asStatefulSet, podTemplateLabels, statefulSetReference } from './brokers.js';
import { gatherDefaults, type DefaultsFactsGathered } from './defaults-facts.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export const statefulSetDefaults: Rule<JsonObject, DefaultsFactsGathered> = {
  name: 'statefulset-defaults',
  guard: null,
  resources: [RESOURCES.statefulSets],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.statefulSets) && (request.operation === 'CREATE' || request.operation === 'UPDATE');
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<JsonObject> | null> {
    const statefulSet = asStatefulSet(request.object);
    if (request.object === null || statefulSet === null || request.namespace === null) return null;
    const policy = await facts.policyFor(request.namespace, podTemplateLabels(statefulSet));
    if (policy === null) return null;
    return {
      policy,
      subject: request.object,
      involvedObject: statefulSetReference(request.namespace, request.name || statefulSet.metadata?.name || '', statefulSet),
      breakGlass: null,
    };
  },

  gather(request: AdmissionRequest, located: Located<JsonObject>, facts: FactsSource) {
    return gatherDefaults(request, located, facts);
  },

  decide(request: AdmissionRequest, facts: DefaultsFactsGathered): AdmissionVerdict {
    if (request.object === null) return patch([]);
    const result = mutateStatefulSet(request.object, facts.context);
    return result.ok ? patch(result.patch).withWarnings(...result.warnings) : errored(new Error(result.error));
  },
};
