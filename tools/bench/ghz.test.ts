import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ghzArgs, ghzLoadResult, type GhzReport } from './ghz.js';

// Trimmed from a real ghz v0.93.0 --format json report (durations in nanoseconds).
const REPORT: GhzReport = {
  count: 20,
  total: 71_581_550,
  average: 7_068_519,
  slowest: 38_942_407,
  rps: 279.4016055813265,
  statusCodeDistribution: { OK: 17, Unavailable: 2, DeadlineExceeded: 1 },
  latencyDistribution: [
    { percentage: 10, latency: 1_204_345 },
    { percentage: 50, latency: 2_114_314 },
    { percentage: 95, latency: 35_447_206 },
    { percentage: 99, latency: 38_942_407 },
  ],
};

describe('ghz report -> LoadResult', () => {
  it('turns nanoseconds into milliseconds and keeps rate and count', () => {
    const r = ghzLoadResult(REPORT, 4);
    assert.deepEqual(r, {
      tool: 'ghz',
      connections: 4,
      durationS: 0.072,
      requests: 20,
      requestsPerSecond: 279.4,
      latencyMs: { mean: 7.069, p50: 2.114, p95: 35.447, p99: 38.942, max: 38.942 },
      errors: 3,
    });
  });

  it('counts every status but OK as an error', () => {
    assert.equal(ghzLoadResult({ ...REPORT, statusCodeDistribution: { OK: 20 } }, 1).errors, 0);
    assert.equal(ghzLoadResult({ ...REPORT, statusCodeDistribution: { Unimplemented: 20 } }, 1).errors, 20);
  });

  it('reports zero latencies when no call succeeded (ghz gives no distribution then)', () => {
    const r = ghzLoadResult({ ...REPORT, latencyDistribution: null, statusCodeDistribution: { Unavailable: 20 } }, 1);
    assert.deepEqual([r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99], [0, 0, 0]);
    assert.equal(r.errors, 20);
  });
});

describe('ghz command line', () => {
  const base = { host: '127.0.0.1:5000', call: 'bench.echo.v1.EchoService/Echo', connections: 8, durationS: 10 };
  const flag = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

  it('opens as many connections as requests in flight, one each, like wrk -c', () => {
    const args = ghzArgs({ ...base, schema: { reflection: true } }, '/tmp/out.json');
    assert.equal(flag(args, '--concurrency'), '8');
    assert.equal(flag(args, '--connections'), '8');
    assert.equal(flag(args, '--duration'), '10s');
    assert.equal(flag(args, '--output'), '/tmp/out.json');
    assert.equal(args.at(-1), '127.0.0.1:5000');
  });

  it('uses reflection unless given a proto file or a descriptor set', () => {
    const reflection = ghzArgs({ ...base, schema: { reflection: true } }, 'o');
    assert.ok(!reflection.includes('--proto') && !reflection.includes('--protoset'));
    const protoset = ghzArgs({ ...base, schema: { protoset: 'envoy/descriptor.binpb' } }, 'o');
    assert.equal(flag(protoset, '--protoset'), 'envoy/descriptor.binpb');
    const proto = ghzArgs({ ...base, schema: { proto: 'echo.proto', importPaths: ['a', 'b'] } }, 'o');
    assert.equal(flag(proto, '--proto'), 'echo.proto');
    assert.equal(flag(proto, '--import-paths'), 'a,b');
  });

  it('sends data and metadata as JSON and caps Go threads to the pinned CPUs', () => {
    const args = ghzArgs({ ...base, schema: { reflection: true }, data: { id: 'p1' }, metadata: { authorization: 'Bearer t' }, cpus: '1' }, 'o');
    assert.equal(flag(args, '--data'), '{"id":"p1"}');
    assert.equal(flag(args, '--metadata'), '{"authorization":"Bearer t"}');
    assert.equal(flag(args, '--cpus'), '1');
  });

  it('refuses more connections than requests in flight', () => {
    assert.throws(() => ghzArgs({ ...base, concurrency: 4, schema: { reflection: true } }, 'o'), /connections/);
  });
});
