import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile, summarizeLatencies } from './latency.js';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('is the smallest sample with at least p% of samples at or below it', () => {
    assert.equal(percentile(oneToHundred, 50), 50);
    assert.equal(percentile(oneToHundred, 95), 95);
    assert.equal(percentile(oneToHundred, 99), 99);
    assert.equal(percentile(oneToHundred, 100), 100);
    assert.equal(percentile([10, 20, 30, 40], 50), 20);
    assert.equal(percentile([10, 20, 30, 40], 51), 30);
  });

  it('gives the only sample for any p, and 0 without samples', () => {
    assert.equal(percentile([7], 1), 7);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), 0);
  });

  it('rejects p outside (0, 100]', () => {
    assert.throws(() => percentile(oneToHundred, 0), RangeError);
    assert.throws(() => percentile(oneToHundred, 101), RangeError);
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically (not as strings) before taking percentiles', () => {
    const s = summarizeLatencies([9, 10, 100, 2, 1]);
    assert.equal(s.p50, 9);
    assert.equal(s.max, 100);
    assert.equal(s.mean, 24.4);
  });

  it('rounds to microseconds and reports zeros for no samples', () => {
    assert.equal(summarizeLatencies([1.23456]).p99, 1.235);
    assert.deepEqual(summarizeLatencies([]), { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
