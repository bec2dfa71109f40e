import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wrkArgs, wrkLoadResult } from './wrk-pinned.js';

describe('pinned wrk', () => {
  const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

  it('runs one thread per pinned CPU, two unpinned, never more than connections', () => {
    assert.equal(flag(wrkArgs({ url: 'http://x/', connections: 10, durationS: 5, cpus: '1' }, 's.lua'), '-t'), '1');
    assert.equal(flag(wrkArgs({ url: 'http://x/', connections: 10, durationS: 5 }, 's.lua'), '-t'), '2');
    assert.equal(flag(wrkArgs({ url: 'http://x/', connections: 1, durationS: 5 }, 's.lua'), '-t'), '1');
  });

  it('reports its summary as a LoadResult with every kind of error counted', () => {
    const r = wrkLoadResult({
      requests: 30_000,
      durationUs: 10_000_000,
      errors: { connect: 1, read: 2, write: 0, status: 3, timeout: 4 },
      latencyUs: { mean: 2_500.5, p50: 2_000, p95: 5_000, p99: 9_000, max: 20_000 },
    }, 10);
    assert.deepEqual(r, {
      tool: 'wrk',
      connections: 10,
      durationS: 10,
      requests: 30_000,
      requestsPerSecond: 3_000,
      latencyMs: { mean: 2.5, p50: 2, p95: 5, p99: 9, max: 20 },
      errors: 10,
    });
  });
});
