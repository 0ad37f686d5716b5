/**
 * Units on the command line and on screen: replication rates (`50MiB/s`),
 * durations (`30m`), byte counts. Parsing is strict: anything that is not
 * exactly one of the documented forms is refused with the forms spelled out,
 * because a throttle typo read as something else would move data at the
 * wrong speed.
 */
import { formatBytes } from '../../shared/bytes.js';
import { durationNotPositive, notADuration, notARate, RATE_FORMS, rateOutOfRange } from '../messages.js';

export { formatBytes };
export { RATE_FORMS };

const RATE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `50MiB/s` -> 52428800 (bytes per second, a whole number >= 1). */
export function parseRate(text: string): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)(B|kB|KB|MB|GB|KiB|MiB|GiB)\/s$/.exec(text);
  const amount = match?.[1];
  const unit = match?.[2];
  if (amount === undefined || unit === undefined) {
    return { ok: false, error: notARate(text) };
  }
  const bytes = Math.floor(Number(amount) * (RATE_UNITS[unit] ?? 0));
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    return { ok: false, error: rateOutOfRange(text, bytes < 1) };
  }
  return { ok: true, value: bytes };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `30m`, `2h`, `1h30m` -> milliseconds (> 0). */
export function parseDuration(text: string): Parsed<number> {
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) {
    return { ok: false, error: notADuration(text) };
  }
  let total = 0;
  for (const [, amount = '0', unit = 's'] of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(amount) * (DURATION_UNITS[unit] ?? 0);
  if (total <= 0) return { ok: false, error: durationNotPositive(text) };
  return { ok: true, value: total };
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export { formatDuration } from '../../shared/duration.js';

export { quantityBytes } from '../../shared/bytes.js';
