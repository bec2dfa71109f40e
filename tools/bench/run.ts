// `npm run bench [-- --long] [--cpu one-core|both-cores] [--connections N] [--out file.json]
//                [--duration S] [--warmup S] [--products N] [--stocked N] [--orders N] [--scale-out]
//                [--cold-start | --no-cold-start] [--only key,key]`
//
// The benchmark suite (issue 9). Short mode (default, under 5 minutes): one-core CPU
// mode, ~10 s per scenario. Long mode: both CPU modes, longer runs, and scale-out
// (catalog as 2 processes behind Envoy vs 1). Each CPU mode gets its own isolated stack
// (loopback, temp folder), a seeded catalog (products with variants, categories, brands,
// stock: 10,000 products in both modes; stock for every SKU in long mode, for 3,000 spread
// over the catalog in short), the measured ceilings, then every scenario warmed up and
// measured: requests/s, p50/p95/p99, errors, CPU seconds per request and peak RSS of
// each server process, and the ratio to the matching ceiling. Also the cold start of
// `npm start` (long mode or --cold-start). Writes JSON and Markdown
// (.tmp/bench/<time>.{json,md} by default) and prints the Markdown.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, servicesNode, type Stack } from '../harness/stack.js';
import { startBenchStack } from './bench-stack.js';
import { call, seedCatalog, type SeededCatalog } from './catalog-seed.js';
import { measureCeilings, type Ceilings } from './ceilings/index.js';
import { measureColdStart, type ColdStart } from './cold-start.js';
import { pinTrees, rssNow, startUsage, type ServerProcess } from './procs.js';
import { keyValueTable, perRequest, ratio, resourceTable, scenarioTable, type CeilingRef, type CpuMode, type ScenarioResult } from './report.js';
import { prepareScenarioData, scenarios, type Scenario } from './scenarios.js';

const { values: opts } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    cpu: { type: 'string' },
    connections: { type: 'string', default: '10' },
    out: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    products: { type: 'string' },
    stocked: { type: 'string' },
    orders: { type: 'string' },
    'scale-out': { type: 'boolean', default: false },
    'cold-start': { type: 'boolean' },
    'no-cold-start': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});

const LONG = opts.long!;
if (opts.cpu && opts.cpu !== 'one-core' && opts.cpu !== 'both-cores') throw new Error('--cpu is one-core or both-cores');
const MODES: CpuMode[] = opts.cpu ? [opts.cpu as CpuMode] : LONG ? ['one-core', 'both-cores'] : ['one-core'];
const CONNECTIONS = Number(opts.connections);
// Short mode: ~10 s per scenario (2 s warm-up + 8 s measured), so a run fits in 5 minutes.
const DURATION_S = Number(opts.duration ?? (LONG ? 45 : 8));
const WARMUP_S = Number(opts.warmup ?? (LONG ? 10 : 2));
const CEILING_S = LONG ? 20 : 5;
// 10,000 products in both modes (--products overrides).
const PRODUCTS = Number(opts.products ?? 10_000);
// Short mode books stock for a spread of SKUs only (see seedCatalog); long mode for every one.
const STOCKED = opts.stocked !== undefined ? Number(opts.stocked) : LONG ? Infinity : 3_000;
// Enough to fill the 20-item order history page; placed one after another (a customer has one cart).
const ORDERS = Number(opts.orders ?? (LONG ? 30 : 20));
// The cold start of npm start costs ~40 s on a busy machine: long mode, or --cold-start.
const COLD_START = !opts['no-cold-start'] && (opts['cold-start'] ?? LONG);
const SCALE_OUT = LONG || opts['scale-out']!;
const ONLY = opts.only ? new Set(opts.only.split(',')) : null;
const STAMP = new Date().toISOString().replace(/[:.]/g, '-');
const OUT = resolve(opts.out ?? join(ROOT, '.tmp', 'bench', `${STAMP}.json`));
const SERVER_CPUS = '0';
const LOAD_CPUS = '1';
// Shoppers come from one loopback address; the per-IP account limits would be what we measure.
const SERVICE_ENV = { SHOP_ACCOUNT_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1,::1' };

const log = (line: string) => process.stdout.write(`${line}\n`);

const CEILING_KEYS = ['echoDirect', 'echoViaEnvoy', 'mongooseFind', 'mongooseInsert'] as const;

interface ModeRun {
  mode: CpuMode;
  envoyConcurrency: number;
  pinned: { servers: string; load: string } | null;
  seed: SeededCatalog['timingsMs'] & { products: number; skus: number; stockedSkus: number; customerOrders: number; payment: string };
  ceilings: Ceilings | null;
  servicesRss: { idleFreshBytes: number; idleSeededBytes: number; peakUnderLoadBytes: number };
  scenarios: ScenarioResult[];
}

async function waitForSearchIndex(stack: Stack, count: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const body = await call<{ totalSize?: number }>(stack.edgeUrl, 'GET', '/v1/search/products?page_size=1');
    if ((body.totalSize ?? 0) >= count) return Math.round(performance.now() - started);
    if (performance.now() - started > 180_000) throw new Error(`search holds ${body.totalSize} of ${count} products after 3 minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Warm-up (thrown away), then the measured run with every server's CPU and RSS sampled. */
async function measure(s: Scenario, mode: CpuMode, servers: ServerProcess[], ceilings: Ceilings | null): Promise<ScenarioResult> {
  log(`  ${s.name}: warm-up ${WARMUP_S} s, then ${DURATION_S} s`);
  await s.prepare?.();
  await s.run(WARMUP_S).catch((err: Error) => log(`    warm-up failed: ${err.message.slice(0, 300)}`));
  const usage = startUsage(servers);
  const run = await s.run(DURATION_S);
  const used = usage.stop();
  const refs: CeilingRef[] = ceilings ? s.ceilings.map((name) => {
    const c = ceilings[name as (typeof CEILING_KEYS)[number]];
    return { name, requestsPerSecond: c.requestsPerSecond, ratio: ratio(run.load.requestsPerSecond, c.requestsPerSecond) };
  }) : [];
  const l = run.load;
  log(`    ${l.requestsPerSecond}/s  p50 ${l.latencyMs.p50} ms  p95 ${l.latencyMs.p95} ms  p99 ${l.latencyMs.p99} ms  errors ${l.errors}`);
  return { key: s.key, name: s.name, mode, load: run.load, ...(run.parts ? { parts: run.parts } : {}), ...perRequest(used, run.load.requests), ceilings: refs, ...(run.note ? { note: run.note } : {}) };
}

/** One stack in one CPU mode: pin, ceilings, seed, scenario data, every scenario. */
async function runMode(mode: CpuMode, replicas?: { catalog: number }, only?: Set<string> | null): Promise<ModeRun> {
  const envoyConcurrency = mode === 'one-core' ? 1 : 2;
  const b = await startBenchStack(`suite-${mode}${replicas ? '-scale-out' : ''}`, SERVICE_ENV, { envoyConcurrency, ...(replicas ? { replicas } : {}) });
  let failed = true;
  try {
    const { stack, workDir } = b;
    const servers: ServerProcess[] = stack.processes.map((p) => ({ name: p.name, pid: p.pid }));
    const idle = rssNow(servers);
    log(`seeding ${PRODUCTS} products with variants, categories, brands and stock`);
    const seedStarted = performance.now();
    const seeded = await seedCatalog(stack.edgeUrl, PRODUCTS, log, STOCKED);
    const indexMs = await waitForSearchIndex(stack, PRODUCTS);
    log(`  search held every product ${indexMs} ms after the import`);
    const data = await prepareScenarioData(stack, seeded, CONNECTIONS, replicas ? 1 : ORDERS, log);
    log(`  carts and ${data.customerOrders} customer orders ready (payment provider ${data.payment.provider}); seeding took ${((performance.now() - seedStarted) / 1000).toFixed(1)} s in all`);
    const idleSeeded = rssNow(servers);
    // Seeding ran on both cores (it is not measured against anything); from here on the pinning holds.
    if (mode === 'one-core') pinTrees(servers, SERVER_CPUS);
    const loadCpus = mode === 'one-core' ? LOAD_CPUS : undefined;
    log('  measuring the ceilings');
    const ceilings = replicas ? null : await measureCeilings({
      workDir, mongoUrl: stack.env['SHOP_MONGO_URL']!, durationS: CEILING_S, connections: CONNECTIONS, envoyConcurrency,
      ...(mode === 'one-core' ? { serverCpus: SERVER_CPUS, loadCpus: LOAD_CPUS } : {}),
    });
    const all = scenarios({ stack, workDir, seeded, data, connections: CONNECTIONS, loadCpus, catalogAddr: stack.env['SHOP_CATALOG_ADDR']! });
    const results: ScenarioResult[] = [];
    for (const s of all.filter((x) => !only || only.has(x.key))) results.push(await measure(s, mode, servers, ceilings));
    const peak = Math.max(...results.map((r) => r.peakRssBytes['services'] ?? 0));
    failed = false;
    return {
      mode, envoyConcurrency, pinned: mode === 'one-core' ? { servers: SERVER_CPUS, load: LOAD_CPUS } : null,
      seed: { ...seeded.timingsMs, products: seeded.products.length, skus: seeded.skuCount, stockedSkus: seeded.skus.length, customerOrders: data.customerOrders, payment: data.payment.provider },
      ceilings, servicesRss: { idleFreshBytes: idle['services'] ?? 0, idleSeededBytes: idleSeeded['services'] ?? 0, peakUnderLoadBytes: peak }, scenarios: results,
    };
  } finally {
    await b.finish(failed);
  }
}

const suiteStarted = performance.now();
const runs: ModeRun[] = [];
let coldStart: ColdStart | null = null;
let scaleOut: { mode: CpuMode; note: string; oneProcess: ScenarioResult | null; twoProcesses: ScenarioResult; ratio: number | null } | null = null;
try {
  if (COLD_START) {
    log('cold start of npm start (tools/start.ts, temp data folder, free ports)');
    coldStart = await measureColdStart();
    log(`  first successful GET /v1/products after ${coldStart.firstRequestMs} ms`);
  }
  for (const mode of MODES) {
    log(`\n== ${mode} (${mode === 'one-core' ? `servers on core ${SERVER_CPUS}, Envoy --concurrency 1, load on core ${LOAD_CPUS}` : 'nothing pinned, Envoy --concurrency 2'})`);
    runs.push(await runMode(mode, undefined, ONLY));
  }
  if (SCALE_OUT) {
    const mode = MODES[MODES.length - 1]!;
    log(`\n== scale-out (${mode}): catalog as 2 processes behind Envoy, product detail`);
    const run = await runMode(mode, { catalog: 2 }, new Set(['product-detail']));
    // Compared with the ceiling measured on the same mode's single-process stack.
    const viaEnvoy = runs.find((r) => r.mode === mode)?.ceilings?.echoViaEnvoy;
    const twoLoad = run.scenarios[0]!.load;
    const two: ScenarioResult = {
      ...run.scenarios[0]!, name: `${run.scenarios[0]!.name}, catalog x2`,
      ceilings: viaEnvoy ? [{ name: 'echoViaEnvoy', requestsPerSecond: viaEnvoy.requestsPerSecond, ratio: ratio(twoLoad.requestsPerSecond, viaEnvoy.requestsPerSecond) }] : [],
    };
    const one = runs.find((r) => r.mode === mode)?.scenarios.find((s) => s.key === 'product-detail') ?? null;
    scaleOut = {
      mode,
      note: 'Envoy balances edge traffic over both catalog processes; other services call catalog replica 1 only',
      oneProcess: one, twoProcesses: two, ratio: ratio(two.load.requestsPerSecond, one?.load.requestsPerSecond),
    };
  }
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}

const totalWallS = Math.round((performance.now() - suiteStarted) / 100) / 10;
const report = {
  suite: 'shopmesh bench',
  time: new Date().toISOString(),
  mode: LONG ? 'long' : 'short',
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGb: Math.round(totalmem() / 2 ** 30), loadAvgAtEnd: loadavg().map((l) => +l.toFixed(2)), node: process.version, servicesNode: execFileSync(servicesNode(), ['--version'], { encoding: 'utf8' }).trim() },
  options: { connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, ceilingDurationS: CEILING_S, products: PRODUCTS, customerOrders: ORDERS },
  coldStart,
  runs,
  scaleOut,
  totalWallS,
};

const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
const md: string[] = [`# shopmesh benchmarks (${report.mode} mode, ${report.time})`, ''];
md.push(`${CONNECTIONS} connections per scenario, ${DURATION_S} s measured after ${WARMUP_S} s warm-up; loopback; machine: ${report.machine.cpus} cores (${report.machine.cpuModel}), ${report.machine.memoryGb} GiB, services on Node ${report.machine.servicesNode}, load average at end ${report.machine.loadAvgAtEnd.join(' ')}.`, '');
const all = [...runs.flatMap((r) => r.scenarios), ...(scaleOut ? [scaleOut.twoProcesses] : [])];
md.push(scenarioTable(all), '', resourceTable(all), '');
const facts: [string, string][] = [];
facts.push(['cold start of npm start to first 200', coldStart ? `${coldStart.firstRequestMs} ms` : 'not measured (--cold-start or --long)']);
for (const r of runs) {
  facts.push([`seed (${r.mode})`, `${r.seed.products} products / ${r.seed.skus} SKUs (${r.seed.stockedSkus} stocked): import ${(r.seed.catalog / 1000).toFixed(1)} s, stock ${(r.seed.stock / 1000).toFixed(1)} s, total ${(r.seed.total / 1000).toFixed(1)} s; ${r.seed.customerOrders} customer orders, payment ${r.seed.payment}`]);
  facts.push([`services process RSS (${r.mode})`, `idle ${mib(r.servicesRss.idleFreshBytes)} just started, ${mib(r.servicesRss.idleSeededBytes)} seeded (before the scenarios), peak under load ${mib(r.servicesRss.peakUnderLoadBytes)}`]);
  for (const name of CEILING_KEYS) {
    const c = r.ceilings?.[name];
    if (!c) continue;
    const cpuMs = r.ceilings?.cpuMsPerRequest?.[name];
    facts.push([`ceiling ${name} (${r.mode})`, `${c.requestsPerSecond}/s, p50 ${c.latencyMs.p50} ms, p99 ${c.latencyMs.p99} ms, ${c.errors} errors (${c.tool}${cpuMs != null ? `; ${cpuMs.toFixed(3)} CPU ms/req` : ''})`]);
  }
}
if (scaleOut) facts.push(['scale-out: product detail, catalog x2 vs x1', `${scaleOut.twoProcesses.load.requestsPerSecond}/s vs ${scaleOut.oneProcess?.load.requestsPerSecond ?? '–'}/s (ratio ${scaleOut.ratio ?? '–'}; ${scaleOut.note})`]);
facts.push(['total wall time', `${totalWallS} s`]);
md.push(keyValueTable('also measured', facts), '');
const markdown = md.join('\n');

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n');
writeFileSync(OUT.replace(/\.json$/, '') + '.md', markdown + '\n');
log(`\n${markdown}`);
log(`written to ${OUT} and ${OUT.replace(/\.json$/, '')}.md`);
process.exit(process.exitCode ?? 0);
