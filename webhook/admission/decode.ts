/**
 * Decoding: checks the AdmissionReview envelope and turns it into a typed
 * AdmissionRequest. Anything that is not a well-formed admission.k8s.io/v1
 * review is a DecodeError, answered with HTTP 400 by the route: the apiserver
 * never sends such a body, so it is a misconfigured caller and must not be
 * mistaken for a decision. The objects inside are not validated here; the
 * apiserver already did, and each rule reads only the fields it needs.
 */
import {
  ADMISSION_API_VERSION,
  ADMISSION_KIND,
  OPERATIONS,
  type AdmissionRequest,
  type GroupVersionKind,
  type GroupVersionResource,
  type JsonObject,
  type Operation,
  type UserInfo,
} from './types.js';

export interface DecodeError {
  /** Every problem found, each naming the field and the value. */
  message: string;
}

export type DecodeResult = { ok: true; request: AdmissionRequest } | { ok: false; error: DecodeError };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Short description of a JSON value for error messages (never the whole value: it may be large). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${typeof value} ${text.slice(0, 57)}..."` : `${typeof value} ${text}`;
}

/** Checks the envelope of a parsed request body. */
export function decodeAdmissionReview(body: unknown): DecodeResult {
  if (!isJsonObject(body)) {
    return fail([`the request body must be a JSON object (an ${ADMISSION_API_VERSION} ${ADMISSION_KIND}), got ${describeValue(body)}`]);
  }
  const problems: string[] = [];
  if (body['apiVersion'] !== ADMISSION_API_VERSION) {
    problems.push(
      `apiVersion is ${describeValue(body['apiVersion'])}; kafka-guard accepts only ${ADMISSION_API_VERSION} ` +
        '(list only "v1" in admissionReviewVersions of the webhook configuration)',
    );
  }
  if (body['kind'] !== ADMISSION_KIND) {
    problems.push(`kind is ${describeValue(body['kind'])}; expected "${ADMISSION_KIND}"`);
  }
  const request = body['request'];
  if (!isJsonObject(request)) {
    problems.push(`request is ${describeValue(request)}; expected an object (an AdmissionRequest)`);
    return fail(problems);
  }

  const field = new FieldReader(request, 'request', problems);
  const uid = field.nonEmptyString('uid');
  const kind = field.groupVersionKind('kind');
  const resource = field.groupVersionResource('resource');
  const subResource = field.optionalString('subResource');
  const name = field.optionalString('name') ?? '';
  const namespace = field.optionalString('namespace');
  const operation = field.operation('operation');
  const userInfo = field.userInfo('userInfo');
  const object = field.optionalObject('object');
  const oldObject = field.optionalObject('oldObject');
  const options = field.optionalObject('options');
  const dryRun = (field.optionalBoolean('dryRun') ?? false) || dryRunInOptions(object, options);

  if (problems.length > 0 || uid === null || kind === null || resource === null || operation === null) {
    return fail(problems);
  }
  return {
    ok: true,
    request: {
      uid,
      kind,
      resource,
      subResource: subResource === '' ? null : subResource,
      name,
      namespace: namespace === '' ? null : namespace,
      operation,
      userInfo,
      object,
      oldObject,
      dryRun,
      options,
    },
  };
}

/**
 * A dry run the review's own flag does not show: `kubectl drain --dry-run=server`
 * sends an Eviction whose `deleteOptions.dryRun` is ["All"], and the apiserver
 * then leaves the review's `dryRun` false. A DELETE carries its DeleteOptions in
 * `options`. Either way nothing will happen, so nothing may be recorded.
 */
function dryRunInOptions(object: JsonObject | null, options: JsonObject | null): boolean {
  const deleteOptions = object?.['deleteOptions'];
  const fromEviction = isJsonObject(deleteOptions) ? deleteOptions['dryRun'] : undefined;
  return nonEmptyList(fromEviction) || nonEmptyList(options?.['dryRun']);
}

/** The apiserver accepts only "All" in a dryRun list; any entry means a dry run. */
function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function fail(problems: string[]): DecodeResult {
  return { ok: false, error: { message: `not a valid AdmissionReview: ${problems.join('; ')}` } };
}

/** Reads fields of one JSON object, recording a problem (with the path) for each bad one. */
class FieldReader {
  constructor(
    private readonly source: JsonObject,
    private readonly path: string,
    private readonly problems: string[],
  ) {}

  private bad(key: string, expected: string): null {
    this.problems.push(`${this.path}.${key} is ${describeValue(this.source[key])}; expected ${expected}`);
    return null;
  }

  nonEmptyString(key: string): string | null {
    const value = this.source[key];
    return typeof value === 'string' && value !== '' ? value : this.bad(key, 'a non-empty string');
  }

  /** A required string that may be empty (the core group is ""). */
  string(key: string): string | null {
    const value = this.source[key];
    return typeof value === 'string' ? value : this.bad(key, 'a string');
  }

  optionalString(key: string): string | null {
    const value = this.source[key];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? value : this.bad(key, 'a string');
  }

  optionalBoolean(key: string): boolean | null {
    const value = this.source[key];
    if (value === undefined || value === null) return null;
    return typeof value === 'boolean' ? value : this.bad(key, 'true or false');
  }

  optionalObject(key: string): JsonObject | null {
    const value = this.source[key];
    if (value === undefined || value === null) return null;
    return isJsonObject(value) ? value : this.bad(key, 'an object');
  }

  private nested(key: string): FieldReader | null {
    const value = this.source[key];
    if (!isJsonObject(value)) return this.bad(key, 'an object');
    return new FieldReader(value, `${this.path}.${key}`, this.problems);
  }

  groupVersionKind(key: string): GroupVersionKind | null {
    const reader = this.nested(key);
    if (reader === null) return null;
    const group = reader.string('group');
    const version = reader.nonEmptyString('version');
    const kind = reader.nonEmptyString('kind');
    return group === null || version === null || kind === null ? null : { group, version, kind };
  }

  groupVersionResource(key: string): GroupVersionResource | null {
    const reader = this.nested(key);
    if (reader === null) return null;
    const group = reader.string('group');
    const version = reader.nonEmptyString('version');
    const resource = reader.nonEmptyString('resource');
    return group === null || version === null || resource === null ? null : { group, version, resource };
  }

  operation(key: string): Operation | null {
    const value = this.source[key];
    return typeof value === 'string' && (OPERATIONS as readonly string[]).includes(value)
      ? (value as Operation)
      : this.bad(key, `one of ${OPERATIONS.join(', ')}`);
  }

  /** userInfo is always sent by the apiserver; a missing one is tolerated and logged as "unknown". */
  userInfo(key: string): UserInfo {
    const value = this.source[key];
    if (value === undefined || value === null) return { username: '', uid: null, groups: [] };
    const reader = this.nested(key);
    if (reader === null) return { username: '', uid: null, groups: [] };
    const username = reader.optionalString('username') ?? '';
    const uid = reader.optionalString('uid');
    const rawGroups = isJsonObject(value) ? value['groups'] : undefined;
    const groups = Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string') : [];
    return { username, uid, groups };
  }
}
