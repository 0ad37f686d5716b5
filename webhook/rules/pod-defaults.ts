/**
 * /mutate: broker pods get the policy's defaults on CREATE (pods not made from
 * a defaulted StatefulSet template, e.g. operator-managed ones); on UPDATE the
 * defaults module only touches annotations.
 */
import { mutatePod } from '../defaults/mutate.js';
import { errored, patch, type AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest, JsonObject } from '../admission/types.js';
import type { FactsSource } from '../facts/types.js';
import { asPod, podReference } from './brokers.js';
import { gatherDefaults, type DefaultsFactsGathered } from './defaults-facts.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export const podDefaults: Rule<JsonObject, DefaultsFactsGathered> = {
  name: 'pod-defaults',
  guard: null,
  resources: [RESOURCES.pods],
  denialCode: 403,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.pods) && (request.operation === 'CREATE' || request.operation === 'UPDATE');
  },

  async locate(request: AdmissionRequest, facts: FactsSource): Promise<Located<JsonObject> | null> {
    const pod = asPod(request.object);
    if (request.object === null || pod === null || request.namespace === null) return null;
    const policy = await facts.policyFor(request.namespace, pod.metadata?.labels ?? {});
    if (policy === null) return null;
    // A pod being created may only have generateName; Events then name the prefix.
    const name = request.name || pod.metadata?.name || pod.metadata?.generateName || '';
    return { policy, subject: request.object, involvedObject: podReference(request.namespace, name, pod), breakGlass: null };
  },

  gather(request: AdmissionRequest, located: Located<JsonObject>, facts: FactsSource) {
    return gatherDefaults(request, located, facts);
  },

  decide(request: AdmissionRequest, facts: DefaultsFactsGathered): AdmissionVerdict {
    if (request.object === null) return patch([]);
    const result = mutatePod(request.object, facts.context);
    return result.ok ? patch(result.patch).withWarnings(...result.warnings) : errored(new Error(result.error));
  },
};
