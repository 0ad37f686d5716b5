/** The engine around the defaults: results, patches, errors, opt-outs, UPDATE rules and fact warnings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jsonPatch from 'fast-json-patch';
import { ANNOTATIONS } from '../../shared/policy/types.js';
import { context, defaultsSpec, loadFixture } from '../../test/fixtures/defaults/load.js';
import { DEFAULTS, mutatePod, mutateStatefulSet } from './mutate.js';
import { DEFAULT_NAMES, type DefaultsContext, type DefaultsFacts, type MutationResult } from './types.js';

type Json = Record<string, any>;

function okResult(result: MutationResult): Extract<MutationResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result;
}

function applied(object: Json, result: MutationResult): Json {
  return jsonPatch.applyPatch(structuredClone(object), okResult(result).patch, true, false).newDocument;
}

const APPLIED_WARNING = 'kafka-guard applied defaults:';

describe('the realistic broker StatefulSet', () => {
  it('gets the defaults it lacks and keeps everything the user set', () => {
    const statefulSet = loadFixture('broker-statefulset');
    const result = okResult(mutateStatefulSet(statefulSet, context()));
    assert.deepEqual(result.applied, [
      'antiAffinity',
      'zoneSpread',
      'rackAwareness',
      'terminationGracePeriod',
      'safeToEvictAnnotation',
      'resources',
      'kafkaSettings',
      'readinessProbe',
    ]);
    // The apiserver already defaulted the update strategy and retention policy, and the user set min.insync.replicas.
    const after = applied(statefulSet, result);
    assert.deepEqual(after['spec'].updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    const env: Json[] = after['spec'].template.spec.containers[0].env;
    assert.equal(env.filter((variable) => variable['name'] === 'KAFKA_MIN_INSYNC_REPLICAS').length, 1);
    assert.deepEqual(env.slice(-5).map((variable) => variable['name']), [
      'KAFKA_BROKER_RACK',
      'KAFKA_HEAP_OPTS',
      'KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE',
      'KAFKA_CONTROLLED_SHUTDOWN_ENABLE',
      'KAFKA_DEFAULT_REPLICATION_FACTOR',
    ]);
    assert.equal(env.find((variable) => variable['name'] === 'KAFKA_HEAP_OPTS')?.['value'], '-Xms4096m -Xmx4096m');
    assert.ok(result.warnings[0]?.startsWith(APPLIED_WARNING));
  });

  it('touches only the broker container of the pod template and the annotations', () => {
    const statefulSet = loadFixture('broker-statefulset');
    const { patch } = okResult(mutateStatefulSet(statefulSet, context()));
    for (const operation of patch) {
      assert.match(operation.path, /^\/(spec\/template\/spec\/(containers\/0\/|affinity|topologySpreadConstraints|terminationGracePeriodSeconds)|spec\/template\/metadata\/annotations\/|metadata\/annotations\/)/);
    }
  });

  it('escapes the / of annotation keys in the patch', () => {
    const statefulSet = loadFixture('broker-statefulset');
    const { patch } = okResult(mutateStatefulSet(statefulSet, context()));
    const paths = patch.map((operation) => operation.path);
    assert.ok(paths.includes('/metadata/annotations/kafkaguard.io~1applied-defaults'), paths.join('\n'));
    assert.ok(paths.includes('/spec/template/metadata/annotations/cluster-autoscaler.kubernetes.io~1safe-to-evict'));
    assert.ok(!paths.some((path) => path.includes('kafkaguard.io/')), 'no unescaped key');
    const after = applied(statefulSet, okResult(mutateStatefulSet(statefulSet, context())));
    assert.equal(after['spec'].template.metadata.annotations['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'false');
  });

  it('records the applied defaults on the StatefulSet and on its pod template', () => {
    const statefulSet = loadFixture('bare-statefulset');
    const after = applied(statefulSet, mutateStatefulSet(statefulSet, context()));
    assert.equal(
      after['metadata'].annotations[ANNOTATIONS.appliedDefaults],
      'antiAffinity,kafkaSettings,pvcRetention,rackAwareness,readinessProbe,safeToEvictAnnotation,terminationGracePeriod,updateStrategy,zoneSpread',
    );
    // The template (and so every Pod) lists only what was put into the template.
    assert.equal(
      after['spec'].template.metadata.annotations[ANNOTATIONS.appliedDefaults],
      'antiAffinity,kafkaSettings,rackAwareness,readinessProbe,safeToEvictAnnotation,terminationGracePeriod,zoneSpread',
    );
  });

  it('adds to an applied-defaults record that is already there', () => {
    const statefulSet = loadFixture('bare-statefulset');
    statefulSet['metadata'].annotations = { [ANNOTATIONS.appliedDefaults]: 'zoneSpread,olderDefault' };
    const after = applied(statefulSet, mutateStatefulSet(statefulSet, context()));
    assert.ok(after['metadata'].annotations[ANNOTATIONS.appliedDefaults].startsWith('antiAffinity,kafkaSettings,olderDefault,pvcRetention'));
  });

  it('does not modify its input', () => {
    const statefulSet = loadFixture('broker-statefulset');
    mutateStatefulSet(statefulSet, context());
    assert.deepEqual(statefulSet, loadFixture('broker-statefulset'));
  });
});

describe('idempotence on the fixtures', () => {
  const cases: Array<[string, Json, (object: Json, ctx: DefaultsContext) => MutationResult]> = [
    ['broker StatefulSet', loadFixture('broker-statefulset'), mutateStatefulSet],
    ['bare StatefulSet', loadFixture('bare-statefulset'), mutateStatefulSet],
    ['broker Pod', loadFixture('broker-pod'), mutatePod],
    ['StatefulSet from the AdmissionReview fixture', loadFixture('admission-review-statefulset-create')['request'].object, mutateStatefulSet],
    ['Pod from the AdmissionReview fixture', loadFixture('admission-review-pod-create')['request'].object, mutatePod],
  ];
  for (const [description, object, mutate] of cases) {
    it(`${description}: a second pass changes nothing and announces nothing`, () => {
      const first = okResult(mutate(object, context()));
      assert.ok(first.patch.length > 0);
      const second = okResult(mutate(applied(object, first), context()));
      assert.deepEqual(second.patch, []);
      assert.deepEqual(second.applied, []);
      assert.ok(!second.warnings.some((warning) => warning.startsWith(APPLIED_WARNING)));
    });
  }
});

describe('malformed objects', () => {
  const statefulSet = (change: (object: Json) => void): Json => {
    const object = loadFixture('bare-statefulset');
    change(object);
    return object;
  };
  const cases: Array<[description: string, object: unknown, message: RegExp]> = [
    ['null', null, /the object must be an object, got null/],
    ['an array', [], /the object must be an object, got an array/],
    ['no spec', statefulSet((object) => delete object['spec']), /malformed StatefulSet: spec must be an object, got nothing \(the field is missing\)/],
    ['no spec.template', statefulSet((object) => delete object['spec'].template), /spec\.template must be an object, got nothing/],
    ['no spec.template.spec', statefulSet((object) => delete object['spec'].template.spec), /spec\.template\.spec must be an object/],
    ['containers not an array', statefulSet((object) => (object['spec'].template.spec.containers = { name: 'kafka' })), /spec\.template\.spec\.containers must be an array, got an object/],
    ['containers empty', statefulSet((object) => (object['spec'].template.spec.containers = [])), /spec\.template\.spec\.containers must be a non-empty array of containers, got an array/],
    ['a container without a name', statefulSet((object) => (object['spec'].template.spec.containers = [{ image: 'x' }])), /spec\.template\.spec\.containers\[0\]\.name must be a string/],
    ['env not an array', statefulSet((object) => (object['spec'].template.spec.containers[0].env = 'A=1')), /spec\.template\.spec\.containers\[0\]\.env must be an array, got the string "A=1"/],
    ['an env entry without a name', statefulSet((object) => (object['spec'].template.spec.containers[0].env = [{ value: '1' }])), /containers\[0\]\.env\[0\]\.name must be a string/],
    ['labels not a map of strings', statefulSet((object) => (object['spec'].template.metadata.labels = { app: 1 })), /spec\.template\.metadata\.labels\["app"\] must be a string, got number 1/],
    ['annotations not an object', statefulSet((object) => (object['metadata'].annotations = ['a'])), /metadata\.annotations must be an object, got an array/],
    ['replicas a string', statefulSet((object) => (object['spec'].replicas = '3')), /spec\.replicas must be an integer, got the string "3"/],
    ['replicas negative', statefulSet((object) => (object['spec'].replicas = -1)), /spec\.replicas must be at least 0, got number -1/],
    ['volumeClaimTemplates not an array', statefulSet((object) => (object['spec'].volumeClaimTemplates = {})), /spec\.volumeClaimTemplates must be an array/],
    ['affinity an array', statefulSet((object) => (object['spec'].template.spec.affinity = [])), /default antiAffinity failed: spec\.template\.spec\.affinity must be an object, got an array/],
    ['topologySpreadConstraints with a string', statefulSet((object) => (object['spec'].template.spec.topologySpreadConstraints = ['zone'])), /default zoneSpread failed: spec\.template\.spec\.topologySpreadConstraints\[0\] must be an object/],
  ];
  for (const [description, object, message] of cases) {
    it(`StatefulSet with ${description}: an error naming the field, and no patch`, () => {
      const result = mutateStatefulSet(object as object, context());
      assert.equal(result.ok, false);
      assert.ok(!('patch' in result));
      if (!result.ok) assert.match(result.error, message);
    });
  }

  it('a Pod without containers', () => {
    const result = mutatePod({ metadata: { labels: { 'app.kubernetes.io/name': 'kafka' } }, spec: {} }, context());
    assert.deepEqual(result, {
      ok: false,
      error: 'kafka-guard cannot apply defaults to this Pod: malformed Pod: spec.containers must be a non-empty array of containers, got nothing (the field is missing)',
    });
  });

  it('a broker container name the pod does not have', () => {
    const result = mutateStatefulSet(loadFixture('bare-statefulset'), context({ containerName: 'broker' }));
    assert.deepEqual(result, {
      ok: false,
      error:
        'kafka-guard cannot apply defaults to this StatefulSet: container "broker" (the policy\'s spec.brokers.containerName) ' +
        'is not in spec.template.spec.containers (found: kafka): fix the policy or the pod spec',
    });
  });
});

describe('switches and opt-outs', () => {
  it('the policy master switch turns every default off but keeps the warnings', () => {
    const defaults = { ...defaultsSpec(), enabled: false };
    const facts: DefaultsFacts = { pdbCoversBrokers: false, storageClasses: null, schedulableNodeCount: null };
    const result = okResult(mutateStatefulSet(loadFixture('broker-statefulset'), context({ defaults, facts })));
    assert.deepEqual(result.patch, []);
    assert.deepEqual(result.applied, []);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? '', /no PodDisruptionBudget/);
  });

  it('leaves objects that are not brokers alone, without warnings', () => {
    const statefulSet = loadFixture('bare-statefulset');
    statefulSet['spec'].template.metadata.labels = { 'app.kubernetes.io/name': 'zookeeper' };
    const facts: DefaultsFacts = { pdbCoversBrokers: false, storageClasses: [], schedulableNodeCount: 0 };
    assert.deepEqual(mutateStatefulSet(statefulSet, context({ facts })), { ok: true, patch: [], applied: [], warnings: [] });
  });

  it('"all" skips every default', () => {
    const statefulSet = loadFixture('bare-statefulset');
    statefulSet['spec'].template.metadata.annotations = { [ANNOTATIONS.skipDefaults]: 'all' };
    const result = okResult(mutateStatefulSet(statefulSet, context()));
    assert.deepEqual(result.patch, []);
  });

  it('warns about names it does not know', () => {
    const statefulSet = loadFixture('bare-statefulset');
    statefulSet['spec'].template.metadata.annotations = { [ANNOTATIONS.skipDefaults]: 'antiAfinity' };
    const result = okResult(mutateStatefulSet(statefulSet, context()));
    assert.ok(result.applied.includes('antiAffinity'));
    assert.ok(result.warnings.some((warning) => warning.startsWith(`${ANNOTATIONS.skipDefaults} names unknown defaults (antiAfinity); known: all, antiAffinity,`)));
  });

  it('warns when the opt-out is on the StatefulSet only, since Pods will not see it', () => {
    const statefulSet = loadFixture('bare-statefulset');
    statefulSet['metadata'].annotations = { [ANNOTATIONS.skipDefaults]: 'antiAffinity' };
    const onlyOnStatefulSet = okResult(mutateStatefulSet(statefulSet, context()));
    assert.ok(onlyOnStatefulSet.warnings.some((warning) => warning.includes('set it on the pod template too')));

    statefulSet['spec'].template.metadata.annotations = { [ANNOTATIONS.skipDefaults]: 'antiAffinity' };
    const onBoth = okResult(mutateStatefulSet(statefulSet, context()));
    assert.ok(!onBoth.warnings.some((warning) => warning.includes('set it on the pod template too')));
  });
});

describe('UPDATE', () => {
  const templateOps = (result: MutationResult): string[] => okResult(result).patch.map((operation) => operation.path).filter((path) => path.startsWith('/spec/template'));

  it('does not touch the pod template when the update leaves it unchanged (that would restart every broker)', () => {
    const statefulSet = loadFixture('bare-statefulset');
    const oldObject = loadFixture('bare-statefulset');
    oldObject['spec'].replicas = 5;
    const result = okResult(mutateStatefulSet(statefulSet, context({ operation: 'UPDATE', oldObject })));
    assert.deepEqual(templateOps(result), []);
    assert.deepEqual(result.applied, ['pvcRetention', 'updateStrategy']);
    const after = applied(statefulSet, result);
    assert.equal(after['metadata'].annotations[ANNOTATIONS.appliedDefaults], 'pvcRetention,updateStrategy');
    assert.ok(
      result.warnings.some((warning) =>
        warning.startsWith('kafka-guard did not apply antiAffinity, zoneSpread, rackAwareness, terminationGracePeriod, safeToEvictAnnotation, kafkaSettings, readinessProbe to spec.template'),
      ),
      result.warnings.join('\n'),
    );
  });

  it('treats an UPDATE without oldObject the same way', () => {
    const result = mutateStatefulSet(loadFixture('bare-statefulset'), context({ operation: 'UPDATE' }));
    assert.deepEqual(templateOps(result), []);
  });

  it('applies template defaults when the update changes the template anyway', () => {
    const statefulSet = loadFixture('bare-statefulset');
    statefulSet['spec'].template.spec.containers[0].image = 'apache/kafka:4.0.0';
    const result = okResult(mutateStatefulSet(statefulSet, context({ operation: 'UPDATE', oldObject: loadFixture('bare-statefulset') })));
    assert.ok(templateOps(result).length > 0);
    assert.ok(result.applied.includes('antiAffinity'));
    assert.ok(!result.warnings.some((warning) => warning.includes('did not apply')));
  });

  it('changes only the annotations of a Pod (the apiserver refuses spec changes)', () => {
    const pod = loadFixture('broker-pod');
    const result = okResult(mutatePod(pod, context({ operation: 'UPDATE', oldObject: loadFixture('broker-pod') })));
    assert.deepEqual(result.applied, ['safeToEvictAnnotation']);
    for (const operation of result.patch) assert.match(operation.path, /^\/metadata\/annotations\//);
  });
});

describe('warnings from facts', () => {
  const facts = (changes: Partial<DefaultsFacts>): DefaultsFacts => ({ pdbCoversBrokers: null, storageClasses: null, schedulableNodeCount: null, ...changes });
  const storageClass = (name: string, allowVolumeExpansion: boolean, isDefault = false) => ({ name, allowVolumeExpansion, isDefault });
  const brokerWithClaim = (storageClassName?: string): Json => {
    const statefulSet = loadFixture('bare-statefulset');
    statefulSet['spec'].volumeClaimTemplates = [
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, ...(storageClassName === undefined ? {} : { storageClassName }) } },
    ];
    return statefulSet;
  };
  const warningsFor = (object: Json, known: DefaultsFacts, ctx: Partial<DefaultsContext> = {}): string[] =>
    okResult(mutateStatefulSet(object, context({ facts: known, ...ctx }))).warnings.filter((warning) => !warning.startsWith('kafka-guard '));

  const cases: Array<[description: string, object: Json, known: DefaultsFacts, expected: RegExp | null, ctx?: Partial<DefaultsContext>]> = [
    ['no PDB', brokerWithClaim('fast'), facts({ pdbCoversBrokers: false }), /^no PodDisruptionBudget selects the broker pods/],
    ['a PDB', brokerWithClaim('fast'), facts({ pdbCoversBrokers: true }), null],
    ['a class without expansion', brokerWithClaim('fast'), facts({ storageClasses: [storageClass('fast', false)] }), /^volumeClaimTemplate data uses StorageClass fast, which has allowVolumeExpansion false/],
    ['a class with expansion', brokerWithClaim('fast'), facts({ storageClasses: [storageClass('fast', true)] }), null],
    ['a class that does not exist', brokerWithClaim('fast'), facts({ storageClasses: [storageClass('slow', true)] }), /StorageClass fast, which does not exist/],
    ['the default class without expansion', brokerWithClaim(), facts({ storageClasses: [storageClass('standard', false, true)] }), /uses the default StorageClass standard, which has allowVolumeExpansion false/],
    ['the default class with expansion', brokerWithClaim(), facts({ storageClasses: [storageClass('standard', true, true)] }), null],
    ['no class at all ("")', brokerWithClaim(''), facts({ storageClasses: [storageClass('standard', false, true)] }), null],
    ['storage classes unknown', brokerWithClaim('fast'), facts({}), null],
    [
      'required anti-affinity with too few nodes',
      brokerWithClaim('fast'),
      facts({ schedulableNodeCount: 2 }),
      /^required pod anti-affinity allows one broker per node, but only 2 schedulable node\(s\) exist for 3 replicas/,
      { defaults: { ...defaultsSpec(), antiAffinity: { enabled: true, mode: 'required' } } },
    ],
    ['required anti-affinity with enough nodes', brokerWithClaim('fast'), facts({ schedulableNodeCount: 3 }), null, { defaults: { ...defaultsSpec(), antiAffinity: { enabled: true, mode: 'required' } } }],
    ['preferred anti-affinity with too few nodes', brokerWithClaim('fast'), facts({ schedulableNodeCount: 1 }), null],
    ['node count unknown', brokerWithClaim('fast'), facts({}), null, { defaults: { ...defaultsSpec(), antiAffinity: { enabled: true, mode: 'required' } } }],
  ];
  for (const [description, object, known, expected, ctx] of cases) {
    it(`${description}: ${expected === null ? 'no warning' : 'a warning'}`, () => {
      const warnings = warningsFor(object, known, ctx);
      if (expected === null) assert.deepEqual(warnings, []);
      else assert.ok(warnings.length === 1 && expected.test(warnings[0] ?? ''), warnings.join('\n'));
    });
  }

  it('fewer replicas than the replication factor', () => {
    const statefulSet = brokerWithClaim('fast');
    statefulSet['spec'].replicas = 2;
    assert.deepEqual(warningsFor(statefulSet, facts({})), [
      'spec.replicas is 2, fewer than replication factor 3: partitions cannot keep 3 copies, so one broker down can leave partitions offline or below min.insync.replicas.',
    ]);
  });

  it('a user-written required anti-affinity counts too', () => {
    const statefulSet = brokerWithClaim('fast');
    statefulSet['spec'].template.spec.affinity = {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'kubernetes.io/hostname' }] },
    };
    assert.equal(warningsFor(statefulSet, facts({ schedulableNodeCount: 1 })).length, 1);
  });

  it('a Pod gets the PDB warning only', () => {
    const result = okResult(mutatePod(loadFixture('broker-pod'), context({ facts: facts({ pdbCoversBrokers: false, storageClasses: [], schedulableNodeCount: 0 }) })));
    assert.deepEqual(result.warnings.filter((warning) => !warning.startsWith('kafka-guard ')).map((warning) => warning.slice(0, 30)), ['no PodDisruptionBudget selects']);
  });
});

describe('the list of defaults', () => {
  it('has one definition per DefaultsSpec entry, in DEFAULT_NAMES order', () => {
    assert.deepEqual(DEFAULTS.map((definition) => definition.name), DEFAULT_NAMES);
  });
});
