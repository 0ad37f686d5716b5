import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseRecreationRecord,
  parseStorageSize,
  planResize,
  readClaimState,
  recreatedStatefulSet,
  templateStorage,
  type ClaimState,
  type ResizeInput,
} from './resize.js';

const GI = 2n ** 30n;

describe('parseStorageSize', () => {
  const cases: Array<[string, bigint | RegExp]> = [
    ['2Gi', 2n * GI],
    ['20G', 20_000_000_000n],
    ['21474836480', 20n * GI],
    ['1.5Gi', 3n * GI / 2n],
    [' 2Gi ', 2n * GI],
    ['2^31', /--storage "2\^31" is not a Kubernetes quantity; write a Kubernetes quantity, e.g. 20Gi, 500G or 21474836480$/],
    ['-1Gi', /--storage "-1Gi" is negative/],
    ['abc', /--storage "abc" is not a Kubernetes quantity/],
    ['2GB', /is not a Kubernetes quantity/],
    ['0', /--storage "0" is zero/],
    ['', /is not a Kubernetes quantity/],
    ['99999999999Ei', /2\^63 bytes or more/],
    ['1e30', /2\^63 bytes or more/],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} -> ${expected instanceof RegExp ? 'refused' : expected}`, () => {
      const parsed = parseStorageSize(text);
      if (expected instanceof RegExp) {
        assert.equal(parsed.ok, false);
        if (!parsed.ok) assert.match(parsed.error, expected);
      } else {
        assert.deepEqual(parsed, { ok: true, value: { bytes: expected, quantity: text.trim() } });
      }
    });
  }
});

function claim(ordinal: number, over: Partial<ClaimState> = {}): ClaimState {
  return {
    claim: `data-kafka-${ordinal}`,
    ordinal,
    pod: `kafka-${ordinal}`,
    broker: ordinal,
    exists: true,
    bound: true,
    storageClass: 'fast',
    requestBytes: GI,
    capacityBytes: GI,
    fileSystemResizePending: false,
    resizeFailure: null,
    ...over,
  };
}

function input(over: Partial<ResizeInput> = {}): ResizeInput {
  return {
    statefulSet: 'kafka',
    template: 'data',
    templateBytes: GI,
    target: { bytes: 2n * GI, quantity: '2Gi' },
    claims: [claim(0), claim(1), claim(2)],
    storageClasses: [
      { name: 'fast', allowVolumeExpansion: true, isDefault: true },
      { name: 'fixed', allowVolumeExpansion: false, isDefault: false },
    ],
    createFromRecord: false,
    ...over,
  };
}

describe('planResize', () => {
  const table: Array<[string, Partial<ResizeInput>, { kind: string; match?: RegExp; actions?: string[]; step?: string; restart?: string[] }]> = [
    ['1Gi -> 2Gi: every claim grows, the StatefulSet is re-created', {}, { kind: 'resize', actions: ['expand', 'expand', 'expand'], step: 'recreate', restart: [] }],
    ['a shrink is refused', { target: { bytes: GI / 2n, quantity: '512Mi' } }, { kind: 'refused', match: /asks for 1Gi; 512Mi is smaller, and Kubernetes cannot shrink a volume/ }],
    ['the same size with every claim there: nothing to do', { target: { bytes: GI, quantity: '1Gi' } }, { kind: 'nothing', match: /already 1Gi; nothing to do/ }],
    [
      'a claim larger than the new size is refused, naming it',
      { claims: [claim(0), claim(1, { requestBytes: 3n * GI, capacityBytes: 3n * GI }), claim(2)] },
      { kind: 'refused', match: /claim data-kafka-1 is already 3Gi, more than 2Gi; resize to at least 3Gi/ },
    ],
    [
      'a class without expansion is refused once, naming the class, its claims and the fix',
      { claims: [claim(0), claim(1, { storageClass: 'fixed' }), claim(2, { storageClass: 'fixed' })] },
      { kind: 'refused', match: /StorageClass fixed \(claims data-kafka-1, data-kafka-2\) does not allow volume expansion.*kubectl patch storageclass fixed -p '\{"allowVolumeExpansion": true\}'/ },
    ],
    ['a class that does not exist is refused', { claims: [claim(0, { storageClass: 'gone' })] }, { kind: 'refused', match: /names StorageClass gone, which does not exist/ }],
    ['an unbound claim is refused', { claims: [claim(0, { bound: false })] }, { kind: 'refused', match: /claim data-kafka-0 is not bound/ }],
    [
      'resumed: claims already asked for are waited for, one already pending restarts, the template is done',
      {
        templateBytes: 2n * GI,
        claims: [
          claim(0, { requestBytes: 2n * GI, capacityBytes: 2n * GI }),
          claim(1, { requestBytes: 2n * GI, fileSystemResizePending: true }),
          claim(2, { requestBytes: 2n * GI }),
        ],
      },
      { kind: 'resize', actions: ['done', 'resizing', 'resizing'], step: 'unchanged', restart: ['kafka-1'] },
    ],
    [
      'a class without expansion does not matter for a claim already asked for (the apiserver let it through)',
      { claims: [claim(0, { storageClass: 'fixed', requestBytes: 2n * GI })] },
      { kind: 'resize', actions: ['resizing'], step: 'recreate' },
    ],
    [
      'killed between delete and create: created from the record',
      { templateBytes: 2n * GI, createFromRecord: true, claims: [claim(0, { requestBytes: 2n * GI, capacityBytes: 2n * GI })] },
      { kind: 'resize', actions: ['done'], step: 'create-from-record' },
    ],
    [
      'a missing claim is made by the new template',
      { claims: [claim(0), claim(1, { exists: false, bound: false, storageClass: null, requestBytes: null, capacityBytes: null })] },
      { kind: 'resize', actions: ['expand', 'absent'], step: 'recreate' },
    ],
    [
      'a claim whose volume grew but whose file system did not is not done',
      { templateBytes: 2n * GI, claims: [claim(0, { requestBytes: 2n * GI, capacityBytes: 2n * GI, fileSystemResizePending: true })] },
      { kind: 'resize', actions: ['resizing'], step: 'unchanged', restart: ['kafka-0'] },
    ],
  ];
  for (const [name, over, expected] of table) {
    test(name, () => {
      const plan = planResize(input(over));
      assert.equal(plan.kind, expected.kind, JSON.stringify(plan, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
      if (plan.kind === 'refused' && expected.match) assert.match(plan.reasons.join('\n'), expected.match);
      if (plan.kind === 'nothing' && expected.match) assert.match(plan.note, expected.match);
      if (plan.kind === 'resize') {
        if (expected.actions) assert.deepEqual(plan.claims.map((c) => c.action), expected.actions);
        if (expected.step) assert.equal(plan.templateStep, expected.step);
        if (expected.restart) assert.deepEqual(plan.claims.filter((c) => c.restartPending).map((c) => c.pod), expected.restart);
        assert.equal(plan.templateTo, '2Gi');
      }
    });
  }
});

describe('readClaimState', () => {
  const at = { claim: 'data-kafka-0', ordinal: 0, pod: 'kafka-0', broker: 0 };
  test('a bound claim mid-resize', () => {
    const state = readClaimState(
      {
        spec: { storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } },
        status: { phase: 'Bound', capacity: { storage: '1Gi' }, conditions: [{ type: 'FileSystemResizePending', status: 'True' }] },
      },
      at,
    );
    assert.deepEqual(
      [state.exists, state.bound, state.requestBytes, state.capacityBytes, state.fileSystemResizePending, state.resizeFailure],
      [true, true, 2n * GI, GI, true, null],
    );
  });
  test('a failed resize says why', () => {
    const failed = readClaimState({ status: { phase: 'Bound', conditions: [{ type: 'ControllerResizeError', status: 'True', message: 'quota exceeded' }] } }, at);
    assert.equal(failed.resizeFailure, 'ControllerResizeError: quota exceeded');
    const infeasible = readClaimState({ status: { phase: 'Bound', allocatedResourceStatuses: { storage: 'ControllerResizeInfeasible' } } }, at);
    assert.equal(infeasible.resizeFailure, 'the resizer reports ControllerResizeInfeasible');
  });
  test('no claim', () => {
    assert.equal(readClaimState(null, at).exists, false);
  });
});

describe('recreatedStatefulSet', () => {
  const live = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: 'kafka',
      namespace: 'kafka',
      uid: 'u-1',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{}],
      deletionTimestamp: '2026-01-02T00:00:00Z',
      finalizers: ['orphan', 'example.com/keep'],
      labels: { app: 'kafka' },
      annotations: { 'kafkaguard.io/applied-defaults': 'pvcRetention' },
      ownerReferences: [{ kind: 'HelmRelease', name: 'kafka' }],
    },
    spec: {
      replicas: 3,
      template: { metadata: { labels: { app: 'kafka' } }, spec: { containers: [{ name: 'kafka', image: 'apache/kafka:4.1.1' }] } },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } },
        { metadata: { name: 'logs' }, spec: { resources: { requests: { storage: '5Gi' } } } },
      ],
    },
    status: { replicas: 3, collisionCount: 0 },
  };

  test('same object, new size on that template only, no server fields, no status, the pod template untouched', () => {
    const out = recreatedStatefulSet(live, 'data', '2Gi');
    assert.equal(out.status, undefined);
    for (const key of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp']) {
      assert.equal((out.metadata as Record<string, unknown>)[key], undefined, key);
    }
    assert.deepEqual(out.metadata.finalizers, ['example.com/keep']);
    assert.deepEqual(out.metadata.labels, live.metadata.labels);
    assert.deepEqual(out.metadata.annotations, live.metadata.annotations);
    assert.deepEqual(out.metadata.ownerReferences, live.metadata.ownerReferences);
    assert.deepEqual(out.spec.template, live.spec.template);
    assert.equal(templateStorage(out, 'data'), 2n * GI);
    assert.equal(templateStorage(out, 'logs'), 5n * GI);
    assert.equal(templateStorage(live, 'data'), GI, 'the live object is not changed');
  });

  test('an unknown template is an error', () => {
    assert.throws(() => recreatedStatefulSet(live, 'nope', '2Gi'), /has no volumeClaimTemplate nope/);
  });
});

test('parseRecreationRecord', () => {
  const record = { statefulSet: 'kafka', template: 'data', storage: '2Gi', uid: 'u', recordedAt: 'now', manifest: { kind: 'StatefulSet' } };
  assert.deepEqual(parseRecreationRecord(JSON.stringify(record)), record);
  assert.equal(parseRecreationRecord('{'), null);
  assert.equal(parseRecreationRecord(JSON.stringify({ ...record, manifest: null })), null);
  assert.equal(parseRecreationRecord(undefined), null);
});
