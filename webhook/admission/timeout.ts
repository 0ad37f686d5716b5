/**
 * The decision budget of one request. The apiserver tells the webhook how long
 * it will wait: it calls the webhook URL with `?timeout=<Go duration>` derived
 * from the registration's timeoutSeconds (rounded up to whole seconds). The
 * engine uses the smaller of the configured deadline and that timeout minus a
 * reserve for TLS, encoding and the network, so a refusal with reasons arrives
 * before the apiserver gives up and applies failurePolicy instead.
 */

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };

/** Milliseconds in a Go duration string ("3s", "1m0s", "1.5s", "500ms"); null when it is not one. */
export function parseGoDuration(text: string): number | null {
  if (text === '' || text === '0') return text === '0' ? 0 : null;
  const part = /(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/y;
  let total = 0;
  let position = 0;
  while (position < text.length) {
    part.lastIndex = position;
    const match = part.exec(text);
    if (match === null) return null;
    const [whole, amount = '', unit = ''] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    position += whole.length;
  }
  return Number.isFinite(total) ? total : null;
}

/** The decision deadline for a request, from the configured one and the apiserver's `timeout` query parameter. */
export function decisionDeadlineMs(configuredMs: number, timeoutParam: unknown): number {
  if (typeof timeoutParam !== 'string') return configuredMs;
  const timeoutMs = parseGoDuration(timeoutParam);
  if (timeoutMs === null || timeoutMs <= 0) return configuredMs;
  // Keep up to a second (a third of short timeouts) for everything after the decision.
  const reserve = Math.min(1_000, Math.floor(timeoutMs / 3));
  return Math.max(1, Math.min(configuredMs, Math.floor(timeoutMs - reserve)));
}
