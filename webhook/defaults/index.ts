/**
 * Public entry points of the mutating defaults (see docs/defaults.md).
 * `mutateStatefulSet` / `mutatePod` are pure and never throw: the webhook
 * route gathers policy and facts, calls one, and encodes the result.
 */
export { mutatePod, mutateStatefulSet } from './mutate.js';
export { DEFAULT_NAMES } from './types.js';
export type { DefaultName, DefaultsContext, DefaultsFacts, MutationResult, StorageClassFact } from './types.js';
