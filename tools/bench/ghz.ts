// ghz runs shared by the benchmarks: a bounded unary gRPC load straight at a
// service (no edge), its JSON report read back as a LoadResult.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpuCount, pinned } from './pin.js';
import type { LoadResult } from './load-result.js';

const GHZ = resolve(import.meta.dirname, '../../.tools/bin/ghz');

/** Where ghz learns the method's messages from. */
export type GhzSchema =
  /**
   * A .proto file. Not for protos importing google/api from google-proto-files: its
   * google/protobuf/descriptor.proto is newer than ghz's parser reads; use a protoset.
   */
  | { proto: string; importPaths?: string[] }
  /** A descriptor set file, e.g. envoy/descriptor.binpb. */
  | { protoset: string }
  /** The server's reflection service (our services have it; bare servers do not). */
  | { reflection: true };

export interface GhzLoad {
  /** host:port, plaintext. */
  host: string;
  /** Fully qualified method: 'shop.catalog.v1.CatalogService/GetProduct'. */
  call: string;
  schema: GhzSchema;
  /** The request message as JSON (proto3 JSON names). */
  data?: unknown;
  /** gRPC metadata, e.g. { authorization: 'Bearer ...' }. */
  metadata?: Record<string, string>;
  /**
   * HTTP/2 connections, each with one request in flight (ghz -c and --connections
   * both set to this): the same shape as wrk's -c, one outstanding request per
   * connection, so direct and edge figures compare.
   */
  connections: number;
  /** Requests in flight in all, spread over the connections; default `connections`. */
  concurrency?: number;
  durationS: number;
  /** taskset -c list for ghz itself; also caps its Go threads (--cpus) to that many. */
  cpus?: string;
}

/** The part of ghz's JSON report we read (durations are Go time.Duration: nanoseconds). */
export interface GhzReport {
  count: number;
  total: number;
  average: number;
  slowest: number;
  rps: number;
  statusCodeDistribution?: Record<string, number>;
  errorDistribution?: Record<string, number>;
  latencyDistribution?: Array<{ percentage: number; latency: number }> | null;
}

/** ghz's command line for a load, writing its JSON report to `outFile`. */
export function ghzArgs(load: GhzLoad, outFile: string): string[] {
  const concurrency = load.concurrency ?? load.connections;
  if (!(load.connections >= 1 && concurrency >= load.connections)) throw new Error('ghz: need 1 <= connections <= concurrency');
  const args = ['--insecure', '--call', load.call];
  const s = load.schema;
  if ('proto' in s) args.push('--proto', s.proto, ...(s.importPaths?.length ? ['--import-paths', s.importPaths.join(',')] : []));
  else if ('protoset' in s) args.push('--protoset', s.protoset);
  // Without --proto or --protoset ghz asks the server's reflection service.
  if (load.data !== undefined) args.push('--data', JSON.stringify(load.data));
  if (load.metadata) args.push('--metadata', JSON.stringify(load.metadata));
  args.push(
    '--concurrency', String(concurrency),
    '--connections', String(load.connections),
    '--duration', `${load.durationS}s`,
    // Calls still in flight when the time is up are cancelled: leave them out of the
    // figures instead of counting them as errors.
    '--duration-stop', 'ignore',
    '--timeout', '5s',
    '--format', 'json',
    '--output', outFile,
  );
  if (load.cpus) args.push('--cpus', String(cpuCount(load.cpus)));
  args.push(load.host);
  return args;
}

/** ghz's report as a LoadResult: every status but OK counts as an error. */
export function ghzLoadResult(report: GhzReport, connections: number): LoadResult {
  const ms = (ns: number) => Math.round(ns / 1000) / 1000;
  const at = (p: number) => ms(report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? 0);
  const errors = Object.entries(report.statusCodeDistribution ?? {}).reduce((n, [status, count]) => (status === 'OK' ? n : n + count), 0);
  return {
    tool: 'ghz',
    connections,
    durationS: Math.round(report.total / 1e6) / 1000,
    requests: report.count,
    requestsPerSecond: Math.round(report.rps * 10) / 10,
    latencyMs: { mean: ms(report.average), p50: at(50), p95: at(95), p99: at(99), max: ms(report.slowest) },
    errors,
  };
}

/** Runs ghz once (pinned to `cpus` when given) and reads its report. */
export async function runGhz(load: GhzLoad, workDir: string): Promise<LoadResult> {
  const outFile = join(workDir, `ghz-${process.pid}-${Date.now()}.json`);
  const { command, args } = pinned(load.cpus, GHZ, ghzArgs(load, outFile));
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`ghz exited ${code}: ${stderr.trim()}`))));
  });
  try {
    // The report lists every call (up to a million); only the summary is kept.
    const report = JSON.parse(readFileSync(outFile, 'utf8')) as GhzReport;
    const result = ghzLoadResult(report, load.connections);
    // LoadResult only counts errors; say which, so a failing scenario can be told from a slow one.
    if (result.errors > 0) process.stderr.write(`ghz ${load.call}: ${result.errors} errors ${JSON.stringify(report.errorDistribution ?? {})}\n`);
    return result;
  } finally {
    rmSync(outFile, { force: true });
  }
}
