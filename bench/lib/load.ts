/**
 * The load generator of bench/webhook-throughput.bench.ts, run in a process of
 * its own so that its work does not count against the server measured. Reads
 * one JSON job from argv[2], runs autocannon over HTTPS with keep-alive, and
 * prints one JSON line of results.
 */
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  /** The server's self-signed certificate, trusted for this run only. */
  ca: string;
  requests: Array<{ path: string; body: string }>;
  connections: number;
  durationSeconds: number;
  /** Requests per second over all connections; absent: as fast as the server answers. */
  overallRate?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as LoadJob;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSeconds,
    ...(job.overallRate === undefined ? {} : { overallRate: job.overallRate }),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: job.requests.map((r) => ({ method: 'POST', path: r.path, body: r.body, headers: { 'content-type': 'application/json' } })),
    tlsOptions: { ca: job.ca },
  });
  const out: LoadResult = {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    total: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
