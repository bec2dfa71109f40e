// `npm run bench:search [-- --out <file.json>] [--products N] [--duration S] [--connections C]`
//
// The first benchmark for issue 4's figures: search p50/p99 for a text query with two
// filters over a 10,000-product catalog, and the catalog -> search rebuild time. It
// starts its own isolated stack (random loopback ports, a temp dir, in-memory store),
// seeds the catalog through the public JSON API as the seeded admin, measures, runs a
// bounded load with wrk through Envoy, prints the figures, writes them as JSON and
// stops everything it started. Not part of `npm test`; tools/bench of issue 9 grows
// from here.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateFieldKey } from '../../services/platform/src/crypto/field-cipher.js';
import { ROOT, startStack, type Stack } from '../harness/stack.js';
import { latencyMs, runWrk, warmUp } from './wrk.js';

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, '.tmp', `bench-search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`) },
    products: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '16' },
    'seed-concurrency': { type: 'string', default: '16' },
  },
});
const PRODUCTS = Number(opts.products);
const DURATION_S = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const SEED_CONCURRENCY = Number(opts['seed-concurrency']);
const ADMIN = { email: 'bench-admin@shopmesh.test', password: 'bench-admin-password' };

const log = (line: string) => process.stdout.write(`${line}\n`);

/** One JSON request through the edge; throws on anything but 2xx. */
async function call<T = any>(stack: Stack, method: string, path: string, token: string | undefined, json?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.edgeUrl}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Runs job(i) for i in [0, n) with at most `limit` in flight. */
async function boundedAll(n: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await job(next++);
  }));
}

// Deterministic vocabulary, so every run seeds the same catalog shape.
const ADJECTIVES = ['classic', 'compact', 'rugged', 'organic', 'steel', 'linen', 'oak', 'ceramic', 'wool', 'brass', 'vintage', 'modern', 'insulated', 'folding', 'heavy', 'light'];
const NOUNS = ['mug', 'kettle', 'lamp', 'chair', 'jacket', 'bottle', 'notebook', 'backpack', 'tent', 'knife', 'pan', 'blanket', 'speaker', 'watch', 'scarf', 'boots', 'bowl', 'desk', 'pillow', 'tote'];
const COLOURS = ['red', 'blue', 'green', 'black', 'white', 'grey', 'yellow', 'brown'];
const MATERIALS = ['cotton', 'steel', 'wood', 'leather', 'ceramic'];
const ROOTS = ['Home', 'Kitchen', 'Outdoor', 'Fashion', 'Office'];
const CHILDREN = ['Essentials', 'Premium', 'Gifts', 'Sale'];

interface Seeded {
  token: string;
  rootCategories: { id: string; name: string }[];
  childCategories: { id: string; name: string; parentId: string }[];
  brands: { id: string; name: string }[];
  seedMs: number;
}

async function seed(stack: Stack): Promise<Seeded> {
  const tokenRes = await fetch(`${stack.edgeUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: ADMIN.email, password: ADMIN.password }),
  });
  if (!tokenRes.ok) throw new Error(`admin login failed: ${tokenRes.status} ${await tokenRes.text()}`);
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;

  const productType = await call(stack, 'POST', '/v1/product-types', token, {
    name: 'Bench goods',
    attributes: [
      { code: 'colour', name: 'Colour', type: 'ATTRIBUTE_TYPE_ENUM', allowedValues: COLOURS, filterable: true, searchable: true },
      { code: 'material', name: 'Material', type: 'ATTRIBUTE_TYPE_ENUM', allowedValues: MATERIALS, filterable: true, searchable: true },
    ],
  });
  const brands: { id: string; name: string }[] = [];
  for (let i = 0; i < 20; i++) brands.push(await call(stack, 'POST', '/v1/brands', token, { name: `Brand ${String.fromCharCode(65 + i)}${i}` }));
  const rootCategories: { id: string; name: string }[] = [];
  const childCategories: { id: string; name: string; parentId: string }[] = [];
  for (const name of ROOTS) {
    const root = await call(stack, 'POST', '/v1/categories', token, { name });
    rootCategories.push(root);
    for (const child of CHILDREN) childCategories.push(await call(stack, 'POST', '/v1/categories', token, { name: `${name} ${child}`, parentId: root.id }));
  }

  const started = performance.now();
  let done = 0;
  await boundedAll(PRODUCTS, SEED_CONCURRENCY, async (i) => {
    const adjective = ADJECTIVES[i % ADJECTIVES.length]!;
    const noun = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]!;
    await call(stack, 'POST', '/v1/products', token, {
      name: `${adjective} ${noun} ${i}`,
      description: `A ${adjective} ${noun} for everyday use, model ${i}.`,
      sku: `BENCH-${String(i).padStart(6, '0')}`,
      price: { currencyCode: 'EUR', amountMinor: 500 + ((i * 7919) % 50_000) },
      status: 'PRODUCT_STATUS_ACTIVE',
      brandId: brands[i % brands.length]!.id,
      categoryIds: [childCategories[(i * 31) % childCategories.length]!.id],
      productTypeId: productType.id,
      attributes: [{ code: 'colour', values: [COLOURS[i % COLOURS.length]] }, { code: 'material', values: [MATERIALS[(i >> 3) % MATERIALS.length]] }],
    });
    if (++done % 1000 === 0) log(`  seeded ${done}/${PRODUCTS} (${Math.round(done / ((performance.now() - started) / 1000))}/s)`);
  });
  return { token, rootCategories, childCategories, brands, seedMs: performance.now() - started };
}

async function indexedCount(stack: Stack): Promise<number> {
  const body = await call<{ totalSize?: number }>(stack, 'GET', '/v1/search/products?page_size=1', undefined);
  return body.totalSize ?? 0;
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'shopmesh-bench-search-'));
  const fieldKeyId = `bench-${randomBytes(4).toString('hex')}`;
  log(`starting an isolated stack in ${workDir}`);
  const stack = await startStack({
    workDir,
    persistent: false,
    mesh: true,
    // The edge's token bucket would otherwise be what we measure.
    edgeRateLimitPerSecond: 1_000_000,
    serviceEnv: {
      SHOP_FIELD_KEYS: generateFieldKey(fieldKeyId),
      SHOP_FIELD_KEY_ID: fieldKeyId,
      SHOP_LOG_LEVEL: 'warn',
      SHOP_SEED_ADMIN_EMAIL: ADMIN.email,
      SHOP_SEED_ADMIN_PASSWORD: ADMIN.password,
    },
  });
  let failed = false;
  try {
    log(`seeding ${PRODUCTS} products through POST /v1/products (${SEED_CONCURRENCY} in flight)`);
    const seeded = await seed(stack);
    log(`  seeded in ${(seeded.seedMs / 1000).toFixed(1)} s (${Math.round(PRODUCTS / (seeded.seedMs / 1000))} products/s)`);

    // Events first: how long after the last create answered until search holds them all.
    const catchUpStarted = performance.now();
    while ((await indexedCount(stack)) < PRODUCTS) {
      if (performance.now() - catchUpStarted > 120_000) throw new Error(`search holds ${await indexedCount(stack)} of ${PRODUCTS} after 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const eventCatchUpMs = performance.now() - catchUpStarted;

    // The full rebuild from the catalog (RebuildIndex), timed by the service and end to end.
    const rebuilds = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await call<{ productCount: number; durationMs: number; eventsReplayed?: number }>(stack, 'POST', '/v1/search/index:rebuild', seeded.token, {});
      rebuilds.push({ productCount: r.productCount, serviceMs: r.durationMs, wallMs: Math.round(performance.now() - t0) });
      log(`  rebuild ${i + 1}: ${r.productCount} products, ${r.durationMs} ms in the service, ${rebuilds[i]!.wallMs} ms end to end`);
    }
    if (rebuilds.some((r) => r.productCount !== PRODUCTS)) throw new Error(`a rebuild did not hold ${PRODUCTS} products`);

    // A text query with two filters (a root category, so descendants count, and a price range), facets included.
    const category = seeded.rootCategories[1]!;
    const query = new URLSearchParams({ q: 'steel', category: category.id, currency: 'EUR', min_price: '1000', max_price: '30000' });
    const path = `/v1/search/products?${query}`;
    const sample = await call<{ totalSize?: number; facets?: unknown[] }>(stack, 'GET', path, undefined);
    log(`query ${path}: ${sample.totalSize ?? 0} matches, ${sample.facets?.length ?? 0} facets`);
    if (!sample.totalSize) throw new Error('the benchmark query matches nothing');

    log(`warm-up 5 s, then ${DURATION_S} s with ${CONNECTIONS} connections (wrk, loopback, through Envoy)`);
    await warmUp({ url: `${stack.edgeUrl}${path}`, connections: CONNECTIONS, durationS: 5 }, workDir);
    const load = await runWrk({ url: `${stack.edgeUrl}${path}`, connections: CONNECTIONS, durationS: DURATION_S }, workDir);
    const errors = Object.values(load.errors).reduce((a, b) => a + b, 0);
    const result = {
      benchmark: 'search',
      time: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGb: Math.round(totalmem() / 2 ** 30), loadAvgAtEnd: loadavg().map((l) => Number(l.toFixed(2))), node: process.version },
      catalog: { products: PRODUCTS, brands: seeded.brands.length, categories: seeded.rootCategories.length + seeded.childCategories.length, seedMs: Math.round(seeded.seedMs), seedProductsPerSecond: Math.round(PRODUCTS / (seeded.seedMs / 1000)) },
      index: { eventCatchUpAfterSeedMs: Math.round(eventCatchUpMs), rebuilds },
      load: {
        tool: 'wrk',
        path,
        matches: sample.totalSize,
        connections: CONNECTIONS,
        durationS: DURATION_S,
        requests: load.requests,
        requestsPerSecond: Math.round(load.requests / (load.durationUs / 1e6)),
        latencyMs: latencyMs(load),
        errors,
        errorDetail: load.errors,
      },
    };
    const out = resolve(opts.out!);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    log('');
    log(`search, ${PRODUCTS} products, "${query.get('q')}" + category + price range, facets included`);
    log(`  requests/s ${result.load.requestsPerSecond}   p50 ${result.load.latencyMs.p50} ms   p95 ${result.load.latencyMs.p95} ms   p99 ${result.load.latencyMs.p99} ms   errors ${errors}`);
    log(`  rebuild (RebuildIndex) ${rebuilds.map((r) => `${r.serviceMs} ms`).join(', ')}; event catch-up after seeding ${result.index.eventCatchUpAfterSeedMs} ms`);
    log(`  machine: ${result.machine.cpus} cores (${result.machine.cpuModel}), load average ${result.machine.loadAvgAtEnd.join(' ')}`);
    log(`  written to ${out}`);
  } catch (err) {
    failed = true;
    console.error(err);
    log(`logs kept in ${workDir}`);
  } finally {
    await stack.stop();
    if (!failed) rmSync(workDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

await main();
