// wrk pinned to CPUs with one thread per CPU it may use. tools/bench/wrk.ts always
// runs two threads unpinned; with the load generator confined to one core a second
// thread only adds context switches. Meant to be folded into wrk.ts (a `cpus` option
// on WrkLoad) by whoever owns it; until then it prints the same WRKJSON line and
// returns the same WrkResult. GET only: that is all the ceilings send.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from '../load-result.js';
import { latencyMs, type WrkResult } from '../wrk.js';
import { cpuCount, pinned } from './pin.js';

export interface PinnedWrkLoad {
  url: string;
  connections: number;
  durationS: number;
  /** taskset -c list; unpinned with two threads when absent. */
  cpus?: string;
}

const SUMMARY_LUA = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latencyUs":{"mean":%f,"p50":%d,"p95":%d,"p99":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
`;

/** wrk's arguments: one thread per CPU it is pinned to (two unpinned), never more threads than connections. */
export function wrkArgs(load: PinnedWrkLoad, script: string): string[] {
  const threads = Math.min(load.cpus ? cpuCount(load.cpus) : 2, load.connections);
  return ['-t', String(threads), '-c', String(load.connections), '-d', `${load.durationS}s`, '--timeout', '5s', '-s', script, load.url];
}

/** Runs wrk once and reads the summary line its Lua hook prints. */
export function runWrkPinned(load: PinnedWrkLoad, workDir: string): Promise<WrkResult> {
  const script = join(workDir, 'wrk-summary.lua');
  writeFileSync(script, SUMMARY_LUA);
  const { command, args } = pinned(load.cpus, 'wrk', wrkArgs(load, script));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
      if (code !== 0 || !line) reject(new Error(`wrk exited ${code}: ${out}`));
      else resolvePromise(JSON.parse(line.slice('WRKJSON '.length)) as WrkResult);
    });
  });
}

/** A wrk summary as a LoadResult: socket errors, timeouts and non-2xx answers are errors. */
export function wrkLoadResult(r: WrkResult, connections: number): LoadResult {
  const e = r.errors;
  const seconds = r.durationUs / 1e6;
  return {
    tool: 'wrk',
    connections,
    durationS: Math.round(seconds * 1000) / 1000,
    requests: r.requests,
    requestsPerSecond: seconds > 0 ? Math.round((r.requests / seconds) * 10) / 10 : 0,
    latencyMs: latencyMs(r),
    errors: e.connect + e.read + e.write + e.status + e.timeout,
  };
}
