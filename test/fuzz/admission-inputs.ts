/**
 * Inputs for the admission fuzzer (webhook/app.fuzz.test.ts, issue 13 §3):
 * AdmissionReviews built from the committed fixtures, the same reviews
 * mutated (fields removed, wrong types, huge and negative numbers, deep
 * nesting, long and odd unicode strings, duplicate keys, wrong apiVersion,
 * kind or uid, objects of another kind), and bodies that are no review at all
 * (random bytes, other JSON, truncated or empty bodies), under random content
 * types and `?timeout=` values.
 *
 * fast-check generates small recipes (which fixture, which path, which value,
 * how long, how deep); the body is built from a recipe only when it is sent,
 * so a run holds one large body at a time. Each case says what the answer
 * must be: "review" when the envelope is untouched (only the objects inside
 * changed, which decoding does not look at), "rejected" when the body cannot
 * be a review, "either" when the envelope changed and the test's own reading
 * of the body decides (see `envelopeOf`).
 */
import fc from 'fast-check';
import { loadReview, type FixtureName, type Review } from '../fixtures/admission/load.js';
import { loadFixture } from '../fixtures/defaults/load.js';

export type Route = '/validate' | '/mutate';
/** What the answer to a case must be. */
export type Expect = 'review' | 'rejected' | 'either';
/** The families the one-line summary counts. */
export type Family = 'valid' | 'object-mutated' | 'envelope-mutated' | 'byte-mutated' | 'not-a-review';

export interface FuzzCase {
  family: Family;
  route: Route;
  /** '' or '?timeout=...' (the apiserver sends the registration's timeout this way). */
  query: string;
  /** null: no content-type header. */
  contentType: string | null;
  /** The content type is no media type: fastify refuses the body with 400 before reading it, whatever its size. */
  malformedContentType: boolean;
  /** Builds the body (a large one exists only while it is sent). */
  body(): string | Buffer;
  expect: Expect;
  /** The uid a 200 must echo, when the generator knows it (expect "review"). */
  uid: string | null;
  /** Which fake cluster answers (FUZZ_CLUSTERS in the test). */
  cluster: number;
  /** What was done, for a failure message (built only when asked for). */
  describe(): string;
}

type Path = ReadonlyArray<string | number>;

/** The element at `index` modulo the length (fast-check draws indexes before it knows which list they index). */
export function pick<T>(list: readonly T[], index: number): T {
  const item = list[index % list.length];
  if (item === undefined) throw new Error(`no element ${index} in a list of ${list.length}`);
  return item;
}
type Json = unknown;

interface Base {
  name: string;
  route: Route;
  review: Review;
  /** The review as JSON text. */
  text: string;
  uid: string;
  /** Every node under request.object / request.oldObject. */
  innerPaths: Path[];
  /** Nodes under request.object / request.oldObject the rules read most (replicas, sizes, names, labels, annotations). */
  hotPaths: Path[];
  /** Paths of object nodes (for duplicate keys), the review root included. */
  objectPaths: Path[];
}

const HOT_KEYS = new Set([
  'replicas', 'storage', 'memory', 'cpu', 'name', 'namespace', 'labels', 'annotations', 'ownerReferences', 'deletionTimestamp',
  'volumeClaimTemplates', 'resources', 'requests', 'limits', 'containers', 'env', 'value', 'image', 'selector', 'matchLabels',
  'persistentVolumeClaimRetentionPolicy', 'whenScaled', 'whenDeleted', 'deleteOptions', 'dryRun', 'spec', 'status', 'metadata',
  'brokers', 'idFrom', 'ordinal', 'offset', 'kafka', 'bootstrapServers', 'guards', 'mode', 'storageClassName', 'template', 'size',
  'volumes', 'capacity', 'terminationGracePeriodSeconds', 'updateStrategy', 'partition', 'nodeName', 'conditions',
]);

function walk(value: Json, path: Path, out: { paths: Path[]; objects: Path[] }): void {
  if (path.length > 0) out.paths.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], out));
  else if (typeof value === 'object' && value !== null) {
    out.objects.push(path);
    for (const [k, v] of Object.entries(value)) walk(v, [...path, k], out);
  }
}

/** Whether a change at `path` leaves the envelope alone (decoding reads nothing below request.object / request.oldObject). */
function insideObjects(path: Path, minDepth: number): boolean {
  return path.length >= minDepth && path[0] === 'request' && (path[1] === 'object' || path[1] === 'oldObject');
}

function makeBase(name: string, route: Route, review: Review): Base {
  const out = { paths: [] as Path[], objects: [] as Path[] };
  walk(review, [], out);
  const innerPaths = out.paths.filter((p) => insideObjects(p, 3));
  const hotPaths = innerPaths.filter((p) => HOT_KEYS.has(String(p[p.length - 1])));
  return { name, route, review, text: JSON.stringify(review), uid: String(review.request.uid), innerPaths, hotPaths, objectPaths: out.objects };
}

function fixture(name: FixtureName, edit?: (review: Review) => void): Review {
  const review = loadReview(name);
  edit?.(review);
  return review;
}

/** The reviews the fuzzer starts from: every committed fixture, plus variants the unit tests build the same way. */
export const BASES: readonly Base[] = [
  makeBase('eviction', '/validate', fixture('eviction')),
  makeBase('eviction dry run', '/validate', fixture('eviction', (r) => { r.request.object.deleteOptions = { dryRun: ['All'] }; })),
  makeBase('eviction kafka-0', '/validate', fixture('eviction', (r) => { r.request.name = 'kafka-0'; r.request.object.metadata.name = 'kafka-0'; })),
  makeBase('pod delete', '/validate', fixture('pod-delete')),
  makeBase('pod label edit', '/validate', fixture('pod-delete', (r) => {
    r.request.operation = 'UPDATE';
    r.request.object = structuredClone(r.request.oldObject);
    r.request.object.metadata.labels = { tier: 'kafka' };
  })),
  makeBase('statefulset scale-down', '/validate', fixture('sts-scale')),
  makeBase('scale subresource', '/validate', fixture('scale-subresource')),
  makeBase('pvc delete', '/validate', fixture('pvc-delete')),
  makeBase('pvc shrink', '/validate', fixture('pvc-delete', (r) => {
    r.request.operation = 'UPDATE';
    r.request.object = structuredClone(r.request.oldObject);
    r.request.object.spec.resources.requests.storage = '1Gi';
  })),
  makeBase('policy create', '/validate', fixture('policy-create')),
  makeBase('policy update', '/validate', fixture('policy-create', (r) => {
    r.request.operation = 'UPDATE';
    r.request.oldObject = structuredClone(r.request.object);
  })),
  makeBase('nodepool shrink', '/validate', fixture('sts-scale', (r) => {
    r.request.kind = { group: 'kafka.strimzi.io', version: 'v1beta2', kind: 'KafkaNodePool' };
    r.request.resource = { group: 'kafka.strimzi.io', version: 'v1beta2', resource: 'kafkanodepools' };
    r.request.name = 'brokers';
    const pool = (size: string) => ({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaNodePool',
      metadata: { name: 'brokers', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'kafka' } },
      spec: { replicas: 3, roles: ['broker'], storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size }] } },
    });
    r.request.oldObject = pool('100Gi');
    r.request.object = pool('50Gi');
  })),
  makeBase('pod create', '/validate', loadFixture('admission-review-pod-create')),
  makeBase('statefulset create', '/validate', loadFixture('admission-review-statefulset-create')),
  makeBase('pod create', '/mutate', loadFixture('admission-review-pod-create')),
  makeBase('statefulset create', '/mutate', loadFixture('admission-review-statefulset-create')),
];

/** The objects one fixture's request may be given in place of its own (a pod where a StatefulSet belongs, ...). */
const FOREIGN_OBJECTS: readonly Json[] = BASES.flatMap((b) => [b.review.request.object, b.review.request.oldObject]);

// ---- values ----

const NASTY_CONSTANTS: readonly Json[] = [
  null, true, false, 0, -0, 1, -1, 0.5, -0.5, 1e-7, 5e-324,
  2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e300, -1e300,
  Number.MAX_VALUE, -Number.MAX_VALUE,
  '', ' ', '0', '-1', '3', '2147483648', '9007199254740993', 'NaN', 'Infinity', '-Infinity', '1e400', 'true', 'null', '[]', '{}',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '0Gi', '-1Gi', '1e400Gi', '99999999999999999999999Ti', '1.5.5Gi', 'Gi', '100GiB', '0.000000001', '1E', '1Ei', '0x10',
  'kafka-0', 'kafka-1', 'kafka-9', 'kafka-', 'kafka--1', 'kafka-2147483648', 'kafka-1e3', '../kafka-1',
  [], {}, [null], [[]], [{}], ['All'], { '': '' }, { 'app.kubernetes.io/name': 'kafka' },
  '\u0000', '\u202e\u0644\u0627', '\u200b', '\ufeff', '\ud800', '\udc00', '\ud83e\udd84', 'e\u0301', '\u{10ffff}', 'a\nb\r\nc\td',
];

/**
 * Any code point, lone surrogates included. fast-check's own `unit: 'binary'`
 * builds a reverse map of every code point when first used (seconds).
 */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((point) => String.fromCodePoint(point));

const UNICODE_UNITS = ['x', 'ä', '\u4e2d', '\ud83e\udd84', '\u202e', '\u0000', '\ud800', 'e\u0301', '"', '\\', '/', '~1'];

/** A value a mutation writes: small ones as themselves, long strings and deep nesting as a size (built in `valueOf`). */
type ValueRecipe =
  | { k: 'const'; i: number }
  | { k: 'json'; v: Json }
  | { k: 'long'; unit: number; length: number }
  | { k: 'deep'; depth: number; array: boolean };

const valueRecipe: fc.Arbitrary<ValueRecipe> = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: NASTY_CONSTANTS.length - 1 }).map((i): ValueRecipe => ({ k: 'const', i })) },
  { weight: 2, arbitrary: fc.string({ unit: anyCodePoint, maxLength: 24 }).map((v): ValueRecipe => ({ k: 'json', v })) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(Number)).map((v): ValueRecipe => ({ k: 'json', v: Number.isFinite(v) ? v : 0 })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v): ValueRecipe => ({ k: 'json', v })) },
  {
    weight: 1,
    arbitrary: fc.record({
      unit: fc.nat({ max: UNICODE_UNITS.length - 1 }),
      // Mostly just past Kubernetes' name limits, sometimes up to 64 KiB, now and then past the app's 1 MiB body limit.
      length: fc.oneof(
        { weight: 100, arbitrary: fc.integer({ min: 254, max: 4_096 }) },
        { weight: 10, arbitrary: fc.integer({ min: 4_096, max: 65_536 }) },
        { weight: 1, arbitrary: fc.integer({ min: 200_000, max: 1_100_000 }) },
      ),
    }).map((r): ValueRecipe => ({ k: 'long', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      depth: fc.oneof(
        { weight: 20, arbitrary: fc.integer({ min: 2, max: 200 }) },
        { weight: 4, arbitrary: fc.integer({ min: 1_000, max: 10_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 100_000 }) },
      ),
      array: fc.boolean(),
    }).map((r): ValueRecipe => ({ k: 'deep', ...r })),
  },
);

// ---- mutations ----

type Mutation =
  | { op: 'remove'; at: number; hot: boolean }
  | { op: 'set'; at: number; hot: boolean; value: ValueRecipe }
  | { op: 'duplicate'; at: number; key: number; value: ValueRecipe; first: boolean }
  | { op: 'foreign-object'; field: 'object' | 'oldObject'; from: number }
  | { op: 'envelope'; field: number; value: number };

/** Envelope fields and values the apiserver would never send, beside some it would (another operation, name, kind). */
const ENVELOPE_EDITS: ReadonlyArray<readonly [Path, readonly Json[]]> = [
  [['apiVersion'], ['admission.k8s.io/v1beta1', 'admission.k8s.io/v2', 'v1', 'ADMISSION.K8S.IO/V1', '', null, 1, ['admission.k8s.io/v1']]],
  [['kind'], ['AdmissionResponse', 'admissionreview', 'Pod', '', null, {}]],
  [['request'], [null, [], 'request', 0, {}]],
  [['request', 'uid'], [undefined, '', null, 0, 2 ** 53, true, [], {}, ['a'], ' ', 'x'.repeat(300), '\ud800', '\u0000', 'uid-\u{1f984}']],
  [['request', 'operation'], ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'create', 'PATCH', '', undefined, null, 1]],
  [['request', 'kind'], [undefined, null, 'Pod', {}, { group: '', version: 'v1', kind: 'Pod' }, { group: 'apps', version: 'v1', kind: 'StatefulSet' }, { group: '', version: '', kind: '' }, { group: 1, version: 'v1', kind: 'Pod' }]],
  [['request', 'kind', 'kind'], ['Pod', 'Eviction', 'StatefulSet', 'Scale', 'PersistentVolumeClaim', 'KafkaGuardPolicy', 'KafkaNodePool', 'Deployment', '', '__proto__', 'x'.repeat(10_000)]],
  [['request', 'resource'], [undefined, null, 'pods', { group: '', version: 'v1', resource: 'pods' }, { group: 'apps', version: 'v1', resource: 'statefulsets' }, { group: '', version: 'v1', resource: 'persistentvolumeclaims' }, { group: 'kafkaguard.io', version: 'v1alpha1', resource: 'kafkaguardpolicies' }, { group: 'kafka.strimzi.io', version: 'v1beta2', resource: 'kafkanodepools' }, { group: 'apps', version: 'v1', resource: 'deployments' }, { group: 'x'.repeat(5_000), version: 'v1', resource: 'y'.repeat(5_000) }]],
  [['request', 'subResource'], [undefined, null, '', 'eviction', 'scale', 'status', 'binding', 1, []]],
  [['request', 'name'], [undefined, null, '', 'kafka-0', 'kafka-2', 'kafka-9', 'zookeeper-0', 1, 'x'.repeat(50_000), '\ud800']],
  [['request', 'namespace'], [undefined, null, '', 'default', 'kube-system', 'KAFKA', 1, {}, 'n'.repeat(50_000)]],
  [['request', 'userInfo'], [undefined, null, 'admin', [], {}, { username: 1 }, { username: 'system:serviceaccount:kube-system:statefulset-controller', groups: 'x' }, { groups: [1, null, 'system:masters'] }]],
  [['request', 'dryRun'], [undefined, null, true, 'true', 1, []]],
  [['request', 'options'], [undefined, null, 'x', [], { dryRun: ['All'] }, { dryRun: 'All' }, { dryRun: [] }]],
  [['request', 'object'], [null, 1, 'x', [], {}]],
  [['request', 'oldObject'], [null, 1, 'x', [], {}]],
];

const mutation = (envelope: boolean): fc.Arbitrary<Mutation> => {
  const inside = fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), at: fc.nat(), hot: fc.boolean() }) },
    { weight: 8, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), hot: fc.boolean(), value: valueRecipe }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), key: fc.nat(), value: valueRecipe, first: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('foreign-object' as const), field: fc.constantFrom('object' as const, 'oldObject' as const), from: fc.nat({ max: FOREIGN_OBJECTS.length - 1 }) }) },
  );
  if (!envelope) return inside;
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('envelope' as const), field: fc.nat({ max: ENVELOPE_EDITS.length - 1 }), value: fc.nat() }) },
    { weight: 1, arbitrary: inside },
  );
};

/** A body marker a value too long or too deep to build as an object is spliced in for, after JSON.stringify. */
const MARKER = '@@kafka-guard-fuzz@@';

interface Built {
  review: Json;
  /** Raw JSON texts to splice in for `"${MARKER}<n>"` (deep nesting) or `"${MARKER}<n>":0` (duplicate keys). */
  splices: string[];
  envelopeTouched: boolean;
  /** What each mutation did, described only for a failure message. */
  notes: Array<() => string>;
}

function valueOf(recipe: ValueRecipe, built: Built): Json {
  switch (recipe.k) {
    case 'const':
      return NASTY_CONSTANTS[recipe.i];
    case 'json':
      return recipe.v;
    case 'long':
      return (UNICODE_UNITS[recipe.unit] ?? 'x').repeat(recipe.length);
    case 'deep': {
      const [open, close] = recipe.array ? ['[', ']'] : ['{"a":', '}'];
      built.splices.push(`${open.repeat(recipe.depth)}${recipe.array ? '' : '1'}${close.repeat(recipe.depth)}`);
      return `${MARKER}${built.splices.length - 1}`;
    }
  }
}

function describeRecipe(recipe: ValueRecipe): string {
  switch (recipe.k) {
    case 'const': {
      const text = JSON.stringify(NASTY_CONSTANTS[recipe.i]) ?? 'undefined';
      return text.length > 40 ? `${text.slice(0, 40)}…(${text.length})` : text;
    }
    case 'json': {
      const text = JSON.stringify(recipe.v) ?? 'undefined';
      return text.length > 40 ? `${text.slice(0, 40)}…` : text;
    }
    case 'long':
      return `${JSON.stringify(UNICODE_UNITS[recipe.unit])} x ${recipe.length}`;
    case 'deep':
      return `${recipe.array ? 'arrays' : 'objects'} nested ${recipe.depth} deep`;
  }
}

/** Copies the containers along `path` (the base stays untouched) and returns the parent of its last step, or null when the path no longer exists. */
function parentFor(built: Built, path: Path): Record<string | number, Json> | null {
  if (path.length === 0) return null;
  const root = built.review;
  if (typeof root !== 'object' || root === null) return null;
  built.review = Array.isArray(root) ? [...root] : { ...root };
  let node = built.review as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) {
    const child = node[step];
    if (typeof child !== 'object' || child === null) return null;
    const copy = Array.isArray(child) ? [...child] : { ...(child as object) };
    node[step] = copy;
    node = copy as Record<string | number, Json>;
  }
  return node;
}

function pathText(path: Path): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1) || '(root)';
}

function apply(base: Base, built: Built, m: Mutation): void {
  switch (m.op) {
    case 'remove':
    case 'set': {
      const pool = m.hot && base.hotPaths.length > 0 ? base.hotPaths : base.innerPaths;
      const path = pool[m.at % pool.length];
      if (path === undefined) return;
      const parent = parentFor(built, path);
      if (parent === null) return;
      const last = path[path.length - 1] as string | number;
      if (m.op === 'remove') {
        if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
        else delete parent[last];
        built.notes.push(() => `removed ${pathText(path)}`);
      } else {
        parent[last] = valueOf(m.value, built);
        built.notes.push(() => `${pathText(path)} = ${describeRecipe(m.value)}`);
      }
      return;
    }
    case 'duplicate': {
      const path = base.objectPaths[m.at % base.objectPaths.length];
      if (path === undefined) return;
      let target: Record<string, Json> | null;
      if (path.length === 0) {
        built.review = { ...(built.review as object) };
        target = built.review as Record<string, Json>;
      } else {
        const parent = parentFor(built, [...path, '']);
        target = parent;
      }
      if (target === null || Array.isArray(target)) return;
      const keys = Object.keys(target);
      const key = keys[m.key % Math.max(1, keys.length)] ?? 'uid';
      const duplicate = `${JSON.stringify(key)}:${JSON.stringify(valueOf(m.value, built)) ?? 'null'}`;
      built.splices.push(duplicate);
      const marker = `${MARKER}${built.splices.length - 1}`;
      // Before the original (the original wins, as JSON.parse keeps the last) or after it (the duplicate wins).
      const entries = Object.entries(target);
      const rebuilt = Object.fromEntries(m.first ? [[marker, 0], ...entries] : [...entries, [marker, 0]]);
      for (const k of Object.keys(target)) delete target[k];
      Object.assign(target, rebuilt);
      if (!insideObjects(path, 2)) built.envelopeTouched = true;
      built.notes.push(() => `duplicate key ${JSON.stringify(key).slice(0, 40)} ${m.first ? 'before' : 'after'} the original in ${pathText(path)} = ${describeRecipe(m.value)}`);
      return;
    }
    case 'foreign-object': {
      const parent = parentFor(built, ['request', m.field]);
      if (parent === null) return;
      parent[m.field] = FOREIGN_OBJECTS[m.from] ?? null;
      const kind = (FOREIGN_OBJECTS[m.from] as { kind?: string } | null)?.kind ?? 'null';
      built.notes.push(() => `request.${m.field} = a ${kind} of another fixture`);
      return;
    }
    case 'envelope': {
      const [path, values] = pick(ENVELOPE_EDITS, m.field);
      const value = values[m.value % values.length];
      const parent = parentFor(built, path);
      if (parent === null) return;
      const last = path[path.length - 1] as string;
      if (value === undefined) delete parent[last];
      else parent[last] = value;
      built.envelopeTouched = true;
      const text = value === undefined ? 'removed' : (JSON.stringify(value) ?? '').slice(0, 40);
      built.notes.push(() => `${pathText(path)} = ${text}`);
      return;
    }
  }
}

function render(built: Built): string {
  let text = JSON.stringify(built.review);
  if (built.splices.length === 0) return text;
  text = text.replace(new RegExp(`"${MARKER}(\\d+)"(:0)?`, 'g'), (_whole, index: string) => built.splices[Number(index)] ?? 'null');
  return text;
}

// ---- transport ----

/** Content types that fastify reads as a media type: a review under any of them must be answered as a review. */
const USABLE_CONTENT_TYPES: ReadonlyArray<string | null> = [
  'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain',
  'application/octet-stream', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', null,
];
/** Header values that are not a media type at all; fastify refuses them before the parser (a 400). */
const MALFORMED_CONTENT_TYPES: readonly string[] = ['', ';;;', 'application/json;;', '\u00e9/x', 'a'.repeat(2_000), '/', 'json'];

const QUERIES = ['', '', '', '', '?timeout=3s', '?timeout=10s', '?timeout=1m0s', '?timeout=0', '?timeout=1ns', '?timeout=-3s', '?timeout=3', '?timeout=abc',
  `?timeout=${'9'.repeat(400)}s`, '?timeout=99999999999h', '?timeout=1.5s500ms', '?timeout=3s&timeout=5s', '?timeout[]=3s', '?timeout=%ZZ', '?=&&=', `?x=${'y'.repeat(5_000)}`];

const transport = fc.record({
  query: fc.constantFrom(...QUERIES),
  usable: fc.constantFrom(...USABLE_CONTENT_TYPES),
  malformed: fc.option(fc.constantFrom(...MALFORMED_CONTENT_TYPES), { freq: 20 }),
  otherRoute: fc.option(fc.constant(true), { freq: 10 }),
  cluster: fc.nat(),
});

type Transport = typeof transport extends fc.Arbitrary<infer T> ? T : never;

function routeOf(base: Base, t: Transport): Route {
  if (t.otherRoute === null) return base.route;
  return base.route === '/validate' ? '/mutate' : '/validate';
}

/** A case with the transport applied: a malformed content type or the other route makes any review "either". */
function finish(c: Omit<FuzzCase, 'query' | 'contentType' | 'malformedContentType' | 'cluster'>, t: Transport, clusters: number, baseRoute: boolean): FuzzCase {
  const contentType = t.malformed ?? t.usable;
  const changed = t.malformed !== null || (!baseRoute && c.expect === 'review');
  const notes = () => [c.describe(), ...(t.malformed === null ? [] : [`content-type ${JSON.stringify(t.malformed).slice(0, 30)}`]), ...(t.query === '' ? [] : [t.query.slice(0, 40)])];
  return {
    ...c,
    expect: changed && c.expect === 'review' ? 'either' : c.expect,
    query: t.query,
    contentType,
    malformedContentType: t.malformed !== null,
    cluster: t.cluster % clusters,
    describe: () => notes().join('; '),
  };
}

// ---- the cases ----

function reviewCase(family: Family, envelope: boolean, maxMutations: number, clusters: number): fc.Arbitrary<FuzzCase> {
  return fc
    .record({ base: fc.nat({ max: BASES.length - 1 }), mutations: fc.array(mutation(envelope), { minLength: maxMutations === 0 ? 0 : 1, maxLength: maxMutations }), t: transport })
    .map(({ base: index, mutations, t }) => {
      const base = pick(BASES, index);
      const route = routeOf(base, t);
      const built: Built = { review: base.review, splices: [], envelopeTouched: false, notes: [] };
      for (const m of mutations) apply(base, built, m);
      const intact = !built.envelopeTouched;
      return finish(
        {
          family: family === 'envelope-mutated' && intact ? 'object-mutated' : family,
          route,
          body: () => render(built),
          expect: intact ? 'review' : 'either',
          uid: intact ? base.uid : null,
          describe: () => `${base.name} on ${route}${built.notes.length === 0 ? ' as committed' : `: ${built.notes.map((note) => note()).join(', ')}`}`,
        },
        t,
        clusters,
        route === base.route,
      );
    });
}

/** Bytes changed in a committed review's text: the result may or may not still be a review. */
function byteMutatedCase(clusters: number): fc.Arbitrary<FuzzCase> {
  return fc
    .record({ base: fc.nat({ max: BASES.length - 1 }), edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), t: transport })
    .map(({ base: index, edits, t }) => {
      const base = pick(BASES, index);
      const body = (): Buffer => {
        const text = Buffer.from(base.text, 'utf8');
        for (const [at, byte] of edits) text[at % text.length] = byte;
        return text;
      };
      return finish({ family: 'byte-mutated', route: routeOf(base, t), body, expect: 'either', uid: null, describe: () => `${base.name}: ${edits.length} byte(s) changed` }, t, clusters, true);
    });
}

const GARBAGE_KINDS = ['random bytes', 'random text', 'other JSON', 'truncated review', 'empty body', 'byte order mark', 'JSON of a review in a string', 'two reviews'] as const;

/** Bodies that are no AdmissionReview: each must get a 4xx. */
function notAReviewCase(clusters: number): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      kind: fc.nat({ max: GARBAGE_KINDS.length - 1 }),
      bytes: fc.uint8Array({ maxLength: 2_048 }),
      text: fc.string({ unit: anyCodePoint, maxLength: 256 }),
      json: fc.jsonValue({ maxDepth: 4 }),
      base: fc.nat({ max: BASES.length - 1 }),
      cut: fc.nat(),
      t: transport,
      route: fc.constantFrom('/validate' as const, '/mutate' as const),
    })
    .map(({ kind, bytes, text, json, base: index, cut, t, route }) => {
      const base = pick(BASES, index);
      const reviewText = base.text;
      const name = GARBAGE_KINDS[kind] ?? 'random bytes';
      let body: string | Buffer;
      switch (name) {
        case 'random bytes': body = Buffer.from(bytes); break;
        case 'random text': body = text; break;
        case 'other JSON': body = JSON.stringify(json) ?? 'null'; break;
        // A prefix of an object's text without its closing brace is never JSON.
        case 'truncated review': body = reviewText.slice(0, cut % (reviewText.length - 1)); break;
        case 'empty body': body = ''; break;
        case 'byte order mark': body = `\ufeff${reviewText}`; break;
        case 'JSON of a review in a string': body = JSON.stringify(reviewText); break;
        case 'two reviews': body = `${reviewText}${reviewText}`; break;
      }
      return finish({ family: 'not-a-review', route, body: () => body, expect: 'rejected', uid: null, describe: () => `${name} (${Buffer.byteLength(body)} bytes) on ${route}` }, t, clusters, true);
    });
}

/**
 * Every kind of input, weighted: half the cases untouched (10%) or with only
 * their objects changed (40%), a quarter with the envelope changed (some of
 * those leave it intact after all and count as object-mutated), 5% with
 * bytes overwritten, a fifth no review at all. `clusters` is how many fake
 * clusters the test serves the cases from.
 */
export function fuzzCases(clusters: number): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 10, arbitrary: reviewCase('valid', false, 0, clusters) },
    { weight: 40, arbitrary: reviewCase('object-mutated', false, 4, clusters) },
    { weight: 25, arbitrary: reviewCase('envelope-mutated', true, 4, clusters) },
    { weight: 5, arbitrary: byteMutatedCase(clusters) },
    { weight: 20, arbitrary: notAReviewCase(clusters) },
  );
}

/** What an AdmissionReview envelope must be for the webhook to decide it, read independently of webhook/admission/decode.ts. */
export function envelopeOf(body: string | Buffer): { review: true; uid: string } | { review: false; why: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return { review: false, why: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { review: false, why: 'not a JSON object' };
  const r = parsed as Record<string, unknown>;
  if (r['apiVersion'] !== 'admission.k8s.io/v1' || r['kind'] !== 'AdmissionReview') return { review: false, why: 'not an admission.k8s.io/v1 AdmissionReview' };
  const request = r['request'];
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return { review: false, why: 'no request object' };
  const uid = (request as Record<string, unknown>)['uid'];
  if (typeof uid !== 'string' || uid === '') return { review: false, why: 'no uid' };
  return { review: true, uid };
}
