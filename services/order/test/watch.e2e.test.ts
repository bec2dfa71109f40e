import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admin, api, edgeUrl, newCustomer } from '../../../tools/testing/edge.js';
import { checkout, guestCart, stockedProduct } from './helpers.js';

/** Reads newline-delimited JSON objects from a streaming response, one per call. */
function lines(res: Response): () => Promise<any> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  return async () => {
    for (;;) {
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) return JSON.parse(line);
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return buffered.trim() ? JSON.parse(buffered) : null;
      buffered += decoder.decode(value, { stream: true });
    }
  };
}

test('WatchOrder streams the order and each change through the JSON edge until it settles', async () => {
  const sku = await stockedProduct(2);
  const cart = await guestCart([[sku, 1]]);
  const order = (await checkout(cart.id, cart.headers)).body;
  const token = await admin();
  const res = await fetch(`${edgeUrl()}/v1/orders/${order.id}:watch`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const next = lines(res);
  const first = await next();
  assert.equal(first.event, 'snapshot');
  assert.equal(first.order.status, 'ORDER_STATUS_CONFIRMED');

  await api('POST', `/v1/orders/${order.id}:markProcessing`, { token, json: {} });
  const second = await next();
  assert.equal(second.event, 'status_changed');
  assert.equal(second.order.status, 'ORDER_STATUS_PROCESSING');

  await api('POST', `/v1/orders/${order.id}:cancel`, { token, json: { reason: 'out of gift wrap' } });
  const third = await next();
  assert.equal(third.event, 'cancelled');
  assert.equal(third.order.status, 'ORDER_STATUS_CANCELLED');
  assert.equal(await next(), null, 'a settled order ends the stream');
});

test('only the order\'s customer or staff may watch it', async () => {
  const sku = await stockedProduct(1);
  const cart = await guestCart([[sku, 1]]);
  const order = (await checkout(cart.id, cart.headers)).body;
  const stranger = await newCustomer();
  const res = await fetch(`${edgeUrl()}/v1/orders/${order.id}:watch`, { headers: { authorization: `Bearer ${stranger.token}` } });
  const body = await res.text();
  assert.ok(res.status === 404 || body.includes('ORDER_NOT_FOUND'), `${res.status} ${body}`);
  const anonymous = await fetch(`${edgeUrl()}/v1/orders/${order.id}:watch`);
  assert.equal(anonymous.status, 401);
});
