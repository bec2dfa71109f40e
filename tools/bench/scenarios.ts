// The scenarios: what each one requests, with which tool, and the data it needs
// (carts, a customer with orders) made once per stack before any is measured.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ROOT, type Stack } from '../harness/stack.js';
import { flowResult, requestsResult, runAutocannon } from './autocannon.js';
import { BENCH_ADDRESS, boundedAll, call, login, type SeededCatalog } from './catalog-seed.js';
import { runGhz } from './ghz.js';
import type { LoadResult } from './load-result.js';
import { randomPathLua, runWrk, wrkToLoadResult } from './wrk.js';

export interface ScenarioData {
  /** Guest carts add-to-cart spreads its adds over. */
  addCarts: { id: string; cartToken: string }[];
  /** Guest carts holding 5 lines, an address and a shipping method (totals with tax and shipping). */
  viewCarts: { id: string; cartToken: string }[];
  customerToken: string;
  customerOrders: number;
  /** The checkout payment that confirms orders here: Stripe via stripe-mock, else the sandbox. */
  payment: { provider: string; token: string };
}

export interface ScenarioRun {
  load: LoadResult;
  parts?: Record<string, LoadResult>;
  note?: string;
}

export interface Scenario {
  key: string;
  name: string;
  /** Ceilings whose requests/s this scenario is compared with. */
  ceilings: string[];
  /** Runs before the timed warm-up, e.g. reading every product once as a shop's traffic would have. */
  prepare?(): Promise<void>;
  run(durationS: number): Promise<ScenarioRun>;
}

export interface ScenarioEnv {
  stack: Stack;
  workDir: string;
  seeded: SeededCatalog;
  data: ScenarioData;
  connections: number;
  /** taskset -c list for the load generator (one-core mode), else undefined. */
  loadCpus?: string;
  /** The catalog service's gRPC address for the direct scenario. */
  catalogAddr: string;
}

const STRIPE = { provider: 'stripe', token: 'pm_card_visa' };
const SANDBOX = { provider: 'test', token: 'tok_test_success' };
const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;

async function guestCart(edgeUrl: string, headers: Record<string, string> = {}): Promise<{ id: string; cartToken: string }> {
  const c = await call(edgeUrl, 'POST', '/v1/carts', { headers, json: { currencyCode: 'EUR' } });
  return { id: c.id, cartToken: c.cartToken };
}

/** One order placed as the customer; the order's status. */
async function placeOrder(edgeUrl: string, seeded: SeededCatalog, token: string, payment: { provider: string; token: string }): Promise<string> {
  const cart = await call(edgeUrl, 'POST', '/v1/carts', { token, json: { currencyCode: 'EUR' } });
  const headers = cart.cartToken ? { 'x-cart-token': cart.cartToken as string } : undefined;
  for (let l = 0; l < 2; l++) await call(edgeUrl, 'POST', `/v1/carts/${cart.id}/lines`, { token, headers, json: { sku: pick(seeded.skus), quantity: 1 } });
  await call(edgeUrl, 'PATCH', `/v1/carts/${cart.id}`, { token, headers, json: { email: 'customer@shopmesh.test', shippingAddress: BENCH_ADDRESS, shippingMethodId: seeded.shippingMethodId } });
  const order = await call(edgeUrl, 'POST', `/v1/carts/${cart.id}:checkout`, { token, headers, json: { idempotencyKey: randomUUID(), payment } });
  return order.status as string;
}

/** Carts for add-to-cart and cart view, and a customer with `orders` confirmed orders. */
export async function prepareScenarioData(stack: Stack, seeded: SeededCatalog, connections: number, orders: number, log: (line: string) => void): Promise<ScenarioData> {
  const edge = stack.edgeUrl;
  const addCarts: ScenarioData['addCarts'] = [];
  const viewCarts: ScenarioData['viewCarts'] = [];
  const guestCarts = async () => {
    await boundedAll(Math.max(100, connections * 10), 8, async () => void addCarts.push(await guestCart(edge)));
    await boundedAll(20, 8, async () => {
      const cart = await guestCart(edge);
      const headers = { 'x-cart-token': cart.cartToken };
      for (let l = 0; l < 5; l++) await call(edge, 'POST', `/v1/carts/${cart.id}/lines`, { headers, json: { sku: pick(seeded.skus), quantity: 1 + (l % 2) } });
      await call(edge, 'PATCH', `/v1/carts/${cart.id}`, { headers, json: { email: 'viewer@example.com', shippingAddress: BENCH_ADDRESS, shippingMethodId: seeded.shippingMethodId } });
      viewCarts.push(cart);
    });
  };

  // A customer has one cart, so their orders are placed one after another (beside the guest carts).
  const customerOrders = async () => {
    const email = `customer-${randomUUID().slice(0, 8)}@shopmesh.test`;
    const password = 'bench-customer-password';
    await call(edge, 'POST', '/v1/users', { json: { email, password, displayName: 'Bench Customer' } });
    const token = await login(edge, email, password);
    // The real Stripe path (stripe-mock) when it confirms orders; the sandbox otherwise.
    let payment = STRIPE;
    const first = await placeOrder(edge, seeded, token, STRIPE).catch((err: Error) => err.message);
    if (first !== 'ORDER_STATUS_CONFIRMED') {
      log(`  provider stripe (stripe-mock) did not confirm an order (${first.slice(0, 200)}); checkout uses the sandbox provider`);
      payment = SANDBOX;
      if ((await placeOrder(edge, seeded, token, SANDBOX)) !== 'ORDER_STATUS_CONFIRMED') throw new Error('the sandbox payment did not confirm an order either');
    }
    for (let i = 1; i < orders; i++) {
      const status = await placeOrder(edge, seeded, token, payment);
      if (status !== 'ORDER_STATUS_CONFIRMED') throw new Error(`a seeded order ended ${status}`);
    }
    return { token, payment };
  };
  const [, { token: customerToken, payment }] = await Promise.all([guestCarts(), customerOrders()]);
  return { addCarts, viewCarts, customerToken, customerOrders: orders, payment };
}

/** Every scenario of the suite, in the order they run. */
export function scenarios(e: ScenarioEnv): Scenario[] {
  const { stack, workDir, seeded, data, connections, loadCpus } = e;
  const wrk = (lua: string, path = '/', headers?: Record<string, string>) => async (durationS: number): Promise<ScenarioRun> => ({
    load: wrkToLoadResult(await runWrk({ url: `${stack.edgeUrl}${path}`, connections, durationS, lua, headers, cpus: loadCpus }, workDir), connections),
  });
  const detailPaths = seeded.products.map((p) => `/v1/products/${p.id}`);
  const listPaths = ['/v1/products?page_size=20', ...seeded.childCategories.map((c) => `/v1/products?page_size=20&category_id=${c.id}`)];
  const searchPaths = seeded.rootCategories.flatMap((root) => ['steel', 'classic', 'wool', 'compact'].map((q) => `/v1/search/products?${new URLSearchParams({ q, category: root.id, currency: 'EUR', min_price: '1000', max_price: '30000', page_size: '20' })}`));
  const cartViewLua = `local carts = {${data.viewCarts.map((c) => `{${JSON.stringify(`/v1/carts/${c.id}`)},${JSON.stringify(c.cartToken)}}`).join(',')}}
math.randomseed(os.time())
request = function()
  local c = carts[math.random(#carts)]
  return wrk.format("GET", c[1], {["x-cart-token"] = c[2]})
end
`;
  const viaEnvoy = ['echoViaEnvoy'];
  return [
    {
      key: 'product-detail', name: 'product detail (GET /v1/products/{id}, random of all)', ceilings: viaEnvoy,
      // A running shop has had every product asked for; a few seconds of random requests reach a fraction of 10,000.
      prepare: () => boundedAll(detailPaths.length, 16, async (i) => void (await fetch(`${stack.edgeUrl}${detailPaths[i]}`)).arrayBuffer()),
      run: wrk(randomPathLua(detailPaths)),
    },
    { key: 'product-list', name: 'product list page (20 items, random category or none)', ceilings: viaEnvoy, run: wrk(randomPathLua(listPaths)) },
    { key: 'search', name: 'search (q + category + price range, facets)', ceilings: viaEnvoy, run: wrk(randomPathLua(searchPaths)) },
    {
      key: 'add-to-cart', name: 'add to cart (POST /v1/carts/{id}/lines)', ceilings: viaEnvoy,
      run: async (durationS) => ({ load: requestsResult(await runAutocannon({ flow: 'add-to-cart', edgeUrl: stack.edgeUrl, connections, durationS, skus: seeded.skus, carts: data.addCarts }, workDir, loadCpus), connections) }),
    },
    { key: 'cart-view', name: 'cart view (5 lines, totals with tax + shipping)', ceilings: viaEnvoy, run: wrk(cartViewLua) },
    {
      key: 'checkout', name: `checkout flow (cart -> 2 lines -> details -> order -> reservation -> payment ${data.payment.provider} -> confirmed)`, ceilings: ['echoViaEnvoy', 'mongooseInsert'],
      run: async (durationS) => {
        const t = await runAutocannon({ flow: 'checkout', edgeUrl: stack.edgeUrl, connections, durationS, skus: seeded.skus, shippingMethodId: seeded.shippingMethodId, address: BENCH_ADDRESS, payment: data.payment }, workDir, loadCpus);
        return {
          load: flowResult(t, connections, 'flowMs'),
          parts: { 'checkout call alone': flowResult(t, connections, 'checkoutMs'), 'every request of the flow': requestsResult(t, connections) },
          note: 'load = confirmed orders per second and whole-flow latency (5 requests)',
        };
      },
    },
    { key: 'order-history', name: `order history (GET /v1/orders?page_size=20, customer with ${data.customerOrders} orders)`, ceilings: viaEnvoy, run: wrk('', '/v1/orders?page_size=20', { authorization: `Bearer ${data.customerToken}` }) },
    {
      key: 'grpc-get-product', name: 'gRPC GetProduct direct to catalog (ghz, one product)', ceilings: ['echoDirect'],
      run: async (durationS) => ({
        load: await runGhz({
          host: e.catalogAddr, call: 'shop.catalog.v1.CatalogService/GetProduct', schema: { protoset: join(ROOT, 'envoy/descriptor.binpb') },
          data: { id: pick(seeded.products).id }, connections, durationS, ...(loadCpus ? { cpus: loadCpus } : {}),
        }, workDir),
      }),
    },
  ];
}
