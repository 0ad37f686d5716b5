/**
 * The KafkaGuardPolicy CustomResourceDefinition, built from schema.ts.
 * scripts/gen-crd.ts writes it to deploy/crd.yaml; crd-sync.test.ts fails when
 * the committed file no longer matches.
 */
import { stringify } from 'yaml';
import { policyOpenAPISchema } from './schema.js';
import { POLICY_GROUP, POLICY_KIND, POLICY_PLURAL, POLICY_VERSION } from './types.js';

export const POLICY_CRD_NAME = `${POLICY_PLURAL}.${POLICY_GROUP}`;
export const POLICY_SHORT_NAME = 'kgp';
export const REGENERATE_CRD_COMMAND = 'node --import tsx scripts/gen-crd.ts';

/** The apiextensions.k8s.io/v1 CustomResourceDefinition object. */
export function buildPolicyCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: POLICY_CRD_NAME,
      labels: { 'app.kubernetes.io/name': 'kafka-guard', 'app.kubernetes.io/component': 'crd' },
    },
    spec: {
      group: POLICY_GROUP,
      scope: 'Namespaced',
      names: {
        kind: POLICY_KIND,
        listKind: `${POLICY_KIND}List`,
        plural: POLICY_PLURAL,
        singular: POLICY_KIND.toLowerCase(),
        shortNames: [POLICY_SHORT_NAME],
        categories: ['kafka-guard'],
      },
      versions: [
        {
          name: POLICY_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Mode', type: 'string', jsonPath: '.spec.mode', description: 'Enforce, Warn or Off' },
            {
              name: 'Bootstrap',
              type: 'string',
              jsonPath: '.spec.kafka.bootstrapServers[0]',
              description: 'The first Kafka bootstrap address',
            },
            {
              name: 'Kafka',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="KafkaReachable")].status',
              description: 'Whether the webhook can read the Kafka cluster (status.conditions KafkaReachable)',
            },
            {
              name: 'Healthy',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="PartitionsHealthy")].status',
              description: 'No partition offline or under min.insync.replicas (status.conditions PartitionsHealthy)',
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: policyOpenAPISchema },
        },
      ],
    },
  };
}

/**
 * kubectl and the apiserver read YAML 1.1, where an unquoted Off is the boolean
 * false (the enum value of spec.mode!); writing as 1.1 quotes such strings.
 * aliasDuplicateObjects: false, because schema nodes shared in the TS source
 * (e.g. the secretRef shape) must be written out in full, not as YAML aliases.
 */
export const KUBERNETES_YAML = { version: '1.1', aliasDuplicateObjects: false, lineWidth: 120 } as const;

/** deploy/crd.yaml as it should read, byte for byte. */
export function renderPolicyCrdYaml(): string {
  const header = [
    '# Generated from shared/policy/schema.ts by scripts/gen-crd.ts. Do not edit by hand;',
    `# change the schema and run: ${REGENERATE_CRD_COMMAND}`,
  ].join('\n');
  return `${header}\n${stringify(buildPolicyCrd(), KUBERNETES_YAML)}`;
}
