// `npm run bench:inventory [-- --duration S] [--concurrency C] [--skus N] [--out file.json]`
//
// Reservations per second for issue 5's figures, over gRPC straight to the inventory
// service on loopback with the real MongoDB-wire server (in-memory backend), on an
// isolated stack it starts and stops. Three loads, each for --duration seconds with
// --concurrency calls in flight:
//   hot        every call reserves 1 unit of one SKU (stock in two warehouses)
//   hot+commit every call reserves 1 unit of that SKU and commits it (a checkout)
//   spread     every call reserves 1 unit of a random one of --skus SKUs
// Not part of `npm test`.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { InventoryServiceService } from '../../gen/shop/inventory/v1/inventory_service.js';
import { createServiceClient } from '../../services/platform/src/grpc/client.js';
import { ROOT, type Stack } from '../harness/stack.js';
import { BENCH_ADMIN, runOnBenchStack } from './bench-stack.js';

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, '.tmp', `bench-inventory-${new Date().toISOString().replace(/[:.]/g, '-')}.json`) },
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    skus: { type: 'string', default: '1000' },
  },
});
const DURATION_MS = Number(opts.duration) * 1000;
const CONCURRENCY = Number(opts.concurrency);
const SKUS = Number(opts.skus);
const ADMIN = BENCH_ADMIN;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function call(stack: Stack, token: string, method: string, path: string, json?: unknown): Promise<any> {
  const res = await fetch(`${stack.edgeUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

interface LoadResult { name: string; calls: number; errors: number; perSecond: number; p50Ms: number; p99Ms: number }

/** Runs `job` with CONCURRENCY in flight for DURATION_MS; latencies of successful calls. */
async function load(name: string, job: () => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = Date.now();
  const end = started + DURATION_MS;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end) {
      const t = performance.now();
      try {
        await job();
        latencies.push(performance.now() - t);
      } catch {
        errors++;
      }
    }
  }));
  const elapsed = Date.now() - started;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 10) / 10;
  const result = { name, calls: latencies.length, errors, perSecond: Math.round((latencies.length / elapsed) * 1000), p50Ms: pct(0.5), p99Ms: pct(0.99) };
  log(`${name.padEnd(11)} ${String(result.perSecond).padStart(5)} calls/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  (${result.calls} ok, ${errors} errors)`);
  return result;
}

await runOnBenchStack('inventory', async (stack, workDir) => {
    const tokenRes = await fetch(`${stack.edgeUrl}/v1/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username: ADMIN.email, password: ADMIN.password }) });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const near = (await call(stack, token, 'POST', '/v1/warehouses', { code: 'NEAR', name: 'Near', priority: 1 })).id;
    const far = (await call(stack, token, 'POST', '/v1/warehouses', { code: 'FAR', name: 'Far', priority: 2 })).id;
    const adjust = (sku: string, warehouseId: string, quantityDelta: number) => call(stack, token, 'POST', '/v1/stock-adjustments', { sku, warehouseId, quantityDelta, reason: 'ADJUSTMENT_REASON_RECEIVE' });
    await adjust('HOT-1', near, 100_000);
    await adjust('HOT-1', far, 100_000);
    await adjust('HOT-2', near, 100_000);
    log(`stocking ${SKUS} SKUs`);
    const spread = Array.from({ length: SKUS }, (_, i) => `SPREAD-${i}`);
    for (let i = 0; i < spread.length; i += 16) await Promise.all(spread.slice(i, i + 16).map((sku) => adjust(sku, i % 32 < 16 ? near : far, 10_000)));

    const client = createServiceClient(InventoryServiceService, { name: 'bench', address: stack.env['SHOP_INVENTORY_ADDR']!, timeoutMs: 30_000, maxConcurrent: 1000 });
    const reserve = (sku: string) => client.reserveStock({ reservationId: randomUUID(), lines: [{ sku, quantity: 1 }], expiresInSeconds: 3600 }, { token });
    const results = [
      await load('hot', async () => void (await reserve('HOT-1'))),
      await load('hot+commit', async () => {
        const r = await reserve('HOT-2');
        await client.commitReservation({ reservationId: r.reservationId }, { token });
      }),
      await load('spread', async () => void (await reserve(spread[Math.floor(Math.random() * spread.length)]!))),
    ];
    client.close();
    const report = { at: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), durationS: DURATION_MS / 1000, concurrency: CONCURRENCY, skus: SKUS, results };
    mkdirSync(dirname(opts.out!), { recursive: true });
    writeFileSync(opts.out!, JSON.stringify(report, null, 2));
    log(`written to ${opts.out}`);
});
