// Small figures shared by the load runners: percentiles of raw latencies.
import type { LatencyMs } from './load-result.js';

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** mean, p50, p95, p99 and max of raw latencies in ms. */
export function latencySummary(values: number[]): LatencyMs {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN;
  return { mean: r2(mean), p50: r2(percentile(sorted, 50)), p95: r2(percentile(sorted, 95)), p99: r2(percentile(sorted, 99)), max: r2(sorted[sorted.length - 1] ?? NaN) };
}
