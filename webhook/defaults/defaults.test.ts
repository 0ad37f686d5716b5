/**
 * One table per default, run through the public entry points on the bare
 * fixture: an unset field gets the default; a field the user set is left
 * alone; the policy switch and the skip annotation turn it off. Then each
 * default's own rules.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jsonPatch from 'fast-json-patch';
import { ANNOTATIONS } from '../../shared/policy/types.js';
import { context, defaultsSpec, loadFixture } from '../../test/fixtures/defaults/load.js';
import { mutatePod, mutateStatefulSet } from './mutate.js';
import type { DefaultName, DefaultsContext, MutationResult, TargetKind } from './types.js';

type Json = Record<string, any>;

const BROKER_SELECTOR = { matchLabels: { 'app.kubernetes.io/name': 'kafka' } };
const ZONE_FIELD_PATH = "metadata.labels['topology.kubernetes.io/zone']";

/** The bare StatefulSet, or a Pod made from its template. */
function bareObject(kind: TargetKind): Json {
  const statefulSet = loadFixture('bare-statefulset');
  if (kind === 'StatefulSet') return statefulSet;
  const template = statefulSet['spec'].template;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kafka-0', namespace: 'kafka', ...template.metadata }, spec: template.spec };
}

/** The pod template of a StatefulSet, or the Pod itself. */
function podOf(object: Json): Json {
  return object['kind'] === 'StatefulSet' ? object['spec'].template : object;
}

function brokerOf(object: Json): Json {
  return podOf(object)['spec'].containers[0];
}

function envVar(object: Json, name: string): Json | undefined {
  return (brokerOf(object)['env'] ?? []).find((variable: Json) => variable['name'] === name);
}

function run(kind: TargetKind, object: Json, ctx: DefaultsContext = context()): MutationResult {
  return kind === 'StatefulSet' ? mutateStatefulSet(object, ctx) : mutatePod(object, ctx);
}

/** Runs a mutation and returns the patched object (asserting the call succeeded). */
function mutateAndApply(kind: TargetKind, object: Json, ctx: DefaultsContext = context()): { result: Extract<MutationResult, { ok: true }>; after: Json } {
  const result = run(kind, object, ctx);
  assert.ok(result.ok, result.ok ? '' : result.error);
  const after = jsonPatch.applyPatch(structuredClone(object), result.patch, true, false).newDocument;
  return { result, after };
}

function withDefault(name: DefaultName, change: (spec: Json) => void): DefaultsContext {
  const defaults = defaultsSpec();
  change(defaults[name] as Json);
  return context({ defaults });
}

interface DefaultTable {
  name: DefaultName;
  kinds: TargetKind[];
  /** Setup the default needs to have something to do (e.g. a memory limit). */
  prepare?: (object: Json) => void;
  /** The user's own value for the field the default writes. */
  setByUser: (object: Json) => void;
  /** The field(s) the default writes. */
  read: (object: Json) => unknown;
  expected: (kind: TargetKind) => unknown;
}

const KAFKA_SETTING_NAMES = ['KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE', 'KAFKA_CONTROLLED_SHUTDOWN_ENABLE', 'KAFKA_DEFAULT_REPLICATION_FACTOR', 'KAFKA_MIN_INSYNC_REPLICAS'];

const tables: DefaultTable[] = [
  {
    name: 'antiAffinity',
    kinds: ['StatefulSet', 'Pod'],
    setByUser: (object) => {
      podOf(object)['spec'].affinity = {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'other' } }, topologyKey: 'kubernetes.io/hostname' }] },
      };
    },
    read: (object) => podOf(object)['spec'].affinity,
    expected: () => ({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: BROKER_SELECTOR, topologyKey: 'kubernetes.io/hostname' } }],
      },
    }),
  },
  {
    name: 'zoneSpread',
    kinds: ['StatefulSet', 'Pod'],
    setByUser: (object) => {
      podOf(object)['spec'].topologySpreadConstraints = [
        { maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: BROKER_SELECTOR },
      ];
    },
    read: (object) => podOf(object)['spec'].topologySpreadConstraints,
    expected: () => [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: BROKER_SELECTOR }],
  },
  {
    name: 'rackAwareness',
    kinds: ['StatefulSet', 'Pod'],
    setByUser: (object) => {
      brokerOf(object)['env'] = [{ name: 'KAFKA_BROKER_RACK', value: 'rack-7' }];
    },
    read: (object) => envVar(object, 'KAFKA_BROKER_RACK'),
    expected: () => ({ name: 'KAFKA_BROKER_RACK', valueFrom: { fieldRef: { fieldPath: ZONE_FIELD_PATH } } }),
  },
  {
    name: 'terminationGracePeriod',
    kinds: ['StatefulSet', 'Pod'],
    setByUser: (object) => {
      podOf(object)['spec'].terminationGracePeriodSeconds = 300;
    },
    read: (object) => podOf(object)['spec'].terminationGracePeriodSeconds,
    expected: () => 120,
  },
  {
    name: 'pvcRetention',
    kinds: ['StatefulSet'],
    setByUser: (object) => {
      object['spec'].persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
    },
    read: (object) => object['spec'].persistentVolumeClaimRetentionPolicy,
    expected: () => ({ whenDeleted: 'Retain', whenScaled: 'Retain' }),
  },
  {
    name: 'updateStrategy',
    kinds: ['StatefulSet'],
    setByUser: (object) => {
      object['spec'].updateStrategy = { type: 'OnDelete' };
    },
    read: (object) => object['spec'].updateStrategy,
    expected: () => ({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }),
  },
  {
    name: 'safeToEvictAnnotation',
    kinds: ['StatefulSet', 'Pod'],
    setByUser: (object) => {
      podOf(object)['metadata'].annotations = { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' };
    },
    read: (object) => podOf(object)['metadata'].annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict'],
    expected: () => 'false',
  },
  {
    name: 'resources',
    kinds: ['StatefulSet', 'Pod'],
    prepare: (object) => {
      brokerOf(object)['resources'] = { limits: { memory: '2Gi' } };
    },
    setByUser: (object) => {
      brokerOf(object)['resources'].requests = { memory: '1Gi' };
      brokerOf(object)['env'] = [{ name: 'KAFKA_HEAP_OPTS', value: '-Xms768m -Xmx768m' }];
    },
    read: (object) => ({ requests: brokerOf(object)['resources'].requests, heap: envVar(object, 'KAFKA_HEAP_OPTS') }),
    expected: () => ({ requests: { memory: '2Gi' }, heap: { name: 'KAFKA_HEAP_OPTS', value: '-Xms1024m -Xmx1024m' } }),
  },
  {
    name: 'kafkaSettings',
    kinds: ['StatefulSet', 'Pod'],
    setByUser: (object) => {
      brokerOf(object)['env'] = KAFKA_SETTING_NAMES.map((name) => ({ name, value: 'user-value' }));
    },
    read: (object) => KAFKA_SETTING_NAMES.map((name) => envVar(object, name)).filter((variable) => variable !== undefined),
    expected: (kind) => [
      { name: 'KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE', value: 'false' },
      { name: 'KAFKA_CONTROLLED_SHUTDOWN_ENABLE', value: 'true' },
      // A Pod does not say how many brokers there are: the size-dependent settings come only from a StatefulSet of 3+.
      ...(kind === 'StatefulSet'
        ? [
            { name: 'KAFKA_DEFAULT_REPLICATION_FACTOR', value: '3' },
            { name: 'KAFKA_MIN_INSYNC_REPLICAS', value: '2' },
          ]
        : []),
    ],
  },
  {
    name: 'readinessProbe',
    kinds: ['StatefulSet', 'Pod'],
    setByUser: (object) => {
      brokerOf(object)['readinessProbe'] = { exec: { command: ['kafka-ready.sh'] } };
    },
    read: (object) => brokerOf(object)['readinessProbe'],
    expected: () => ({ tcpSocket: { port: 9092 } }),
  },
];

for (const table of tables) {
  describe(`default ${table.name}`, () => {
    for (const kind of table.kinds) {
      const prepared = (): Json => {
        const object = bareObject(kind);
        table.prepare?.(object);
        return object;
      };

      it(`${kind}: an unset field gets the default`, () => {
        const { result, after } = mutateAndApply(kind, prepared());
        assert.ok(result.applied.includes(table.name), `applied: ${result.applied.join(',')}`);
        assert.deepEqual(table.read(after), table.expected(kind));
      });

      it(`${kind}: a field the user set is left alone`, () => {
        const object = prepared();
        table.setByUser(object);
        const before = structuredClone(table.read(object));
        const { result, after } = mutateAndApply(kind, object);
        assert.ok(!result.applied.includes(table.name));
        assert.deepEqual(table.read(after), before);
      });

      it(`${kind}: the policy switch turns it off`, () => {
        const object = prepared();
        const before = structuredClone(table.read(object));
        const { result, after } = mutateAndApply(kind, object, withDefault(table.name, (spec) => (spec['enabled'] = false)));
        assert.ok(!result.applied.includes(table.name));
        assert.deepEqual(table.read(after), before);
        assert.ok(result.applied.length > 0, 'the other defaults still apply');
      });

      it(`${kind}: the ${ANNOTATIONS.skipDefaults} annotation turns it off`, () => {
        const object = prepared();
        podOf(object)['metadata'].annotations = { [ANNOTATIONS.skipDefaults]: `readinessProbe, ${table.name}` };
        const before = structuredClone(table.read(object));
        const { result, after } = mutateAndApply(kind, object);
        assert.ok(!result.applied.includes(table.name));
        assert.deepEqual(table.read(after), before);
      });
    }

    if (table.kinds.includes('StatefulSet')) {
      it('StatefulSet: the annotation on the StatefulSet itself turns it off too', () => {
        const object = bareObject('StatefulSet');
        table.prepare?.(object);
        object['metadata'].annotations = { [ANNOTATIONS.skipDefaults]: table.name };
        const before = structuredClone(table.read(object));
        const { result, after } = mutateAndApply('StatefulSet', object);
        assert.ok(!result.applied.includes(table.name));
        assert.deepEqual(table.read(after), before);
      });
    }
  });
}

describe('antiAffinity rules', () => {
  it('required mode puts a required term on the hostname', () => {
    const { after } = mutateAndApply('StatefulSet', bareObject('StatefulSet'), withDefault('antiAffinity', (spec) => (spec['mode'] = 'required')));
    assert.deepEqual(podOf(after)['spec'].affinity.podAntiAffinity, {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: BROKER_SELECTOR, topologyKey: 'kubernetes.io/hostname' }],
    });
  });

  it('keeps the node affinity next to it', () => {
    const object = bareObject('StatefulSet');
    const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['kafka'] }] }] } };
    podOf(object)['spec'].affinity = { nodeAffinity };
    const { result, after } = mutateAndApply('StatefulSet', object);
    assert.deepEqual(podOf(after)['spec'].affinity.nodeAffinity, nodeAffinity);
    assert.ok(podOf(after)['spec'].affinity.podAntiAffinity);
    assert.ok(result.patch.some((operation) => operation.path === '/spec/template/spec/affinity/podAntiAffinity'), 'adds only the new member');
  });

  it('counts an empty podAntiAffinity as the user\'s choice', () => {
    const object = bareObject('StatefulSet');
    podOf(object)['spec'].affinity = { podAntiAffinity: {} };
    const { result } = mutateAndApply('StatefulSet', object);
    assert.ok(!result.applied.includes('antiAffinity'));
  });

  it('uses the pod values of the keys the broker selector names', () => {
    const object = bareObject('StatefulSet');
    podOf(object)['metadata'].labels = { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'orders', team: 'x' };
    const brokerSelector = { matchLabels: { 'app.kubernetes.io/name': 'kafka' }, matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'Exists' as const }] };
    const { after } = mutateAndApply('StatefulSet', object, context({ brokerSelector }));
    assert.deepEqual(podOf(after)['spec'].affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector, {
      matchLabels: { 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/name': 'kafka' },
    });
  });
});

describe('zoneSpread rules', () => {
  it('adds the zone constraint after a hostname constraint', () => {
    const object = bareObject('StatefulSet');
    const hostname = { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: BROKER_SELECTOR };
    podOf(object)['spec'].topologySpreadConstraints = [hostname];
    const { after } = mutateAndApply('StatefulSet', object);
    const constraints = podOf(after)['spec'].topologySpreadConstraints;
    assert.deepEqual(constraints[0], hostname);
    assert.equal(constraints[1].topologyKey, 'topology.kubernetes.io/zone');
  });

  it('takes maxSkew and whenUnsatisfiable from the policy', () => {
    const ctx = withDefault('zoneSpread', (spec) => Object.assign(spec, { maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' }));
    const { after } = mutateAndApply('StatefulSet', bareObject('StatefulSet'), ctx);
    assert.equal(podOf(after)['spec'].topologySpreadConstraints[0].maxSkew, 2);
    assert.equal(podOf(after)['spec'].topologySpreadConstraints[0].whenUnsatisfiable, 'DoNotSchedule');
  });

  it('refuses a maxSkew below 1 naming the policy field', () => {
    const result = mutateStatefulSet(bareObject('StatefulSet'), withDefault('zoneSpread', (spec) => (spec['maxSkew'] = 0)));
    assert.ok(!result.ok);
    assert.match(result.error, /default zoneSpread failed: policy spec\.defaults\.zoneSpread\.maxSkew must be an integer of at least 1, got number 0/);
  });
});

describe('rackAwareness rules', () => {
  const conventions: Array<['apache' | 'bitnami' | 'none', string]> = [
    ['apache', 'KAFKA_BROKER_RACK'],
    ['bitnami', 'KAFKA_CFG_BROKER_RACK'],
    ['none', 'KAFKAGUARD_ZONE'],
  ];
  for (const [convention, name] of conventions) {
    it(`${convention} image: ${name} from the pod's zone label`, () => {
      const { after } = mutateAndApply('StatefulSet', bareObject('StatefulSet'), withDefault('kafkaSettings', (spec) => (spec['envConvention'] = convention)));
      assert.deepEqual(envVar(after, name), { name, valueFrom: { fieldRef: { fieldPath: ZONE_FIELD_PATH } } });
    });
  }

  it('does not inject into a container with envFrom, and says why', () => {
    const object = bareObject('StatefulSet');
    brokerOf(object)['envFrom'] = [{ configMapRef: { name: 'kafka-env' } }];
    const { result, after } = mutateAndApply('StatefulSet', object);
    assert.ok(!result.applied.includes('rackAwareness'));
    assert.equal(envVar(after, 'KAFKA_BROKER_RACK'), undefined);
    assert.ok(result.warnings.some((warning) => warning.includes('KAFKA_BROKER_RACK (rackAwareness)') && warning.includes('ConfigMap kafka-env')));
  });
});

describe('terminationGracePeriod rules', () => {
  it('raises a lower value and says so', () => {
    const object = bareObject('StatefulSet');
    podOf(object)['spec'].terminationGracePeriodSeconds = 30;
    const { result, after } = mutateAndApply('StatefulSet', object);
    assert.equal(podOf(after)['spec'].terminationGracePeriodSeconds, 120);
    assert.ok(result.warnings.some((warning) => warning.includes('raised spec.template.spec.terminationGracePeriodSeconds from 30, which is also the Kubernetes default, to the policy minimum 120')));
  });

  it('names the Kubernetes default only when the value is 30', () => {
    const object = bareObject('StatefulSet');
    podOf(object)['spec'].terminationGracePeriodSeconds = 60;
    const { result } = mutateAndApply('StatefulSet', object);
    assert.ok(result.warnings.includes(
      'kafka-guard raised spec.template.spec.terminationGracePeriodSeconds from 60 to the policy minimum 120: ' +
        'a broker needs the time to move leadership away and flush its logs before it is killed.',
    ));
  });

  it('leaves an equal value alone', () => {
    const object = bareObject('StatefulSet');
    podOf(object)['spec'].terminationGracePeriodSeconds = 120;
    const { result } = mutateAndApply('StatefulSet', object);
    assert.ok(!result.applied.includes('terminationGracePeriod'));
  });

  it('sets an unset value without a "raised" warning', () => {
    const { result } = mutateAndApply('StatefulSet', bareObject('StatefulSet'));
    assert.ok(!result.warnings.some((warning) => warning.includes('raised')));
  });

  it('refuses a non-integer grace period naming the field', () => {
    const object = bareObject('StatefulSet');
    podOf(object)['spec'].terminationGracePeriodSeconds = '30';
    const result = mutateStatefulSet(object, context());
    assert.ok(!result.ok);
    assert.match(result.error, /spec\.template\.spec\.terminationGracePeriodSeconds must be an integer, got the string "30"/);
  });
});

describe('pvcRetention and updateStrategy rules', () => {
  it('fills only the unset half of the retention policy', () => {
    const object = bareObject('StatefulSet');
    object['spec'].persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete' };
    const { result, after } = mutateAndApply('StatefulSet', object);
    assert.ok(result.applied.includes('pvcRetention'));
    assert.deepEqual(after['spec'].persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Delete', whenScaled: 'Retain' });
  });

  it('leaves a RollingUpdate with a partition alone', () => {
    const object = bareObject('StatefulSet');
    object['spec'].updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
    const { after } = mutateAndApply('StatefulSet', object);
    assert.deepEqual(after['spec'].updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
  });
});

describe('resources rules', () => {
  const heapFor = (limit: unknown, percent = 50, env: Json[] = [], extra: Json = {}): { result: MutationResult; after: Json } => {
    const object = bareObject('StatefulSet');
    Object.assign(brokerOf(object), { resources: { limits: { memory: limit } }, env, ...extra });
    const result = mutateStatefulSet(object, withDefault('resources', (spec) => (spec['heapPercentOfLimit'] = percent)));
    const after = result.ok ? jsonPatch.applyPatch(structuredClone(object), result.patch, true, false).newDocument : object;
    return { result, after };
  };

  const heaps: Array<[limit: unknown, percent: number, heap: string]> = [
    ['2Gi', 50, '-Xms1024m -Xmx1024m'],
    ['3Gi', 50, '-Xms1536m -Xmx1536m'],
    // 1500 MB is 1430.51 MiB: 50% rounds down to 715.
    ['1500M', 50, '-Xms715m -Xmx715m'],
    ['8Gi', 25, '-Xms2048m -Xmx2048m'],
    ['1Gi', 33.3, '-Xms340m -Xmx340m'],
    [4294967296, 50, '-Xms2048m -Xmx2048m'],
  ];
  for (const [limit, percent, heap] of heaps) {
    it(`${percent}% of ${String(limit)} is ${heap}`, () => {
      assert.deepEqual(envVar(heapFor(limit, percent).after, 'KAFKA_HEAP_OPTS'), { name: 'KAFKA_HEAP_OPTS', value: heap });
    });
  }

  const heapAlreadySet: Array<[description: string, env: Json[], extra?: Json]> = [
    ['-Xmx in KAFKA_OPTS', [{ name: 'KAFKA_OPTS', value: '-Dfoo=bar -Xmx3g' }]],
    ['-Xmx in JAVA_OPTS', [{ name: 'JAVA_OPTS', value: '-Xmx3g' }]],
    ['KAFKA_OPTS from a ConfigMap (unreadable here)', [{ name: 'KAFKA_OPTS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'opts' } } }]],
    ['-Xmx on the command line', [], { args: ['java', '-Xmx2g', 'kafka.Kafka'] }],
  ];
  for (const [description, env, extra] of heapAlreadySet) {
    it(`sets no heap when the user chose one: ${description}`, () => {
      const { after } = heapFor('4Gi', 50, env, extra);
      assert.equal(envVar(after, 'KAFKA_HEAP_OPTS'), undefined);
      assert.equal(brokerOf(after)['resources'].requests.memory, '4Gi', 'the memory request is still filled in');
    });
  }

  it('keeps a KAFKA_OPTS without -Xmx and adds the heap', () => {
    const { after } = heapFor('4Gi', 50, [{ name: 'KAFKA_OPTS', value: '-Dfoo=bar' }]);
    assert.equal(envVar(after, 'KAFKA_HEAP_OPTS')?.['value'], '-Xms2048m -Xmx2048m');
    assert.equal(envVar(after, 'KAFKA_OPTS')?.['value'], '-Dfoo=bar');
  });

  it('does nothing without a memory limit', () => {
    const object = bareObject('StatefulSet');
    brokerOf(object)['resources'] = { requests: { memory: '1Gi' } };
    const { result } = mutateAndApply('StatefulSet', object);
    assert.ok(!result.applied.includes('resources'));
  });

  it('leaves a lower memory request as it is', () => {
    const object = bareObject('StatefulSet');
    brokerOf(object)['resources'] = { requests: { memory: '1Gi' }, limits: { memory: '4Gi' } };
    const { after } = mutateAndApply('StatefulSet', object);
    assert.equal(brokerOf(after)['resources'].requests.memory, '1Gi');
  });

  it('refuses a malformed memory limit, naming the field, with no patch', () => {
    const { result } = heapFor('2GB');
    assert.deepEqual(result, {
      ok: false,
      error:
        'kafka-guard cannot apply defaults to this StatefulSet: default resources failed: spec.template.spec.containers[0] ("kafka").resources.limits.memory ' +
        'must be a Kubernetes quantity such as 2Gi, 1500M or 2147483648, got the string "2GB"',
    });
  });

  it('refuses a heap percentage outside (0, 100]', () => {
    const { result } = heapFor('2Gi', 0);
    assert.ok(!result.ok);
    assert.match(result.error, /spec\.defaults\.resources\.heapPercentOfLimit must be a number above 0 and at most 100, got number 0/);
  });

  it('uses the container the policy names', () => {
    const object = bareObject('StatefulSet');
    podOf(object)['spec'].containers = [
      { name: 'exporter', image: 'exporter', resources: { limits: { memory: '256Mi' } } },
      { name: 'broker', image: 'apache/kafka:3.9.1', resources: { limits: { memory: '2Gi' } } },
    ];
    const { after } = mutateAndApply('StatefulSet', object, context({ containerName: 'broker' }));
    const [exporter, broker] = podOf(after)['spec'].containers;
    assert.equal(exporter.env, undefined);
    assert.equal(exporter.resources.requests, undefined);
    assert.equal(broker.resources.requests.memory, '2Gi');
    assert.ok(broker.env.some((variable: Json) => variable['name'] === 'KAFKA_HEAP_OPTS'));
  });
});

describe('kafkaSettings rules', () => {
  it('sets only the size-independent settings below three replicas', () => {
    const object = bareObject('StatefulSet');
    object['spec'].replicas = 2;
    const { after } = mutateAndApply('StatefulSet', object);
    assert.deepEqual(
      KAFKA_SETTING_NAMES.filter((name) => envVar(after, name) !== undefined),
      ['KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE', 'KAFKA_CONTROLLED_SHUTDOWN_ENABLE'],
    );
  });

  it('treats unset replicas as 1 (the Kubernetes default)', () => {
    const object = bareObject('StatefulSet');
    delete object['spec'].replicas;
    const { after } = mutateAndApply('StatefulSet', object);
    assert.equal(envVar(after, 'KAFKA_MIN_INSYNC_REPLICAS'), undefined);
  });

  it('uses the bitnami names', () => {
    const { after } = mutateAndApply('StatefulSet', bareObject('StatefulSet'), withDefault('kafkaSettings', (spec) => (spec['envConvention'] = 'bitnami')));
    assert.equal(envVar(after, 'KAFKA_CFG_UNCLEAN_LEADER_ELECTION_ENABLE')?.['value'], 'false');
    assert.equal(envVar(after, 'KAFKA_CFG_MIN_INSYNC_REPLICAS')?.['value'], '2');
    assert.equal(envVar(after, 'KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE'), undefined);
  });

  it('injects nothing with the none convention', () => {
    const { result } = mutateAndApply('StatefulSet', bareObject('StatefulSet'), withDefault('kafkaSettings', (spec) => (spec['envConvention'] = 'none')));
    assert.ok(!result.applied.includes('kafkaSettings'));
  });

  it('never overrides a variable the user set, and adds the others', () => {
    const object = bareObject('StatefulSet');
    brokerOf(object)['env'] = [{ name: 'KAFKA_MIN_INSYNC_REPLICAS', value: '1' }];
    const { after } = mutateAndApply('StatefulSet', object);
    assert.equal(envVar(after, 'KAFKA_MIN_INSYNC_REPLICAS')?.['value'], '1');
    assert.equal(envVar(after, 'KAFKA_DEFAULT_REPLICATION_FACTOR')?.['value'], '3');
    assert.equal(brokerOf(after)['env'].filter((variable: Json) => variable['name'] === 'KAFKA_MIN_INSYNC_REPLICAS').length, 1);
  });

  it('does not inject next to envFrom, and names the variables it left out', () => {
    const object = bareObject('StatefulSet');
    brokerOf(object)['envFrom'] = [{ secretRef: { name: 'kafka-secrets' } }];
    const { result } = mutateAndApply('StatefulSet', object);
    assert.ok(!result.applied.includes('kafkaSettings'));
    const warning = result.warnings.find((line) => line.includes('(kafkaSettings)'));
    assert.ok(warning?.includes('KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE') && warning.includes('Secret kafka-secrets'), warning);
  });
});

describe('readinessProbe rules', () => {
  it('probes the policy port', () => {
    const { after } = mutateAndApply('StatefulSet', bareObject('StatefulSet'), withDefault('readinessProbe', (spec) => (spec['port'] = 9094)));
    assert.deepEqual(brokerOf(after)['readinessProbe'], { tcpSocket: { port: 9094 } });
  });
});
