// `npx tsx tools/bench/cart-adds.ts [--products 1000] [--clients 10] [--duration 15] [--pin]`
//
// Add-to-cart and cart view alone, through Envoy: seeds stocked products, a shipping
// zone and a tax rule on an isolated stack, then a load generator in its own process
// (pinned to core 1 with --pin, the stack's processes to core 0) runs N clients:
// each adds random SKUs to its own guest cart (a new cart every 20 adds), then each
// views a 5-line cart with an address and a shipping method (tax + shipping priced).
// SHOP_BENCH_PROFILE_HOOK=/path/hook.cjs is passed to the services as NODE_OPTIONS
// --require (a CPU-profile hook of your own).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Stack } from '../harness/stack.js';
import { BENCH_ADMIN, runOnBenchStack } from './bench-stack.js';
import { BENCH_ADDRESS as ADDRESS, call, login } from './catalog-seed.js';

const { values: opts } = parseArgs({
  options: {
    products: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '10' },
    duration: { type: 'string', default: '15' },
    pin: { type: 'boolean', default: false },
    // Internal: this process is the load generator.
    load: { type: 'string' },
  },
});
const CLIENTS = Number(opts.clients);
const DURATION_MS = Number(opts.duration) * 1000;
const log = (line: string) => process.stdout.write(`${line}\n`);


async function pool<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

async function seed(edge: string, products: number): Promise<{ skus: string[]; methodId: string }> {
  const token = await login(edge, BENCH_ADMIN.email, BENCH_ADMIN.password);
  const warehouse = await call(edge, 'POST', '/v1/warehouses', { token, json: { code: 'BENCH', name: 'Bench', priority: 1 } });
  const skus = Array.from({ length: products }, (_, i) => `BENCH-CA-${i}`);
  await pool(skus, 8, async (sku) => {
    await call(edge, 'POST', '/v1/products', { token, json: { name: `Bench item ${sku}`, sku, price: { currencyCode: 'EUR', amountMinor: 1000 + skus.indexOf(sku) }, status: 'PRODUCT_STATUS_ACTIVE' } });
    await call(edge, 'POST', '/v1/stock-adjustments', { token, json: { sku, warehouseId: warehouse.id, quantityDelta: 1_000_000, reason: 'ADJUSTMENT_REASON_RECEIVE', requestId: `bench:${sku}` } });
  });
  const zone = await call(edge, 'POST', '/v1/shipping-zones', { token, json: { name: 'Bench NL', countryCodes: ['NL'] } });
  const method = await call(edge, 'POST', '/v1/shipping-methods', {
    token,
    json: { zoneId: zone.id, name: 'Bench flat', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_FLAT', rates: [{ currencyCode: 'EUR', amountMinor: 495 }], minBusinessDays: 1, maxBusinessDays: 3, active: true },
  });
  await call(edge, 'POST', '/v1/tax-rules', { token, json: { countryCode: 'NL', rateBps: 2100, pricesIncludeTax: true, taxShipping: true, name: 'BTW' } });
  return { skus, methodId: method.id };
}

const pick = (skus: string[]) => skus[Math.floor(Math.random() * skus.length)]!;

function summary(latencies: number[], errors: number, elapsedMs: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN) * 10) / 10;
  return { count: sorted.length, errors, perSecond: Math.round((sorted.length / elapsedMs) * 10_000) / 10, p50Ms: at(50), p95Ms: at(95), p99Ms: at(99) };
}

/** The load generator: adds, then views. Prints one JSON line. */
async function generateLoad(edge: string, skus: string[], methodId: string): Promise<void> {
  const newCart = async () => {
    const created = await call(edge, 'POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
    return { id: created.id as string, headers: { 'x-cart-token': created.cartToken as string }, adds: 0 };
  };
  // Warm-up (connections, JIT), not counted.
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const cart = await newCart();
    for (let i = 0; i < 20; i++) await call(edge, 'POST', `/v1/carts/${cart.id}/lines`, { headers: cart.headers, json: { sku: pick(skus), quantity: 1 } });
  }));
  // Five quiet seconds first: the stack's own background work (relays, sweepers), per second.
  log('PHASE idle');
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  log('PHASE adds');
  const adds: number[] = [];
  let addErrors = 0;
  const addStarted = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    let cart = await newCart();
    while (Date.now() < addStarted + DURATION_MS) {
      if (cart.adds >= 20) cart = await newCart();
      const started = performance.now();
      try {
        await call(edge, 'POST', `/v1/carts/${cart.id}/lines`, { headers: cart.headers, json: { sku: pick(skus), quantity: 1 } });
        adds.push(performance.now() - started);
        cart.adds++;
      } catch (err) {
        if (addErrors++ < 3) console.error(String(err));
        cart = await newCart();
      }
    }
  }));
  const addElapsed = Date.now() - addStarted;
  const views: number[] = [];
  let viewErrors = 0;
  const carts = await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const cart = await newCart();
    for (let i = 0; i < 5; i++) await call(edge, 'POST', `/v1/carts/${cart.id}/lines`, { headers: cart.headers, json: { sku: pick(skus), quantity: 1 + i } });
    await call(edge, 'PATCH', `/v1/carts/${cart.id}`, { headers: cart.headers, json: { email: 'bench@example.com', shippingAddress: ADDRESS, shippingMethodId: methodId } });
    return cart;
  }));
  log('PHASE views');
  const viewStarted = Date.now();
  await Promise.all(carts.map(async (cart) => {
    while (Date.now() < viewStarted + DURATION_MS) {
      const started = performance.now();
      try {
        const body = await call(edge, 'GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
        if (!body.shippingTotal || body.shippingIssue) throw new Error(`view without shipping: ${JSON.stringify(body).slice(0, 200)}`);
        views.push(performance.now() - started);
      } catch (err) {
        if (viewErrors++ < 3) console.error(String(err));
      }
    }
  }));
  const viewElapsed = Date.now() - viewStarted;
  log('PHASE done');
  log(JSON.stringify({ adds: summary(adds, addErrors, addElapsed), views: summary(views, viewErrors, viewElapsed) }));
}

/** Every descendant pid of a process (the harness's guards run the servers as children). */
function descendants(pid: number): number[] {
  let out: string;
  try {
    out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = out.split('\n').filter(Boolean).map(Number);
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** CPU seconds (user + system) each of the stack's processes used so far, by name. */
function cpuSeconds(stack: Stack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of stack.processes) {
    for (const pid of [p.pid, ...descendants(p.pid)]) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        out[p.name] = (out[p.name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // gone meanwhile
      }
    }
  }
  return out;
}

const DOWNSTREAM = ['LookupVariants', 'SelectPrices', 'GetAvailability', 'QuoteShipping'];

/** Calls the services answered so far, for the methods a cart reads from (grpc_server_handled_total). */
async function downstreamCalls(stack: Stack): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${stack.ports.metrics}/metrics`)).text();
  const out: Record<string, number> = Object.fromEntries(DOWNSTREAM.map((m) => [m, 0]));
  for (const line of text.split('\n')) {
    const m = /^grpc_server_handled_total\{[^}]*grpc_method="(\w+)"[^}]*\} (\d+)/.exec(line);
    if (m && m[1]! in out) out[m[1]!]! += Number(m[2]);
  }
  return out;
}

function pinStack(stack: Stack): void {
  for (const p of stack.processes) {
    for (const pid of [p.pid, ...descendants(p.pid)]) execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
  }
}

if (opts.load) {
  const { edge, skus, methodId } = JSON.parse(opts.load) as { edge: string; skus: string[]; methodId: string };
  await generateLoad(edge, skus, methodId);
  process.exit(0);
}

const hook = process.env['SHOP_BENCH_PROFILE_HOOK'];
await runOnBenchStack('cart-adds', async (stack) => {
  log(`seeding ${opts.products} stocked products, a shipping zone and a tax rule`);
  const { skus, methodId } = await seed(stack.edgeUrl, Number(opts.products));
  if (opts.pin) pinStack(stack);
  log(`${CLIENTS} clients: adds for ${DURATION_MS / 1000} s, then cart views for ${DURATION_MS / 1000} s${opts.pin ? ' (stack on core 0, load on core 1)' : ''}`);
  const args = ['--import', 'tsx', new URL(import.meta.url).pathname, '--clients', String(CLIENTS), '--duration', String(DURATION_MS / 1000), '--load', JSON.stringify({ edge: stack.edgeUrl, skus, methodId })];
  const child = spawn(opts.pin ? 'taskset' : process.execPath, opts.pin ? ['-c', '1', process.execPath, ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
  // The profile hook (if any) toggles a CPU profile on SIGUSR2: one profile per phase.
  const services = stack.processes.find((p) => p.name === 'services');
  const node = services ? descendants(services.pid).find((pid) => /\bnode\b.*mesh\.ts/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')) && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('bash')) : undefined;
  let out = '';
  const cpuAt: Array<Record<string, number>> = [];
  const callsAt: Array<Promise<Record<string, number>>> = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!/PHASE/.test(d.toString())) return;
    cpuAt.push(cpuSeconds(stack));
    callsAt.push(downstreamCalls(stack));
    if (hook && node && !/PHASE idle/.test(d.toString())) process.kill(node, 'SIGUSR2');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited ${code}`);
  const result = JSON.parse(out.trim().split('\n').pop()!) as { adds: ReturnType<typeof summary>; views: ReturnType<typeof summary> };
  log(`\n| scenario | per second | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|`);
  for (const [name, s] of [['add to cart', result.adds], ['cart view (tax + shipping)', result.views]] as const) log(`| ${name} | ${s.perSecond} | ${s.p50Ms} | ${s.p95Ms} | ${s.p99Ms} | ${s.errors} |`);
  // CPU per request, by process: what a pinned core has to pay, whatever else loads the machine.
  const perRequest = (from: Record<string, number>, to: Record<string, number>, count: number) =>
    Object.keys(to).map((name) => `${name} ${(((to[name]! - (from[name] ?? 0)) * 1000) / count).toFixed(2)}`).join(', ');
  if (cpuAt.length >= 4) {
    log(`\nCPU ms per second with no load (background): ${perRequest(cpuAt[0]!, cpuAt[1]!, 5)}`);
    log(`CPU ms per add: ${perRequest(cpuAt[1]!, cpuAt[2]!, result.adds.count)} (adds phase includes cart creation, 1 per 20 adds, and the background)`);
    log(`CPU ms per view: ${perRequest(cpuAt[2]!, cpuAt[3]!, result.views.count)} (views phase includes 10 carts' setup and the background)`);
    const calls = await Promise.all(callsAt);
    const perCall = (from: Record<string, number>, to: Record<string, number>, count: number) => DOWNSTREAM.map((m) => `${m} ${((to[m]! - from[m]!) / count).toFixed(2)}`).join(', ');
    log(`downstream calls per add: ${perCall(calls[1]!, calls[2]!, result.adds.count)}`);
    log(`downstream calls per view: ${perCall(calls[2]!, calls[3]!, result.views.count)}`);
  }
}, {
  SHOP_ACCOUNT_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1,::1',
  ...(hook ? { NODE_OPTIONS: `--require ${hook}` } : {}),
});
