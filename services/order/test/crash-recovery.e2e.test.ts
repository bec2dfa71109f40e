import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import { OrderServiceService } from '../../../gen/shop/order/v1/order_service.js';
import { freePort } from '../../../tools/harness/ports.js';
import { ROOT } from '../../../tools/harness/stack.js';
import { admin, api, uniqueSku } from '../../../tools/testing/edge.js';
import { testShippingMethod } from './helpers.js';

const ADDRESS = { fullName: 'Cy Crash', line1: 'Damrak 1', city: 'Amsterdam', postalCode: '1012 LG', countryCode: 'NL' };

/** A second order process beside the stack's, which kills itself right after writing `step`. */
async function startCrashingOrderService(step: string): Promise<{ address: string; child: ChildProcess; exited: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/mesh.ts'), 'order'], {
    cwd: ROOT,
    env: { ...process.env, SHOP_ORDER_ADDR: `127.0.0.1:${port}`, SHOP_ORDER_TEST_CRASH_AFTER_STEP: step, SHOP_ORDER_CHECKOUT_LEASE_MS: '2000', SHOP_METRICS_PORT: '0', SHOP_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the extra order service did not start in 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error('the extra order service exited before it was ready')));
  });
  return { address: `127.0.0.1:${port}`, child, exited };
}

test('an order process killed after reserving stock and before payment: the checkout still ends consistent, nothing stays reserved', async () => {
  const token = await admin();
  const sku = uniqueSku('CRASH');
  assert.equal((await api('POST', '/v1/products', { token, json: { name: 'Crash-proof mug', sku, price: { currencyCode: 'EUR', amountMinor: 990 }, status: 'PRODUCT_STATUS_ACTIVE' } })).status, 200);
  const warehouses = await api('GET', '/v1/warehouses?pageSize=200', { token });
  const warehouseId = warehouses.body.warehouses?.[0]?.id ?? (await api('POST', '/v1/warehouses', { token, json: { code: 'CRASH-TESTS', name: 'Crash tests', priority: 7 } })).body.id;
  await api('POST', '/v1/stock-adjustments', { token, json: { sku, warehouseId, quantityDelta: 3, reason: 'ADJUSTMENT_REASON_RECEIVE', requestId: `crash:${sku}` } });

  const created = await api('POST', '/v1/carts', { json: { currencyCode: 'EUR' } });
  const cartToken = created.body.cartToken as string;
  const headers = { 'x-cart-token': cartToken };
  await api('POST', `/v1/carts/${created.body.id}/lines`, { headers, json: { sku, quantity: 2 } });
  await api('PATCH', `/v1/carts/${created.body.id}`, { headers, json: { email: 'cy@example.com', shippingAddress: ADDRESS, shippingMethodId: await testShippingMethod() } });

  const crashing = await startCrashingOrderService('reserved');
  const client = new Client(crashing.address, credentials.createInsecure());
  try {
    const metadata = new Metadata();
    metadata.set('x-cart-token', cartToken);
    const method = OrderServiceService.checkout;
    const request = { cartId: created.body.id, idempotencyKey: randomUUID(), payment: { provider: 'test', token: 'tok_test_success' } };
    // The client sees the connection drop: the process died between reservation and payment.
    const failure = await new Promise<unknown>((resolve) => {
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata, { deadline: Date.now() + 30_000 }, (err) => resolve(err));
    });
    assert.ok(failure, 'the checkout call failed with the process');
    assert.notEqual(await crashing.exited, 0, 'the process killed itself');
  } finally {
    client.close();
    crashing.child.kill('SIGKILL');
  }

  // The stack's own order service finds the checkout when its lease runs out and finishes it.
  const deadline = Date.now() + 40_000;
  let cart = (await api('GET', `/v1/carts/${created.body.id}`, { headers })).body;
  while (cart.state !== 'CART_STATE_COMPLETED' && cart.state !== 'CART_STATE_OPEN' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    cart = (await api('GET', `/v1/carts/${created.body.id}`, { headers })).body;
  }
  assert.equal(cart.state, 'CART_STATE_COMPLETED', `the checkout was completed after the crash (cart ${cart.state})`);
  const order = await api('GET', `/v1/orders/${cart.orderId}`, { token });
  assert.equal(order.body.status, 'ORDER_STATUS_CONFIRMED');
  const payments = await api('GET', `/v1/payments?orderId=${cart.orderId}`, { token });
  assert.equal(payments.body.payments.length, 1, 'charged once');
  const levels = await api('GET', `/v1/stock?sku=${sku}`, { token });
  assert.deepEqual(levels.body.stockLevels.map((l: { onHand: string; reserved?: string }) => [Number(l.onHand), Number(l.reserved ?? 0)]), [[1, 0]], 'sold, nothing left reserved');
});
