// `npx tsx tools/bench/catalog-reads.ts [-- --products N] [--duration S] [--connections C] [--pin] [--profile FILE]`
//
// Catalog read paths through Envoy (issue 9): GetProduct of random products of a seeded
// catalog (products with 2-3 variants), the first list page (all, and by category) and
// page 2 via page_token; then a direct gRPC GetProduct with ghz. With --pin every stack
// process runs on core 0 and the load generator on core 1 (the integrator's one-core
// mode). Prints rps, p50, p99 and the CPU ms per request of the services process.
// Products are inserted straight into the store (reads are what is measured); categories
// and a brand go through the API so references exist.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mongoose, { Types } from 'mongoose';
import { productModel } from '../../services/catalog/src/infra/models.js';
import { ROOT, type Stack } from '../harness/stack.js';
import { BENCH_ADMIN, runOnBenchStack } from './bench-stack.js';
import { call } from './catalog-seed.js';

const { values: opts } = parseArgs({
  options: {
    products: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    pin: { type: 'boolean', default: false },
    profile: { type: 'string' },
    only: { type: 'string', default: '' },
  },
});
const PRODUCTS = Number(opts.products);
const DURATION_S = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const log = (line: string) => process.stdout.write(`${line}\n`);


interface Seeded {
  ids: string[];
  categoryId: string;
}

async function seed(stack: Stack): Promise<Seeded> {
  const tokenRes = await fetch(`${stack.edgeUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: BENCH_ADMIN.email, password: BENCH_ADMIN.password }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const brand = await call(stack.edgeUrl, 'POST', '/v1/brands', { token, json: { name: 'Bench brand' } });
  const root = await call(stack.edgeUrl, 'POST', '/v1/categories', { token, json: { name: 'Bench root' } });
  const children: string[] = [];
  for (let i = 0; i < 5; i++) children.push((await call(stack.edgeUrl, 'POST', '/v1/categories', { token, json: { name: `Bench child ${i}`, parentId: root.id } })).id);
  const db = mongoose.createConnection(stack.env['SHOP_MONGO_URL']!, { dbName: 'shop_catalog' });
  await db.asPromise();
  const dbs = await db.db!.admin().listDatabases();
  await db.close();
  // The catalog's own database: whichever one holds the categories just created.
  let dbName = '';
  for (const d of dbs.databases) {
    const c = mongoose.createConnection(stack.env['SHOP_MONGO_URL']!, { dbName: d.name });
    await c.asPromise();
    if (await c.db!.collection('categories').findOne({})) dbName = d.name;
    await c.close();
  }
  const conn = mongoose.createConnection(stack.env['SHOP_MONGO_URL']!, { dbName });
  await conn.asPromise();
  const products = productModel(conn);
  const ids: string[] = [];
  const started = performance.now();
  for (let batch = 0; batch < PRODUCTS; batch += 500) {
    const docs = [];
    for (let i = batch; i < Math.min(PRODUCTS, batch + 500); i++) {
      const _id = new Types.ObjectId();
      ids.push(_id.toHexString());
      const nVariants = 2 + (i % 2);
      const sizes = ['S', 'M', 'L'].slice(0, nVariants);
      const variants = sizes.map((s, k) => ({
        id: new Types.ObjectId().toHexString(),
        sku: `BENCH-${String(i).padStart(6, '0')}-${s}`,
        barcode: '',
        optionValues: { Size: s },
        price: { currencyCode: 'EUR', amountMinor: 500 + ((i * 7919) % 50_000) + k * 100 },
        weightGrams: 250 + k * 50,
        images: [{ url: `https://img.example.com/p/${i}/${s}.jpg`, altText: `Product ${i} size ${s}` }],
        trackStock: true,
      }));
      const category = children[i % children.length]!;
      const now = new Date();
      docs.push({
        _id,
        name: `bench product ${i}`,
        description: `A bench product for everyday use, model ${i}. `.repeat(4),
        price: variants[0]!.price,
        status: i % 10 === 9 ? 1 : 2, // every tenth a draft
        slug: `bench-product-${i}`,
        seoTitle: '',
        seoDescription: '',
        productTypeId: '',
        brandId: brand.id,
        categoryIds: [category],
        categoryPath: [root.id, category],
        options: [{ name: 'Size', values: sizes }],
        variants,
        images: [{ url: `https://img.example.com/p/${i}.jpg`, altText: `Product ${i}` }],
        attributes: [],
        translations: [{ locale: 'de', name: `Testprodukt ${i}`, description: 'Ein Produkt', seoTitle: '', seoDescription: '' }],
        revision: 1,
        deletedAt: null,
        createdAt: now,
        updatedAt: now,
        outbox: [],
      });
    }
    await products.collection.insertMany(docs);
  }
  await conn.close();
  log(`seeded ${PRODUCTS} products into ${dbName} in ${Math.round(performance.now() - started)} ms`);
  // Only active products are visible to shoppers.
  return { ids: ids.filter((_, i) => i % 10 !== 9), categoryId: children[0]! };
}

/** Every descendant pid of a pid (the harness's bash guards run the servers). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString().trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of table) if (parent === p) { out.push(child!); walk(child!); }
  };
  walk(pid);
  return out;
}

const cpuMsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (100 Hz)
};

interface Run { rps: number; p50: number; p99: number; errors: number; non2xx: number; cpuMsPerReq: number }

function wrk(script: string, url: string, servicesPid: number, workDir: string): Promise<Run> {
  const file = join(workDir, `bench-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, `${script}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":%d,"status":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
`);
  const cpuBefore = cpuMsOf(servicesPid);
  const args = ['-t', '1', '-c', String(CONNECTIONS), '-d', `${DURATION_S}s`, '--timeout', '5s', '-s', file, url];
  const [cmd, argv] = opts.pin ? ['taskset', ['-c', '1', 'wrk', ...args]] : ['wrk', args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, argv as string[], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
      if (code !== 0 || !line) return reject(new Error(`wrk exited ${code}: ${out}`));
      const r = JSON.parse(line.slice(8));
      const cpu = cpuMsOf(servicesPid) - cpuBefore;
      resolve({ rps: Math.round(r.requests / (r.durationUs / 1e6)), p50: r.p50 / 1000, p99: r.p99 / 1000, errors: r.errors, non2xx: r.status, cpuMsPerReq: +(cpu / r.requests).toFixed(3) });
    });
  });
}

const randomPathsLua = (paths: string[]) => `
local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
`;

function ghz(addr: string, ids: string[], servicesPid: number, workDir: string): Run {
  const data = join(workDir, 'ghz-data.json');
  writeFileSync(data, JSON.stringify(ids.slice(0, 2000).map((id) => ({ id }))));
  const cpuBefore = cpuMsOf(servicesPid);
  const args = ['--insecure', '--protoset', join(ROOT, 'envoy/descriptor.binpb'), '--call', 'shop.catalog.v1.CatalogService/GetProduct', '-D', data, '-c', String(CONNECTIONS), '--connections', '1', '-z', `${DURATION_S}s`, '-O', 'json', addr];
  const out = execFileSync(opts.pin ? 'taskset' : join(ROOT, '.tools/bin/ghz'), opts.pin ? ['-c', '1', join(ROOT, '.tools/bin/ghz'), ...args] : args, { maxBuffer: 1 << 28 }).toString();
  const r = JSON.parse(out);
  const cpu = cpuMsOf(servicesPid) - cpuBefore;
  const pct = (p: number) => (r.latencyDistribution?.find((d: { percentage: number }) => d.percentage === p)?.latency ?? 0) / 1e6;
  const bad = Object.entries(r.statusCodeDistribution ?? {}).filter(([k]) => k !== 'OK').reduce((n, [, v]) => n + Number(v), 0);
  return { rps: Math.round(r.rps), p50: pct(50), p99: pct(99), errors: bad, non2xx: 0, cpuMsPerReq: +(cpu / r.count).toFixed(3) };
}

await runOnBenchStack('catalog-reads', async (stack, workDir) => {
  const servicesProc = stack.processes.find((p) => p.name === 'services')!;
  const servicesPid = descendants(servicesProc.pid).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim().startsWith('node'))!;
  const seeded = await seed(stack);
  if (opts.pin) {
    for (const p of stack.processes) for (const pid of [p.pid, ...descendants(p.pid)]) execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
    log('pinned the stack to core 0, wrk/ghz to core 1');
  }
  const edge = stack.edgeUrl;
  const detailPaths = seeded.ids.map((id) => `/v1/products/${id}`);
  const page1 = await call(stack.edgeUrl, 'GET', '/v1/products?page_size=20');
  const listPaths = ['/v1/products?page_size=20', `/v1/products?page_size=20&category_id=${seeded.categoryId}`];
  const page2Paths: string[] = [];
  let token = page1.nextPageToken as string;
  for (let i = 0; i < 5 && token; i++) {
    page2Paths.push(`/v1/products?page_size=20&page_token=${encodeURIComponent(token)}`);
    token = (await call(stack.edgeUrl, 'GET', page2Paths[page2Paths.length - 1]!)).nextPageToken;
  }
  // Every product read once (the steady state of a catalog being browsed; cold reads go to the store).
  const warmStarted = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (next < detailPaths.length) await fetch(`${edge}${detailPaths[next++]}`).then((r) => r.arrayBuffer());
  }));
  log(`read every product once in ${Math.round(performance.now() - warmStarted)} ms`);
  const runs: Record<string, () => Promise<Run>> = {
    detail: () => wrk(randomPathsLua(detailPaths), edge, servicesPid, workDir),
    list: () => wrk(randomPathsLua(listPaths), edge, servicesPid, workDir),
    listPage2to6: () => wrk(randomPathsLua(page2Paths), edge, servicesPid, workDir),
    grpcGetProduct: async () => ghz(`127.0.0.1:${stack.ports.services['catalog']}`, seeded.ids, servicesPid, workDir),
  };
  const only = opts.only ? opts.only.split(',') : Object.keys(runs);
  for (const name of only) {
    await runs[name]!().catch(() => undefined); // warm-up: JIT, caches, connections
    if (opts.profile) process.kill(servicesPid, 'SIGUSR2');
    const r = await runs[name]!();
    if (opts.profile) {
      process.kill(servicesPid, 'SIGUSR2');
      await new Promise((res) => setTimeout(res, 2000));
    }
    log(`${name.padEnd(16)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  cpu ${r.cpuMsPerReq} ms/req  errors ${r.errors} non-2xx ${r.non2xx}`);
  }
}, opts.profile ? { NODE_OPTIONS: `--require /tmp/catalog-prof-hook.cjs`, PROF_OUT: opts.profile } : {});
