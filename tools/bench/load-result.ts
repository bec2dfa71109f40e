// The one shape every load tool's run is reported in (wrk, ghz, autocannon, the
// in-process mongoose loop), so scenarios and ceilings compare directly.

export interface LatencyMs {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Which tool drove the load: 'wrk', 'ghz', 'autocannon', 'mongoose'. */
  tool: string;
  /** Concurrent connections (or in-flight operations) held during the run. */
  connections: number;
  durationS: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: LatencyMs;
  /** Non-2xx answers, timeouts and socket errors together. */
  errors: number;
}
