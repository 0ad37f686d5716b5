/**
 * Reads Prometheus histograms from the text exposition format (what an
 * apiserver's /metrics serves) and estimates quantiles the way PromQL's
 * histogram_quantile does: linear interpolation inside the bucket the rank
 * falls in. Pure, for bench/apiserver-latency.bench.ts.
 */

export interface Bucket {
  /** Upper bound, seconds; Infinity for +Inf. */
  le: number;
  /** Cumulative count of observations <= le. */
  count: number;
}

export interface HistogramSeries {
  /** The series' labels without `le`. */
  labels: Record<string, string>;
  /** Ascending by le, cumulative, ending with +Inf. */
  buckets: Bucket[];
  sum: number;
  count: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/** Labels of one sample, `a="x",b="y"`; throws naming the line when they do not parse. */
export function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let position = 0;
  while (position < text.length) {
    LABEL.lastIndex = position;
    const match = LABEL.exec(text);
    if (!match) throw new Error(`cannot read the labels of metrics line ${JSON.stringify(line)} at character ${position}`);
    labels[match[1] ?? ''] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    position = LABEL.lastIndex;
  }
  return labels;
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function sampleValue(text: string, line: string): number {
  const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
  if (Number.isNaN(value) && text !== 'NaN') throw new Error(`metrics line ${JSON.stringify(line)}: ${JSON.stringify(text)} is not a number`);
  return value;
}

/** Every series of histogram `name` in an exposition text. */
export function parseHistograms(text: string, name: string): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>();
  const get = (labels: Record<string, string>) => {
    const key = seriesKey(labels);
    let found = series.get(key);
    if (!found) {
      found = { labels, buckets: [], sum: 0, count: 0 };
      series.set(key, found);
    }
    return found;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || !line.startsWith(name)) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, metric = '', labelText = '', valueText = ''] = match;
    if (metric !== `${name}_bucket` && metric !== `${name}_sum` && metric !== `${name}_count`) continue;
    const { le, ...labels } = parseLabels(labelText, line);
    const value = sampleValue(valueText, line);
    const target = get(labels);
    if (metric === `${name}_bucket`) {
      if (le === undefined) throw new Error(`metrics line ${JSON.stringify(line)}: a bucket without le`);
      target.buckets.push({ le: sampleValue(le, line), count: value });
    } else if (metric === `${name}_sum`) target.sum = value;
    else target.count = value;
  }
  for (const s of series.values()) s.buckets.sort((a, b) => a.le - b.le);
  return [...series.values()];
}

/** after - before, series by series (a series absent before counts from zero): what happened in between. */
export function histogramDelta(after: readonly HistogramSeries[], before: readonly HistogramSeries[]): HistogramSeries[] {
  const earlier = new Map(before.map((s) => [seriesKey(s.labels), s]));
  return after.map((s) => {
    const b = earlier.get(seriesKey(s.labels));
    const at = new Map(b?.buckets.map((x) => [x.le, x.count]) ?? []);
    return { labels: s.labels, buckets: s.buckets.map((x) => ({ le: x.le, count: x.count - (at.get(x.le) ?? 0) })), sum: s.sum - (b?.sum ?? 0), count: s.count - (b?.count ?? 0) };
  });
}

/** Series with the same values of `by` added together (their buckets must share bounds). */
export function mergeBy(series: readonly HistogramSeries[], by: readonly string[]): HistogramSeries[] {
  const merged = new Map<string, HistogramSeries>();
  for (const s of series) {
    const labels = Object.fromEntries(by.map((l) => [l, s.labels[l] ?? '']));
    const key = seriesKey(labels);
    const into = merged.get(key);
    if (!into) {
      merged.set(key, { labels, buckets: s.buckets.map((b) => ({ ...b })), sum: s.sum, count: s.count });
      continue;
    }
    for (const b of s.buckets) {
      const same = into.buckets.find((x) => x.le === b.le);
      if (!same) throw new Error(`cannot merge histograms with different buckets (le ${b.le} in ${JSON.stringify(s.labels)} only)`);
      same.count += b.count;
    }
    into.sum += s.sum;
    into.count += s.count;
  }
  return [...merged.values()];
}

/**
 * The q-quantile (0..1) in seconds, as histogram_quantile estimates it; NaN
 * with no observations. A rank in the +Inf bucket gives the highest finite bound.
 */
export function quantile(buckets: readonly Bucket[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile ${q}: expected a number from 0 to 1`);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound;
      if (b.count === lowerCount) return b.le;
      return lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / (b.count - lowerCount);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}

/** Share (0..1) of observations at most `bound` seconds, exact when `bound` is a bucket bound; NaN with none. */
export function fractionAtMost(buckets: readonly Bucket[], bound: number): number {
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total <= 0) return Number.NaN;
  const exact = buckets.find((b) => b.le === bound);
  if (!exact) throw new Error(`no bucket bound at ${bound} s (bounds: ${buckets.map((b) => b.le).join(', ')})`);
  return exact.count / total;
}
