/**
 * Kafka's feature versions (KIP-584), above all `metadata.version`: the level
 * of the metadata format the cluster has finalized, which decides which
 * Kafka releases can run it. kafkajs reads neither the features (they are
 * tagged fields of ApiVersions v3+) nor changes them (UpdateFeatures), so both
 * codecs are here, and the table of which release runs which levels.
 */
import type { KafkaApi } from './client.js';
import { ErrorCode, KafkaRequestError, failure } from './errors.js';
import type { ApiSpec, ProtocolReader } from './protocol.js';

export const METADATA_VERSION = 'metadata.version';

// ---------------------------------------------------------------- ApiVersions (18) v3+

export interface FeatureRange {
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface FinalizedFeature {
  name: string;
  maxVersionLevel: number;
  minVersionLevel: number;
}

export interface FeaturesInfo {
  errorCode: number;
  /** What this broker's software supports. */
  supported: FeatureRange[];
  /** The cluster's finalized levels as this broker knows them; -1 epoch when none. */
  finalizedEpoch: bigint;
  finalized: FinalizedFeature[];
  /** The API keys this broker offers. */
  apiKeys: number[];
}

/** LeaderAndIsr: sent by a ZooKeeper-mode controller, offered only by ZooKeeper-mode brokers. */
const LEADER_AND_ISR = 4;
/** DescribeQuorum: offered by KRaft brokers (Kafka 3.3 and newer). */
const DESCRIBE_QUORUM = 55;

/** How a broker keeps its metadata, from the APIs it offers; null when they tell neither (KRaft before 3.3). */
export function metadataModeOf(apiKeys: readonly number[]): 'kraft' | 'zookeeper' | null {
  if (apiKeys.includes(LEADER_AND_ISR)) return 'zookeeper';
  if (apiKeys.includes(DESCRIBE_QUORUM)) return 'kraft';
  return null;
}

/** The client's name and version Kafka asks for in ApiVersions v3+ (letters, digits, '-' and '.'). */
const SOFTWARE = { name: 'kafka-guard', version: '1' };

export const ApiVersionsFeatures: ApiSpec<Record<string, never>, FeaturesInfo> = {
  key: 18,
  name: 'ApiVersions',
  minVersion: 3,
  maxVersion: 3,
  flexibleFrom: 3,
  responseHeaderV0: true,
  needs: 'Kafka 2.4 or newer',
  encode(w) {
    w.string(SOFTWARE.name).string(SOFTWARE.version).tags();
  },
  decode(r) {
    const errorCode = r.int16();
    const apiKeys = r.array((r) => {
      const key = r.int16();
      r.int16(); // MinVersion
      r.int16(); // MaxVersion
      r.skipTags();
      return key;
    });
    r.int32(); // ThrottleTimeMs
    const tags = r.taggedFields();
    const supported = readArray(tags.get(0), (r): FeatureRange => {
      const range = { name: r.string(), minVersion: r.int16(), maxVersion: r.int16() };
      r.skipTags();
      return range;
    });
    const finalizedEpoch = tags.get(1)?.int64() ?? -1n;
    const finalized = readArray(tags.get(2), (r): FinalizedFeature => {
      const feature = { name: r.string(), maxVersionLevel: r.int16(), minVersionLevel: r.int16() };
      r.skipTags();
      return feature;
    });
    return { errorCode, supported, finalizedEpoch, finalized, apiKeys };
  },
};

function readArray<T>(reader: ProtocolReader | undefined, item: (r: ProtocolReader) => T): T[] {
  return reader === undefined ? [] : reader.array(item);
}

// ---------------------------------------------------------------- UpdateFeatures (57)

/** How a level may change: an upgrade, or a downgrade Kafka can do without losing metadata. */
export const UpgradeType = { UPGRADE: 1, SAFE_DOWNGRADE: 2 } as const;
export type UpgradeType = (typeof UpgradeType)[keyof typeof UpgradeType];

export interface FeatureUpdate {
  feature: string;
  maxVersionLevel: number;
  upgradeType: UpgradeType;
}

export interface UpdateFeaturesResult {
  errorCode: number;
  errorMessage: string | null;
  results: Array<{ feature: string; errorCode: number; errorMessage: string | null }>;
}

export const UpdateFeatures: ApiSpec<{ timeoutMs: number; updates: FeatureUpdate[]; validateOnly: boolean }, UpdateFeaturesResult> = {
  key: 57,
  name: 'UpdateFeatures',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  needs: 'Kafka 2.7 or newer',
  encode(w, v, { timeoutMs, updates, validateOnly }) {
    w.int32(timeoutMs);
    w.array(updates, (w, u) => {
      w.string(u.feature).int16(u.maxVersionLevel);
      if (v >= 1) w.int8(u.upgradeType);
      else w.bool(u.upgradeType !== UpgradeType.UPGRADE); // v0: AllowDowngrade
      w.tags();
    });
    if (v >= 1) w.bool(validateOnly);
    else if (validateOnly) throw new Error('UpdateFeatures v0 has no validate-only mode');
    w.tags();
  },
  decode(r) {
    r.int32(); // ThrottleTimeMs
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    const results = r.array((r) => {
      const result = { feature: r.string(), errorCode: r.int16(), errorMessage: r.nullableString() };
      r.skipTags();
      return result;
    });
    r.skipTags();
    return { errorCode, errorMessage, results };
  },
};

// ---------------------------------------------------------------- reading and finalizing

export interface ClusterFeatures {
  /** The finalized metadata.version level, or null when the cluster has none (ZooKeeper mode, or Kafka older than 3.3). */
  metadataVersion: number | null;
  /** Per broker asked: the highest metadata.version its software supports (null: it reports none). */
  supportedByBroker: Map<number, number | null>;
  /** ZooKeeper when any broker asked runs in ZooKeeper mode (a cluster mid-migration counts as ZooKeeper); null when unknown. */
  mode: 'kraft' | 'zookeeper' | null;
}

/** Asks each broker for its features; the finalized level is the highest any reports (they converge within seconds). */
export async function readFeatures(api: KafkaApi, brokerIds: readonly number[]): Promise<ClusterFeatures> {
  const answers = await Promise.all(brokerIds.map(async (id) => [id, await api.call({ broker: id }, ApiVersionsFeatures, {})] as const));
  const supportedByBroker = new Map<number, number | null>();
  let metadataVersion: number | null = null;
  const modes = answers.map(([, info]) => metadataModeOf(info.apiKeys));
  const mode = modes.includes('zookeeper') ? 'zookeeper' : modes.length > 0 && modes.every((m) => m === 'kraft') ? 'kraft' : null;
  for (const [id, info] of answers) {
    supportedByBroker.set(id, info.supported.find((f) => f.name === METADATA_VERSION)?.maxVersion ?? null);
    const finalized = info.finalized.find((f) => f.name === METADATA_VERSION)?.maxVersionLevel;
    if (finalized !== undefined && finalized > 0) metadataVersion = Math.max(metadataVersion ?? 0, finalized);
  }
  return { metadataVersion, supportedByBroker, mode };
}

/** Raises (or, safely, lowers) metadata.version; `validateOnly` asks Kafka whether it would. Throws with Kafka's own message when refused. */
export async function updateMetadataVersion(api: KafkaApi, level: number, options: { downgrade?: boolean; validateOnly?: boolean; timeoutMs: number }): Promise<void> {
  const result = await api.call('any', UpdateFeatures, {
    timeoutMs: options.timeoutMs,
    updates: [{ feature: METADATA_VERSION, maxVersionLevel: level, upgradeType: options.downgrade === true ? UpgradeType.SAFE_DOWNGRADE : UpgradeType.UPGRADE }],
    validateOnly: options.validateOnly === true,
  });
  const failures = [
    ...(result.errorCode === ErrorCode.NONE ? [] : [failure(METADATA_VERSION, result.errorCode, result.errorMessage)]),
    ...result.results.filter((r) => r.errorCode !== ErrorCode.NONE).map((r) => failure(r.feature, r.errorCode, r.errorMessage)),
  ];
  if (failures.length > 0) throw new KafkaRequestError('UpdateFeatures', failures);
}

// ---------------------------------------------------------------- which release runs which level

/**
 * Per Kafka release (major.minor): the metadata.version levels it can run,
 * from the lowest it accepts to the highest it ships as production-ready
 * (`kafka-features.sh version-mapping --release-version X.Y` prints the
 * latter; a test checks it against the releases the sandbox caches). 4.0
 * dropped every level below 3.3-IV3 (7).
 */
export const RELEASE_LEVELS: ReadonlyArray<{ release: string; min: number; max: number; name: string }> = [
  { release: '3.3', min: 1, max: 7, name: '3.3-IV3' },
  { release: '3.4', min: 1, max: 8, name: '3.4-IV0' },
  { release: '3.5', min: 1, max: 11, name: '3.5-IV2' },
  { release: '3.6', min: 1, max: 14, name: '3.6-IV2' },
  { release: '3.7', min: 1, max: 19, name: '3.7-IV4' },
  { release: '3.8', min: 1, max: 20, name: '3.8-IV0' },
  { release: '3.9', min: 1, max: 21, name: '3.9-IV0' },
  { release: '4.0', min: 7, max: 25, name: '4.0-IV3' },
  { release: '4.1', min: 7, max: 27, name: '4.1-IV1' },
  { release: '4.2', min: 7, max: 29, name: '4.2-IV1' },
  { release: '4.3', min: 7, max: 30, name: '4.3-IV0' },
  { release: '4.4', min: 7, max: 33, name: '4.4-IV2' },
];

export interface KafkaVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** `4.1.1` -> {4, 1, 1}; null for anything else. */
export function parseKafkaVersion(text: string): KafkaVersion | null {
  const m = /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/.exec(text);
  if (m === null) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text };
}

export type ReleaseLevels = { known: true; min: number; max: number; name: string } | { known: false; reason: string };

/** The metadata.version levels a Kafka version runs; unknown for releases older or (in another major) newer than the table. */
export function levelsOf(version: KafkaVersion): ReleaseLevels {
  const release = `${version.major}.${version.minor}`;
  const row = RELEASE_LEVELS.find((r) => r.release === release);
  if (row !== undefined) return { known: true, min: row.min, max: row.max, name: row.name };
  const newest = RELEASE_LEVELS[RELEASE_LEVELS.length - 1];
  if (newest !== undefined && version.major === Number(newest.release.split('.')[0]) && version.minor > Number(newest.release.split('.')[1])) {
    // A newer minor release of the same major runs every level the newest known one does, and more.
    return { known: true, min: newest.min, max: Number.MAX_SAFE_INTEGER, name: `${release} (newer than kafka-guard knows)` };
  }
  return { known: false, reason: `kafka-guard does not know which metadata.version levels Kafka ${version.text} runs` };
}

/** A level's name, e.g. 27 -> "27 (4.1-IV1)" where the table knows it. */
export function levelName(level: number): string {
  const row = RELEASE_LEVELS.find((r) => r.max === level);
  return row === undefined ? String(level) : `${level} (${row.name})`;
}
