/**
 * parsePolicy: an untrusted object (from the apiserver, an AdmissionReview or a
 * file) in, a complete typed KafkaGuardPolicy out, or every problem found, each
 * with its path, its value and what to do.
 *
 * Two layers: ajv checks the shape against the CRD schema (schema.ts, the same
 * one the apiserver uses) and fills the schema's defaults, so defaults cannot
 * drift from the CRD; then semantic checks cover what the schema cannot say or
 * says badly (the CEL rules, selector syntax, host:port, topic patterns).
 * Unlike the apiserver, which prunes unknown fields, parsePolicy reports them:
 * a typo such as `gaurds` should not silently leave the guards at defaults.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { labelKeyProblem, labelValueProblem } from '../k8s/selector.js';
import {
  ID_SOURCE_MEMBERS,
  policySpecSchema,
  policyStatusSchema,
  type SchemaNode,
} from './schema.js';
import {
  POLICY_GROUP,
  POLICY_KIND,
  POLICY_VERSION,
  type KafkaGuardPolicy,
  type KafkaGuardPolicySpec,
} from './types.js';

/** One problem with a policy. */
export interface PolicyError {
  /** Where, e.g. `spec.kafka.bootstrapServers[1]`; "" for the object as a whole. */
  path: string;
  /** The value found there (undefined when missing). */
  value: unknown;
  /** What is allowed or what to do. */
  message: string;
}

export type ParsePolicyResult = { ok: true; policy: KafkaGuardPolicy } | { ok: false; errors: PolicyError[] };

const API_VERSION = `${POLICY_GROUP}/${POLICY_VERSION}` as const;

/** Validates a KafkaGuardPolicy and fills every default; never throws and never mutates its input. */
export function parsePolicy(obj: unknown): ParsePolicyResult {
  if (!isRecord(obj)) {
    return fail([
      {
        path: '',
        value: obj,
        message: `a ${POLICY_KIND} must be an object with apiVersion ${API_VERSION}, kind ${POLICY_KIND}, metadata and spec; got ${kindOfValue(obj)}`,
      },
    ]);
  }
  let candidate: Record<string, unknown>;
  try {
    candidate = structuredClone(obj);
  } catch (error) {
    return fail([{ path: '', value: obj, message: `a ${POLICY_KIND} must be plain JSON data: ${String(error)}` }]);
  }
  // List responses and hand-built objects may leave these out; what is there must be right.
  candidate.apiVersion ??= API_VERSION;
  candidate.kind ??= POLICY_KIND;

  const validateShape = shapeValidator();
  validateShape(candidate); // fills the schema defaults into candidate
  const semantic = semanticErrors(candidate);
  const shape = shapeErrors(validateShape.errors ?? [], candidate, semantic);
  const errors = uniqueErrors([...shape, ...semantic]).sort((a, b) => compareStrings(a.path, b.path));
  if (errors.length > 0) return fail(errors);
  return { ok: true, policy: typedPolicy(candidate) };
}

/** Errors as lines for a person: the policy name (when given), then one `path: value: message` per problem. */
export function formatPolicyErrors(errors: readonly PolicyError[], policyName?: string): string {
  const subject = policyName === undefined ? POLICY_KIND : `${POLICY_KIND} ${policyName}`;
  const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
  const lines = errors.map((error) => `  - ${error.path === '' ? '(the object)' : error.path} = ${showValue(error.value)}: ${error.message}`);
  return [`${subject} is invalid (${count}):`, ...lines].join('\n');
}

function fail(errors: PolicyError[]): ParsePolicyResult {
  return { ok: false, errors };
}

/** The validated candidate as the typed policy; only called when no check failed. */
function typedPolicy(candidate: Record<string, unknown>): KafkaGuardPolicy {
  const metadata = isRecord(candidate.metadata) ? candidate.metadata : {};
  const policy: KafkaGuardPolicy = {
    apiVersion: API_VERSION,
    kind: POLICY_KIND,
    metadata: {
      name: String(metadata.name),
      namespace: String(metadata.namespace),
      ...(typeof metadata.uid === 'string' ? { uid: metadata.uid } : {}),
      ...(typeof metadata.resourceVersion === 'string' ? { resourceVersion: metadata.resourceVersion } : {}),
      ...(typeof metadata.generation === 'number' ? { generation: metadata.generation } : {}),
    },
    // The shape validator has checked spec and status against the schema, whose
    // enums and field lists are tied to types.ts at compile time (schema.ts).
    spec: candidate.spec as KafkaGuardPolicySpec,
  };
  if (candidate.status !== undefined) policy.status = candidate.status as KafkaGuardPolicy['status'];
  return policy;
}

// ---------------------------------------------------------------------------
// Shape: ajv against the CRD schema

let compiledShapeValidator: ValidateFunction | undefined;

/** Compiled on first use so that importing this module stays cheap for commands that never parse a policy. */
function shapeValidator(): ValidateFunction {
  compiledShapeValidator ??= new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    formats: { 'date-time': RFC3339_DATE_TIME },
  }).compile(validationSchema());
  return compiledShapeValidator;
}

const RFC3339_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

/** The CRD schema with unknown fields refused and the apiserver-only keywords left out, plus the envelope. */
function validationSchema(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { type: 'string', enum: [API_VERSION] },
      kind: { type: 'string', enum: [POLICY_KIND] },
      metadata: {
        type: 'object',
        required: ['name', 'namespace'],
        properties: {
          name: { type: 'string', minLength: 1, description: 'The policy name.' },
          namespace: {
            type: 'string',
            minLength: 1,
            description: 'The namespace of the policy, which is the namespace of the broker pods it guards.',
          },
          uid: { type: 'string' },
          resourceVersion: { type: 'string' },
          generation: { type: 'integer' },
        },
      },
      spec: refusingUnknownFields(policySpecSchema),
      status: refusingUnknownFields(policyStatusSchema),
    },
  };
}

function refusingUnknownFields(node: SchemaNode): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword.startsWith('x-kubernetes-')) continue; // enforced by the apiserver; the CEL rules are semantic checks here
    copy[keyword] = value;
  }
  if (node.properties !== undefined) {
    copy.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, child]) => [name, refusingUnknownFields(child)]),
    );
    if (node['x-kubernetes-preserve-unknown-fields'] !== true) copy.additionalProperties = false;
  }
  if (node.items !== undefined) copy.items = refusingUnknownFields(node.items);
  if (node.additionalProperties !== undefined) copy.additionalProperties = refusingUnknownFields(node.additionalProperties);
  return copy;
}

/**
 * One error per field: a semantic check on the same field says it better (e.g.
 * host:port instead of a regex), and a wrong type makes the field's other
 * complaints (enum, range) noise.
 */
function shapeErrors(errors: readonly ErrorObject[], root: unknown, semantic: readonly PolicyError[]): PolicyError[] {
  const converted = errors.map((error) => ({ keyword: error.keyword, error: shapeError(error, root) }));
  const covered = new Set(semantic.map((error) => error.path));
  const wrongType = new Set(converted.filter((entry) => entry.keyword === 'type').map((entry) => entry.error.path));
  return converted
    .filter((entry) => !covered.has(entry.error.path))
    .filter((entry) => entry.keyword === 'type' || !wrongType.has(entry.error.path))
    .map((entry) => entry.error);
}

function shapeError(error: ErrorObject, root: unknown): PolicyError {
  const at = pointerSegments(error.instancePath, root);
  const parent = isRecord(error.parentSchema) ? error.parentSchema : {};
  const params: Record<string, unknown> = error.params;
  switch (error.keyword) {
    case 'required': {
      const field = String(params.missingProperty);
      const description = descriptionOf(propertySchema(parent, field));
      return { path: renderPath([...at, field]), value: undefined, message: `is required${description ? `: ${description}` : ''}` };
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = isRecord(parent.properties) ? Object.keys(parent.properties) : [];
      const value = isRecord(error.data) ? error.data[field] : undefined;
      const suggestion = closestName(field, known);
      const message =
        known.length === 0
          ? 'is not a known field; this object takes no fields'
          : `is not a known field${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; the fields here are ${known.join(', ')}`;
      return { path: renderPath([...at, field]), value, message };
    }
    case 'type': {
      const nullable = parent.nullable === true ? ' or null' : '';
      const message = `must be ${withArticle(String(params.type))}${nullable}, not ${kindOfValue(error.data)}`;
      return { path: renderPath(at), value: error.data, message: message + yamlBooleanHint(error.data, parent.enum) };
    }
    case 'enum':
      return { path: renderPath(at), value: error.data, message: `must be one of ${listOf(params.allowedValues)}` };
    case 'minimum':
    case 'maximum':
      return { path: renderPath(at), value: error.data, message: rangeMessage(parent) };
    case 'minLength':
      return { path: renderPath(at), value: error.data, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'maxLength':
      return { path: renderPath(at), value: error.data, message: `must be at most ${String(params.limit)} characters long` };
    case 'minItems':
      return { path: renderPath(at), value: error.data, message: `must list at least ${String(params.limit)} ${params.limit === 1 ? 'entry' : 'entries'}` };
    case 'maxItems':
      return { path: renderPath(at), value: error.data, message: `must list at most ${String(params.limit)} entries` };
    case 'pattern':
      return { path: renderPath(at), value: error.data, message: `must match the pattern ${String(params.pattern)}` };
    case 'format':
      return { path: renderPath(at), value: error.data, message: 'must be an RFC 3339 date-time, e.g. 2025-01-31T12:00:00Z' };
    default:
      return { path: renderPath(at), value: error.data, message: error.message ?? `fails the schema keyword ${error.keyword}` };
  }
}

/** The known name within two edits of a typo (gaurds -> guards), if exactly one is that close. */
function closestName(typo: string, known: readonly string[]): string | undefined {
  const close = known.filter((name) => editDistance(typo.toLowerCase(), name.toLowerCase()) <= 2);
  return close.length === 1 ? close[0] : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * YAML 1.1, which kubectl reads, turns an unquoted Off/On/Yes/No into a
 * boolean; when the field's enum holds such a word, say how to quote it.
 */
function yamlBooleanHint(value: unknown, allowed: unknown): string {
  if (typeof value !== 'boolean' || !Array.isArray(allowed)) return '';
  const words = value ? YAML11_TRUE : YAML11_FALSE;
  const meant = allowed.find((candidate) => typeof candidate === 'string' && words.has(candidate.toLowerCase()));
  return typeof meant === 'string' ? `; YAML reads an unquoted ${meant} as ${String(value)}, so quote it: "${meant}"` : '';
}

const YAML11_TRUE = new Set(['y', 'yes', 'on', 'true']);
const YAML11_FALSE = new Set(['n', 'no', 'off', 'false']);

function propertySchema(parent: Record<string, unknown>, field: string): unknown {
  return isRecord(parent.properties) ? parent.properties[field] : undefined;
}

function descriptionOf(schema: unknown): string | undefined {
  return isRecord(schema) && typeof schema.description === 'string' ? schema.description : undefined;
}

function rangeMessage(schema: Record<string, unknown>): string {
  const integer = schema.type === 'integer' ? 'an integer' : 'a number';
  const { minimum, maximum } = schema;
  if (typeof minimum === 'number' && typeof maximum === 'number') return `must be ${integer} from ${minimum} to ${maximum}`;
  if (typeof minimum === 'number') return `must be ${integer} of at least ${minimum}`;
  return `must be ${integer} of at most ${String(maximum)}`;
}

// ---------------------------------------------------------------------------
// Semantics: what the schema's CEL rules and patterns say, with better messages

type PathSegment = string | number;

function semanticErrors(policy: Record<string, unknown>): PolicyError[] {
  const errors: PolicyError[] = [];
  const report = (at: PathSegment[], value: unknown, message: string): void => {
    errors.push({ path: renderPath(at), value, message });
  };
  const spec = policy.spec;
  if (!isRecord(spec)) return errors;

  if (isRecord(spec.brokers)) {
    checkSelector(spec.brokers.selector, ['spec', 'brokers', 'selector'], report);
    checkIdFrom(spec.brokers.idFrom, ['spec', 'brokers', 'idFrom'], report);
  }
  if (isRecord(spec.kafka) && Array.isArray(spec.kafka.bootstrapServers)) {
    const servers: unknown[] = spec.kafka.bootstrapServers;
    const at: PathSegment[] = ['spec', 'kafka', 'bootstrapServers'];
    if (servers.length === 0) {
      report(at, servers, 'list at least one Kafka bootstrap address as host:port, e.g. kafka-0.kafka-headless.kafka.svc:9092');
    }
    servers.forEach((server, index) => {
      const problem = typeof server === 'string' ? bootstrapServerProblem(server) : undefined;
      if (problem !== undefined) report([...at, index], server, problem);
    });
  }
  if (Array.isArray(spec.expendableTopics)) {
    const topics: unknown[] = spec.expendableTopics;
    topics.forEach((topic, index) => {
      const problem = typeof topic === 'string' ? expendableTopicProblem(topic) : undefined;
      if (problem !== undefined) report(['spec', 'expendableTopics', index], topic, problem);
    });
  }
  return errors;
}

type Report = (at: PathSegment[], value: unknown, message: string) => void;

function checkSelector(selector: unknown, at: PathSegment[], report: Report): void {
  if (!isRecord(selector)) return;
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  const matchExpressions: unknown[] = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) {
    report(
      at,
      selector,
      'must not be empty: an empty selector matches every pod in the namespace. Select the broker pods, e.g. matchLabels: {app.kubernetes.io/name: kafka}',
    );
  }
  for (const [key, value] of Object.entries(matchLabels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) report([...at, 'matchLabels', key], key, `is not a valid label key: ${keyProblem}`);
    const valueProblem = typeof value === 'string' ? labelValueProblem(value) : undefined;
    if (valueProblem !== undefined) report([...at, 'matchLabels', key], value, `is not a valid label value: ${valueProblem}`);
  }
  matchExpressions.forEach((expression, index) => {
    if (!isRecord(expression)) return;
    const here = [...at, 'matchExpressions', index];
    if (typeof expression.key === 'string') {
      const keyProblem = labelKeyProblem(expression.key);
      if (keyProblem !== undefined) report([...here, 'key'], expression.key, `is not a valid label key: ${keyProblem}`);
    }
    const values: unknown[] = Array.isArray(expression.values) ? expression.values : [];
    const operator = expression.operator;
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      report([...here, 'values'], expression.values, `the ${operator} operator needs at least one value`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      report([...here, 'values'], expression.values, `the ${operator} operator takes no values; remove them`);
    }
    values.forEach((value, valueIndex) => {
      const problem = typeof value === 'string' ? labelValueProblem(value) : undefined;
      if (problem !== undefined) report([...here, 'values', valueIndex], value, `is not a valid label value: ${problem}`);
    });
  });
}

function checkIdFrom(idFrom: unknown, at: PathSegment[], report: Report): void {
  if (!isRecord(idFrom)) return;
  const members = ID_SOURCE_MEMBERS.filter((member) => idFrom[member] !== undefined);
  if (members.length !== 1) {
    const found = members.length === 0 ? 'none is set' : `${members.join(' and ')} are set`;
    report(
      at,
      idFrom,
      `set exactly one of ordinal: {offset: N}, label: KEY, annotation: KEY, podNameSuffix: {}; ${found}`,
    );
  }
  for (const member of ['label', 'annotation'] as const) {
    const key = idFrom[member];
    if (typeof key !== 'string' || key.length === 0) continue;
    const problem = labelKeyProblem(key);
    if (problem !== undefined) report([...at, member], key, `is not a valid ${member} key: ${problem}`);
  }
}

/** Why an address is not `host:port` with a port from 1 to 65535, or undefined. */
function bootstrapServerProblem(address: string): string | undefined {
  // Listener names (SASL_SSL://) and URL schemes are a common slip when copying from server.properties.
  const scheme = /^[A-Za-z][A-Za-z0-9+._-]*:\/\//.exec(address)?.[0];
  if (scheme !== undefined) return `write host:port without the ${scheme} prefix, e.g. ${address.slice(scheme.length)}`;
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(address);
  if (match === null) {
    return 'must be host:port (a DNS name, an IPv4 address or an [IPv6] address, then ":" and the port), e.g. kafka-0.kafka-headless.kafka.svc:9092';
  }
  const [, ipv6, host, port = ''] = match;
  if (ipv6 !== undefined && !/^[0-9A-Fa-f:.]+$/.test(ipv6)) return `"[${ipv6}]" is not an IPv6 address`;
  // A trailing dot (an absolute name, skipping the resolver's search domains) is allowed.
  if (host !== undefined && !/^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?\.?$/.test(host)) {
    return `the host "${host}" is not a DNS name or IPv4 address; write host:port, e.g. kafka-0.kafka-headless.kafka.svc:9092`;
  }
  if (!/^[0-9]+$/.test(port)) return `the port "${port}" is not a number; write host:port with a port from 1 to 65535`;
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65535) return `the port ${portNumber} is outside 1-65535`;
  return undefined;
}

/** Why a string is neither a Kafka topic name nor `prefix*`, or undefined. */
function expendableTopicProblem(pattern: string): string | undefined {
  const isPrefix = pattern.endsWith('*');
  const name = isPrefix ? pattern.slice(0, -1) : pattern;
  if (isPrefix && name.length === 0) {
    return 'a bare "*" would make every topic expendable; list topics or prefixes (e.g. tmp-*), or use spec.mode: Warn';
  }
  if (name.includes('*')) return '"*" may only end a prefix pattern (e.g. tmp-*), nowhere else';
  if (name.length === 0) return 'must not be empty; write a topic name or a prefix followed by * (e.g. tmp-*)';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'a Kafka topic name consists of letters, digits, ".", "_" and "-"';
  if (name.length > 249) return `is ${name.length} characters long; Kafka topic names have at most 249`;
  if (!isPrefix && (name === '.' || name === '..')) return `"${name}" is not a valid Kafka topic name`;
  return undefined;
}

// ---------------------------------------------------------------------------
// Paths and values

/** JSON pointer to path segments; array positions become numbers so they render as [n]. */
function pointerSegments(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      segments.push(index);
      node = node[index];
    } else {
      segments.push(key);
      node = isRecord(node) ? node[key] : undefined;
    }
  }
  return segments;
}

/** `spec.brokers.selector.matchLabels["app.kubernetes.io/name"]`, `spec.kafka.bootstrapServers[1]`. */
function renderPath(segments: readonly PathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function uniqueErrors(errors: PolicyError[]): PolicyError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function kindOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  return withArticle(typeof value);
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function listOf(values: unknown): string {
  return Array.isArray(values) ? values.map((value) => String(value)).join(', ') : String(values);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
