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
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { SearchServiceService } from '../../gen/shop/search/v1/search_service.js';
import { createServiceClient } from '../../services/platform/src/grpc/client.js';
import { ROOT, type Stack } from '../harness/stack.js';
import { BENCH_ADMIN, runOnBenchStack } from './bench-stack.js';
import { ADJECTIVES, boundedAll, call, CHILDREN, NOUNS, ROOTS } from './catalog-seed.js';
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
const ADMIN = BENCH_ADMIN;

const log = (line: string) => process.stdout.write(`${line}\n`);


// The suite's deterministic vocabulary (catalog-seed.ts), plus attributes of this benchmark's own.
const COLOURS = ['red', 'blue', 'green', 'black', 'white', 'grey', 'yellow', 'brown'];
const MATERIALS = ['cotton', 'steel', 'wood', 'leather', 'ceramic'];

interface Seeded {
  token: string;
  rootCategories: { id: string; name: string }[];
  childCategories: { id: string; name: string; parentId: string }[];
  brands: { id: string; name: string }[];
  seedMs: number;
  probe: FreshnessProbe;
  /** Freshness of a rename while the seed was writing; complete once probesInFlight resolves. */
  bulkFreshnessMs: number[];
  probesInFlight: Promise<unknown>;
}

async function seed(stack: Stack): Promise<Seeded> {
  const tokenRes = await fetch(`${stack.edgeUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: ADMIN.email, password: ADMIN.password }),
  });
  if (!tokenRes.ok) throw new Error(`admin login failed: ${tokenRes.status} ${await tokenRes.text()}`);
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;

  const productType = await call(stack.edgeUrl, 'POST', '/v1/product-types', { token, json: {
    name: 'Bench goods',
    attributes: [
      { code: 'colour', name: 'Colour', type: 'ATTRIBUTE_TYPE_ENUM', allowedValues: COLOURS, filterable: true, searchable: true },
      { code: 'material', name: 'Material', type: 'ATTRIBUTE_TYPE_ENUM', allowedValues: MATERIALS, filterable: true, searchable: true },
    ],
  } });
  const brands: { id: string; name: string }[] = [];
  for (let i = 0; i < 20; i++) brands.push(await call(stack.edgeUrl, 'POST', '/v1/brands', { token, json: { name: `Brand ${String.fromCharCode(65 + i)}${i}` } }));
  const rootCategories: { id: string; name: string }[] = [];
  const childCategories: { id: string; name: string; parentId: string }[] = [];
  for (const name of ROOTS) {
    const root = await call(stack.edgeUrl, 'POST', '/v1/categories', { token, json: { name } });
    rootCategories.push(root);
    for (const child of CHILDREN) childCategories.push(await call(stack.edgeUrl, 'POST', '/v1/categories', { token, json: { name: `${name} ${child}`, parentId: root.id } }));
  }

  const probe = new FreshnessProbe(stack, token);
  await probe.create();
  const started = performance.now();
  let done = 0;
  let seeding = true;
  const bulkFreshnessMs: number[] = [];
  // A rename every second while the seed writes (skipped while every probe waits): freshness under a bulk write burst.
  const inFlight: Promise<void>[] = [];
  const probing = (async () => {
    while (seeding) {
      if (!probe.allBusy) inFlight.push(probe.measure(100).then((ms) => void bulkFreshnessMs.push(ms)));
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  const sampling = sampleEventBacklog(stack, () => !seeding);
  await boundedAll(PRODUCTS, SEED_CONCURRENCY, async (i) => {
    const adjective = ADJECTIVES[i % ADJECTIVES.length]!;
    const noun = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]!;
    await call(stack.edgeUrl, 'POST', '/v1/products', { token, json: {
      name: `${adjective} ${noun} ${i}`,
      description: `A ${adjective} ${noun} for everyday use, model ${i}.`,
      sku: `BENCH-${String(i).padStart(6, '0')}`,
      price: { currencyCode: 'EUR', amountMinor: 500 + ((i * 7919) % 50_000) },
      status: 'PRODUCT_STATUS_ACTIVE',
      brandId: brands[i % brands.length]!.id,
      categoryIds: [childCategories[(i * 31) % childCategories.length]!.id],
      productTypeId: productType.id,
      attributes: [{ code: 'colour', values: [COLOURS[i % COLOURS.length]] }, { code: 'material', values: [MATERIALS[(i >> 3) % MATERIALS.length]] }],
    } });
    if (++done % 1000 === 0) log(`  seeded ${done}/${PRODUCTS} (${Math.round(done / ((performance.now() - started) / 1000))}/s)`);
  });
  const seedMs = performance.now() - started;
  seeding = false;
  await probing;
  await sampling;
  return { token, rootCategories, childCategories, brands, seedMs, probe, bulkFreshnessMs, probesInFlight: Promise.all(inFlight) };
}

/**
 * Freshness probes: renames a probe product to a fresh random word and times how long
 * until searching that word returns it under the new name. Several probe products, so
 * under a backlog a new probe can start while earlier ones still wait.
 */
class FreshnessProbe {
  private readonly products: Array<{ id: string; etag: string; busy: boolean }> = [];
  private n = 0;
  constructor(private readonly stack: Stack, private readonly token: string) {}

  static readonly COUNT = 8;

  async create(): Promise<void> {
    for (let i = 0; i < FreshnessProbe.COUNT; i++) {
      const p = await call(this.stack.edgeUrl, 'POST', '/v1/products', { token: this.token, json: {
        name: 'freshness probe', sku: `BENCH-PROBE-${i}`, price: { currencyCode: 'EUR', amountMinor: 100 }, status: 'PRODUCT_STATUS_ACTIVE',
      } });
      this.products.push({ id: p.id, etag: p.etag, busy: false });
    }
  }

  /** True when every probe product is waiting for its rename to show. */
  get allBusy(): boolean {
    return this.products.every((p) => p.busy);
  }

  /** One rename and the time until search shows it, polled every `pollMs` for up to 10 minutes. */
  async measure(pollMs: number): Promise<number> {
    const probe = this.products.find((p) => !p.busy);
    if (!probe) throw new Error('every probe product is busy');
    probe.busy = true;
    try {
      const word = `fp${randomBytes(5).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!)}`;
      const name = `freshness probe ${word} ${++this.n}`;
      const started = performance.now();
      const p = await call(this.stack.edgeUrl, 'PATCH', `/v1/products/${probe.id}?updateMask=name`, { token: this.token, json: { name, etag: probe.etag } });
      probe.etag = p.etag;
      for (;;) {
        const body = await call<{ products?: { name: string }[] }>(this.stack.edgeUrl, 'GET', `/v1/search/products?q=${word}&page_size=1`);
        if (body.products?.[0]?.name === name) return performance.now() - started;
        if (performance.now() - started > 600_000) throw new Error(`probe ${word} not searchable after 10 minutes`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    } finally {
      probe.busy = false;
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (ms: number) => Math.round(ms);

/**
 * Where a lag sits during the seed: events on the catalog stream (published by the
 * outbox relay) and what the search consumer still has to take or acknowledge.
 */
async function sampleEventBacklog(stack: Stack, until: () => boolean): Promise<void> {
  const nc = await connectNats({ servers: stack.env['SHOP_NATS_URL']! });
  try {
    const jsm = await jetstreamManager(nc);
    while (!until()) {
      await new Promise((r) => setTimeout(r, 5_000));
      const stream = await jsm.streams.info('SHOP_CATALOG');
      const consumers = [];
      for await (const c of jsm.consumers.list('SHOP_CATALOG')) consumers.push(`${c.name}: ${c.num_pending} to deliver, ${c.num_ack_pending} unacked`);
      log(`  catalog stream holds ${stream.state.last_seq} events; ${consumers.join('; ')}`);
    }
  } finally {
    await nc.close();
  }
}

async function indexedCount(stack: Stack): Promise<number> {
  const body = await call<{ totalSize?: number }>(stack.edgeUrl, 'GET', '/v1/search/products?page_size=1');
  return body.totalSize ?? 0;
}

await runOnBenchStack('search', async (stack, workDir) => {
    log(`seeding ${PRODUCTS} products through POST /v1/products (${SEED_CONCURRENCY} in flight)`);
    const seeded = await seed(stack);
    log(`  seeded in ${(seeded.seedMs / 1000).toFixed(1)} s (${Math.round(PRODUCTS / (seeded.seedMs / 1000))} products/s)`);

    // Events first: how long after the last create answered until search holds them all.
    const catchUpStarted = performance.now();
    const expected = PRODUCTS + FreshnessProbe.COUNT;
    while ((await indexedCount(stack)) < expected) {
      if (performance.now() - catchUpStarted > 600_000) throw new Error(`search holds ${await indexedCount(stack)} of ${expected} after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const eventCatchUpMs = performance.now() - catchUpStarted;
    log(`  search held every product ${Math.round(eventCatchUpMs)} ms after the last create answered`);
    await seeded.probesInFlight;

    const idleFreshnessMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      idleFreshnessMs.push(await seeded.probe.measure(10));
      await new Promise((r) => setTimeout(r, 200));
    }
    const freshness = {
      idle: { medianMs: round(median(idleFreshnessMs)), maxMs: round(Math.max(...idleFreshnessMs)), samples: idleFreshnessMs.map(round) },
      bulkSeed: { medianMs: round(median(seeded.bulkFreshnessMs)), maxMs: round(Math.max(...seeded.bulkFreshnessMs)), samples: seeded.bulkFreshnessMs.map(round) },
    };
    log(`  freshness: idle median ${freshness.idle.medianMs} ms (max ${freshness.idle.maxMs}); during the seed median ${freshness.bulkSeed.medianMs} ms (max ${freshness.bulkSeed.maxMs}, ${seeded.bulkFreshnessMs.length} probes)`);

    // The full rebuild from the catalog (RebuildIndex), timed by the service and end to end.
    // Over gRPC to the search service itself: on a loaded machine a rebuild can outlast the edge's 15 s route timeout.
    const search = createServiceClient(SearchServiceService, { name: 'search', address: stack.env['SHOP_SEARCH_ADDR']!, timeoutMs: 120_000 });
    const rebuilds = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await search.rebuildIndex({}, { token: seeded.token });
      rebuilds.push({ productCount: r.productCount, serviceMs: r.durationMs, wallMs: Math.round(performance.now() - t0) });
      log(`  rebuild ${i + 1}: ${r.productCount} products, ${r.durationMs} ms in the service, ${rebuilds[i]!.wallMs} ms end to end`);
    }
    search.close();
    if (rebuilds.some((r) => r.productCount !== expected)) throw new Error(`a rebuild did not hold ${expected} products`);

    // A text query with two filters (a root category, so descendants count, and a price range), facets included.
    const category = seeded.rootCategories[1]!;
    const query = new URLSearchParams({ q: 'steel', category: category.id, currency: 'EUR', min_price: '1000', max_price: '30000' });
    const path = `/v1/search/products?${query}`;
    const sample = await call<{ totalSize?: number; facets?: unknown[] }>(stack.edgeUrl, 'GET', path);
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
      index: { eventCatchUpAfterSeedMs: Math.round(eventCatchUpMs), rebuilds, freshness },
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
    log(`  freshness median: idle ${freshness.idle.medianMs} ms, during the bulk seed ${freshness.bulkSeed.medianMs} ms`);
    log(`  machine: ${result.machine.cpus} cores (${result.machine.cpuModel}), load average ${result.machine.loadAvgAtEnd.join(' ')}`);
    log(`  written to ${out}`);
});
