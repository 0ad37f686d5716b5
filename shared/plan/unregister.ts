/**
 * Forgetting brokers that are gone for good (KRaft). A broker that shuts down
 * stays registered, fenced, and Kafka 4 still places new topics' replicas on
 * fenced brokers (the striped placer prefers unfenced ones but does not skip
 * the others), so after a scale-down new partitions would be created
 * under-replicated on a broker that never comes back. UnregisterBroker
 * (API 64, `kafka-cluster unregister`) removes the registration; kafkajs has
 * no such call, so it is encoded here with the shared protocol codecs.
 */
import type { KafkaApi } from '../kafka/client.js';
import { errorName, KafkaUnsupportedError } from '../kafka/errors.js';
import type { ApiSpec } from '../kafka/protocol.js';

export const UnregisterBroker: ApiSpec<{ brokerId: number }, { errorCode: number; errorMessage: string | null }> = {
  key: 64,
  name: 'UnregisterBroker',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  encode(w, _v, { brokerId }) {
    w.int32(brokerId);
    w.tags();
  },
  decode(r) {
    r.int32(); // ThrottleTimeMs
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    r.skipTags();
    return { errorCode, errorMessage };
  },
};

/** BROKER_ID_NOT_REGISTERED: already forgotten, which is the goal. */
const BROKER_ID_NOT_REGISTERED = 102;

export interface UnregisterOutcome {
  unregistered: number[];
  /** Why nothing was done, e.g. a ZooKeeper-mode cluster without the API. */
  skipped: string | null;
}

export async function unregisterBrokers(api: KafkaApi, brokerIds: readonly number[]): Promise<UnregisterOutcome> {
  const unregistered: number[] = [];
  for (const brokerId of brokerIds) {
    let response;
    try {
      response = await api.call('any', UnregisterBroker, { brokerId });
    } catch (error) {
      if (error instanceof KafkaUnsupportedError) return { unregistered, skipped: `the brokers do not offer UnregisterBroker (not KRaft): ${error.message}` };
      throw error;
    }
    if (response.errorCode !== 0 && response.errorCode !== BROKER_ID_NOT_REGISTERED) {
      throw new Error(
        `unregistering broker ${brokerId} failed: ${errorName(response.errorCode)}${response.errorMessage ? ` (${response.errorMessage})` : ''}`,
      );
    }
    unregistered.push(brokerId);
  }
  return { unregistered, skipped: null };
}
