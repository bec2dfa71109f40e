import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { admin, api, errorReason, stockUp, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';

const BELGIUM = { fullName: 'Bea', line1: 'Grote Markt 1', city: 'Brussel', postalCode: '1000', countryCode: 'BE' };
const JAPAN = { fullName: 'Jun', line1: '1-1 Chiyoda', city: 'Tokyo', postalCode: '100-0001', countryCode: 'JP' };
let cheap = '';
let fast = '';

before(async () => {
  const token = await admin();
  const name = 'Cart tests: BE';
  await api('POST', '/v1/shipping-zones', { token, json: { name, countryCodes: ['BE'] } });
  const zone = (await api('GET', '/v1/shipping-zones?pageSize=200', { token })).body.zones.find((z: { name: string }) => z.name === name);
  const existing = (await api('GET', `/v1/shipping-methods?zoneId=${zone.id}`, { token })).body.methods ?? [];
  const method = async (methodName: string, amountMinor: number, kind: string) =>
    existing.find((m: { name: string }) => m.name === methodName)?.id ??
    (await api('POST', '/v1/shipping-methods', { token, json: { zoneId: zone.id, name: methodName, kind, rateType: 'RATE_TYPE_FLAT', rates: [{ currencyCode: 'EUR', amountMinor }], minBusinessDays: 1, maxBusinessDays: 4, active: true } })).body.id;
  cheap = await method('BE standard', 450, 'SHIPPING_METHOD_KIND_STANDARD');
  fast = await method('BE express', 1200, 'SHIPPING_METHOD_KIND_EXPRESS');
});

test('a cart lists its shipping options for its address, and the chosen one is priced into the total', async () => {
  const sku = uniqueSku('SHIP');
  await api('POST', '/v1/products', { token: await admin(), json: { name: 'Vase', sku, price: { currencyCode: 'EUR', amountMinor: 3000 }, status: 'PRODUCT_STATUS_ACTIVE' } });
  await stockUp(sku, 5);
  const created = await api('POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
  const headers = { 'x-cart-token': created.body.cartToken };
  const id = created.body.id;
  await api('POST', `/v1/carts/${id}/lines`, { headers, json: { sku, quantity: 1 } });

  const noAddress = await api('GET', `/v1/carts/${id}/shipping-options`, { headers });
  assert.equal(errorReason(noAddress.body), 'SHIPPING_ADDRESS_REQUIRED');
  const tooEarly = await api('PATCH', `/v1/carts/${id}`, { headers, json: { shippingMethodId: cheap } });
  assert.deepEqual(violatedFields(tooEarly.body), ['shipping_method_id']);

  await api('PATCH', `/v1/carts/${id}`, { headers, json: { shippingAddress: BELGIUM } });
  const options = await api('GET', `/v1/carts/${id}/shipping-options`, { headers });
  assert.equal(options.status, 200, JSON.stringify(options.body));
  assert.deepEqual(options.body.options.map((o: any) => [o.methodId, Number(o.price.amountMinor)]), [[cheap, 450], [fast, 1200]], 'cheapest first');

  const chosen = await api('PATCH', `/v1/carts/${id}`, { headers, json: { shippingMethodId: fast } });
  assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
  assert.equal(Number(chosen.body.shippingTotal.amountMinor), 1200);
  assert.equal(Number(chosen.body.grandTotal.amountMinor), 3000 + 1200);
  assert.equal(chosen.body.shippingIssue ?? '', '');

  const unknown = await api('PATCH', `/v1/carts/${id}`, { headers, json: { shippingMethodId: 'ffffffffffffffffffffffff' } });
  assert.equal(unknown.status, 400);
  assert.deepEqual(violatedFields(unknown.body), ['shipping_method_id']);

  // Moving the parcel where the method does not go: the cart says so and prices no shipping.
  const moved = await api('PATCH', `/v1/carts/${id}`, { headers, json: { shippingAddress: JAPAN } });
  assert.equal(moved.status, 200);
  assert.ok(moved.body.shippingIssue, 'the chosen method no longer serves the address');
  assert.equal(Number(moved.body.shippingTotal.amountMinor), 0);
});
