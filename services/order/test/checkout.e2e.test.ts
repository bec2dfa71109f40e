import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { admin, api, errorReason, newCustomer } from '../../../tools/testing/edge.js';
import { ADDRESS, SUCCESS, available, checkout, guestCart, orderWarehouse, stockedProduct, testShippingMethod } from './helpers.js';

const signer = new Stripe('sk_test_signing_only');
let warehouseId = '';
before(async () => {
  warehouseId = await orderWarehouse();
});


describe('checkout through the edge', () => {
  test('a guest checks out: the order is confirmed, stock taken, the cart closed, the order found by number and email', async () => {
    const sku = await stockedProduct(10, 1250);
    const cart = await guestCart([[sku, 2]]);
    const res = await checkout(cart.id, cart.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const order = res.body;
    assert.equal(order.status, 'ORDER_STATUS_CONFIRMED');
    assert.match(order.number, /^SM-[2-9A-HJ-NP-Z]{8}$/);
    assert.deepEqual(order.lines.map((l: any) => [l.sku, l.quantity, Number(l.unitPrice.amountMinor)]), [[sku, 2, 1250]]);
    assert.equal(Number(order.totals.shipping.amountMinor), 495);
    assert.equal(Number(order.totals.grandTotal.amountMinor), 2500 + 495);
    assert.equal(order.email, cart.email);
    assert.deepEqual(order.timeline.map((t: any) => t.event), ['placed', 'stock_reserved', 'payment_authorised', 'confirmed']);
    assert.equal(await available(sku), 8);
    const closed = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    assert.equal(closed.body.state, 'CART_STATE_COMPLETED');
    assert.equal(closed.body.orderId, order.id);
    const found = await api('POST', '/v1/orders:lookup', { json: { number: order.number, email: cart.email.toUpperCase() } });
    assert.equal(found.status, 200);
    assert.equal(found.body.id, order.id);
    const wrong = await api('POST', '/v1/orders:lookup', { json: { number: order.number, email: 'someone@else.com' } });
    assert.equal(wrong.status, 404);
  });

  test('a customer checks out and sees the order in their history; another customer does not', async () => {
    const sku = await stockedProduct(5);
    const ann = await newCustomer();
    const cart = await api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } });
    await api('POST', `/v1/carts/${cart.body.id}/lines`, { token: ann.token, json: { sku, quantity: 1 } });
    await api('PATCH', `/v1/carts/${cart.body.id}`, { token: ann.token, json: { email: ann.email, shippingAddress: ADDRESS, shippingMethodId: await testShippingMethod() } });
    const res = await checkout(cart.body.id, {}, SUCCESS, randomUUID(), ann.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.customerId, ann.id);
    const history = await api('GET', '/v1/orders', { token: ann.token });
    assert.deepEqual(history.body.orders.map((o: any) => o.id), [res.body.id]);
    const bob = await newCustomer();
    assert.equal((await api('GET', `/v1/orders/${res.body.id}`, { token: bob.token })).status, 404);
    assert.deepEqual((await api('GET', '/v1/orders', { token: bob.token })).body.orders ?? [], []);
    assert.equal((await api('GET', `/v1/orders/${res.body.id}`, { token: await admin() })).status, 200, 'staff see every order');
  });

  test('the cart token is required; an incomplete cart is refused naming what is missing, and nothing is held', async () => {
    const sku = await stockedProduct(3);
    const cart = await guestCart([[sku, 1]]);
    const noToken = await checkout(cart.id, {});
    assert.equal(noToken.status, 401);
    const bare = await api('POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
    const headers = { 'x-cart-token': bare.body.cartToken };
    await api('POST', `/v1/carts/${bare.body.id}/lines`, { headers, json: { sku, quantity: 1 } });
    const incomplete = await checkout(bare.body.id, headers);
    assert.equal(incomplete.status, 400);
    assert.equal(errorReason(incomplete.body), 'CART_INCOMPLETE');
    assert.deepEqual((incomplete.body.details.find((d: any) => d.fieldViolations)?.fieldViolations ?? []).map((v: any) => v.field).sort(), ['email', 'shipping_address']);
    assert.equal(await available(sku), 3);
    const reopened = await api('POST', `/v1/carts/${bare.body.id}/lines`, { headers, json: { sku, quantity: 1 } });
    assert.equal(reopened.status, 200, 'the cart is open again');
    const missingKey = await api('POST', `/v1/carts/${cart.id}:checkout`, { headers: cart.headers, json: { payment: SUCCESS } });
    assert.equal(missingKey.status, 400);
  });

  test('a declined payment releases the stock, marks the order payment_failed and keeps the cart', async () => {
    const sku = await stockedProduct(4);
    const ann = await newCustomer();
    const cart = await api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } });
    await api('POST', `/v1/carts/${cart.body.id}/lines`, { token: ann.token, json: { sku, quantity: 3 } });
    await api('PATCH', `/v1/carts/${cart.body.id}`, { token: ann.token, json: { email: ann.email, shippingAddress: ADDRESS, shippingMethodId: await testShippingMethod() } });
    const key = randomUUID();
    const declined = await checkout(cart.body.id, {}, { provider: 'test', token: 'tok_test_decline' }, key, ann.token);
    assert.equal(declined.status, 400, JSON.stringify(declined.body));
    assert.equal(errorReason(declined.body), 'PAYMENT_DECLINED');
    const orderId = declined.body.details.find((d: any) => d.reason)?.metadata?.order_id;
    const order = await api('GET', `/v1/orders/${orderId}`, { token: ann.token });
    assert.equal(order.body.status, 'ORDER_STATUS_PAYMENT_FAILED');
    assert.equal(await available(sku), 4, 'stock released');
    const kept = await api('GET', `/v1/carts/${cart.body.id}`, { token: ann.token });
    assert.equal(kept.body.state, 'CART_STATE_OPEN');
    assert.deepEqual(kept.body.lines.map((l: any) => [l.sku, l.quantity]), [[sku, 3]]);
    const again = await checkout(cart.body.id, {}, { provider: 'test', token: 'tok_test_decline' }, key, ann.token);
    assert.equal(errorReason(again.body), 'PAYMENT_DECLINED', 'a retry with the key answers the same');
    const retry = await checkout(cart.body.id, {}, SUCCESS, randomUUID(), ann.token);
    assert.equal(retry.body.status, 'ORDER_STATUS_CONFIRMED', 'with a new key and a good card the customer succeeds');
  });

  test('the same checkout retried 5 times in parallel makes one order and one charge', async () => {
    const sku = await stockedProduct(5);
    const cart = await guestCart([[sku, 1]]);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => checkout(cart.id, cart.headers, SUCCESS, key)));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200], JSON.stringify(results.map((r) => r.body)));
    assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
    const payments = await api('GET', `/v1/payments?orderId=${results[0]!.body.id}`, { token: await admin() });
    assert.equal(payments.body.payments.length, 1);
    assert.equal(await available(sku), 4);
    const reused = await checkout(cart.id, cart.headers, { provider: 'test', token: 'tok_test_decline' }, key);
    assert.equal(errorReason(reused.body), 'IDEMPOTENCY_KEY_REUSED');
  });

  test('20 shoppers race for the last 5 units: exactly 5 orders, 15 clean failures, nothing left reserved', async () => {
    const sku = await stockedProduct(5);
    const carts = await Promise.all(Array.from({ length: 20 }, () => guestCart([[sku, 1]])));
    const results = await Promise.all(carts.map((c) => checkout(c.id, c.headers)));
    const confirmed = results.filter((r) => r.status === 200 && r.body.status === 'ORDER_STATUS_CONFIRMED');
    const refused = results.filter((r) => errorReason(r.body) === 'OUT_OF_STOCK');
    assert.equal(confirmed.length, 5, JSON.stringify(results.map((r) => [r.status, errorReason(r.body)])));
    assert.equal(refused.length, 15, JSON.stringify(results.filter((r) => errorReason(r.body) !== 'OUT_OF_STOCK' && r.status !== 200).map((r) => [r.status, r.body])));
    assert.equal(await available(sku), 0);
    const levels = await api('GET', `/v1/stock?sku=${sku}`, { token: await admin() });
    assert.deepEqual(levels.body.stockLevels.map((l: any) => [Number(l.onHand), Number(l.reserved ?? 0)]), [[0, 0]]);
    // The losers' carts are open again, unchanged, for another try.
    for (const [i, r] of results.entries()) {
      if (errorReason(r.body) !== 'OUT_OF_STOCK') continue;
      const cart = await api('GET', `/v1/carts/${carts[i]!.id}`, { headers: carts[i]!.headers });
      assert.equal(cart.body.state, 'CART_STATE_OPEN');
    }
  });

  test('a payment the customer must confirm completes by webhook after the client went away', async () => {
    const sku = await stockedProduct(2);
    const cart = await guestCart([[sku, 1]]);
    const res = await checkout(cart.id, cart.headers, { provider: 'test', token: 'tok_test_requires_action' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'ORDER_STATUS_AWAITING_PAYMENT');
    assert.equal(await available(sku), 1, 'stock is held while the customer acts');
    const payment = await api('GET', `/v1/payments/${res.body.paymentId}`, { token: await admin() });
    const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'action_succeeded', reference: payment.body.providerReference });
    const hook = await fetch(`${process.env['SHOP_EDGE_URL']}/v1/payments/webhooks/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: body, secret: process.env['SHOP_PAYMENT_TEST_WEBHOOK_SECRET']! }) },
      body,
    });
    assert.equal(hook.status, 200, await hook.text());
    const deadline = Date.now() + 15_000;
    let status = '';
    while (Date.now() < deadline) {
      status = (await api('POST', '/v1/orders:lookup', { json: { number: res.body.number, email: cart.email } })).body.status;
      if (status === 'ORDER_STATUS_CONFIRMED') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 'ORDER_STATUS_CONFIRMED');
    const closed = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    assert.equal(closed.body.state, 'CART_STATE_COMPLETED');
  });
});

describe('orders after checkout', () => {
  test('a customer cancels a confirmed order: stock goes back, the payment is voided; a shipped order cannot be cancelled by them', async () => {
    const sku = await stockedProduct(3);
    const ann = await newCustomer();
    const cart = await api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } });
    await api('POST', `/v1/carts/${cart.body.id}/lines`, { token: ann.token, json: { sku, quantity: 2 } });
    await api('PATCH', `/v1/carts/${cart.body.id}`, { token: ann.token, json: { email: ann.email, shippingAddress: ADDRESS, shippingMethodId: await testShippingMethod() } });
    const placed = await checkout(cart.body.id, {}, SUCCESS, randomUUID(), ann.token);
    assert.equal(await available(sku), 1);
    const cancelled = await api('POST', `/v1/orders/${placed.body.id}:cancel`, { token: ann.token, json: { reason: 'changed my mind' } });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'ORDER_STATUS_CANCELLED');
    assert.equal(await available(sku), 3, 'stock is back on the shelf');
    const payment = await api('GET', `/v1/payments/${placed.body.paymentId}`, { token: await admin() });
    assert.equal(payment.body.state, 'PAYMENT_STATE_VOIDED');
    const twice = await api('POST', `/v1/orders/${placed.body.id}:cancel`, { token: ann.token, json: {} });
    assert.equal(twice.status, 200);
    assert.equal(await available(sku), 3, 'cancelling twice puts nothing back twice');
    const bob = await newCustomer();
    assert.equal((await api('POST', `/v1/orders/${placed.body.id}:cancel`, { token: bob.token, json: {} })).status, 404);
  });

  test('staff search orders, move them to processing and add notes; illegal moves are refused', async () => {
    const sku = await stockedProduct(2);
    const cart = await guestCart([[sku, 1]]);
    const placed = (await checkout(cart.id, cart.headers)).body;
    const found = await api('GET', `/v1/admin/orders?email=${encodeURIComponent(cart.email)}`, { token: await admin() });
    assert.deepEqual(found.body.orders.map((o: any) => o.id), [placed.id]);
    const byTotal = await api('GET', `/v1/admin/orders?number=${placed.number}&minTotal=1995&maxTotal=1995&currencyCode=EUR`, { token: await admin() });
    assert.equal(byTotal.body.orders.length, 1);
    const processing = await api('POST', `/v1/orders/${placed.id}:markProcessing`, { token: await admin(), json: {} });
    assert.equal(processing.body.status, 'ORDER_STATUS_PROCESSING');
    const again = await api('POST', `/v1/orders/${placed.id}:markProcessing`, { token: await admin(), json: {} });
    assert.equal(errorReason(again.body), 'ILLEGAL_ORDER_TRANSITION');
    const noted = await api('POST', `/v1/orders/${placed.id}/notes`, { token: await admin(), json: { note: 'gift wrap' } });
    assert.equal(noted.body.timeline.at(-1).detail, 'gift wrap');
    const customer = await newCustomer();
    assert.equal((await api('GET', '/v1/admin/orders', { token: customer.token })).status, 403);
  });
});

describe('fulfilment', () => {
  async function orderStatus(id: string, want: string): Promise<any> {
    const deadline = Date.now() + 15_000;
    let order: any;
    while (Date.now() < deadline) {
      order = (await api('GET', `/v1/orders/${id}`, { token: await admin() })).body;
      if (order.status === want) return order;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`order ${id} stayed ${order?.status}, wanted ${want}`);
  }

  test('from a confirmed order to delivered: partial shipment, the rest, delivery; the payment is captured at the first', async () => {
    const mug = await stockedProduct(5);
    const pot = await stockedProduct(5);
    const cart = await guestCart([[mug, 2], [pot, 1]]);
    const order = (await checkout(cart.id, cart.headers)).body;
    assert.equal(order.status, 'ORDER_STATUS_CONFIRMED');
    const mugLine = order.lines.find((l: any) => l.sku === mug).id;

    const firstRequest = { lines: [{ lineId: mugLine, quantity: 1 }], warehouseId, carrierName: 'other', trackingNumber: `TRK-${randomUUID().slice(0, 8).toUpperCase()}`, requestId: 'first' };
    const first = await api('POST', `/v1/orders/${order.id}:ship`, { token: await admin(), json: firstRequest });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const payment = await api('GET', `/v1/payments/${order.paymentId}`, { token: await admin() });
    assert.equal(payment.body.state, 'PAYMENT_STATE_CAPTURED', 'captured when the first parcel leaves');
    const partly = await orderStatus(order.id, 'ORDER_STATUS_PARTIALLY_SHIPPED');
    assert.equal(partly.lines.find((l: any) => l.id === mugLine).shippedQuantity, 1);
    const repeat = await api('POST', `/v1/orders/${order.id}:ship`, { token: await admin(), json: firstRequest });
    assert.equal(repeat.body.shipmentId, first.body.shipmentId, 'a retried ship request makes no second shipment');

    const rest = await api('POST', `/v1/orders/${order.id}:ship`, { token: await admin(), json: { warehouseId, carrierName: 'other', trackingNumber: `TRK-${randomUUID().slice(0, 8).toUpperCase()}`, requestId: 'rest' } });
    assert.equal(rest.status, 200, JSON.stringify(rest.body));
    await orderStatus(order.id, 'ORDER_STATUS_SHIPPED');
    const cancel = await api('POST', `/v1/orders/${order.id}:cancel`, { token: await admin(), json: {} });
    assert.equal(errorReason(cancel.body), 'ILLEGAL_ORDER_TRANSITION', 'a shipped order cannot be cancelled');

    for (const shipmentId of [first.body.shipmentId, rest.body.shipmentId]) {
      for (const status of ['SHIPMENT_STATUS_IN_TRANSIT', 'SHIPMENT_STATUS_DELIVERED']) {
        const res = await api('POST', `/v1/shipments/${shipmentId}/tracking-events`, { token: await admin(), json: { status, location: 'Amsterdam' } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
    }
    const delivered = await orderStatus(order.id, 'ORDER_STATUS_DELIVERED');
    assert.deepEqual(delivered.timeline.map((t: any) => t.event).filter((e: string) => ['partially_shipped', 'shipped', 'delivered'].includes(e)), ['partially_shipped', 'shipped', 'delivered']);
    const found = await api('POST', '/v1/orders:lookup', { json: { number: order.number, email: cart.email } });
    assert.equal(found.body.status, 'ORDER_STATUS_DELIVERED', 'the guest sees it delivered');
    assert.equal(found.body.paymentState, 'PAYMENT_STATE_CAPTURED');
    assert.deepEqual(found.body.shipments.map((s: any) => s.status).sort(), ['SHIPMENT_STATUS_DELIVERED', 'SHIPMENT_STATUS_DELIVERED']);
    assert.ok(found.body.shipments.every((s: any) => s.events.some((e: any) => e.location === 'Amsterdam')), 'with their tracking timelines');
    const list = await api('GET', `/v1/admin/orders?number=${order.number}`, { token: await admin() });
    assert.deepEqual(list.body.orders[0].shipments ?? [], [], 'lists stay lean');
  });
});
