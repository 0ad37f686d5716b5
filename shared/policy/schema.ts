/**
 * The OpenAPI v3 schema of the KafkaGuardPolicy custom resource: the one source
 * for deploy/crd.yaml (scripts/gen-crd.ts), for the apiserver's defaulting and
 * validation, and for parsePolicy (shared/policy/parse.ts), which validates with
 * the same schema and fills the same defaults.
 *
 * The schema is structural (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
 * every node has a type, every object lists its properties (or is a map through
 * additionalProperties), and no node mixes the two. Objects that carry nested
 * defaults default to `{}` themselves, because the apiserver only descends into
 * objects that exist.
 */
import type {
  BreakGlassSpec,
  BrokerStatus,
  MaintenanceStatus,
  DefaultsSpec,
  EnvConvention,
  GuardsSpec,
  KafkaConnectionSpec,
  KafkaGuardPolicy,
  LabelSelectorRequirement,
  PolicyMode,
  UnreachablePolicy,
} from './types.js';

/** A CEL rule evaluated by the apiserver (x-kubernetes-validations). */
export interface CelRule {
  rule: string;
  message: string;
  reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueDuplicate';
}

/** The subset of the apiextensions.k8s.io/v1 JSONSchemaProps this schema uses. */
export interface SchemaNode {
  type: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  required?: string[];
  enum?: readonly string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  format?: 'date-time';
  nullable?: boolean;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/**
 * Lists every member of a string union, checked by the compiler both ways: a
 * value outside the union or a union member left out is a type error, so the
 * schema's enums cannot drift from types.ts.
 */
function everyMemberOf<T extends string>() {
  return <const Values extends readonly T[]>(values: Values & ([T] extends [Values[number]] ? unknown : never)): Values =>
    values;
}

export const POLICY_MODES = everyMemberOf<PolicyMode>()(['Enforce', 'Warn', 'Off']);
export const UNREACHABLE_POLICIES = everyMemberOf<UnreachablePolicy>()(['Deny', 'Allow']);
export const ENV_CONVENTIONS = everyMemberOf<EnvConvention>()(['apache', 'bitnami', 'none']);
export const SELECTOR_OPERATORS = everyMemberOf<LabelSelectorRequirement['operator']>()(['In', 'NotIn', 'Exists', 'DoesNotExist']);
export const SASL_MECHANISMS = everyMemberOf<NonNullable<KafkaConnectionSpec['sasl']>['mechanism']>()([
  'plain',
  'scram-sha-256',
  'scram-sha-512',
]);
export const ANTI_AFFINITY_MODES = everyMemberOf<DefaultsSpec['antiAffinity']['mode']>()(['preferred', 'required']);
export const WHEN_UNSATISFIABLE = everyMemberOf<DefaultsSpec['zoneSpread']['whenUnsatisfiable']>()([
  'ScheduleAnyway',
  'DoNotSchedule',
]);
type Condition = NonNullable<NonNullable<KafkaGuardPolicy['status']>['conditions']>[number];
const CONDITION_STATUSES = everyMemberOf<Condition['status']>()(['True', 'False', 'Unknown']);

/** The members of spec.brokers.idFrom, exactly one of which is set. */
export const ID_SOURCE_MEMBERS = ['ordinal', 'label', 'annotation', 'podNameSuffix'] as const;

/** Kafka broker ids are 32-bit signed integers. */
export const MAX_BROKER_ID = 2_147_483_647;

/** `host:port`, where host is a DNS name, an IPv4 address or a bracketed IPv6 address; parsePolicy checks the port range. */
export const BOOTSTRAP_SERVER_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):[0-9]{1,5}$';
/** A Kafka topic name (letters, digits, `.`, `_`, `-`), optionally ending in `*` to mean "every topic with this prefix". */
export const EXPENDABLE_TOPIC_PATTERN = '^[A-Za-z0-9._-]+\\*?$';

const secretNameNode = (what: string): SchemaNode => ({
  type: 'object',
  description: `The Secret in the policy's namespace that holds ${what}.`,
  required: ['name'],
  properties: {
    name: { type: 'string', description: 'Name of the Secret.', minLength: 1, maxLength: 253 },
  },
});

const toggle = (description: string, extra: Record<string, SchemaNode> = {}): SchemaNode => ({
  type: 'object',
  description,
  default: {},
  properties: {
    enabled: { type: 'boolean', description: 'Inject this default.', default: true },
    ...extra,
  },
});

const guard = (description: string): SchemaNode => ({ type: 'boolean', description, default: true });

const labelSelectorNode: SchemaNode = {
  type: 'object',
  description:
    'Selects the broker pods of this Kafka cluster in the policy\'s namespace (Kubernetes label selector semantics). ' +
    'Must not be empty: an empty selector would match every pod in the namespace.',
  properties: {
    matchLabels: {
      type: 'object',
      description: 'Labels a broker pod must carry, key to value.',
      additionalProperties: { type: 'string', maxLength: 63 },
    },
    matchExpressions: {
      type: 'array',
      description: 'Label requirements a broker pod must satisfy, all of them.',
      maxItems: 32,
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', description: 'The label key.', minLength: 1, maxLength: 317 },
          operator: { type: 'string', description: 'How the label relates to values.', enum: SELECTOR_OPERATORS },
          values: {
            type: 'array',
            description: 'Required (non-empty) for In and NotIn; must be empty for Exists and DoesNotExist.',
            maxItems: 256,
            items: { type: 'string', maxLength: 63 },
          },
        },
        'x-kubernetes-validations': [
          {
            rule: "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
            message: 'values must be non-empty for the In and NotIn operators and empty for Exists and DoesNotExist',
          },
        ],
      },
    },
  },
  'x-kubernetes-validations': [
    {
      rule: '(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)',
      message: 'the selector must not be empty: an empty selector would match every pod in the namespace',
      reason: 'FieldValueRequired',
    },
  ],
};

const idFromNode: SchemaNode = {
  type: 'object',
  description: 'How a broker pod maps to its Kafka broker id (node.id / broker.id). Set exactly one member.',
  properties: {
    ordinal: {
      type: 'object',
      description: 'The StatefulSet ordinal at the end of the pod name (kafka-3 is ordinal 3) plus offset.',
      properties: {
        offset: {
          type: 'integer',
          description: 'Added to the ordinal: broker id = ordinal + offset.',
          default: 0,
          minimum: 0,
          maximum: MAX_BROKER_ID,
        },
      },
    },
    label: {
      type: 'string',
      description: 'A pod label whose value is the broker id (e.g. strimzi.io/broker-id).',
      minLength: 1,
      maxLength: 317,
    },
    annotation: {
      type: 'string',
      description: 'A pod annotation whose value is the broker id.',
      minLength: 1,
      maxLength: 317,
    },
    podNameSuffix: {
      type: 'object',
      description: 'The digits at the end of the pod name (Strimzi node pools: my-cluster-pool-a-3 is broker 3). Set to {}.',
      properties: {},
    },
  },
  'x-kubernetes-validations': [
    {
      rule: ID_SOURCE_MEMBERS.map((member) => `(has(self.${member}) ? 1 : 0)`).join(' + ') + ' == 1',
      message: `set exactly one of ${ID_SOURCE_MEMBERS.join(', ')}`,
    },
  ],
};

/** The schema of `spec`. */
export const policySpecSchema: SchemaNode = {
  type: 'object',
  description: 'Which pods are the brokers of one Kafka cluster, how to reach Kafka, and which guards and defaults apply.',
  required: ['brokers', 'kafka'],
  properties: {
    brokers: {
      type: 'object',
      description: 'Which pods are brokers and which broker id each one runs.',
      required: ['selector', 'idFrom'],
      properties: {
        selector: labelSelectorNode,
        idFrom: idFromNode,
        containerName: {
          type: 'string',
          description: 'Name of the Kafka container in the broker pods; the first container when unset.',
          minLength: 1,
          maxLength: 63,
          pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
        },
        versionAnnotation: {
          type: 'string',
          description: 'A pod-template annotation whose value is the Kafka version the broker image runs (e.g. 4.1.1), for images whose tag does not name it.',
          minLength: 1,
          maxLength: 317,
          pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
        },
      },
    },
    kafka: {
      type: 'object',
      description: 'How kafka-guard reaches the Kafka cluster.',
      required: ['bootstrapServers'],
      properties: {
        bootstrapServers: {
          type: 'array',
          description: 'Bootstrap addresses as host:port, e.g. kafka-0.kafka-headless.kafka.svc:9092.',
          minItems: 1,
          maxItems: 64,
          items: {
            type: 'string',
            maxLength: 261,
            pattern: BOOTSTRAP_SERVER_PATTERN,
            // The apiserver evaluates CEL rules even when the pattern fails, so the rule leaves
            // a non-numeric port to the pattern's message instead of adding a conversion error.
            'x-kubernetes-validations': [
              {
                rule:
                  "!self.substring(self.lastIndexOf(':') + 1).matches('^[0-9]{1,5}$') || " +
                  "(int(self.substring(self.lastIndexOf(':') + 1)) >= 1 && int(self.substring(self.lastIndexOf(':') + 1)) <= 65535)",
                message: 'the port must be from 1 to 65535',
              },
            ],
          },
        },
        tls: {
          type: 'object',
          description: 'Connect with TLS. Without secretRef the system trust store verifies the brokers.',
          properties: {
            secretRef: secretNameNode('ca.crt and, for client authentication, tls.crt and tls.key'),
            insecureSkipVerify: {
              type: 'boolean',
              description: 'Skip verifying the broker certificates. For testing only.',
              default: false,
            },
            serverName: { type: 'string', description: 'Server name to verify instead of the host name.', maxLength: 253 },
          },
        },
        sasl: {
          type: 'object',
          description: 'Authenticate with SASL.',
          required: ['mechanism', 'secretRef'],
          properties: {
            mechanism: { type: 'string', description: 'The SASL mechanism.', enum: SASL_MECHANISMS },
            secretRef: secretNameNode('username and password'),
          },
        },
        requestTimeoutMs: {
          type: 'integer',
          description: 'Per-request timeout towards Kafka in milliseconds.',
          minimum: 100,
          maximum: 120_000,
        },
      },
    },
    mode: {
      type: 'string',
      description: 'Enforce refuses unsafe operations; Warn admits them with a warning; Off disables the guards and defaults.',
      enum: POLICY_MODES,
      default: 'Enforce',
    },
    onKafkaUnreachable: {
      type: 'string',
      description: 'What a guard answers when Kafka cannot be asked: Deny refuses the operation, Allow admits it with a warning.',
      enum: UNREACHABLE_POLICIES,
      default: 'Deny',
    },
    guards: {
      type: 'object',
      description: 'Which guarded operations are checked.',
      default: {},
      properties: {
        eviction: guard('Check pod evictions (kubectl drain, node autoscalers).'),
        podDelete: guard('Check deleting broker pods, and relabelling a live broker pod out of spec.brokers.selector.'),
        scaleDown: guard('Check scaling a broker StatefulSet down.'),
        volumes: guard('Check shrinking or deleting broker volumes.'),
        versions: guard('Check a broker image change against the metadata.version the cluster has finalized.'),
        identity: guard("Refuse a broker StatefulSet change of the brokers' id, role or data directory (node.id, broker.id, process.roles, log.dirs, metadata.log.dir)."),
      } satisfies Record<keyof GuardsSpec, SchemaNode>,
    },
    expendableTopics: {
      type: 'array',
      description: 'Topics whose partitions may go offline, as exact names or prefix* patterns.',
      default: [],
      maxItems: 256,
      items: { type: 'string', maxLength: 250, pattern: EXPENDABLE_TOPIC_PATTERN },
    },
    evacuation: {
      type: 'object',
      description: 'Evacuation when a broker\'s node is cordoned: the webhook\'s controller makes the coming eviction safe, as kubectl kafka maintenance start would.',
      default: {},
      properties: {
        onCordon: {
          type: 'boolean',
          description: 'Run a maintenance for a broker whose node becomes unschedulable or gets one of the taints, so that the eviction that follows is admitted.',
          default: false,
        },
        taints: {
          type: 'array',
          description: 'Node taint keys that mean the node is going away, as cordoning does.',
          default: ['ToBeDeletedByClusterAutoscaler'],
          maxItems: 32,
          items: { type: 'string', minLength: 1, maxLength: 316 },
        },
        throttleBytesPerSecond: {
          type: 'integer',
          description: 'Replication throttle while data moves, in bytes per second; 0 means none.',
          minimum: 0,
          default: 0,
        },
      },
    },
    defaults: {
      type: 'object',
      description: 'Kafka-aware defaults the mutating webhook injects into broker pods and StatefulSets; each can be switched off.',
      default: {},
      properties: {
        enabled: { type: 'boolean', description: 'Inject defaults at all.', default: true },
        antiAffinity: toggle('Spread brokers over nodes with pod anti-affinity.', {
          mode: {
            type: 'string',
            description: 'preferred (soft) or required (hard) anti-affinity.',
            enum: ANTI_AFFINITY_MODES,
            default: 'preferred',
          },
        }),
        zoneSpread: toggle('Spread brokers over zones with a topology spread constraint.', {
          maxSkew: { type: 'integer', description: 'The constraint\'s maxSkew.', minimum: 1, default: 1 },
          whenUnsatisfiable: {
            type: 'string',
            description: 'The constraint\'s whenUnsatisfiable.',
            enum: WHEN_UNSATISFIABLE,
            default: 'ScheduleAnyway',
          },
        }),
        rackAwareness: toggle('Set broker.rack from the node\'s zone.'),
        terminationGracePeriod: toggle('Give brokers time for a controlled shutdown.', {
          seconds: {
            type: 'integer',
            description: 'terminationGracePeriodSeconds for broker pods.',
            minimum: 30,
            maximum: 3600,
            default: 120,
          },
        }),
        pvcRetention: toggle('Keep broker volumes when the StatefulSet is scaled down or deleted (persistentVolumeClaimRetentionPolicy Retain).'),
        updateStrategy: toggle('Roll broker StatefulSets one pod at a time, never in parallel.'),
        safeToEvictAnnotation: toggle('Mark broker pods as not safe to evict for the cluster autoscaler.'),
        resources: toggle('Size the JVM heap from the container memory limit.', {
          heapPercentOfLimit: {
            type: 'integer',
            description: 'Heap size as a percentage of the memory limit; the rest is page cache and off-heap memory.',
            minimum: 25,
            maximum: 80,
            default: 50,
          },
        }),
        kafkaSettings: toggle('Inject safe Kafka settings as environment variables.', {
          envConvention: {
            type: 'string',
            description: 'How the image reads settings from the environment: apache (KAFKA_*), bitnami (KAFKA_CFG_*), none.',
            enum: ENV_CONVENTIONS,
            default: 'apache',
          },
        }),
        readinessProbe: toggle('Add a TCP readiness probe on the broker port when the container has none.', {
          port: { type: 'integer', description: 'The broker port to probe.', minimum: 1, maximum: 65535, default: 9092 },
        }),
      } satisfies Record<keyof DefaultsSpec, SchemaNode>,
    },
    breakGlass: {
      type: 'object',
      description: 'Who may set the break-glass annotation kafkaguard.io/allow-disruption on this cluster\'s broker pods. Either list given: only those users and members of those groups (both empty: nobody); neither: anyone who can patch the pods.',
      properties: {
        allowedUsers: {
          type: 'array',
          description: 'Kubernetes user names (as the apiserver authenticates them; a ServiceAccount is system:serviceaccount:NAMESPACE:NAME).',
          maxItems: 256,
          items: { type: 'string', minLength: 1, maxLength: 512 },
        },
        allowedGroups: {
          type: 'array',
          description: 'Kubernetes groups whose members may set it (e.g. system:serviceaccounts:NAMESPACE for every ServiceAccount there).',
          maxItems: 256,
          items: { type: 'string', minLength: 1, maxLength: 512 },
        },
      } satisfies Record<keyof BreakGlassSpec, SchemaNode>,
    },
  },
};

const brokerStatusProperties: Record<keyof BrokerStatus, SchemaNode> = {
  id: { type: 'integer', minimum: 0, maximum: MAX_BROKER_ID },
  pod: { type: 'string', nullable: true },
  node: { type: 'string', nullable: true },
  ready: { type: 'boolean' },
  replicas: { type: 'integer', minimum: 0 },
  leaders: { type: 'integer', minimum: 0 },
  soleReplicas: { type: 'integer', minimum: 0 },
  safeToDisrupt: { type: 'boolean' },
  reason: { type: 'string' },
};

/** The schema of `status`, written by kafka-guard. */
export const policyStatusSchema: SchemaNode = {
  type: 'object',
  description: 'What kafka-guard last observed about the cluster.',
  properties: {
    conditions: {
      type: 'array',
      description: 'Standard conditions, one per type.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      maxItems: 16,
      items: {
        type: 'object',
        required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
        properties: {
          type: { type: 'string', minLength: 1, maxLength: 316 },
          status: { type: 'string', enum: CONDITION_STATUSES },
          reason: { type: 'string', maxLength: 1024 },
          message: { type: 'string', maxLength: 32768 },
          lastTransitionTime: { type: 'string', format: 'date-time' },
        },
      },
    },
    brokers: {
      type: 'array',
      description: 'Per broker: where it runs and whether it is safe to disrupt.',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['id', 'pod', 'node', 'ready', 'replicas', 'leaders', 'soleReplicas', 'safeToDisrupt'] satisfies Array<
          keyof BrokerStatus
        >,
        properties: brokerStatusProperties,
      },
    },
    maintenance: {
      type: 'array',
      description: 'Maintenances in progress (kubectl kafka maintenance start, or the evacuation of a cordoned node) and how far their data moves have come.',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['brokers', 'startedBy', 'startedAt', 'cordoned', 'phase', 'partitionsToMove', 'partitionsMoved'] satisfies Array<
          keyof MaintenanceStatus
        >,
        properties: {
          brokers: { type: 'array', maxItems: 10_000, items: { type: 'integer', minimum: 0 } },
          startedBy: { type: 'string', maxLength: 253 },
          startedAt: { type: 'string' },
          cordoned: { type: 'string', nullable: true, maxLength: 253 },
          phase: { type: 'string', enum: ['Moving', 'Ready', 'BrokersDown'] },
          partitionsToMove: { type: 'integer', minimum: 0 },
          partitionsMoved: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
};

/** The openAPIV3Schema of the CRD version. */
export const policyOpenAPISchema: SchemaNode = {
  type: 'object',
  description: 'KafkaGuardPolicy makes everyday Kubernetes operations on one Kafka cluster Kafka-aware. See docs/policy.md.',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: policySpecSchema,
    status: policyStatusSchema,
  },
};
