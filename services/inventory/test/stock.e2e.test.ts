import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { AvailabilityChanged, BackInStock, PurchaseOrderChanged, StockLow } from '../../../gen/shop/inventory/v1/events.js';
import { admin, api, errorReason, newCustomer, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';
import { adjust, eventually, ledgerSum, levelsOf, newWarehouse, uniqueSku } from './helpers.js';

const staff = async (method: string, path: string, json?: unknown) => api(method, path, { token: await admin(), ...(json === undefined ? {} : { json }) });

describe('warehouses and stock through the edge (staff)', () => {
  test('warehouses: unique codes, priority order, etag-guarded updates', async () => {
    const code = uniqueSku('W').slice(0, 20);
    const created = await staff('POST', '/v1/warehouses', { code, name: 'Main', priority: 5 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const dup = await staff('POST', '/v1/warehouses', { code: code.toLowerCase(), name: 'Copy' });
    assert.deepEqual([dup.status, errorReason(dup.body)], [409, 'WAREHOUSE_CODE_TAKEN']);
    const bad = await staff('POST', '/v1/warehouses', { code: 'bad code!', name: '', priority: -1, address: { countryCode: 'Germany' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['warehouse.address.country_code', 'warehouse.code', 'warehouse.name', 'warehouse.priority']);
    const id = created.body.id;
    const renamed = await staff('PATCH', `/v1/warehouses/${id}?updateMask=name`, { name: 'Main hall', etag: created.body.etag });
    assert.equal(renamed.status, 200);
    const stale = await staff('PATCH', `/v1/warehouses/${id}?updateMask=name`, { name: 'Lost update', etag: created.body.etag });
    assert.deepEqual([stale.status, errorReason(stale.body)], [409, 'ETAG_MISMATCH']);
    await newWarehouse(6);
    const page = await staff('GET', '/v1/warehouses?pageSize=1');
    assert.equal(page.body.warehouses.length, 1);
    const next = await staff('GET', `/v1/warehouses?pageSize=1&pageToken=${page.body.nextPageToken}`);
    assert.equal(next.body.warehouses.length, 1);
    assert.notEqual(next.body.warehouses[0].id, page.body.warehouses[0].id);
    assert.ok(page.body.warehouses[0].priority <= next.body.warehouses[0].priority || page.body.warehouses[0].priority === undefined);
  });

  test('adjustments go through the ledger, which sums to on_hand; bad input names the fields', async () => {
    const wh = await newWarehouse();
    const sku = uniqueSku('ADJ');
    await adjust(sku, wh, 12);
    const damage = await adjust(sku, wh, -2, 'ADJUSTMENT_REASON_DAMAGE');
    assert.equal(Number(damage.stockLevel.onHand), 10);
    await adjust(sku, wh, 3, 'ADJUSTMENT_REASON_RETURN_TO_STOCK');
    await adjust(sku, wh, -4, 'ADJUSTMENT_REASON_COUNT_CORRECTION');
    assert.equal(await ledgerSum(sku, wh), 9);
    assert.deepEqual((await levelsOf(sku)).map((l) => l.onHand), [9]);
    const ledger = await staff('GET', `/v1/stock-ledger?sku=${sku}&pageSize=2`);
    assert.equal(ledger.body.entries.length, 2);
    assert.equal(ledger.body.entries[0].reason, 'ADJUSTMENT_REASON_COUNT_CORRECTION', 'newest first');
    assert.ok(ledger.body.nextPageToken);

    const tooMuch = await staff('POST', '/v1/stock-adjustments', { sku, warehouseId: wh, quantityDelta: -10, reason: 'ADJUSTMENT_REASON_DAMAGE' });
    assert.deepEqual([tooMuch.status, errorReason(tooMuch.body)], [400, 'INSUFFICIENT_STOCK']);
    const bad = await staff('POST', '/v1/stock-adjustments', { sku: 'no spaces', warehouseId: '', quantityDelta: 0, note: 'x'.repeat(501) });
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['note', 'quantity_delta', 'reason', 'sku', 'warehouse_id']);
    const unknownWh = await staff('POST', '/v1/stock-adjustments', { sku, warehouseId: randomUUID(), quantityDelta: 1, reason: 'ADJUSTMENT_REASON_RECEIVE' });
    assert.deepEqual([unknownWh.status, violatedFields(unknownWh.body)], [400, ['warehouse_id']]);
  });

  test('an adjustment retried with its request_id applies once', async () => {
    const wh = await newWarehouse();
    const sku = uniqueSku('RETRY');
    const body = { sku, warehouseId: wh, quantityDelta: 5, reason: 'ADJUSTMENT_REASON_RECEIVE', requestId: randomUUID() };
    const results = await Promise.all(Array.from({ length: 5 }, () => staff('POST', '/v1/stock-adjustments', body)));
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual((await levelsOf(sku)).map((l) => l.onHand), [5]);
    assert.equal(await ledgerSum(sku, wh), 5);
  });

  test('concurrent adjustments never lose one and never drive on_hand negative; the ledger still sums to on_hand', async () => {
    const wh = await newWarehouse();
    const sku = uniqueSku('RACE');
    await adjust(sku, wh, 20);
    const deltas = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 2 : -1));
    const results = await Promise.all(deltas.map((d) => staff('POST', '/v1/stock-adjustments', { sku, warehouseId: wh, quantityDelta: d, reason: d > 0 ? 'ADJUSTMENT_REASON_RECEIVE' : 'ADJUSTMENT_REASON_DAMAGE' })));
    const applied = deltas.filter((_, i) => results[i]!.status === 200).reduce((s, d) => s + d, 0);
    for (const r of results) assert.ok(r.status === 200 || errorReason(r.body) === 'INSUFFICIENT_STOCK', JSON.stringify(r.body));
    const [level] = await levelsOf(sku);
    assert.equal(level!.onHand, 20 + applied);
    assert.ok(level!.onHand >= 0);
    assert.equal(await ledgerSum(sku, wh), level!.onHand);
  });

  test('transfers: out of one warehouse, in transit, into the other; not more than is available', async () => {
    const [from, to] = [await newWarehouse(), await newWarehouse()];
    const sku = uniqueSku('MOVE');
    await adjust(sku, from, 10);
    const t = await staff('POST', '/v1/transfers', { fromWarehouseId: from, toWarehouseId: to, lines: [{ sku, quantity: 4 }], requestId: randomUUID() });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.state, 'TRANSFER_STATE_IN_TRANSIT');
    const onHand = async () => Object.fromEntries((await levelsOf(sku)).map((l) => [l.warehouseId, l.onHand]));
    assert.deepEqual(await onHand(), { [from]: 6 });
    const received = await staff('POST', `/v1/transfers/${t.body.id}:receive`, {});
    assert.equal(received.body.state, 'TRANSFER_STATE_RECEIVED');
    await staff('POST', `/v1/transfers/${t.body.id}:receive`, {});
    assert.deepEqual(await onHand(), { [from]: 6, [to]: 4 });
    assert.equal(await ledgerSum(sku, from), 6);
    assert.equal(await ledgerSum(sku, to), 4);
    const [other] = [uniqueSku('MISSING')];
    await adjust(other, from, 1);
    const short = await staff('POST', '/v1/transfers', { fromWarehouseId: from, toWarehouseId: to, lines: [{ sku, quantity: 2 }, { sku: other, quantity: 5 }] });
    assert.deepEqual([short.status, errorReason(short.body)], [400, 'INSUFFICIENT_STOCK']);
    assert.deepEqual(await onHand(), { [from]: 6, [to]: 4 }, 'the line that left was put back');
    assert.equal(await ledgerSum(sku, from), 6);
    const same = await staff('POST', '/v1/transfers', { fromWarehouseId: from, toWarehouseId: from, lines: [] });
    assert.deepEqual(violatedFields(same.body), ['lines', 'to_warehouse_id']);
  });

  test('availability of many SKUs in one public call, and availability_changed events', async () => {
    const wh = await newWarehouse();
    const [a, b, none] = [uniqueSku('AV'), uniqueSku('AV'), uniqueSku('AV')];
    await adjust(a, wh, 7);
    await adjust(b, wh, 1);
    await adjust(b, wh, -1);
    const res = await api('GET', `/v1/availability?skus=${a}&skus=${b}&skus=${none}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.availability.map((x: any) => [x.sku, Number(x.available ?? 0), x.inStock ?? false]), [[a, 7, true], [b, 0, false], [none, 0, false]]);
    const events = await eventsMatching('SHOP_INVENTORY', 'shop.inventory.availability_changed', AvailabilityChanged.decode, (e) => e.sku === a);
    assert.deepEqual(events.map((e) => [e.event.available, e.event.inStock]).at(-1), [7, true]);
    await eventually(async () => {
      const forB = await eventsMatching('SHOP_INVENTORY', 'shop.inventory.availability_changed', AvailabilityChanged.decode, (e) => e.sku === b, 0);
      assert.deepEqual(forB.map((e) => [e.event.available, e.event.inStock]).at(-1), [0, false], 'the last event for b says out of stock');
    }, 'b out of stock event');
    const closed = await staff('PATCH', `/v1/warehouses/${wh}?updateMask=active`, { active: false });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal((await api('GET', `/v1/availability?skus=${a}`)).body.availability[0].inStock ?? false, false, 'an inactive warehouse offers nothing');
    await eventually(async () => {
      const forA = await eventsMatching('SHOP_INVENTORY', 'shop.inventory.availability_changed', AvailabilityChanged.decode, (e) => e.sku === a, 0);
      assert.deepEqual(forA.map((e) => [e.event.available, e.event.inStock]).at(-1), [0, false]);
    }, 'a out of stock after its warehouse closed');
    const tooMany = await api('GET', `/v1/availability?${Array.from({ length: 501 }, (_, i) => `skus=S${i}`).join('&')}`);
    assert.deepEqual(violatedFields(tooMany.body), ['skus']);
  });

  test('customers cannot touch stock, suppliers or purchase orders; anonymous callers are asked to sign in', async () => {
    const customer = await newCustomer();
    for (const [method, path] of [['POST', '/v1/stock-adjustments'], ['GET', '/v1/stock'], ['GET', '/v1/stock-ledger'], ['POST', '/v1/warehouses'], ['GET', '/v1/suppliers'], ['POST', '/v1/purchase-orders']] as const) {
      const res = await api(method, path, { token: customer.token, ...(method === 'POST' ? { json: {} } : {}) });
      assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal((await api(method, path, method === 'POST' ? { json: {} } : {})).status, 401, `${method} ${path} anonymous`);
    }
  });
});

describe('suppliers, purchase orders and restocking', () => {
  async function supplier(items: Array<{ sku: string; amountMinor: number; packSize?: number; preferred?: boolean }>, extra: Record<string, unknown> = {}) {
    const res = await staff('POST', '/v1/suppliers', {
      name: `Supplier ${randomUUID().slice(0, 6)}`,
      contactEmail: 'buyer@supplier.example',
      leadTimeDays: 3,
      currencyCode: 'EUR',
      items: items.map((i) => ({ sku: i.sku, unitCost: { currencyCode: 'EUR', amountMinor: i.amountMinor }, packSize: i.packSize ?? 1, preferred: i.preferred ?? false })),
      ...extra,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  test('suppliers: create with validation, update with etag and mask, list by SKU, delete', async () => {
    const sku = uniqueSku('SUP');
    const bad = await staff('POST', '/v1/suppliers', { name: '', contactEmail: 'nope', leadTimeDays: 400, currencyCode: 'euro', items: [{ sku, unitCost: { currencyCode: 'USD', amountMinor: -1 }, packSize: -2 }] });
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['supplier.contact_email', 'supplier.currency_code', 'supplier.items[0].pack_size', 'supplier.items[0].unit_cost.amount_minor', 'supplier.items[0].unit_cost.currency_code', 'supplier.lead_time_days', 'supplier.name']);
    const s = await supplier([{ sku, amountMinor: 250 }]);
    const updated = await staff('PATCH', `/v1/suppliers/${s.id}?updateMask=leadTimeDays`, { leadTimeDays: 10, etag: s.etag });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.leadTimeDays, 10);
    assert.equal(updated.body.items[0].sku, sku, 'fields outside the mask are kept');
    assert.equal((await staff('PATCH', `/v1/suppliers/${s.id}?updateMask=leadTimeDays`, { leadTimeDays: 11, etag: s.etag })).status, 409);
    const bySku = await staff('GET', `/v1/suppliers?sku=${sku}`);
    assert.deepEqual(bySku.body.suppliers.map((x: any) => x.id), [s.id]);
    assert.equal((await staff('DELETE', `/v1/suppliers/${s.id}`)).status, 200);
    assert.equal((await staff('GET', `/v1/suppliers/${s.id}`)).status, 404);
  });

  test('purchase orders: draft -> sent -> partially received -> received, with ledger entries; over-receipt refused unless allowed', async () => {
    const wh = await newWarehouse();
    const [a, b] = [uniqueSku('PO'), uniqueSku('PO')];
    const s = await supplier([{ sku: a, amountMinor: 100 }, { sku: b, amountMinor: 300 }]);
    const created = await staff('POST', '/v1/purchase-orders', { supplierId: s.id, warehouseId: wh, lines: [{ sku: a, quantityOrdered: 10 }, { sku: b, quantityOrdered: 5 }] });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.state, 'PURCHASE_ORDER_STATE_DRAFT');
    assert.equal(Number(created.body.lines[1].unitCost.amountMinor), 300, "the supplier's cost when none is given");
    const id = created.body.id;
    const early = await staff('POST', `/v1/purchase-orders/${id}:receive`, { lines: [{ sku: a, quantity: 1 }] });
    assert.deepEqual([early.status, errorReason(early.body)], [400, 'PURCHASE_ORDER_STATE']);
    const sent = await staff('POST', `/v1/purchase-orders/${id}:send`, { etag: created.body.etag });
    assert.equal(sent.body.state, 'PURCHASE_ORDER_STATE_SENT');
    assert.ok(sent.body.expectedTime);

    const receiptId = randomUUID();
    const partial = await Promise.all([1, 2, 3].map(() => staff('POST', `/v1/purchase-orders/${id}:receive`, { receiptId, lines: [{ sku: a, quantity: 6 }] })));
    for (const r of partial) assert.equal(r.status, 200, JSON.stringify(r.body));
    const afterPartial = await staff('GET', `/v1/purchase-orders/${id}`);
    assert.equal(afterPartial.body.state, 'PURCHASE_ORDER_STATE_PARTIALLY_RECEIVED');
    assert.equal(Number(afterPartial.body.lines[0].quantityReceived), 6, 'the same receipt three times books once');

    const over = await staff('POST', `/v1/purchase-orders/${id}:receive`, { lines: [{ sku: a, quantity: 5 }] });
    assert.deepEqual([over.status, violatedFields(over.body)], [400, ['lines[0].quantity']]);
    const unknown = await staff('POST', `/v1/purchase-orders/${id}:receive`, { lines: [{ sku: uniqueSku('X'), quantity: 1 }] });
    assert.deepEqual(violatedFields(unknown.body), ['lines[0].sku']);
    const rest = await staff('POST', `/v1/purchase-orders/${id}:receive`, { allowOverReceipt: true, lines: [{ sku: a, quantity: 5 }, { sku: b, quantity: 5 }] });
    assert.equal(rest.body.state, 'PURCHASE_ORDER_STATE_RECEIVED');
    assert.deepEqual((await levelsOf(a)).map((l) => l.onHand), [11]);
    assert.deepEqual((await levelsOf(b)).map((l) => l.onHand), [5]);
    assert.equal(await ledgerSum(a, wh), 11);
    const ledger = await staff('GET', `/v1/stock-ledger?sku=${a}`);
    assert.ok(ledger.body.entries.every((e: any) => e.type === 'LEDGER_ENTRY_TYPE_PURCHASE_RECEIPT' && e.referenceId === id));
    const cancel = await staff('POST', `/v1/purchase-orders/${id}:cancel`, {});
    assert.equal(errorReason(cancel.body), 'PURCHASE_ORDER_STATE');
    const events = await eventsMatching('SHOP_INVENTORY', 'shop.inventory.purchase_order_changed', PurchaseOrderChanged.decode, (e) => e.purchaseOrder?.id === id);
    assert.ok(events.length >= 4, `created, sent, partially received, received: ${events.length}`);
  });

  test('restock alert: stock_low once per crossing with a draft purchase order for the preferred supplier', async () => {
    const wh = await newWarehouse();
    const sku = uniqueSku('LOW');
    await supplier([{ sku, amountMinor: 500, packSize: 12 }]);
    const preferred = await supplier([{ sku, amountMinor: 450, packSize: 12, preferred: true }]);
    await adjust(sku, wh, 10);
    const settings = await staff('PATCH', `/v1/warehouses/${wh}/stock/${sku}?updateMask=reorderPoint,reorderQuantity`, { reorderPoint: 5, reorderQuantity: 20 });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    for (let i = 0; i < 4; i++) await adjust(sku, wh, -2, 'ADJUSTMENT_REASON_DAMAGE');
    const lows = () => eventsMatching('SHOP_INVENTORY', 'shop.inventory.stock_low', StockLow.decode, (e) => e.sku === sku, 0);
    await eventually(async () => assert.equal((await lows()).length, 1), 'one stock_low');
    await new Promise((r) => setTimeout(r, 1_500));
    const [first] = await lows();
    assert.equal((await lows()).length, 1, 'further sales below the point raise no second alert');
    assert.equal(first!.event.warehouseId, wh);
    const po = await staff('GET', `/v1/purchase-orders/${first!.event.purchaseOrderId}`);
    assert.equal(po.status, 200, JSON.stringify(po.body));
    assert.deepEqual([po.body.supplierId, po.body.state, po.body.restock, Number(po.body.lines[0].quantityOrdered), Number(po.body.lines[0].unitCost.amountMinor)], [preferred.id, 'PURCHASE_ORDER_STATE_DRAFT', true, 24, 450]);
    assert.equal((await staff('GET', `/v1/stock?sku=${sku}&low=true`)).body.stockLevels.length, 1);

    await adjust(sku, wh, 20);
    await eventually(async () => assert.equal((await levelsOf(sku))[0]!.low, false), 're-armed above the point');
    await adjust(sku, wh, -20, 'ADJUSTMENT_REASON_DAMAGE');
    await eventually(async () => assert.equal((await lows()).length, 2), 'a second crossing alerts again');
  });

  test('back-in-stock: each subscriber gets one event when the SKU is available again', async () => {
    const wh = await newWarehouse();
    const sku = uniqueSku('BIS');
    const [ann, bob] = [await newCustomer(), await newCustomer()];
    for (const c of [ann, bob]) {
      const res = await api('POST', '/v1/users/me/back-in-stock-subscriptions', { token: c.token, json: { sku } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    await api('POST', '/v1/users/me/back-in-stock-subscriptions', { token: ann.token, json: { sku } });
    const mine = await api('GET', '/v1/users/me/back-in-stock-subscriptions', { token: bob.token });
    assert.deepEqual(mine.body.subscriptions.map((s: any) => s.sku), [sku]);
    assert.equal((await api('POST', '/v1/users/me/back-in-stock-subscriptions', { token: ann.token, json: { sku: 'not a sku' } })).status, 400);
    assert.equal((await api('POST', '/v1/users/me/back-in-stock-subscriptions', { json: { sku } })).status, 401);

    await adjust(sku, wh, 3);
    const events = () => eventsMatching('SHOP_INVENTORY', 'shop.inventory.back_in_stock', BackInStock.decode, (e) => e.sku === sku, 0);
    await eventually(async () => assert.deepEqual((await events()).map((e) => e.event.userId).sort(), [ann.id, bob.id].sort()), 'one event per subscriber');
    await adjust(sku, wh, 2);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await events()).length, 2, 'more stock while in stock notifies nobody again');
    assert.equal((await api('DELETE', `/v1/users/me/back-in-stock-subscriptions/${sku}`, { token: bob.token })).status, 200);
    assert.equal((await api('DELETE', `/v1/users/me/back-in-stock-subscriptions/${sku}`, { token: bob.token })).status, 404);
  });
});
