/** The target flags of `kubectl kafka config`: --broker ID or --cluster-default. */
import { Flags } from '@oclif/core';
import type { ConfigTarget } from '../../shared/plan/config.js';
import { UsageError } from './errors.js';
import { configTargetBoth, TARGET_FLAG_TEXT } from '../messages.js';
import { parseBrokerId } from '../../shared/ops/target.js';

export const configTargetFlags = {
  broker: Flags.string({ description: TARGET_FLAG_TEXT.broker }),
  'cluster-default': Flags.boolean({ description: TARGET_FLAG_TEXT.clusterDefault, default: false }),
};

/** --broker ID or --cluster-default (at most one); null when neither. */
export function configTargetOf(flags: { broker?: string | undefined; 'cluster-default'?: boolean }): ConfigTarget | null {
  if (flags.broker !== undefined && flags['cluster-default']) throw new UsageError(configTargetBoth());
  if (flags.broker !== undefined) return { kind: 'broker', broker: parseBrokerId(flags.broker) };
  return flags['cluster-default'] ? { kind: 'cluster-default' } : null;
}
