// autocannon 9 ships no types; what bench/lib/load.ts uses of its API (README "API").
declare module 'autocannon' {
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    max: number;
    total: number;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    overallRate?: number;
    method?: string;
    headers?: Record<string, string>;
    requests?: Array<{ method?: string; path?: string; body?: string; headers?: Record<string, string> }>;
    tlsOptions?: import('node:tls').ConnectionOptions;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
