// The suite's output: one JSON document and the same figures as Markdown tables.
import type { LoadResult } from './load-result.js';
import type { Usage } from './procs.js';

export type CpuMode = 'one-core' | 'both-cores';

export interface CeilingRef {
  /** Which ceiling: echoViaEnvoy, echoDirect, mongooseInsert, ... */
  name: string;
  requestsPerSecond: number;
  /** The scenario's requests/s divided by the ceiling's. */
  ratio: number | null;
}

export interface ScenarioResult {
  key: string;
  name: string;
  mode: CpuMode;
  load: LoadResult;
  /** Further views of the same run (checkout: every request, the checkout call alone). */
  parts?: Record<string, LoadResult>;
  /** CPU seconds each server process (its whole tree) spent per request of `load`. */
  cpuSecondsPerRequest: Record<string, number>;
  peakRssBytes: Record<string, number>;
  ceilings: CeilingRef[];
  note?: string;
}

/** a / b, to three decimals; null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/** Usage over a run turned into CPU seconds per request and peak RSS per process. */
export function perRequest(usage: Record<string, Usage>, requests: number): { cpuSecondsPerRequest: Record<string, number>; peakRssBytes: Record<string, number> } {
  const cpu: Record<string, number> = {};
  const rss: Record<string, number> = {};
  for (const [name, u] of Object.entries(usage)) {
    cpu[name] = requests > 0 ? +(u.cpuSeconds / requests).toPrecision(3) : NaN;
    rss[name] = u.peakRssBytes;
  }
  return { cpuSecondsPerRequest: cpu, peakRssBytes: rss };
}

const fmt = (n: number | null | undefined, digits = 1) => (n == null || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const mb = (bytes: number | undefined) => (bytes == null ? '–' : String(Math.round(bytes / 2 ** 20)));

/** The main table: throughput, latency, errors and the ratio to each matching ceiling. */
export function scenarioTable(results: ScenarioResult[]): string {
  const rows = ['| scenario | CPU mode | tool | conns | req/s | p50 ms | p95 ms | p99 ms | errors | vs ceiling |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    const ceilings = r.ceilings.map((c) => `${fmt(c.ratio, 3)} of ${c.name} (${fmt(c.requestsPerSecond, 0)}/s)`).join('; ') || '–';
    rows.push(`| ${r.name} | ${r.mode} | ${r.load.tool} | ${r.load.connections} | ${fmt(r.load.requestsPerSecond)} | ${fmt(r.load.latencyMs.p50, 2)} | ${fmt(r.load.latencyMs.p95, 2)} | ${fmt(r.load.latencyMs.p99, 2)} | ${r.load.errors} | ${ceilings} |`);
    for (const [part, l] of Object.entries(r.parts ?? {})) {
      rows.push(`| ↳ ${part} | ${r.mode} | ${l.tool} | ${l.connections} | ${fmt(l.requestsPerSecond)} | ${fmt(l.latencyMs.p50, 2)} | ${fmt(l.latencyMs.p95, 2)} | ${fmt(l.latencyMs.p99, 2)} | ${l.errors} | |`);
    }
  }
  return rows.join('\n');
}

/** CPU milliseconds per request and peak RSS (MiB) of each server process, per scenario. */
export function resourceTable(results: ScenarioResult[]): string {
  const procs = [...new Set(results.flatMap((r) => Object.keys(r.cpuSecondsPerRequest)))];
  if (procs.length === 0) return '';
  const rows = [
    `| scenario | CPU mode | ${procs.map((p) => `${p} CPU ms/req`).join(' | ')} | ${procs.map((p) => `${p} peak MiB`).join(' | ')} |`,
    `|---|---|${procs.map(() => '---|').join('')}${procs.map(() => '---|').join('')}`,
  ];
  for (const r of results) {
    const cpu = procs.map((p) => fmt((r.cpuSecondsPerRequest[p] ?? NaN) * 1000, 3));
    const rss = procs.map((p) => mb(r.peakRssBytes[p]));
    rows.push(`| ${r.name} | ${r.mode} | ${cpu.join(' | ')} | ${rss.join(' | ')} |`);
  }
  return rows.join('\n');
}

/** A two-column table of named figures. */
export function keyValueTable(title: string, entries: [string, string][]): string {
  return [`| ${title} | |`, '|---|---|', ...entries.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
