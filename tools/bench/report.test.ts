import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadResult } from './load-result.js';
import { keyValueTable, perRequest, ratio, resourceTable, scenarioTable, type ScenarioResult } from './report.js';

const load = (rps: number, requests: number): LoadResult => ({ tool: 'wrk', connections: 10, durationS: 10, requests, requestsPerSecond: rps, latencyMs: { mean: 5, p50: 4.5, p95: 9.25, p99: 12, max: 30 }, errors: 2 });

test('ratio divides to three decimals and is null without both figures', () => {
  assert.equal(ratio(250, 1000), 0.25);
  assert.equal(ratio(1, 3), 0.333);
  assert.equal(ratio(10, 0), null);
  assert.equal(ratio(null, 100), null);
  assert.equal(ratio(10, undefined), null);
  assert.equal(ratio(Number.NaN, 100), null);
});

test('perRequest divides each process CPU time by the requests and keeps peak RSS', () => {
  const r = perRequest({ envoy: { cpuSeconds: 2, peakRssBytes: 80 * 2 ** 20 }, services: { cpuSeconds: 10, peakRssBytes: 300 * 2 ** 20 } }, 1000);
  assert.deepEqual(r.cpuSecondsPerRequest, { envoy: 0.002, services: 0.01 });
  assert.deepEqual(r.peakRssBytes, { envoy: 80 * 2 ** 20, services: 300 * 2 ** 20 });
  assert.ok(Number.isNaN(perRequest({ envoy: { cpuSeconds: 1, peakRssBytes: 1 } }, 0).cpuSecondsPerRequest['envoy']));
});

const result: ScenarioResult = {
  key: 'product-detail', name: 'product detail', mode: 'one-core', load: load(1234.5, 12345),
  parts: { 'checkout call alone': load(10, 100) },
  cpuSecondsPerRequest: { envoy: 0.0002, services: 0.0015 }, peakRssBytes: { envoy: 81 * 2 ** 20, services: 300 * 2 ** 20 },
  ceilings: [{ name: 'echoViaEnvoy', requestsPerSecond: 5000, ratio: 0.247 }],
};

test('scenarioTable prints one row per scenario and part, with the ceiling ratio', () => {
  const lines = scenarioTable([result]).split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^\| scenario \| CPU mode \| tool \| conns \| req\/s \| p50 ms \| p95 ms \| p99 ms \| errors \| vs ceiling \|$/);
  assert.equal(lines[2], '| product detail | one-core | wrk | 10 | 1234.5 | 4.50 | 9.25 | 12.00 | 2 | 0.247 of echoViaEnvoy (5000/s) |');
  assert.match(lines[3]!, /^\| ↳ checkout call alone \| one-core \| wrk \| 10 \| 10\.0 \|/);
  for (const l of lines) assert.equal(l.split('|').length, lines[0]!.split('|').length, `same column count: ${l}`);
});

test('scenarioTable shows a dash when no ceiling was measured', () => {
  const row = scenarioTable([{ ...result, ceilings: [], parts: undefined }]).split('\n')[2]!;
  assert.match(row, /\| 2 \| – \|$/);
});

test('resourceTable shows CPU ms per request and peak MiB per process', () => {
  const lines = resourceTable([result]).split('\n');
  assert.equal(lines[0], '| scenario | CPU mode | envoy CPU ms/req | services CPU ms/req | envoy peak MiB | services peak MiB |');
  assert.equal(lines[2], '| product detail | one-core | 0.200 | 1.500 | 81 | 300 |');
});

test('keyValueTable lists the entries under a title row', () => {
  assert.equal(keyValueTable('also', [['a', '1'], ['b', '2']]), '| also | |\n|---|---|\n| a | 1 |\n| b | 2 |');
});
