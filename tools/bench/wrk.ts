// wrk runs shared by the benchmarks: a bounded load through the edge, its summary
// read back as one JSON line printed by a Lua hook.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
}

const luaString = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here (no \u escapes for ASCII)

function requestLua(load: WrkLoad): string {
  if (!load.method) return '';
  const body = load.json === undefined ? '' : `wrk.body = ${luaString(JSON.stringify(load.json))}\nwrk.headers["content-type"] = "application/json"\n`;
  return `wrk.method = ${luaString(load.method)}\n${body}`;
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
  return new Promise((resolvePromise, reject) => {
    const child = spawn('wrk', ['-t', '2', '-c', String(load.connections), '-d', `${load.durationS}s`, '--timeout', '5s', '-s', script, load.url], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** A short run whose figures are thrown away: JIT, caches and connections warm up. */
export async function warmUp(load: WrkLoad, workDir: string): Promise<void> {
  await runWrk(load, workDir).catch(() => undefined);
}

/** The figures every benchmark reports, in milliseconds. */
export function latencyMs(r: WrkResult) {
  const ms = (us: number) => +(us / 1000).toFixed(2);
  return { mean: ms(r.latencyUs.mean), p50: ms(r.latencyUs.p50), p95: ms(r.latencyUs.p95), p99: ms(r.latencyUs.p99), max: ms(r.latencyUs.max) };
}
