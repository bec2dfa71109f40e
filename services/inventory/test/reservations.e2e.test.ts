import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ReservationReleased, StockLow } from '../../../gen/shop/inventory/v1/events.js';
import { ReleaseReason, ReservationState } from '../../../gen/shop/inventory/v1/inventory_service.js';
import type { ServiceClient } from '../../platform/src/grpc/client.js';
import type { InventoryServiceService } from '../../../gen/shop/inventory/v1/inventory_service.js';
import { admin, newCustomer } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';
import { adjust, eventually, failure, inventoryClient, ledgerSum, levelsOf, newWarehouse, serviceToken, status, uniqueSku } from './helpers.js';

let client: ServiceClient<typeof InventoryServiceService>;
let token: string;
let near: string;
let far: string;

before(async () => {
  client = inventoryClient();
  token = await serviceToken(['inventory.reservations.write']);
  near = await newWarehouse(1, 'Near');
  far = await newWarehouse(2, 'Far');
});
after(() => client.close());

const reserve = (lines: Array<{ sku: string; quantity: number }>, reservationId = randomUUID(), expiresInSeconds = 0) => client.reserveStock({ reservationId, lines, expiresInSeconds }, { token });
const total = (levels: Awaited<ReturnType<typeof levelsOf>>, key: 'onHand' | 'reserved' | 'available') => levels.reduce((s, l) => s + l[key], 0);

describe('reservations (internal gRPC)', () => {
  test('200 concurrent reservations for 50 units in two warehouses hold exactly 50 and never oversell', async () => {
    const sku = uniqueSku('HOT');
    await adjust(sku, near, 30);
    await adjust(sku, far, 20);
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => reserve([{ sku, quantity: 1 }])));
    const elapsed = Date.now() - started;
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 50, `exactly 50 of 200 succeed (${refused.map((r) => r.reason?.details).slice(0, 3).join('; ')})`);
    for (const r of refused) assert.equal(r.reason.code, status.FAILED_PRECONDITION, String(r.reason.details));
    const levels = await levelsOf(sku);
    assert.deepEqual(levels.map((l) => [l.onHand, l.reserved, l.available]).sort(), [[20, 20, 0], [30, 30, 0]]);
    // The near warehouse (priority 1) is used before the far one.
    const allocations = ok.flatMap((r) => (r as PromiseFulfilledResult<any>).value.allocations);
    assert.equal(allocations.filter((a: any) => a.warehouseId === near).length, 30);
    console.log(`# 200 concurrent single-unit reservations of one SKU (50 units): ${elapsed} ms, ${Math.round((200 / elapsed) * 1000)} calls/s`);
  });

  test('a multi-line reservation that cannot be fully met holds nothing', async () => {
    const [a, b] = [uniqueSku('A'), uniqueSku('B')];
    await adjust(a, near, 5);
    await adjust(b, far, 2);
    const f = await failure(reserve([{ sku: a, quantity: 5 }, { sku: b, quantity: 3 }]));
    assert.equal(f.code, status.FAILED_PRECONDITION);
    assert.equal(f.reason, 'INSUFFICIENT_STOCK');
    assert.deepEqual((await levelsOf(a)).map((l) => [l.onHand, l.reserved]), [[5, 0]]);
    assert.deepEqual((await levelsOf(b)).map((l) => [l.onHand, l.reserved]), [[2, 0]]);
  });

  test('a line is split across warehouses by priority', async () => {
    const sku = uniqueSku('SPLIT');
    await adjust(sku, near, 3);
    await adjust(sku, far, 10);
    const r = await reserve([{ sku, quantity: 7 }]);
    assert.deepEqual(r.allocations.map((a) => [a.warehouseId, a.quantity]).sort(), [[far, 4], [near, 3]].sort());
  });

  test('the same reservation_id reserves once, also when retried concurrently; other lines under it are refused', async () => {
    const sku = uniqueSku('IDEM');
    await adjust(sku, near, 10);
    const id = randomUUID();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => reserve([{ sku, quantity: 3 }], id)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.ok(ok.length >= 1);
    for (const r of results) if (r.status === 'rejected') assert.equal(r.reason.code, status.ABORTED, 'a retry racing the first attempt is told to retry');
    const again = await reserve([{ sku, quantity: 3 }], id);
    assert.equal(again.state, ReservationState.RESERVATION_STATE_ACTIVE);
    assert.deepEqual((await levelsOf(sku)).map((l) => l.reserved), [3]);
    const reused = await failure(reserve([{ sku, quantity: 4 }], id));
    assert.deepEqual([reused.code, reused.reason], [status.ALREADY_EXISTS, 'RESERVATION_ID_REUSED']);
  });

  test('commit takes stock off the shelf with a sale in the ledger; release and repeats change nothing more', async () => {
    const sku = uniqueSku('COMMIT');
    await adjust(sku, near, 10);
    const r = await reserve([{ sku, quantity: 4 }]);
    const committed = await client.commitReservation({ reservationId: r.reservationId }, { token });
    assert.equal(committed.state, ReservationState.RESERVATION_STATE_COMMITTED);
    await client.commitReservation({ reservationId: r.reservationId }, { token });
    assert.deepEqual((await levelsOf(sku)).map((l) => [l.onHand, l.reserved, l.available]), [[6, 0, 6]]);
    assert.equal(await ledgerSum(sku, near), 6);
    const f = await failure(client.releaseReservation({ reservationId: r.reservationId }, { token }));
    assert.deepEqual([f.code, f.reason], [status.FAILED_PRECONDITION, 'RESERVATION_NOT_ACTIVE']);

    const r2 = await reserve([{ sku, quantity: 6 }]);
    const released = await client.releaseReservation({ reservationId: r2.reservationId }, { token });
    assert.deepEqual([released.state, released.releaseReason], [ReservationState.RESERVATION_STATE_RELEASED, ReleaseReason.RELEASE_REASON_REQUESTED]);
    await client.releaseReservation({ reservationId: r2.reservationId }, { token });
    assert.deepEqual((await levelsOf(sku)).map((l) => [l.onHand, l.reserved, l.available]), [[6, 0, 6]]);
    const events = await eventsMatching('SHOP_INVENTORY', 'shop.inventory.reservation_released', ReservationReleased.decode, (e) => e.reservation?.reservationId === r2.reservationId);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.reason, ReleaseReason.RELEASE_REASON_REQUESTED);
  });

  test('an expired reservation is released by the sweeper with an event; extend keeps one alive', async () => {
    const sku = uniqueSku('EXPIRE');
    await adjust(sku, near, 5);
    const short = await reserve([{ sku, quantity: 2 }], randomUUID(), 1);
    const kept = await reserve([{ sku, quantity: 3 }], randomUUID(), 1);
    const extended = await client.extendReservation({ reservationId: kept.reservationId, expiresInSeconds: 600 }, { token });
    assert.ok(extended.expireTime!.getTime() > Date.now() + 500_000);
    const events = await eventsMatching('SHOP_INVENTORY', 'shop.inventory.reservation_released', ReservationReleased.decode, (e) => e.reservation?.reservationId === short.reservationId, 10_000);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.reason, ReleaseReason.RELEASE_REASON_EXPIRED);
    await eventually(async () => assert.deepEqual((await levelsOf(sku)).map((l) => [l.onHand, l.reserved, l.available]), [[5, 3, 2]]), 'stock back');
    const late = await failure(client.commitReservation({ reservationId: short.reservationId }, { token }));
    assert.equal(late.reason, 'RESERVATION_NOT_ACTIVE');
    assert.equal((await client.getReservation({ reservationId: kept.reservationId }, { token })).state, ReservationState.RESERVATION_STATE_ACTIVE);
  });

  test('back-orders: reservations go below zero only as far as the policy allows', async () => {
    const sku = uniqueSku('BACK');
    await adjust(sku, near, 2);
    const res = await fetch(`${process.env['SHOP_EDGE_URL']}/v1/warehouses/${near}/stock/${sku}?updateMask=backorder`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await admin()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ backorder: { mode: 'BACKORDER_MODE_ALLOWED', limit: 3 } }),
    });
    assert.equal(res.status, 200, await res.text());
    await reserve([{ sku, quantity: 4 }]);
    assert.equal((await failure(reserve([{ sku, quantity: 2 }]))).reason, 'INSUFFICIENT_STOCK');
    await reserve([{ sku, quantity: 1 }]);
    assert.deepEqual((await levelsOf(sku)).map((l) => [l.onHand, l.reserved, l.available]), [[2, 5, -3]]);
  });

  test('concurrent sales across the reorder point raise one stock_low', async () => {
    const sku = uniqueSku('LOWRACE');
    await adjust(sku, near, 20);
    const res = await fetch(`${process.env['SHOP_EDGE_URL']}/v1/warehouses/${near}/stock/${sku}?updateMask=reorderPoint`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await admin()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reorderPoint: 10 }),
    });
    assert.equal(res.status, 200, await res.text());
    await Promise.all(Array.from({ length: 15 }, async () => {
      const r = await reserve([{ sku, quantity: 1 }]);
      await client.commitReservation({ reservationId: r.reservationId }, { token });
    }));
    assert.deepEqual((await levelsOf(sku)).map((l) => [l.onHand, l.reserved]), [[5, 0]]);
    const lows = () => eventsMatching('SHOP_INVENTORY', 'shop.inventory.stock_low', StockLow.decode, (e) => e.sku === sku, 0);
    await eventually(async () => assert.equal((await lows()).length, 1), 'a stock_low');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await lows()).length, 1, 'exactly one');
  });

  test('bad requests name their fields', async () => {
    const f = await failure(client.reserveStock({ reservationId: 'has space', lines: [{ sku: 'ok', quantity: 0 }, { sku: 'ok', quantity: 1 }, { sku: '', quantity: 1 }], expiresInSeconds: -1 }, { token }));
    assert.equal(f.code, status.INVALID_ARGUMENT);
    assert.deepEqual(f.fields, ['expires_in_seconds', 'lines[0].quantity', 'lines[1].sku', 'lines[2].sku', 'reservation_id']);
    assert.equal((await failure(client.commitReservation({ reservationId: randomUUID() }, { token }))).code, status.NOT_FOUND);
  });

  test('customers and service accounts without the scope cannot reserve; staff reads of stock need inventory.manage', async () => {
    const customer = await newCustomer();
    const sku = uniqueSku('PERM');
    const denied = await failure(client.reserveStock({ reservationId: randomUUID(), lines: [{ sku, quantity: 1 }], expiresInSeconds: 0 }, { token: customer.token }));
    assert.equal(denied.code, status.PERMISSION_DENIED);
    const other = await serviceToken(['catalog.prices.read']);
    assert.equal((await failure(client.reserveStock({ reservationId: randomUUID(), lines: [{ sku, quantity: 1 }], expiresInSeconds: 0 }, { token: other }))).code, status.PERMISSION_DENIED);
    assert.equal((await failure(client.listStockLevels({ sku, warehouseId: '', low: false, pageSize: 0, pageToken: '' }, { token }))).code, status.PERMISSION_DENIED);
    assert.equal((await failure(client.reserveStock({ reservationId: randomUUID(), lines: [{ sku, quantity: 1 }], expiresInSeconds: 0 }))).code, status.UNAUTHENTICATED);
  });
});
