import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { admin, api, uniqueSku } from '../../../tools/testing/edge.js';

/** Shared by the order tests: stocked products, ready guest carts, checkout calls. */
export const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });
export const ADDRESS = { fullName: 'Ann Example', line1: 'Damrak 1', city: 'Amsterdam', postalCode: '1012 LG', countryCode: 'NL' };
export const SUCCESS = { provider: 'test', token: 'tok_test_success' };

let warehouseId = '';
let methodId = '';

/** A flat-rate shipping method to NL for the order tests (zone and method created once per stack). */
export async function testShippingMethod(): Promise<string> {
  if (methodId) return methodId;
  const token = await admin();
  const zoneName = 'Order tests: NL';
  await api('POST', '/v1/shipping-zones', { token, json: { name: zoneName, countryCodes: ['NL'] } });
  const zones = await api('GET', '/v1/shipping-zones?pageSize=200', { token });
  const zone = zones.body.zones.find((z: { name: string }) => z.name === zoneName);
  // Test files run in parallel processes: whoever creates the method first wins, the others find it.
  const method = { zoneId: zone.id, name: 'Flat NL', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_FLAT', rates: [{ currencyCode: 'EUR', amountMinor: 495 }], minBusinessDays: 1, maxBusinessDays: 3, active: true };
  const created = await api('POST', '/v1/shipping-methods', { token, json: method });
  if (created.status === 200) methodId = created.body.id;
  else {
    const methods = await api('GET', `/v1/shipping-methods?zoneId=${zone.id}`, { token });
    methodId = methods.body.methods.find((m: { name: string }) => m.name === method.name).id;
  }
  return methodId;
}

/** The order tests' warehouse (created once per stack). */
export async function orderWarehouse(): Promise<string> {
  if (warehouseId) return warehouseId;
  // As above: created by the first test file to ask, found by the others.
  const created = await api('POST', '/v1/warehouses', { token: await admin(), json: { code: 'ORDER-TESTS', name: 'Order tests', priority: 5 } });
  if (created.status === 200) return (warehouseId = created.body.id);
  const list = await api('GET', '/v1/warehouses?pageSize=200', { token: await admin() });
  warehouseId = list.body.warehouses.find((w: { code: string }) => w.code === 'ORDER-TESTS').id;
  return warehouseId;
}

export async function staff(method: string, path: string, json?: unknown) {
  const res = await api(method, path, { token: await admin(), ...(json === undefined ? {} : { json }) });
  assert.ok(res.status === 200, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** An active product priced in EUR with `units` in stock. */
export async function stockedProduct(units: number, amountMinor = 1500): Promise<string> {
  const sku = uniqueSku('ORD');
  await staff('POST', '/v1/products', { name: `Teapot ${sku}`, sku, price: eur(amountMinor), status: 'PRODUCT_STATUS_ACTIVE' });
  if (units > 0) await staff('POST', '/v1/stock-adjustments', { sku, warehouseId: await orderWarehouse(), quantityDelta: units, reason: 'ADJUSTMENT_REASON_RECEIVE', requestId: `test:${sku}` });
  return sku;
}

export async function available(sku: string): Promise<number> {
  const res = await api('GET', `/v1/availability?skus=${sku}`);
  return Number(res.body.items?.[0]?.available ?? res.body.availability?.[0]?.available ?? 0);
}

/** A ready-to-check-out guest cart: lines, email and address. */
export async function guestCart(lines: Array<[string, number]>, email = `guest-${randomUUID().slice(0, 8)}@example.com`) {
  const created = await api('POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
  const headers = { 'x-cart-token': created.body.cartToken };
  for (const [sku, quantity] of lines) {
    const res = await api('POST', `/v1/carts/${created.body.id}/lines`, { headers, json: { sku, quantity } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const ready = await api('PATCH', `/v1/carts/${created.body.id}`, { headers, json: { email, shippingAddress: ADDRESS, shippingMethodId: await testShippingMethod() } });
  assert.equal(ready.status, 200, JSON.stringify(ready.body));
  return { id: created.body.id as string, headers, email };
}

export function checkout(cartId: string, headers: Record<string, string>, payment = SUCCESS, idempotencyKey: string = randomUUID(), token?: string) {
  return api('POST', `/v1/carts/${cartId}:checkout`, { headers, ...(token ? { token } : {}), json: { idempotencyKey, payment } });
}
