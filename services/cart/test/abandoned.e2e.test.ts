import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CartAbandoned } from '../../../gen/shop/cart/v1/events.js';
import { admin, api, stockUp, uniqueEmail, uniqueSku } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';

// The test stack reports carts abandoned after 3 s of inactivity (SHOP_CART_ABANDON_AFTER_SECONDS).

test('a cart with an email left alone is reported abandoned once, with its lines; a cart without one is not', async () => {
  const sku = uniqueSku('MUG');
  const created = await api('POST', '/v1/products', { token: await admin(), json: { name: 'Mug', sku, price: { currencyCode: 'EUR', amountMinor: 800 }, status: 'PRODUCT_STATUS_ACTIVE' } });
  assert.equal(created.status, 200);
  await stockUp(sku, 10);
  const email = uniqueEmail('abandon');
  const withEmail = await api('POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
  const headers = { 'x-cart-token': withEmail.body.cartToken };
  await api('POST', `/v1/carts/${withEmail.body.id}/lines`, { headers, json: { sku, quantity: 3 } });
  await api('PATCH', `/v1/carts/${withEmail.body.id}`, { headers, json: { email } });
  const anonymous = await api('POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
  await api('POST', `/v1/carts/${anonymous.body.id}/lines`, { headers: { 'x-cart-token': anonymous.body.cartToken }, json: { sku, quantity: 1 } });

  const found = await eventsMatching('SHOP_CART', 'shop.cart.abandoned', (d) => CartAbandoned.decode(d), (e) => e.cartId === withEmail.body.id, 15_000);
  assert.equal(found.length, 1);
  const event = found[0]!.event;
  assert.equal(event.email, email);
  assert.deepEqual(event.lines.map((l) => [l.sku, l.quantity, l.productName]), [[sku, 3, 'Mug']]);
  assert.equal(event.subtotal?.amountMinor, 2400);

  // Later sweeps do not report it again while nothing changes.
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal((await eventsMatching('SHOP_CART', 'shop.cart.abandoned', (d) => CartAbandoned.decode(d), (e) => e.cartId === withEmail.body.id, 0)).length, 1);
  assert.equal((await eventsMatching('SHOP_CART', 'shop.cart.abandoned', (d) => CartAbandoned.decode(d), (e) => e.cartId === anonymous.body.id, 0)).length, 0);
});
