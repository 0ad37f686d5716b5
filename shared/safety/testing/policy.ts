/**
 * The smallest valid KafkaGuardPolicy (brokers `app=kafka`, ids from the pod
 * ordinal, namespace `kafka`), parsed, for table tests. Test support only:
 * product code never imports this module.
 */
import { parsePolicy } from '../../policy/parse.js';
import type { KafkaGuardPolicy } from '../../policy/types.js';

export function testPolicy(name = 'p'): KafkaGuardPolicy {
  const parsed = parsePolicy({
    apiVersion: 'kafkaguard.io/v1alpha1',
    kind: 'KafkaGuardPolicy',
    metadata: { name, namespace: 'kafka' },
    spec: {
      brokers: { selector: { matchLabels: { app: 'kafka' } }, idFrom: { ordinal: { offset: 0 } } },
      kafka: { bootstrapServers: ['kafka-0:9092'] },
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}
