// Runs an autocannon flow (autocannon-flows.ts) in a child process, under
// `taskset -c <cpus>` when given so the load generator stays off the server core,
// and turns its raw timings into LoadResults.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../harness/stack.js';
import type { FlowSpec, FlowTimings } from './autocannon-flows.js';
import type { LoadResult } from './load-result.js';
import { latencySummary } from './stats.js';

export function runAutocannon(spec: FlowSpec, workDir: string, cpus?: string): Promise<FlowTimings> {
  const specFile = join(workDir, `autocannon-${spec.flow}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const node = [process.execPath, '--import', 'tsx', join(ROOT, 'tools/bench/autocannon-flows.ts'), specFile];
  return new Promise((resolvePromise, reject) => {
    const child = cpus ? spawn('taskset', ['-c', cpus, ...node], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(node[0]!, node.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('AUTOCANNONJSON '));
      if (code !== 0 || !line) reject(new Error(`autocannon (${spec.flow}) exited ${code}: ${out.slice(-500)}`));
      else resolvePromise(JSON.parse(line.slice('AUTOCANNONJSON '.length)) as FlowTimings);
    });
  });
}

/** Every request of the run as one LoadResult. */
export function requestsResult(t: FlowTimings, connections: number): LoadResult {
  return { tool: 'autocannon', connections, durationS: t.durationS, requests: t.requests, requestsPerSecond: +(t.requests / t.durationS).toFixed(1), latencyMs: latencySummary(t.requestMs), errors: t.errors };
}

/** Whole checkout flows (or the checkout call alone) as a LoadResult: one "request" is one confirmed order. */
export function flowResult(t: FlowTimings, connections: number, which: 'flowMs' | 'checkoutMs'): LoadResult {
  const n = t[which].length;
  return { tool: 'autocannon', connections, durationS: t.durationS, requests: n, requestsPerSecond: +(n / t.durationS).toFixed(1), latencyMs: latencySummary(t[which]), errors: t.flowErrors };
}
