/**
 * The KafkaGuardPolicy custom resource (kafkaguard.io/v1alpha1), one per Kafka
 * cluster. These names are the contract shared by the CRD schema
 * (shared/policy/schema.ts -> deploy/crd.yaml), the webhook and the plugin.
 */

export const POLICY_GROUP = 'kafkaguard.io';
export const POLICY_VERSION = 'v1alpha1';
export const POLICY_KIND = 'KafkaGuardPolicy';
export const POLICY_PLURAL = 'kafkaguardpolicies';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** How a broker pod maps to a Kafka broker id. Exactly one member is set. */
export type BrokerIdSource =
  | { ordinal: { offset: number } }
  | { label: string }
  | { annotation: string }
  | { podNameSuffix: Record<string, never> };

export interface SecretKeyRef {
  name: string;
  key?: string;
}

export interface KafkaConnectionSpec {
  bootstrapServers: string[];
  /** TLS to the brokers; the Secret holds `ca.crt` and optionally `tls.crt`/`tls.key`. */
  tls?: { secretRef?: { name: string }; insecureSkipVerify?: boolean; serverName?: string };
  /** SASL; the Secret holds `username` and `password`. */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; secretRef: { name: string } };
  /** Per-request timeout towards Kafka in milliseconds. */
  requestTimeoutMs?: number;
}

export type PolicyMode = 'Enforce' | 'Warn' | 'Off';
export type UnreachablePolicy = 'Deny' | 'Allow';

export interface GuardsSpec {
  eviction: boolean;
  podDelete: boolean;
  scaleDown: boolean;
  volumes: boolean;
  versions: boolean;
  identity: boolean;
}

/** Image environment convention for Kafka settings injected as env vars. */
export type EnvConvention = 'apache' | 'bitnami' | 'none';

/** Defaults injected by the mutating webhook; each one can be switched off. */
export interface DefaultsSpec {
  enabled: boolean;
  antiAffinity: { enabled: boolean; mode: 'preferred' | 'required' };
  zoneSpread: { enabled: boolean; maxSkew: number; whenUnsatisfiable: 'ScheduleAnyway' | 'DoNotSchedule' };
  rackAwareness: { enabled: boolean };
  terminationGracePeriod: { enabled: boolean; seconds: number };
  pvcRetention: { enabled: boolean };
  updateStrategy: { enabled: boolean };
  safeToEvictAnnotation: { enabled: boolean };
  resources: { enabled: boolean; heapPercentOfLimit: number };
  kafkaSettings: { enabled: boolean; envConvention: EnvConvention };
  readinessProbe: { enabled: boolean; port: number };
}

export interface KafkaGuardPolicySpec {
  brokers: {
    selector: LabelSelector;
    idFrom: BrokerIdSource;
    /** Name of the broker container in the pod; defaults to the first container. */
    containerName?: string;
    /** A pod-template annotation that names the Kafka version the image runs, for images whose tag does not. */
    versionAnnotation?: string;
  };
  kafka: KafkaConnectionSpec;
  mode: PolicyMode;
  onKafkaUnreachable: UnreachablePolicy;
  guards: GuardsSpec;
  /** Topics (exact names or `prefix*`) whose partitions may go offline. */
  expendableTopics: string[];
  evacuation: EvacuationSpec;
  defaults: DefaultsSpec;
  /** Who may set the break-glass annotation; absent: anyone who can patch the pod (shared/policy/break-glass.ts). */
  breakGlass?: BreakGlassSpec;
}

/**
 * Who may set the break-glass annotation (ANNOTATIONS.allowDisruption) on this
 * policy's broker pods. Either list given: only the users and members of the
 * groups listed (both empty: nobody). Neither given: anyone who may patch pods.
 */
export interface BreakGlassSpec {
  /** Kubernetes user names, e.g. `alice@example.com` or `system:serviceaccount:ops:oncall`. */
  allowedUsers?: string[];
  /** Kubernetes groups, e.g. `sre` or `system:serviceaccounts:ops`. */
  allowedGroups?: string[];
}

/** Evacuation when a broker's node is cordoned (webhook/evacuation/). */
export interface EvacuationSpec {
  onCordon: boolean;
  /** Node taint keys that mean the node is going away. */
  taints: string[];
  /** 0: no throttle. */
  throttleBytesPerSecond: number;
}

export interface BrokerStatus {
  id: number;
  pod: string | null;
  node: string | null;
  ready: boolean;
  replicas: number;
  leaders: number;
  soleReplicas: number;
  safeToDisrupt: boolean;
  reason?: string;
}

/** A maintenance in progress (`kubectl kafka maintenance start`, or the evacuation of a cordoned node). */
export interface MaintenanceStatus {
  brokers: number[];
  /** `kubectl kafka` or `evacuation`. */
  startedBy: string;
  startedAt: string;
  /** The node it cordoned, or null. */
  cordoned: string | null;
  /** Moving: data still moving; Ready: the brokers may go down now; BrokersDown: they are down. */
  phase: 'Moving' | 'Ready' | 'BrokersDown';
  partitionsToMove: number;
  partitionsMoved: number;
}

export interface KafkaGuardPolicy {
  apiVersion: `${typeof POLICY_GROUP}/${typeof POLICY_VERSION}`;
  kind: typeof POLICY_KIND;
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string; generation?: number };
  spec: KafkaGuardPolicySpec;
  status?: {
    conditions?: Array<{ type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastTransitionTime: string }>;
    brokers?: BrokerStatus[];
    maintenance?: MaintenanceStatus[];
  };
}

/** Well-known annotations. */
export const ANNOTATIONS = {
  /** Break-glass: lets exactly one disruption of this pod through; the value is the reason. */
  allowDisruption: 'kafkaguard.io/allow-disruption',
  /** Comma-separated default names to skip on this object, or "all". */
  skipDefaults: 'kafkaguard.io/skip-defaults',
  /** Written by the mutating webhook: the defaults it applied. */
  appliedDefaults: 'kafkaguard.io/applied-defaults',
} as const;

/** `namespace/name` of a policy: the key of its ledger entry and its metrics label. */
export function policyKey(policy: Pick<KafkaGuardPolicy, 'metadata'>): string {
  return `${policy.metadata.namespace}/${policy.metadata.name}`;
}
