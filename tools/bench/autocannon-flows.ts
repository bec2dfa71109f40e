// The autocannon side of the multi-step scenarios, run as its own process (spawned by
// autocannon.ts under taskset, so the load sits on the load core): reads a FlowSpec
// as JSON from the file named in argv, runs it and prints one AUTOCANNONJSON line with the raw timings.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface FlowSpec {
  flow: 'add-to-cart' | 'checkout';
  edgeUrl: string;
  connections: number;
  durationS: number;
  skus: string[];
  /** add-to-cart: guest carts to add to, used round robin (more carts than connections, so two adds rarely meet on one cart). */
  carts?: { id: string; cartToken: string }[];
  shippingMethodId?: string;
  address?: Record<string, string>;
  payment?: { provider: string; token: string };
}

export interface FlowTimings {
  requests: number;
  durationS: number;
  errors: number;
  /** Every request's latency, ms. */
  requestMs: number[];
  /** checkout: whole flows (cart -> lines -> details -> confirmed order) and the checkout call alone, ms. */
  flowMs: number[];
  checkoutMs: number[];
  flowErrors: number;
}

type Ctx = Record<string, any>;
type Req = { method?: string; path?: string; headers?: Record<string, string>; body?: string };
const JSON_HEADERS = { 'content-type': 'application/json' };
const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
const ok = (status: number) => status >= 200 && status < 300;

function addToCart(spec: FlowSpec) {
  const carts = spec.carts!;
  let next = 0;
  return [{
    method: 'POST',
    setupRequest: (req: Req) => {
      const cart = carts[next++ % carts.length]!;
      return { ...req, path: `/v1/carts/${cart.id}/lines`, headers: { ...JSON_HEADERS, 'x-cart-token': cart.cartToken }, body: JSON.stringify({ sku: pick(spec.skus), quantity: 1 }) };
    },
  }];
}

function checkout(spec: FlowSpec, t: FlowTimings) {
  const cartHeaders = (ctx: Ctx) => ({ ...JSON_HEADERS, 'x-cart-token': ctx['cart'].cartToken as string });
  // A step whose cart is missing (an earlier step failed) returns null: autocannon restarts the flow.
  const withCart = (build: (req: Req, ctx: Ctx) => Req) => (req: Req, ctx: Ctx) => (ctx['cart'] ? build(req, ctx) : null);
  const failed = (status: number) => { if (!ok(status)) t.flowErrors++; };
  return [
    {
      method: 'POST', path: '/v1/carts', headers: JSON_HEADERS, body: JSON.stringify({ currencyCode: 'EUR' }),
      setupRequest: (req: Req, ctx: Ctx) => { ctx['started'] = performance.now(); return req; },
      onResponse: (status: number, body: string, ctx: Ctx) => { if (ok(status)) ctx['cart'] = JSON.parse(body); else failed(status); },
    },
    ...[0, 1].map(() => ({
      method: 'POST',
      setupRequest: withCart((req, ctx) => ({ ...req, path: `/v1/carts/${ctx['cart'].id}/lines`, headers: cartHeaders(ctx), body: JSON.stringify({ sku: pick(spec.skus), quantity: 1 }) })),
      onResponse: failed,
    })),
    {
      method: 'PATCH',
      setupRequest: withCart((req, ctx) => ({ ...req, path: `/v1/carts/${ctx['cart'].id}`, headers: cartHeaders(ctx), body: JSON.stringify({ email: 'bench@example.com', shippingAddress: spec.address, shippingMethodId: spec.shippingMethodId }) })),
      onResponse: failed,
    },
    {
      method: 'POST',
      setupRequest: withCart((req, ctx) => {
        ctx['checkoutStarted'] = performance.now();
        return { ...req, path: `/v1/carts/${ctx['cart'].id}:checkout`, headers: cartHeaders(ctx), body: JSON.stringify({ idempotencyKey: randomUUID(), payment: spec.payment }) };
      }),
      onResponse: (status: number, body: string, ctx: Ctx) => {
        const now = performance.now();
        if (ok(status) && (JSON.parse(body) as { status?: string }).status === 'ORDER_STATUS_CONFIRMED') {
          t.flowMs.push(now - ctx['started']);
          t.checkoutMs.push(now - ctx['checkoutStarted']);
        } else t.flowErrors++;
      },
    },
  ];
}

export async function runFlow(spec: FlowSpec): Promise<FlowTimings> {
  const t: FlowTimings = { requests: 0, durationS: 0, errors: 0, requestMs: [], flowMs: [], checkoutMs: [], flowErrors: 0 };
  // Without a callback autocannon returns its instance, which is also a promise of the result.
  const instance = autocannon({
    url: spec.edgeUrl,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 10,
    requests: (spec.flow === 'add-to-cart' ? addToCart(spec) : checkout(spec, t)) as any,
  }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => { t.requestMs.push(responseTime); });
  const result = await instance;
  t.requests = result.requests.total;
  t.durationS = result.duration;
  t.errors = result.non2xx + result.errors + result.timeouts;
  return t;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FlowSpec;
  const timings = await runFlow(spec);
  process.stdout.write(`AUTOCANNONJSON ${JSON.stringify(timings)}\n`);
}
