/**
 * What a guarded operation (drain, scale, restart, move, rebalance) runs
 * with in the plugin: the shared OperationContext (shared/ops/operation.ts)
 * with the plugin's Session.
 */
import type { OperationContext as SharedContext } from '../../shared/ops/operation.js';
import type { Session } from './session.js';

export type OperationContext = SharedContext<Session>;

export { progressHooks } from '../../shared/ops/operation.js';
