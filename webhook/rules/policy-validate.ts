/**
 * KafkaGuardPolicy CREATE/UPDATE: the CRD's OpenAPI schema catches shapes; this
 * rule runs the full parsePolicy (selector syntax, host:port, unknown fields,
 * the CEL rules) so a bad policy is refused with every problem listed instead
 * of silently guarding nothing. Mode and guards do not apply: a policy cannot
 * switch off its own validation.
 */
import { formatPolicyErrors, parsePolicy } from '../../shared/policy/parse.js';
import { POLICY_GROUP, POLICY_VERSION } from '../../shared/policy/types.js';
import { allow, deny, type AdmissionVerdict } from '../admission/verdict.js';
import type { AdmissionRequest, JsonObject } from '../admission/types.js';
import { policyErrorReasons, policyInvalidSummary } from '../messages.js';
import { metadataOf } from './brokers.js';
import { RESOURCES, isResource, type Located, type Rule } from './rule.js';

export interface PolicyFacts {
  namespace: string;
  name: string;
  object: JsonObject;
}

export const policyValidate: Rule<PolicyFacts, PolicyFacts> = {
  name: 'policy-validate',
  guard: null,
  resources: [RESOURCES.policies],
  denialCode: 422,

  matches(request: AdmissionRequest): boolean {
    return isResource(request, RESOURCES.policies) && (request.operation === 'CREATE' || request.operation === 'UPDATE');
  },

  async locate(request: AdmissionRequest): Promise<Located<PolicyFacts> | null> {
    const object = request.object;
    if (object === null) return null;
    const metadata = metadataOf(object);
    const namespace = request.namespace ?? metadata?.namespace ?? '';
    const name = request.name || metadata?.name || '';
    return {
      policy: null,
      subject: { namespace, name, object },
      involvedObject: {
        apiVersion: `${POLICY_GROUP}/${POLICY_VERSION}`,
        kind: 'KafkaGuardPolicy',
        namespace,
        name,
        uid: metadata?.uid ?? '',
      },
      breakGlass: null,
    };
  },

  async gather(_request: AdmissionRequest, located: Located<PolicyFacts>) {
    return located.subject;
  },

  decide(_request: AdmissionRequest, facts: PolicyFacts): AdmissionVerdict {
    const parsed = parsePolicy(facts.object);
    if (parsed.ok) return allow();
    const name = `${facts.namespace}/${facts.name}`;
    return deny(policyErrorReasons(formatPolicyErrors(parsed.errors, name)), {
      summary: policyInvalidSummary(facts.namespace, facts.name),
      code: 422,
    });
  },
};
