/**
 * The Kafka credentials a policy names (spec.kafka.tls / spec.kafka.sasl Secrets),
 * read from the apiserver at most once per `maxAgeMs` and kept between reads.
 *
 * A Kafka view is refreshed every few seconds and an admission may wait for one:
 * reading the Secret inside each refresh put an apiserver GET on every admission's
 * path, and a slow apiserver then looked like an unreachable Kafka. Here a copy
 * older than `maxAgeMs` is still answered at once while a single read replaces it
 * in the background, so a rotated certificate or password is in use within
 * `maxAgeMs` plus one refresh. A read that fails keeps the last copy (the apiserver
 * is unwell; the brokers still take the credentials they took a moment ago), except
 * a 404: a deleted Secret is forgotten, and the next read reports it missing.
 * Only the first read of a Secret is waited for.
 */
export type SecretData = Record<string, string>;

/** Reads one Secret's data, decoded; rejects with the apiserver's error (its `code` is the HTTP status). */
export type SecretFetch = (namespace: string, name: string) => Promise<SecretData>;

interface Entry {
  data?: SecretData;
  readAt: number;
  usedAt: number;
  reading?: Promise<SecretData>;
  /** The last background read failed; logged once until one succeeds. */
  failing: boolean;
}

export interface SecretCacheOptions {
  /** How old a copy may get before it is read again (default 30 s). */
  maxAgeMs?: number;
  /** Copies not asked for this long are dropped, so a deleted policy's credentials leave memory (default 10 min). */
  idleMs?: number;
  now?: () => number;
  /** Hears a background read that failed while the last copy is kept in use. */
  onStaleKept?: (namespace: string, name: string, error: unknown) => void;
}

export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetch: SecretFetch,
    private readonly options: SecretCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
    this.idleMs = options.idleMs ?? 600_000;
    this.now = options.now ?? Date.now;
  }

  /** The Secret's data: the copy kept when there is one (refreshed behind it when old), else the first read. */
  get(namespace: string, name: string): Promise<SecretData> {
    const now = this.now();
    this.dropIdle(now);
    const key = `${namespace}/${name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { readAt: 0, usedAt: now, failing: false };
      this.entries.set(key, entry);
    }
    entry.usedAt = now;
    if (entry.data !== undefined) {
      if (now - entry.readAt >= this.maxAgeMs) void this.read(key, entry, namespace, name).catch(() => undefined);
      return Promise.resolve(entry.data);
    }
    return this.read(key, entry, namespace, name);
  }

  /** True while the first read of the Secret has not answered: what an admission waiting on it waits for. */
  loading(namespace: string, name: string): boolean {
    const entry = this.entries.get(`${namespace}/${name}`);
    return entry !== undefined && entry.data === undefined && entry.reading !== undefined;
  }

  /** Forgets every copy (shutdown). */
  clear(): void {
    this.entries.clear();
  }

  private read(key: string, entry: Entry, namespace: string, name: string): Promise<SecretData> {
    if (entry.reading) return entry.reading;
    const reading = this.fetch(namespace, name).then(
      (data) => {
        entry.data = data;
        entry.readAt = this.now();
        entry.failing = false;
        return data;
      },
      (error: unknown) => {
        if ((error as { code?: unknown }).code === 404) {
          if (this.entries.get(key) === entry) this.entries.delete(key);
        } else if (entry.data !== undefined && !entry.failing) {
          entry.failing = true;
          this.options.onStaleKept?.(namespace, name, error);
        }
        throw error;
      },
    ).finally(() => {
      entry.reading = undefined;
    });
    entry.reading = reading;
    return reading;
  }

  private dropIdle(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.usedAt >= this.idleMs && !entry.reading) this.entries.delete(key);
    }
  }
}
