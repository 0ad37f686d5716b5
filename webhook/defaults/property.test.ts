/**
 * Idempotence over generated objects: the apiserver may call a mutating webhook
 * again on its own output (reinvocationPolicy, retries, later UPDATEs), so
 * mutating the patched object must yield an empty patch and announce nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import jsonPatch from 'fast-json-patch';
import type { DefaultsSpec } from '../../shared/policy/types.js';
import { ANNOTATIONS } from '../../shared/policy/types.js';
import { mutatePod, mutateStatefulSet } from './mutate.js';
import { DEFAULT_NAMES, type DefaultsContext, type DefaultsFacts, type MutationResult } from './types.js';

type Json = Record<string, unknown>;

const BROKER_LABELS = { 'app.kubernetes.io/name': 'kafka' };

const memoryQuantity = fc.oneof(
  fc.constantFrom('2Gi', '1500M', '512Mi', '8Gi', '0.5Gi', '129e6', '1G', '3Gi', '1'),
  fc.tuple(fc.integer({ min: 1, max: 65536 }), fc.constantFrom('Mi', 'Gi', 'M', 'G', 'Ki', '')).map(([amount, suffix]) => `${amount}${suffix}`),
  fc.integer({ min: 0, max: 2 ** 34 }),
);

const envVariable = fc.record({
  name: fc.constantFrom(
    'KAFKA_HEAP_OPTS',
    'KAFKA_OPTS',
    'JAVA_OPTS',
    'KAFKA_BROKER_RACK',
    'KAFKA_CFG_BROKER_RACK',
    'KAFKAGUARD_ZONE',
    'KAFKA_MIN_INSYNC_REPLICAS',
    'KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE',
    'KAFKA_CFG_DEFAULT_REPLICATION_FACTOR',
    'LOG_LEVEL',
  ),
  value: fc.constantFrom('x', '-Xmx1g', '-Dfoo=1', ''),
});

const skipAnnotation = fc.oneof(
  fc.constant('all'),
  fc.subarray([...DEFAULT_NAMES]).map((names) => names.join(',')),
  fc.constant('antiAfinity'),
);

const annotations = fc.record(
  {
    [ANNOTATIONS.skipDefaults]: skipAnnotation,
    [ANNOTATIONS.appliedDefaults]: fc.constantFrom('zoneSpread', 'antiAffinity,resources'),
    'cluster-autoscaler.kubernetes.io/safe-to-evict': fc.constantFrom('true', 'false'),
    'prometheus.io/scrape': fc.constant('true'),
  },
  { requiredKeys: [] },
);

const container = (name: string) =>
  fc.record(
    {
      name: fc.constant(name),
      image: fc.constant('apache/kafka:3.9.1'),
      env: fc.uniqueArray(envVariable, { selector: (variable) => variable.name, maxLength: 6 }),
      envFrom: fc.constant([{ configMapRef: { name: 'kafka-env' } }]),
      args: fc.constantFrom(['--override', 'log.retention.hours=1'], ['-Xmx512m']),
      resources: fc.record(
        {
          limits: fc.record({ memory: memoryQuantity, cpu: fc.constant('2') }, { requiredKeys: [] }),
          requests: fc.record({ memory: memoryQuantity, cpu: fc.constant('1') }, { requiredKeys: [] }),
        },
        { requiredKeys: [] },
      ),
      readinessProbe: fc.constantFrom({ tcpSocket: { port: 9092 } }, { exec: { command: ['ready.sh'] } }),
    },
    { requiredKeys: ['name', 'image'] },
  );

const labelSelector = fc.constant({ matchLabels: BROKER_LABELS });

const affinity = fc.oneof(
  fc.constant({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'Exists' }] }] } } }),
  labelSelector.map((selector) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname' }] } })),
  fc.constant({ podAntiAffinity: {} }),
);

const spreadConstraint = fc.record({
  maxSkew: fc.integer({ min: 1, max: 3 }),
  topologyKey: fc.constantFrom('topology.kubernetes.io/zone', 'kubernetes.io/hostname'),
  whenUnsatisfiable: fc.constantFrom('ScheduleAnyway', 'DoNotSchedule'),
  labelSelector,
});

const podTemplate = fc.record({
  metadata: fc.record(
    {
      labels: fc.constantFrom(BROKER_LABELS, { ...BROKER_LABELS, 'app.kubernetes.io/instance': 'orders' }),
      annotations,
    },
    { requiredKeys: ['labels'] },
  ),
  spec: fc.record(
    {
      containers: fc.tuple(container('kafka'), fc.array(container('sidecar'), { maxLength: 1 })).map(([broker, sidecars]) => [broker, ...sidecars]),
      affinity,
      topologySpreadConstraints: fc.array(spreadConstraint, { maxLength: 2 }),
      terminationGracePeriodSeconds: fc.integer({ min: 0, max: 600 }),
    },
    { requiredKeys: ['containers'] },
  ),
});

const statefulSet = fc
  .record({
    metadata: fc.record({ name: fc.constant('kafka'), annotations }, { requiredKeys: ['name'] }),
    spec: fc.record(
      {
        replicas: fc.integer({ min: 0, max: 6 }),
        selector: fc.constant({ matchLabels: BROKER_LABELS }),
        serviceName: fc.constant('kafka-headless'),
        template: podTemplate,
        persistentVolumeClaimRetentionPolicy: fc.record({ whenDeleted: fc.constantFrom('Retain', 'Delete'), whenScaled: fc.constantFrom('Retain', 'Delete') }, { requiredKeys: [] }),
        updateStrategy: fc.constantFrom({ type: 'OnDelete' }, { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }),
        volumeClaimTemplates: fc.constant([{ metadata: { name: 'data' }, spec: { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } } }]),
      },
      { requiredKeys: ['selector', 'template'] },
    ),
  })
  // Objects arrive as parsed JSON: plain prototypes, no undefined members.
  .map((generated): Json => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', ...JSON.parse(JSON.stringify(generated)) }));

const defaultsSpec: fc.Arbitrary<DefaultsSpec> = fc.record({
  enabled: fc.boolean(),
  antiAffinity: fc.record({ enabled: fc.boolean(), mode: fc.constantFrom('preferred' as const, 'required' as const) }),
  zoneSpread: fc.record({ enabled: fc.boolean(), maxSkew: fc.integer({ min: 1, max: 3 }), whenUnsatisfiable: fc.constantFrom('ScheduleAnyway' as const, 'DoNotSchedule' as const) }),
  rackAwareness: fc.record({ enabled: fc.boolean() }),
  terminationGracePeriod: fc.record({ enabled: fc.boolean(), seconds: fc.integer({ min: 0, max: 600 }) }),
  pvcRetention: fc.record({ enabled: fc.boolean() }),
  updateStrategy: fc.record({ enabled: fc.boolean() }),
  safeToEvictAnnotation: fc.record({ enabled: fc.boolean() }),
  resources: fc.record({ enabled: fc.boolean(), heapPercentOfLimit: fc.integer({ min: 1, max: 10000 }).map((hundredths) => hundredths / 100) }),
  kafkaSettings: fc.record({ enabled: fc.boolean(), envConvention: fc.constantFrom('apache' as const, 'bitnami' as const, 'none' as const) }),
  readinessProbe: fc.record({ enabled: fc.boolean(), port: fc.integer({ min: 1, max: 65535 }) }),
});

const facts: fc.Arbitrary<DefaultsFacts> = fc.record({
  pdbCoversBrokers: fc.constantFrom(true, false, null),
  storageClasses: fc.constantFrom(null, [{ name: 'fast', allowVolumeExpansion: false, isDefault: true }]),
  schedulableNodeCount: fc.constantFrom(null, 1, 5),
});

/** How the request relates to the object before it: CREATE, or UPDATE with an unchanged / changed / unknown template. */
const operation = fc.constantFrom('CREATE', 'UPDATE same template', 'UPDATE new image', 'UPDATE without oldObject');

function contextFor(object: Json, kind: string, defaults: DefaultsSpec, known: DefaultsFacts): DefaultsContext {
  const ctx: DefaultsContext = { defaults, brokerSelector: { matchLabels: BROKER_LABELS }, operation: kind === 'CREATE' ? 'CREATE' : 'UPDATE', facts: known };
  if (kind === 'UPDATE same template') ctx.oldObject = structuredClone(object);
  if (kind === 'UPDATE new image') {
    const oldObject = structuredClone(object) as { spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } };
    const broker = oldObject.spec?.template?.spec?.containers?.[0];
    if (broker !== undefined) broker.image = 'apache/kafka:3.8.0';
    ctx.oldObject = oldObject;
  }
  return ctx;
}

function assertIdempotent(object: Json, ctx: DefaultsContext, mutate: (object: object, ctx: DefaultsContext) => MutationResult): void {
  const snapshot = structuredClone(object);
  const first = mutate(object, ctx);
  assert.ok(first.ok, first.ok ? '' : first.error);
  assert.deepEqual(object, snapshot, 'the input is not modified');
  const patched = jsonPatch.applyPatch(structuredClone(object), first.patch, true, false).newDocument;
  const second = mutate(patched, ctx);
  assert.ok(second.ok, second.ok ? '' : second.error);
  assert.deepEqual(second.patch, []);
  assert.deepEqual(second.applied, []);
  assert.ok(!second.warnings.some((warning) => warning.startsWith('kafka-guard applied defaults')));
}

describe('idempotence (property)', () => {
  it('StatefulSets: mutating the patched object yields an empty patch', () => {
    fc.assert(
      fc.property(statefulSet, defaultsSpec, facts, operation, (object, defaults, known, kind) => {
        assertIdempotent(object, contextFor(object, kind, defaults, known), mutateStatefulSet);
      }),
      { numRuns: 300 },
    );
  });

  it('Pods: mutating the patched object yields an empty patch', () => {
    const pod = podTemplate.map((template): Json => ({ apiVersion: 'v1', kind: 'Pod', ...JSON.parse(JSON.stringify(template)) }));
    fc.assert(
      fc.property(pod, defaultsSpec, facts, fc.constantFrom('CREATE', 'UPDATE same template'), (object, defaults, known, kind) => {
        assertIdempotent(object, contextFor(object, kind, defaults, known), mutatePod);
      }),
      { numRuns: 200 },
    );
  });
});
