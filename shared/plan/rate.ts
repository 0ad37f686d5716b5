/**
 * Throughput and time left of a long transfer, from samples of how much is
 * done. Pure. The rate is measured over a sliding window (not since the
 * start), so a throttle change or a slow first batch does not skew the
 * estimate for long.
 */

export interface Sample {
  /** Epoch ms. */
  at: number;
  /** Amount done so far (bytes or partitions): never decreases. */
  done: number;
}

export class RateMeter {
  private readonly samples: Sample[] = [];

  constructor(private readonly windowMs = 30_000) {}

  add(sample: Sample): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && sample.at <= last.at) return;
    this.samples.push({ at: sample.at, done: Math.max(sample.done, last?.done ?? 0) });
    const horizon = sample.at - this.windowMs;
    // Keep one sample at or before the window's start so the window stays covered.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? Infinity) <= horizon) this.samples.shift();
  }

  /** Amount per second over the window; null until two samples at least a second apart. */
  perSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.at - first.at < 1000) return null;
    return ((last.done - first.done) * 1000) / (last.at - first.at);
  }
}

/** Milliseconds left at `perSecond`, or null when the rate is unknown or zero. */
export function timeLeftMs(remaining: number, perSecond: number | null): number | null {
  if (remaining <= 0) return 0;
  if (perSecond === null || perSecond <= 0) return null;
  return Math.round((remaining / perSecond) * 1000);
}
