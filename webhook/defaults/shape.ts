/**
 * Shape checks for the untyped JSON the webhook receives. The apiserver only
 * sends objects it could decode, so these fail on hand-made requests, tests and
 * bugs; the message names the field so the failure is easy to find.
 */

/** A field of the object does not have the shape Kubernetes gives it. */
export class MalformedObjectError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`${path} must be ${expected}, got ${describeValue(actual)}`);
    this.name = 'MalformedObjectError';
  }
}

/** A policy value a default needs is out of range (the CRD schema should have refused it). */
export class PolicyValueError extends Error {
  constructor(path: string, expected: string, actual: unknown) {
    super(`policy ${path} must be ${expected}, got ${describeValue(actual)}: fix the KafkaGuardPolicy`);
    this.name = 'PolicyValueError';
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export type JsonRecord = Record<string, unknown>;

/**
 * A deep copy of a JSON value (what JSON.parse returns: objects, arrays,
 * strings, numbers, booleans, null). About five times faster than
 * structuredClone on a 20 KB StatefulSet, which is most of what a default
 * costs. A key named "__proto__" stays an own data property, as JSON.parse
 * made it: assigning it (what rfdc and similar clones do) would set the copy's
 * prototype instead, and the diff would then remove the key.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const copy: JsonRecord = {};
  for (const key of Object.keys(value)) {
    const item = cloneJson((value as JsonRecord)[key]);
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, writable: true, enumerable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireRecord(value: unknown, path: string): JsonRecord {
  if (!isRecord(value)) throw new MalformedObjectError(path, 'an object', value);
  return value;
}

/** An optional object field: undefined when absent (null counts as absent, as in Kubernetes JSON). */
export function optionalRecord(parent: object, key: string, path: string): JsonRecord | undefined {
  const value = (parent as JsonRecord)[key];
  if (value === undefined || value === null) return undefined;
  return requireRecord(value, path);
}

export function optionalArray(parent: object, key: string, path: string): unknown[] | undefined {
  const value = (parent as JsonRecord)[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new MalformedObjectError(path, 'an array', value);
  return value;
}

/** Label and annotation maps: objects whose values are all strings. */
export function optionalStringMap(parent: object, key: string, path: string): Record<string, string> | undefined {
  const map = optionalRecord(parent, key, path);
  if (map === undefined) return undefined;
  for (const [entryKey, entryValue] of Object.entries(map)) {
    if (typeof entryValue !== 'string') throw new MalformedObjectError(`${path}[${JSON.stringify(entryKey)}]`, 'a string', entryValue);
  }
  return map as Record<string, string>;
}

export function optionalInteger(parent: object, key: string, path: string): number | undefined {
  const value = (parent as JsonRecord)[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new MalformedObjectError(path, 'an integer', value);
  return value;
}

/**
 * Returns `parent[key]` as an object, creating an empty one when absent. Only
 * called when a default is about to write there, so a no-op never adds `{}`
 * (which would show up in the patch).
 */
export function ensureRecord(parent: object, key: string): JsonRecord {
  const container = parent as JsonRecord;
  const existing = container[key];
  if (isRecord(existing)) return existing;
  const created: JsonRecord = {};
  container[key] = created;
  return created;
}

/** Returns `parent[key]` as an array, creating an empty one when absent (see ensureRecord). */
export function ensureArray<T>(parent: object, key: string): T[] {
  const container = parent as JsonRecord;
  const existing = container[key];
  if (Array.isArray(existing)) return existing as T[];
  const created: T[] = [];
  container[key] = created;
  return created;
}
