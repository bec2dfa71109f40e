// `npm run bench:checkout [-- --shoppers 20] [--duration 30] [--out file.json]`
//
// Issue 8's figures: checkouts per second and their latency through Envoy with N
// concurrent shoppers on the real MongoDB-wire server, and add-to-cart. Starts its own
// isolated stack, seeds products with stock, a shipping zone and the sandbox payment,
// then each shopper loops for the duration: create a guest cart, add a line (timed),
// set email, address and shipping method, check out (timed) with tok_test_success.
// The load generator is this Node process on the same machine (loopback), so the
// figures include its CPU; issue 9's tools/bench will split that out.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, type Stack } from '../harness/stack.js';
import { BENCH_ADMIN, runOnBenchStack } from './bench-stack.js';
import { BENCH_ADDRESS as ADDRESS, call, login } from './catalog-seed.js';

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, '.tmp', `bench-checkout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`) },
    shoppers: { type: 'string', default: '20' },
    duration: { type: 'string', default: '30' },
    products: { type: 'string', default: '50' },
    // Checkouts alone: carts are filled between rounds, and only the rounds of checkouts are timed and their CPU counted.
    'checkout-only': { type: 'boolean', default: false },
  },
});
const SHOPPERS = Number(opts.shoppers);
const DURATION_MS = Number(opts.duration) * 1000;
const PRODUCTS = Number(opts.products);
const ADMIN = BENCH_ADMIN;
const log = (line: string) => process.stdout.write(`${line}\n`);


/** CPU seconds (user + system) of a process and its descendants so far, from /proc (Linux, 100 ticks/s). */
function treeCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
    return own + children.reduce((sum, child) => sum + treeCpuSeconds(Number(child)), 0);
  } catch {
    return 0; // exited meanwhile
  }
}

/** CPU seconds per stack process (services, mongo-wire, envoy, ...) and of this load generator. */
function cpuSnapshot(stack: Stack): Record<string, number> {
  const snapshot: Record<string, number> = Object.fromEntries(stack.processes.map((p) => [p.name, treeCpuSeconds(p.pid)]));
  const own = process.cpuUsage();
  snapshot['load generator'] = (own.user + own.system) / 1e6;
  return snapshot;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(name: string, latencies: number[], errors: number, elapsedMs: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const r = (ms: number) => Math.round(ms * 10) / 10;
  return { name, count: sorted.length, errors, perSecond: Math.round((sorted.length / elapsedMs) * 10_000) / 10, p50Ms: r(percentile(sorted, 50)), p95Ms: r(percentile(sorted, 95)), p99Ms: r(percentile(sorted, 99)) };
}

async function seed(stack: Stack): Promise<{ token: string; skus: string[]; methodId: string }> {
  const token = await login(stack.edgeUrl, ADMIN.email, ADMIN.password);
  const warehouse = await call(stack.edgeUrl, 'POST', '/v1/warehouses', { token, json: { code: 'BENCH', name: 'Bench', priority: 1 } });
  const skus: string[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const sku = `BENCH-CO-${i}`;
    await call(stack.edgeUrl, 'POST', '/v1/products', { token, json: { name: `Bench item ${i}`, sku, price: { currencyCode: 'EUR', amountMinor: 1000 + i }, status: 'PRODUCT_STATUS_ACTIVE' } });
    await call(stack.edgeUrl, 'POST', '/v1/stock-adjustments', { token, json: { sku, warehouseId: warehouse.id, quantityDelta: 1_000_000, reason: 'ADJUSTMENT_REASON_RECEIVE', requestId: `bench:${sku}` } });
    skus.push(sku);
  }
  const zone = await call(stack.edgeUrl, 'POST', '/v1/shipping-zones', { token, json: { name: 'Bench NL', countryCodes: ['NL'] } });
  const method = await call(stack.edgeUrl, 'POST', '/v1/shipping-methods', {
    token,
    json: { zoneId: zone.id, name: 'Bench flat', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_FLAT', rates: [{ currencyCode: 'EUR', amountMinor: 495 }], minBusinessDays: 1, maxBusinessDays: 3, active: true },
  });
  await call(stack.edgeUrl, 'POST', '/v1/tax-rules', { token, json: { countryCode: 'NL', rateBps: 2100, pricesIncludeTax: true, taxShipping: true, name: 'BTW' } });
  return { token, skus, methodId: method.id };
}

async function shop(stack: Stack, skus: string[], methodId: string, until: number, timings: { add: number[]; checkout: number[]; errors: { add: number; checkout: number } }): Promise<void> {
  while (Date.now() < until) {
    try {
      const cart = await call(stack.edgeUrl, 'POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
      const headers = { 'x-cart-token': cart.cartToken as string };
      const sku = skus[Math.floor(Math.random() * skus.length)]!;
      let started = performance.now();
      try {
        await call(stack.edgeUrl, 'POST', `/v1/carts/${cart.id}/lines`, { headers, json: { sku, quantity: 1 } });
        timings.add.push(performance.now() - started);
      } catch {
        timings.errors.add++;
        continue;
      }
      await call(stack.edgeUrl, 'PATCH', `/v1/carts/${cart.id}`, { headers, json: { email: 'bench@example.com', shippingAddress: ADDRESS, shippingMethodId: methodId } });
      started = performance.now();
      try {
        const order = await call(stack.edgeUrl, 'POST', `/v1/carts/${cart.id}:checkout`, { headers, json: { idempotencyKey: randomUUID(), payment: { provider: 'test', token: 'tok_test_success' } } });
        if (order.status !== 'ORDER_STATUS_CONFIRMED') throw new Error(order.status);
        timings.checkout.push(performance.now() - started);
      } catch {
        timings.errors.checkout++;
      }
    } catch {
      timings.errors.checkout++;
    }
  }
}

/** A cart ready to check out: one line, email, address and shipping method. */
async function readyCart(stack: Stack, skus: string[], methodId: string): Promise<{ id: string; headers: Record<string, string> }> {
  const cart = await call(stack.edgeUrl, 'POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
  const headers = { 'x-cart-token': cart.cartToken as string };
  await call(stack.edgeUrl, 'POST', `/v1/carts/${cart.id}/lines`, { headers, json: { sku: skus[Math.floor(Math.random() * skus.length)]!, quantity: 1 } });
  await call(stack.edgeUrl, 'PATCH', `/v1/carts/${cart.id}`, { headers, json: { email: 'bench@example.com', shippingAddress: ADDRESS, shippingMethodId: methodId } });
  return { id: cart.id, headers };
}

/**
 * Checkout alone, in rounds: SHOPPERS carts are made ready (not counted), then all of
 * them check out at once; latency and each process's CPU are taken over the checkout
 * rounds only, so the CPU per checkout is the checkout's (plus background loops).
 */
async function checkoutRounds(stack: Stack, skus: string[], methodId: string, until: number) {
  const latencies: number[] = [];
  let errors = 0;
  let busyMs = 0;
  const cpu: Record<string, number> = {};
  while (Date.now() < until) {
    const carts = await Promise.all(Array.from({ length: SHOPPERS }, () => readyCart(stack, skus, methodId)));
    const before = cpuSnapshot(stack);
    const roundStarted = performance.now();
    await Promise.all(carts.map(async (cart) => {
      const started = performance.now();
      try {
        const order = await call(stack.edgeUrl, 'POST', `/v1/carts/${cart.id}:checkout`, { headers: cart.headers, json: { idempotencyKey: randomUUID(), payment: { provider: 'test', token: 'tok_test_success' } } });
        if (order.status !== 'ORDER_STATUS_CONFIRMED') throw new Error(order.status);
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }));
    busyMs += performance.now() - roundStarted;
    const after = cpuSnapshot(stack);
    for (const name of Object.keys(after)) cpu[name] = (cpu[name] ?? 0) + after[name]! - (before[name] ?? 0);
  }
  const perCheckoutMs = Object.fromEntries(Object.entries(cpu).map(([name, s]) => [name, Math.round((s / Math.max(1, latencies.length)) * 1e5) / 100]));
  return { summary: summary('checkout alone (rounds of concurrent checkouts of ready carts)', latencies, errors, busyMs), cpuPerCheckoutMs: perCheckoutMs };
}

/** Add-to-cart alone: each shopper keeps adding single units to one cart (a new cart when it is full). */
async function addOnly(stack: Stack, skus: string[], until: number, timings: { add: number[]; errors: number }): Promise<void> {
  let cart: { id: string; headers: Record<string, string>; adds: number } | null = null;
  while (Date.now() < until) {
    if (!cart || cart.adds >= 400) {
      const created = await call(stack.edgeUrl, 'POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
      cart = { id: created.id, headers: { 'x-cart-token': created.cartToken }, adds: 0 };
    }
    const started = performance.now();
    try {
      await call(stack.edgeUrl, 'POST', `/v1/carts/${cart.id}/lines`, { headers: cart.headers, json: { sku: skus[Math.floor(Math.random() * skus.length)]!, quantity: 1 } });
      timings.add.push(performance.now() - started);
      cart.adds++;
    } catch {
      timings.errors++;
      cart = null;
    }
  }
}

await runOnBenchStack('checkout', async (stack, workDir) => {
    log(`seeding ${PRODUCTS} stocked products, a shipping zone and a tax rule`);
    const { skus, methodId } = await seed(stack);
    if (opts['checkout-only']) {
      log('warming up for 5 s');
      await checkoutRounds(stack, skus, methodId, Date.now() + 5_000);
      log(`checkout alone: rounds of ${SHOPPERS} concurrent checkouts for ${DURATION_MS / 1000} s`);
      const rounds = await checkoutRounds(stack, skus, methodId, Date.now() + DURATION_MS);
      const result = { machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) }, shoppers: SHOPPERS, checkoutAlone: rounds.summary, cpuPerCheckoutMs: rounds.cpuPerCheckoutMs };
      mkdirSync(dirname(opts.out!), { recursive: true });
      writeFileSync(opts.out!, JSON.stringify(result, null, 2));
      const s = rounds.summary;
      log(`\n| scenario | per second (while checking out) | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n| ${s.name} | ${s.perSecond} | ${s.p50Ms} | ${s.p95Ms} | ${s.p99Ms} | ${s.errors} |`);
      log(`\nCPU ms per checkout by process: ${Object.entries(rounds.cpuPerCheckoutMs).map(([n, ms]) => `${n} ${ms}`).join(', ')}; load average ${result.machine.loadavg.join(' ')}`);
      return;
    }
    const timings = { add: [] as number[], checkout: [] as number[], errors: { add: 0, checkout: 0 } };
    log('warming up for 5 s');
    await Promise.all(Array.from({ length: SHOPPERS }, () => shop(stack, skus, methodId, Date.now() + 5_000, { add: [], checkout: [], errors: { add: 0, checkout: 0 } })));
    log(`${SHOPPERS} shoppers for ${DURATION_MS / 1000} s`);
    const started = Date.now();
    const cpuBefore = cpuSnapshot(stack);
    await Promise.all(Array.from({ length: SHOPPERS }, () => shop(stack, skus, methodId, started + DURATION_MS, timings)));
    const cpuAfter = cpuSnapshot(stack);
    const elapsed = Date.now() - started;
    // Each checkout here is one shopper loop: cart, add, details, checkout.
    const cpuPerCheckoutMs = Object.fromEntries(Object.keys(cpuAfter).map((name) => [name, Math.round(((cpuAfter[name]! - (cpuBefore[name] ?? 0)) / Math.max(1, timings.checkout.length)) * 1e5) / 100]));
    const cpuCoresBusy = Object.fromEntries(Object.keys(cpuAfter).map((name) => [name, Math.round(((cpuAfter[name]! - (cpuBefore[name] ?? 0)) / (elapsed / 1000)) * 100) / 100]));
    log(`${SHOPPERS} shoppers only adding to carts for ${DURATION_MS / 2000} s`);
    const adds = { add: [] as number[], errors: 0 };
    const addStarted = Date.now();
    await Promise.all(Array.from({ length: SHOPPERS }, () => addOnly(stack, skus, addStarted + DURATION_MS / 2, adds)));
    const addElapsed = Date.now() - addStarted;
    const result = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
      shoppers: SHOPPERS,
      durationS: elapsed / 1000,
      cpuPerCheckoutMs,
      cpuCoresBusy,
      checkout: summary('checkout (cart -> order -> reservation -> payment -> confirmed)', timings.checkout, timings.errors.checkout, elapsed),
      addToCartInCheckoutLoop: summary('add to cart (within the checkout loop)', timings.add, timings.errors.add, elapsed),
      addToCart: summary('add to cart (alone)', adds.add, adds.errors, addElapsed),
    };
    mkdirSync(dirname(opts.out!), { recursive: true });
    writeFileSync(opts.out!, JSON.stringify(result, null, 2));
    log(`\n| scenario | per second | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|`);
    for (const s of [result.checkout, result.addToCartInCheckoutLoop, result.addToCart]) log(`| ${s.name} | ${s.perSecond} | ${s.p50Ms} | ${s.p95Ms} | ${s.p99Ms} | ${s.errors} |`);
    log(`\nCPU ms per checkout loop (cart, add, details, checkout) by process: ${Object.entries(cpuPerCheckoutMs).map(([n, ms]) => `${n} ${ms}`).join(', ')}`);
    log(`cores busy during the checkout phase: ${Object.entries(cpuCoresBusy).map(([n, c]) => `${n} ${c}`).join(', ')}; load average ${result.machine.loadavg.join(' ')}`);
    log(`\n(${SHOPPERS} shoppers, each looping cart -> add -> details -> checkout; load generator on the same machine; JSON in ${opts.out})`);
}, {
  // Shoppers come from one loopback address; the per-IP limits would be what we measure.
  SHOP_ACCOUNT_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1,::1',
});
