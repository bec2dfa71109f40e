// gRPC load with ghz (installed by setup in .tools/bin), straight to a service.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../harness/stack.js';
import type { LoadResult } from './load-result.js';

export interface GhzLoad {
  /** host:port of the gRPC server. */
  target: string;
  /** Fully qualified method, e.g. shop.catalog.v1.CatalogService.GetProduct. */
  call: string;
  /** Request messages (JSON); ghz sends them round robin. */
  data: unknown[];
  connections: number;
  durationS: number;
  cpus?: string;
  metadata?: Record<string, string>;
}

interface GhzReport {
  count: number;
  total: number; // ns
  average: number; // ns
  slowest: number; // ns
  rps: number;
  latencyDistribution: { percentage: number; latency: number }[] | null;
  statusCodeDistribution?: Record<string, number>;
}

/**
 * ghz's JSON report as a LoadResult. Errors are every status but OK and Canceled: ghz
 * cancels the calls in flight when the duration ends, which are not the server's errors.
 */
export function ghzToLoadResult(r: GhzReport, connections: number): LoadResult {
  const ms = (ns: number) => +(ns / 1e6).toFixed(2);
  const at = (p: number) => ms(r.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? NaN);
  const errors = Object.entries(r.statusCodeDistribution ?? {}).filter(([code]) => code !== 'OK' && code !== 'Canceled').reduce((a, [, n]) => a + n, 0);
  return {
    tool: 'ghz', connections, durationS: +(r.total / 1e9).toFixed(2), requests: r.count, requestsPerSecond: +r.rps.toFixed(1),
    latencyMs: { mean: ms(r.average), p50: at(50), p95: at(95), p99: at(99), max: ms(r.slowest) },
    errors,
  };
}

export function runGhz(load: GhzLoad, workDir: string): Promise<LoadResult> {
  const dataFile = join(workDir, 'ghz-data.json');
  writeFileSync(dataFile, JSON.stringify(load.data));
  const args = ['--insecure', '--protoset', join(ROOT, 'envoy/descriptor.binpb'), '--call', load.call, '-D', dataFile,
    '-c', String(load.connections), '--connections', String(load.connections), '-z', `${load.durationS}s`, '--format', 'json'];
  if (load.metadata) args.push('-m', JSON.stringify(load.metadata));
  args.push(load.target);
  const ghz = join(ROOT, '.tools/bin/ghz');
  return new Promise((resolvePromise, reject) => {
    const child = load.cpus ? spawn('taskset', ['-c', load.cpus, ghz, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(ghz, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        const report = JSON.parse(out) as GhzReport;
        const result = ghzToLoadResult(report, load.connections);
        if (result.errors > 0) process.stdout.write(`    ghz status codes: ${JSON.stringify(report.statusCodeDistribution)}\n`);
        resolvePromise(result);
      } catch {
        reject(new Error(`ghz exited ${code}: ${out.slice(0, 500)}`));
      }
    });
  });
}
