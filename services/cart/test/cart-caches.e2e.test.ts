import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { api, errorReason, uniqueSku } from '../../../tools/testing/edge.js';
import { ADDRESS, checkout, eur, orderWarehouse, staff, testShippingMethod } from '../../order/test/helpers.js';

// The cart service keeps catalog and stock answers per replica and learns changes from
// events (outbox relay, then NATS): a change must show within this, on a loaded machine.
const EVENT_BOUND_MS = 5_000;
const money = (m: { amountMinor: string | number } | undefined) => Number(m?.amountMinor ?? 0);

async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + EVENT_BOUND_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) assert.fail(`${what}: not within ${EVENT_BOUND_MS} ms; last answer ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function product(units: number, amountMinor = 1000): Promise<{ id: string; sku: string }> {
  const sku = uniqueSku('CACHE');
  const created = await staff('POST', '/v1/products', { name: `Cached mug ${sku}`, sku, price: eur(amountMinor), status: 'PRODUCT_STATUS_ACTIVE' });
  if (units !== 0) await adjustStock(sku, units);
  return { id: created.id, sku };
}

async function adjustStock(sku: string, delta: number): Promise<void> {
  await staff('POST', '/v1/stock-adjustments', { sku, warehouseId: await orderWarehouse(), quantityDelta: delta, reason: delta > 0 ? 'ADJUSTMENT_REASON_RECEIVE' : 'ADJUSTMENT_REASON_DAMAGE', requestId: `cache-test:${randomUUID()}` });
}

async function guestCart(): Promise<{ id: string; headers: Record<string, string> }> {
  const res = await api('POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { id: res.body.id, headers: { 'x-cart-token': res.body.cartToken } };
}

const add = (cart: { id: string; headers: Record<string, string> }, sku: string, quantity: number) =>
  api('POST', `/v1/carts/${cart.id}/lines`, { headers: cart.headers, json: { sku, quantity } });
const view = (cart: { id: string; headers: Record<string, string> }) => api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });

describe('the cart service\'s caches follow catalog and inventory changes', () => {
  test('an archived product is refused by add-to-cart and flagged in carts within the event bound', async () => {
    const mug = await product(10);
    const holding = await guestCart();
    assert.equal((await add(holding, mug.sku, 1)).status, 200);
    await staff('PATCH', `/v1/products/${mug.id}?updateMask=status`, { status: 'PRODUCT_STATUS_ARCHIVED' });
    const other = await guestCart();
    await eventually('add-to-cart refusing the archived product', () => add(other, mug.sku, 1), (res) => errorReason(res.body) === 'NOT_PURCHASABLE');
    const flagged = await eventually('the cart flagging it', () => view(holding), (res) => res.body.lines?.[0]?.unavailableReason === 'NOT_ACTIVE');
    assert.equal(money(flagged.body.grandTotal), 0);
  });

  test('a changed base price reaches cart views and add-to-cart answers within the event bound', async () => {
    const mug = await product(10, 1000);
    const cart = await guestCart();
    assert.equal(money((await add(cart, mug.sku, 1)).body.lines[0].unitPrice), 1000);
    await staff('PATCH', `/v1/products/${mug.id}?updateMask=price`, { price: eur(1200) });
    await eventually('the cart showing the new price', () => view(cart), (res) => money(res.body.lines?.[0]?.unitPrice) === 1200);
    const other = await guestCart();
    assert.equal(money((await add(other, mug.sku, 1)).body.lines[0].unitPrice), 1200);
  });

  test('stock that runs out is refused within the event bound; a refusal is never the cache\'s, so new stock sells at once', async () => {
    const mug = await product(3);
    assert.equal((await add(await guestCart(), mug.sku, 1)).status, 200, 'the level is now known to the cart service');
    await adjustStock(mug.sku, -3);
    const cart = await guestCart();
    await eventually('add-to-cart refusing the sold-out SKU', () => add(cart, mug.sku, 1), (res) => errorReason(res.body) === 'OUT_OF_STOCK');
    await adjustStock(mug.sku, 2);
    // A fresh cart: the one above may hold a unit accepted before the event came.
    const restocked = await add(await guestCart(), mug.sku, 2);
    assert.equal(restocked.status, 200, `restocked units sell without waiting for an event: ${JSON.stringify(restocked.body)}`);
  });

  test('checkout prices and reserves live: stock gone a moment ago is refused even while carts still show it', async () => {
    const mug = await product(2);
    const cart = await guestCart();
    assert.equal((await add(cart, mug.sku, 2)).status, 200);
    const ready = await api('PATCH', `/v1/carts/${cart.id}`, { headers: cart.headers, json: { email: 'cache@example.com', shippingAddress: ADDRESS, shippingMethodId: await testShippingMethod() } });
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    await adjustStock(mug.sku, -2);
    const refused = await checkout(cart.id, cart.headers);
    assert.equal(refused.status, 400, `no order for stock that is gone: ${JSON.stringify(refused.body)}`);
    assert.ok(['CART_NOT_PURCHASABLE', 'INSUFFICIENT_STOCK', 'OUT_OF_STOCK'].includes(errorReason(refused.body) ?? ''), JSON.stringify(refused.body));
  });
});
