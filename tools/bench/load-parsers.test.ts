import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencySummary, percentile } from './stats.js';
import { parseWrkOutput, randomPathLua, wrkArgs, wrkToLoadResult, type WrkLoad } from './wrk.js';

const WRK_OUT = `Running 10s test @ http://127.0.0.1:8080/
  2 threads and 10 connections
WRKJSON {"requests":12000,"durationUs":10000000,"errors":{"connect":0,"read":1,"write":0,"status":3,"timeout":2},"latencyUs":{"mean":8123.5,"p50":7000,"p95":15000,"p99":22500,"max":90000}}
`;

test('parseWrkOutput finds the summary line among wrk output', () => {
  const r = parseWrkOutput(WRK_OUT)!;
  assert.equal(r.requests, 12000);
  assert.equal(r.errors.status, 3);
  assert.equal(parseWrkOutput('Running 10s test\n'), null);
});

test('wrkToLoadResult gives requests/s, latency in ms and all errors summed', () => {
  assert.deepEqual(wrkToLoadResult(parseWrkOutput(WRK_OUT)!, 10), {
    tool: 'wrk', connections: 10, durationS: 10, requests: 12000, requestsPerSecond: 1200,
    latencyMs: { mean: 8.12, p50: 7, p95: 15, p99: 22.5, max: 90 }, errors: 6,
  });
});

test('randomPathLua holds every path in a Lua table', () => {
  const lua = randomPathLua(['/v1/products/a', '/v1/products?page_size=20&category_id=b']);
  assert.match(lua, /local paths = \{"\/v1\/products\/a","\/v1\/products\?page_size=20&category_id=b"\}/);
  assert.match(lua, /request = function\(\)/);
});

test('percentile is nearest rank; latencySummary rounds to 0.01 ms', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 95), 95);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(latencySummary([3.333, 1, 2]), { mean: 2.11, p50: 2, p95: 3.33, p99: 3.33, max: 3.33 });
});

test('wrkArgs runs one thread per pinned CPU, two unpinned, never more than connections', () => {
  const threads = (load: Partial<WrkLoad>) => { const args = wrkArgs({ url: 'http://x/', connections: 10, durationS: 5, ...load }, 's.lua'); return args[args.indexOf('-t') + 1]; };
  assert.equal(threads({ cpus: '1' }), '1');
  assert.equal(threads({}), '2');
  assert.equal(threads({ connections: 1 }), '1');
});
