// Latency figures from recorded samples, for load loops that time each operation
// themselves (the mongoose ceilings); wrk and ghz report their own.
import type { LatencyMs } from '../load-result.js';

/**
 * The nearest-rank percentile of ascending samples: the smallest sample with at
 * least p% of all samples at or below it. Exact, no interpolation.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Mean, p50, p95, p99 and max of samples in milliseconds, rounded to microseconds. */
export function summarizeLatencies(samplesMs: readonly number[]): LatencyMs {
  const sorted = Float64Array.from(samplesMs).sort(); // typed arrays sort numerically
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    mean: round(mean),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length === 0 ? 0 : sorted[sorted.length - 1]!),
  };
}
