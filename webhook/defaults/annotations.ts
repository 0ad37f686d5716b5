/** The two kafka-guard annotations this module reads and writes: skip-defaults (user opt-out) and applied-defaults (record). */
import { DEFAULT_NAMES, type DefaultName } from './types.js';

export interface SkipList {
  all: boolean;
  names: ReadonlySet<DefaultName>;
  /** Words that name no default, to warn about (a typo would otherwise silently skip nothing). */
  unknown: string[];
}

const NAMES_BY_LOWER_CASE = new Map(DEFAULT_NAMES.map((name) => [name.toLowerCase(), name] as const));

/**
 * Parses `kafkaguard.io/skip-defaults` values: comma-separated default names
 * (case-insensitive, spaces ignored) or `all`. Several values (e.g. the
 * StatefulSet's and its pod template's) are combined.
 */
export function parseSkipDefaults(values: ReadonlyArray<string | undefined>): SkipList {
  let all = false;
  const names = new Set<DefaultName>();
  const unknown: string[] = [];
  for (const value of values) {
    for (const word of (value ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
      const lower = word.toLowerCase();
      const name = NAMES_BY_LOWER_CASE.get(lower);
      if (lower === 'all') all = true;
      else if (name !== undefined) names.add(name);
      else if (!unknown.includes(word)) unknown.push(word);
    }
  }
  return { all, names, unknown };
}

/** The new `kafkaguard.io/applied-defaults` value: the recorded names plus `applied`, sorted, comma-separated. */
export function mergeAppliedDefaults(recorded: string | undefined, applied: Iterable<string>): string {
  const names = new Set((recorded ?? '').split(',').map((part) => part.trim()).filter((part) => part !== ''));
  for (const name of applied) names.add(name);
  return [...names].sort().join(',');
}
