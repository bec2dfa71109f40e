// The benchmark catalog: a deterministic shape (the same vocabulary every run), written
// through the bulk paths the API offers — product import in JSON Lines chunks, stock
// as purchase orders received in 500-line batches — so 10,000 products with variants
// seed in well under a minute.
import { randomUUID } from 'node:crypto';
import { formatOptionValues } from '../../services/catalog/src/domain/import-rows.js';
import { BENCH_ADMIN } from './bench-stack.js';

// Deterministic vocabulary, so every run seeds the same catalog shape.
export const ADJECTIVES = ['classic', 'compact', 'rugged', 'organic', 'steel', 'linen', 'oak', 'ceramic', 'wool', 'brass', 'vintage', 'modern', 'insulated', 'folding', 'heavy', 'light'];
export const NOUNS = ['mug', 'kettle', 'lamp', 'chair', 'jacket', 'bottle', 'notebook', 'backpack', 'tent', 'knife', 'pan', 'blanket', 'speaker', 'watch', 'scarf', 'boots', 'bowl', 'desk', 'pillow', 'tote'];
export const ROOTS = ['Home', 'Kitchen', 'Outdoor', 'Fashion', 'Office'];
export const CHILDREN = ['Essentials', 'Premium', 'Gifts', 'Sale'];
const SIZES = ['S', 'M', 'L'];
/** Every VARIANT_EVERY-th product comes in three sizes; the others are one SKU. */
const VARIANT_EVERY = 4;

export const BENCH_ADDRESS = { fullName: 'Bench Shopper', line1: 'Damrak 1', city: 'Amsterdam', postalCode: '1012 LG', countryCode: 'NL' };

export interface SeededCatalog {
  adminToken: string;
  products: { id: string; slug: string }[];
  /** The SKUs with stock (every SKU unless the seed was told to stock fewer): what carts and checkouts buy. */
  skus: string[];
  /** Every SKU of the catalog, stocked or not. */
  skuCount: number;
  rootCategories: { id: string; name: string }[];
  childCategories: { id: string; name: string; parentId: string }[];
  brands: { id: string; name: string }[];
  shippingMethodId: string;
  timingsMs: { catalog: number; stock: number; total: number };
}

/** One JSON request through the edge; throws on anything but 2xx. */
export async function call<T = any>(edgeUrl: string, method: string, path: string, o: { token?: string; headers?: Record<string, string>; json?: unknown; body?: string; contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers['authorization'] = `Bearer ${o.token}`;
  let body = o.body;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  } else if (o.contentType) headers['content-type'] = o.contentType;
  const res = await fetch(`${edgeUrl}${path}`, { method, headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A password-grant access token. */
export async function login(edgeUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${edgeUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: email, password }),
  });
  if (!res.ok) throw new Error(`login ${email} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Runs job(i) for i in [0, n) with at most `limit` in flight. */
export async function boundedAll(n: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await job(next++);
  }));
}

/**
 * Retries a request that is safe to repeat (an import keyed by SKU, a receipt keyed by
 * its id) when it fails, e.g. a 504 from the edge's 15 s route timeout on a busy machine.
 */
async function retried<T>(what: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await what();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 1_000 * i));
    }
  }
}

export const productSlug = (i: number) => `bench-product-${i}`;

/** The import lines (JSON Lines) of product i: one simple row, or one row per size sharing a handle. */
export function productRows(i: number, brands: { id: string }[], categories: { id: string }[]): Record<string, unknown>[] {
  const adjective = ADJECTIVES[i % ADJECTIVES.length]!;
  const noun = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]!;
  const base = {
    name: `${adjective} ${noun} ${i}`,
    description: `A ${adjective} ${noun} for everyday use, model ${i}.`,
    price_currency: 'EUR',
    price_amount_minor: 500 + ((i * 7919) % 50_000),
    status: 'active',
    brand_id: brands[i % brands.length]!.id,
    category_ids: categories[(i * 31) % categories.length]!.id,
  };
  const sku = `BENCH-${String(i).padStart(6, '0')}`;
  if (i % VARIANT_EVERY !== 0) return [{ ...base, sku, slug: productSlug(i) }];
  return SIZES.map((size, v) => ({ ...base, sku: `${sku}-${size}`, handle: productSlug(i), option_values: formatOptionValues({ Size: size }), price_amount_minor: base.price_amount_minor + v * 100 }));
}

/**
 * Seeds `count` products (a quarter with three sizes), 20 brands, 5 root and 20 child
 * categories, stock for every SKU in one warehouse, a shipping zone and method for NL
 * and a tax rule, as the bench admin.
 */
/**
 * `stocked` limits stock to that many SKUs spread evenly over the catalog (the rest show
 * as sold out): booking stock costs a few MongoDB round trips per SKU, which on a busy
 * 2-core machine is what would keep the short mode from fitting its 5 minutes.
 */
export async function seedCatalog(edgeUrl: string, count: number, log: (line: string) => void, stocked = Infinity): Promise<SeededCatalog> {
  const started = performance.now();
  const token = await login(edgeUrl, BENCH_ADMIN.email, BENCH_ADMIN.password);
  const post = <T = any>(path: string, json: unknown) => call<T>(edgeUrl, 'POST', path, { token, json });

  const brands: { id: string; name: string }[] = [];
  for (let i = 0; i < 20; i++) brands.push(await post('/v1/brands', { name: `Brand ${String.fromCharCode(65 + i)}${i}` }));
  const rootCategories: { id: string; name: string }[] = [];
  const childCategories: { id: string; name: string; parentId: string }[] = [];
  for (const name of ROOTS) {
    const root = await post('/v1/categories', { name });
    rootCategories.push(root);
    for (const child of CHILDREN) childCategories.push(await post('/v1/categories', { name: `${name} ${child}`, parentId: root.id }));
  }

  // Small chunks of whole products (a product's rows stay together), four in flight:
  // on a loaded machine a large chunk outlasts the edge's 15 s route timeout.
  const chunkProducts = 100;
  const skus: string[] = [];
  await boundedAll(Math.ceil(count / chunkProducts), 4, async (c) => {
    const rows: Record<string, unknown>[] = [];
    for (let i = c * chunkProducts; i < Math.min(count, (c + 1) * chunkProducts); i++) rows.push(...productRows(i, brands, childCategories));
    const report = await retried(() => call<{ rowsApplied: number; rowsRejected: number; errors: unknown[] }>(edgeUrl, 'POST', '/v1/products:import', {
      token, contentType: 'application/x-ndjson', body: rows.map((r) => JSON.stringify(r)).join('\n'),
    }));
    if (report.rowsRejected > 0) throw new Error(`import rejected rows: ${JSON.stringify(report.errors.slice(0, 3))}`);
    for (const r of rows) skus.push(r['sku'] as string);
  });
  skus.sort();
  const catalogMs = performance.now() - started;
  log(`  ${count} products (${skus.length} SKUs) imported in ${(catalogMs / 1000).toFixed(1)} s`);

  // Every product's id: list pages of 100 (ids and slugs are what the scenarios request).
  const products: { id: string; slug: string }[] = [];
  let pageToken = '';
  do {
    const page = await call<{ products?: { id: string; slug: string }[]; nextPageToken?: string }>(edgeUrl, 'GET', `/v1/products?page_size=100${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`, { token });
    for (const p of page.products ?? []) products.push({ id: p.id, slug: p.slug });
    pageToken = page.nextPageToken ?? '';
  } while (pageToken);

  const allSkus = skus.length;
  if (stocked < skus.length) {
    const every = skus.length / stocked;
    const chosen = Array.from({ length: stocked }, (_, i) => skus[Math.floor(i * every)]!);
    skus.splice(0, skus.length, ...chosen);
  }
  const stockStarted = performance.now();
  const warehouse = await post('/v1/warehouses', { code: 'BENCH', name: 'Bench', priority: 1 });
  const supplier = await post('/v1/suppliers', { name: 'Bench supplier', currencyCode: 'EUR', leadTimeDays: 1 });
  const batch = 100;
  await boundedAll(Math.ceil(skus.length / batch), 4, async (b) => {
    const lines = skus.slice(b * batch, (b + 1) * batch).map((sku) => ({ sku, quantity: 1_000_000 }));
    const po = await post('/v1/purchase-orders', { supplierId: supplier.id, warehouseId: warehouse.id, lines: lines.map((l) => ({ sku: l.sku, quantityOrdered: l.quantity })) });
    const sent = await post(`/v1/purchase-orders/${po.id}:send`, { etag: po.etag });
    const receiptId = randomUUID();
    await retried(() => post(`/v1/purchase-orders/${sent.id}:receive`, { lines, receiptId }));
  });
  const stockMs = performance.now() - stockStarted;
  log(`  stock for ${skus.length} of ${allSkus} SKUs received in ${(stockMs / 1000).toFixed(1)} s`);

  const zone = await post('/v1/shipping-zones', { name: 'Bench NL', countryCodes: ['NL'] });
  const method = await post('/v1/shipping-methods', {
    zoneId: zone.id, name: 'Bench flat', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_FLAT', rates: [{ currencyCode: 'EUR', amountMinor: 495 }], minBusinessDays: 1, maxBusinessDays: 3, active: true,
  });
  await post('/v1/tax-rules', { countryCode: 'NL', rateBps: 2100, pricesIncludeTax: true, taxShipping: true, name: 'BTW' });
  return {
    adminToken: token, products, skus, skuCount: allSkus, rootCategories, childCategories, brands, shippingMethodId: method.id,
    timingsMs: { catalog: Math.round(catalogMs), stock: Math.round(stockMs), total: Math.round(performance.now() - started) },
  };
}
