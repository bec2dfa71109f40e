// `npm run bench:shipping [-- --out <file.json>] [--zones N] [--duration S] [--connections C]`
//
// QuoteShipping throughput: the pure rate computation in-process (quotes/s on one
// core), then POST /v1/shipping:quote through Envoy with wrk against an isolated
// stack whose rate card has N zones of four methods each (weight bands with a free
// threshold, subtotal bands, flat, per item; EUR and USD). Not part of `npm test`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RateType, ShippingMethodKind } from '../../gen/shop/shipping/v1/shipping.js';
import { quoteMethods, type MethodFields, type Parcel } from '../../services/shipping/src/domain/rates.js';
import { matchZones } from '../../services/shipping/src/domain/zones.js';
import { ROOT } from '../harness/stack.js';
import { BENCH_ADMIN, runOnBenchStack } from './bench-stack.js';
import { adminToken } from '../seed.js';
import { latencyMs, runWrk, warmUp } from './wrk.js';

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, '.tmp', `bench-shipping-${new Date().toISOString().replace(/[:.]/g, '-')}.json`) },
    zones: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
  },
});
const ZONES = Number(opts.zones);
const DURATION_S = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const ADMIN = BENCH_ADMIN;
const COUNTRIES = ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DK', 'EE', 'ES', 'FI', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'];
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Zone i: a few countries; zone 0 covers DE, the quoted destination, plus a Berlin postal-prefix zone. */
function zoneOf(i: number) {
  if (i === 0) return { name: 'Bench DE', countryCodes: ['DE'] };
  if (i === 1) return { name: 'Bench Berlin', countryCodes: ['DE'], postalCodePrefixes: ['10', '12', '13', '14'] };
  return { name: `Bench zone ${i}`, countryCodes: [COUNTRIES[i % COUNTRIES.length]!, COUNTRIES[(i * 7) % COUNTRIES.length]!] };
}

const METHODS = [
  { name: 'Standard', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_WEIGHT_BANDS', minBusinessDays: 2, maxBusinessDays: 4, active: true, volumetricDivisor: 5000, rates: [
    { currencyCode: 'EUR', bands: [{ upTo: 1000, amountMinor: 490 }, { upTo: 5000, amountMinor: 790 }, { upTo: 31500, amountMinor: 1490 }], freeAtSubtotalMinor: 10000 },
    { currencyCode: 'USD', bands: [{ upTo: 1000, amountMinor: 590 }, { upTo: 0, amountMinor: 1990 }] }] },
  { name: 'Economy', kind: 'SHIPPING_METHOD_KIND_ECONOMY', rateType: 'RATE_TYPE_SUBTOTAL_BANDS', minBusinessDays: 4, maxBusinessDays: 8, active: true, rates: [
    { currencyCode: 'EUR', bands: [{ upTo: 2999, amountMinor: 590 }, { upTo: 0, amountMinor: 290 }] }] },
  { name: 'Express', kind: 'SHIPPING_METHOD_KIND_EXPRESS', rateType: 'RATE_TYPE_FLAT', minBusinessDays: 1, maxBusinessDays: 1, active: true, rates: [{ currencyCode: 'EUR', amountMinor: 1290 }, { currencyCode: 'USD', amountMinor: 1490 }] },
  { name: 'Per item', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_PER_ITEM', minBusinessDays: 3, maxBusinessDays: 5, active: true, rates: [{ currencyCode: 'EUR', amountMinor: 150 }] },
];

const QUOTE = {
  destination: { countryCode: 'DE', postalCode: '80331' },
  items: [{ sku: 'MUG', quantity: 2, weightGrams: 350, lengthMm: 120, widthMm: 100, heightMm: 100 }, { sku: 'TEE', quantity: 1, weightGrams: 180 }],
  subtotal: { currencyCode: 'EUR', amountMinor: 5460 },
};

/** Quotes/s of the pure domain code (zone matching + pricing + sorting), one core. */
function domainQuotesPerSecond(): number {
  const zones = Array.from({ length: ZONES }, (_, i) => ({ id: `z${i}`, regions: [], postalCodePrefixes: [], ...zoneOf(i) }));
  const methods: Array<MethodFields & { id: string }> = zones.flatMap((z) =>
    METHODS.map((m, j) => ({
      ...m, id: `${z.id}-m${j}`, zoneId: z.id, description: '', carrier: 'manual', warehouseId: '', maxWeightGrams: 0, volumetricDivisor: m.volumetricDivisor ?? 0,
      kind: ShippingMethodKind[m.kind as keyof typeof ShippingMethodKind], rateType: RateType[m.rateType as keyof typeof RateType],
      rates: m.rates.map((r) => ({ currencyCode: r.currencyCode, amountMinor: (r as { amountMinor?: number }).amountMinor ?? 0, bands: [...((r as { bands?: Array<{ upTo: number; amountMinor: number }> }).bands ?? [])], freeAtSubtotalMinor: (r as { freeAtSubtotalMinor?: number }).freeAtSubtotalMinor })),
    })),
  );
  const parcel: Parcel = { items: QUOTE.items.map((i) => ({ lengthMm: 0, widthMm: 0, heightMm: 0, ...i })), subtotal: QUOTE.subtotal };
  const dest = { countryCode: 'DE', region: '', postalCode: '80331' };
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const matched = new Set(matchZones(zones, dest).map((z) => z.id));
      quoteMethods(methods.filter((m) => matched.has(m.zoneId)), parcel, 'DE');
    }
  };
  run(20_000); // warm-up
  const n = 200_000;
  const t0 = performance.now();
  run(n);
  return Math.round(n / ((performance.now() - t0) / 1000));
}

// The pure rate-card arithmetic first, before any stack competes for the CPU.
const domainRate = domainQuotesPerSecond();
log(`domain: ${domainRate} quotes/s in-process (${ZONES} zones x ${METHODS.length} methods, one core)`);

await runOnBenchStack('shipping', async (stack, workDir) => {
    const token = await adminToken(stack.edgeUrl, ADMIN.email, ADMIN.password);
    const post = async (path: string, json: unknown) => {
      const res = await fetch(`${stack.edgeUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(json) });
      const body = (await res.json()) as any;
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    for (let i = 0; i < ZONES; i++) {
      const zone = await post('/v1/shipping-zones', zoneOf(i));
      for (const m of METHODS) await post('/v1/shipping-methods', { ...m, zoneId: zone.id });
    }
    const sample = await post('/v1/shipping:quote', QUOTE);
    log(`seeded ${ZONES} zones; a quote for DE 80331 offers ${sample.quotes.map((q: any) => `${q.name} ${q.price.amountMinor}`).join(', ')}`);
    const load = { url: `${stack.edgeUrl}/v1/shipping:quote`, connections: CONNECTIONS, durationS: DURATION_S, method: 'POST', json: QUOTE };
    await warmUp({ ...load, durationS: 3 }, workDir);
    const r = await runWrk(load, workDir);
    const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
    const result = {
      benchmark: 'shipping-quotes',
      time: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', loadAvgAtEnd: loadavg().map((l) => Number(l.toFixed(2))), node: process.version },
      rateCard: { zones: ZONES, methodsPerZone: METHODS.length },
      domainQuotesPerSecond: domainRate,
      edge: { connections: CONNECTIONS, durationS: DURATION_S, requests: r.requests, quotesPerSecond: Math.round(r.requests / (r.durationUs / 1e6)), latencyMs: latencyMs(r), errors },
    };
    const out = resolve(opts.out!);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    log(`edge: ${result.edge.quotesPerSecond} quotes/s, p50 ${result.edge.latencyMs.p50} ms, p99 ${result.edge.latencyMs.p99} ms, errors ${errors} (${CONNECTIONS} connections, ${DURATION_S} s, through Envoy)`);
    log(`  machine: ${result.machine.cpus} cores, load average ${result.machine.loadAvgAtEnd.join(' ')}; written to ${out}`);
});
