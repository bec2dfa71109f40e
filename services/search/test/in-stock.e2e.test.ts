import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { admin, api, uniqueSku } from '../../../tools/testing/edge.js';

async function staff(method: string, path: string, json?: unknown) {
  const res = await api(method, path, { token: await admin(), ...(json === undefined ? {} : { json }) });
  assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls the search until `check` holds for the ids found (events take a moment). */
async function eventually(query: string, check: (ids: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  let ids: string[] = [];
  while (Date.now() < deadline) {
    ids = ((await api('GET', `/v1/search/products?${query}`)).body.products ?? []).map((p: { id: string }) => p.id);
    if (check(ids)) return ids;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ids;
}

test('in_stock follows inventory: a product shows once stocked, hides when sold out, and a rebuild keeps it', async () => {
  const word = `kettle${randomUUID().slice(0, 8)}`;
  const sku = uniqueSku('KET');
  const product = await staff('POST', '/v1/products', { name: `Stovetop ${word}`, sku, price: { currencyCode: 'EUR', amountMinor: 3900 }, status: 'PRODUCT_STATUS_ACTIVE' });
  const anyStock = await eventually(`q=${word}`, (ids) => ids.includes(product.id));
  assert.deepEqual(anyStock, [product.id], 'searchable without the in-stock filter');
  assert.deepEqual(await eventually(`q=${word}&in_stock=true`, () => false), [], 'never stocked: not in stock');

  const warehouses = await staff('GET', '/v1/warehouses?pageSize=200');
  const warehouseId = warehouses.warehouses?.[0]?.id ?? (await staff('POST', '/v1/warehouses', { code: 'SEARCH-TESTS', name: 'Search tests', priority: 9 })).id;
  await staff('POST', '/v1/stock-adjustments', { sku, warehouseId, quantityDelta: 2, reason: 'ADJUSTMENT_REASON_RECEIVE', requestId: `in:${sku}` });
  assert.deepEqual(await eventually(`q=${word}&in_stock=true`, (ids) => ids.length > 0), [product.id], 'stocked: found with in_stock=true');

  await staff('POST', '/v1/search/index:rebuild', {});
  assert.deepEqual(await eventually(`q=${word}&in_stock=true`, (ids) => ids.length > 0), [product.id], 'a rebuild asks inventory again');

  await staff('POST', '/v1/stock-adjustments', { sku, warehouseId, quantityDelta: -2, reason: 'ADJUSTMENT_REASON_DAMAGE', requestId: `out:${sku}` });
  assert.deepEqual(await eventually(`q=${word}&in_stock=true`, (ids) => ids.length === 0), [], 'sold out: gone from in_stock=true');
  assert.deepEqual(await eventually(`q=${word}`, (ids) => ids.length > 0), [product.id], 'but still searchable');
});
