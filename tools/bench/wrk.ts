// wrk runs shared by the benchmarks: a bounded load through the edge, its summary
// read back as one JSON line printed by a Lua hook.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load-result.js';
import { cpuCount, pinned } from './pin.js';

export interface WrkResult {
  requests: number;
  durationUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { mean: number; p50: number; p95: number; p99: number; max: number };
}

/** What to send: GET by default, or a method with a JSON body. */
export interface WrkLoad {
  url: string;
  connections: number;
  durationS: number;
  method?: string;
  json?: unknown;
  /** Headers on every request (e.g. authorization). */
  headers?: Record<string, string>;
  /** Lua placed before the report hook, e.g. a `request()` choosing a random path. */
  lua?: string;
  /** Run wrk under `taskset -c <cpus>` (the load core). */
  cpus?: string;
}

const luaString = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here (no \u escapes for ASCII)

function requestLua(load: WrkLoad): string {
  const headers = Object.entries(load.headers ?? {}).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}\n`).join('');
  if (!load.method) return headers + (load.lua ?? '');
  const body = load.json === undefined ? '' : `wrk.body = ${luaString(JSON.stringify(load.json))}\nwrk.headers["content-type"] = "application/json"\n`;
  return `wrk.method = ${luaString(load.method)}\n${body}${headers}${load.lua ?? ''}`;
}

/** A Lua `request()` that sends GET to a random path of `paths` (each a path with its query). */
export function randomPathLua(paths: string[]): string {
  return `local paths = {${paths.map(luaString).join(',')}}
math.randomseed(os.time())
request = function()
  return wrk.format(nil, paths[math.random(#paths)])
end
`;
}

/** The wrk summary line's JSON (prefixed WRKJSON) from wrk's output; null when missing. */
export function parseWrkOutput(out: string): WrkResult | null {
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  return line ? (JSON.parse(line.slice('WRKJSON '.length)) as WrkResult) : null;
}

/** wrk's figures in the shape every load tool reports. */
export function wrkToLoadResult(r: WrkResult, connections: number): LoadResult {
  const durationS = r.durationUs / 1e6;
  return {
    tool: 'wrk',
    connections,
    durationS: +durationS.toFixed(2),
    requests: r.requests,
    requestsPerSecond: +(r.requests / durationS).toFixed(1),
    latencyMs: latencyMs(r),
    errors: Object.values(r.errors).reduce((a, b) => a + b, 0),
  };
}

/**
 * wrk's arguments: one thread per CPU it is pinned to (two unpinned; on one core a
 * second thread only adds context switches), never more threads than connections.
 */
export function wrkArgs(load: WrkLoad, script: string): string[] {
  const threads = Math.min(load.cpus ? cpuCount(load.cpus) : 2, load.connections);
  return ['-t', String(threads), '-c', String(load.connections), '-d', `${load.durationS}s`, '--timeout', '5s', '-s', script, load.url];
}

/** Runs wrk with a Lua hook that prints its summary as one JSON line. */
export function runWrk(load: WrkLoad, workDir: string): Promise<WrkResult> {
  const script = join(workDir, 'report.lua');
  writeFileSync(script, `${requestLua(load)}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latencyUs":{"mean":%f,"p50":%d,"p95":%d,"p99":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
`);
  const { command, args } = pinned(load.cpus, 'wrk', wrkArgs(load, script));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      const result = parseWrkOutput(out);
      if (code !== 0 || !result) reject(new Error(`wrk exited ${code}: ${out}`));
      else resolvePromise(result);
    });
  });
}

/** A short run whose figures are thrown away: JIT, caches and connections warm up. */
export async function warmUp(load: WrkLoad, workDir: string): Promise<void> {
  await runWrk(load, workDir).catch(() => undefined);
}

/** The figures every benchmark reports, in milliseconds. */
export function latencyMs(r: WrkResult): LoadResult['latencyMs'] {
  const ms = (us: number) => +(us / 1000).toFixed(2);
  return { mean: ms(r.latencyUs.mean), p50: ms(r.latencyUs.p50), p95: ms(r.latencyUs.p95), p99: ms(r.latencyUs.p99), max: ms(r.latencyUs.max) };
}
