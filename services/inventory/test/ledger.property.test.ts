import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Connection } from 'mongoose';
import { systemAuditContext } from '../../platform/src/audit.js';
import { connectMongo, ensureIndexes } from '../../platform/src/mongo.js';
import { inventoryUseCases } from '../src/service.js';
import { inventoryModels, type InventoryModels, type StockLevelDoc } from '../src/infra/models.js';

// A property over the real store: any mix of adjustments, reservations, commits,
// releases, transfers and purchase-order receipts, some of them concurrent, leaves
// every level with ledger sum = on_hand, reserved = its holds, nothing negative.
const origin = systemAuditContext('ledger_property');
const SKUS = ['P-A', 'P-B', 'P-C'];
let connection: Connection;
let dbName: string;
let m: InventoryModels;
let u: ReturnType<typeof inventoryUseCases>;
let warehouses: string[] = [];
let supplierId = '';

before(async () => {
  connection = await connectMongo(process.env['SHOP_MONGO_URL']!, 'ledger-property');
  dbName = `inv_prop_${randomUUID().slice(0, 8)}`;
  const db = connection.useDb(dbName, { useCache: true });
  m = inventoryModels(db);
  await ensureIndexes(db);
  u = inventoryUseCases(m, 30_000);
  for (const [i, code] of ['P1', 'P2'].entries()) {
    warehouses.push((await u.warehouses.create({ id: '', code, name: code, priority: i, active: true, etag: '', address: undefined, createTime: undefined, updateTime: undefined }, origin)).id);
  }
  supplierId = (await u.suppliers.create({ id: '', name: 'Prop supplier', contactName: '', contactEmail: '', contactPhone: '', leadTimeDays: 1, currencyCode: 'EUR', items: SKUS.map((sku) => ({ sku, unitCost: { currencyCode: 'EUR', amountMinor: 100 }, packSize: 1, preferred: false })), etag: '', createTime: undefined, updateTime: undefined }, origin)).id;
});
after(async () => {
  await connection.db?.client.db(dbName).dropDatabase().catch(() => undefined);
  await connection.close();
});

type Op =
  | { kind: 'adjust'; sku: number; wh: number; delta: number }
  | { kind: 'reserve'; lines: Array<{ sku: number; qty: number }> }
  | { kind: 'commit' | 'release'; pick: number }
  | { kind: 'transfer'; sku: number; from: number; qty: number; receive: boolean }
  | { kind: 'purchase'; sku: number; wh: number; qty: number; parts: number };

const sku = fc.integer({ min: 0, max: SKUS.length - 1 });
const wh = fc.integer({ min: 0, max: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('adjust' as const), sku, wh, delta: fc.integer({ min: -6, max: 10 }).filter((d) => d !== 0) }),
  fc.record({ kind: fc.constant('reserve' as const), lines: fc.uniqueArray(fc.record({ sku, qty: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 3, selector: (l) => l.sku }) }),
  fc.record({ kind: fc.constantFrom('commit' as const, 'release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('transfer' as const), sku, from: wh, qty: fc.integer({ min: 1, max: 5 }), receive: fc.boolean() }),
  fc.record({ kind: fc.constant('purchase' as const), sku, wh, qty: fc.integer({ min: 1, max: 8 }), parts: fc.integer({ min: 1, max: 2 }) }),
);

const active: string[] = [];

/** Runs one operation; refusals (not enough stock, no longer active) are expected outcomes. */
async function run(o: Op): Promise<void> {
  const expected = (err: unknown) => {
    const reason = (err as { reason?: string }).reason;
    if (!['INSUFFICIENT_STOCK', 'RESERVATION_NOT_ACTIVE', 'RESERVATION_IN_PROGRESS', 'CONCURRENT_UPDATES', 'PURCHASE_ORDER_STATE'].includes(reason ?? '')) throw err;
  };
  try {
    switch (o.kind) {
      case 'adjust':
        await u.stock.adjust({ sku: SKUS[o.sku]!, warehouseId: warehouses[o.wh]!, quantityDelta: o.delta, reason: o.delta > 0 ? 1 : 2, note: '', requestId: '' }, origin);
        break;
      case 'reserve': {
        const r = await u.reservations.reserve(randomUUID(), o.lines.map((l) => ({ sku: SKUS[l.sku]!, quantity: l.qty })), 600);
        active.push(r.reservationId);
        break;
      }
      case 'commit':
      case 'release': {
        if (active.length === 0) return;
        const id = active.splice(o.pick % active.length, 1)[0]!;
        if (o.kind === 'commit') await u.reservations.commit(id, 'prop');
        else await u.reservations.release(id, 'requested');
        break;
      }
      case 'transfer': {
        const t = await u.transfers.create({ fromWarehouseId: warehouses[o.from]!, toWarehouseId: warehouses[1 - o.from]!, lines: [{ sku: SKUS[o.sku]!, quantity: o.qty }], note: '', requestId: '' }, origin);
        if (o.receive) await u.transfers.receive(t.id);
        break;
      }
      case 'purchase': {
        const po = await u.purchaseOrders.create({ id: '', supplierId, warehouseId: warehouses[o.wh]!, lines: [{ sku: SKUS[o.sku]!, quantityOrdered: o.qty, quantityReceived: 0, unitCost: undefined }], state: 0, note: '', restock: false, etag: '', expectedTime: undefined, createTime: undefined, updateTime: undefined }, origin);
        await u.purchaseOrders.send(po.id, '', origin);
        const first = Math.ceil(o.qty / o.parts);
        await u.purchaseOrders.receive({ id: po.id, lines: [{ sku: SKUS[o.sku]!, quantity: first }], allowOverReceipt: false, receiptId: 'r1' }, origin);
        if (o.parts > 1 && o.qty - first > 0) await u.purchaseOrders.receive({ id: po.id, lines: [{ sku: SKUS[o.sku]!, quantity: o.qty - first }], allowOverReceipt: false, receiptId: 'r2' }, origin);
        break;
      }
    }
  } catch (err) {
    expected(err);
  }
}

describe('stock ledger property', () => {
  test('after any mix of operations (some concurrent) the ledger sums to on_hand and nothing is negative', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), async (batches) => {
        // Each batch runs concurrently; batches run one after another.
        for (const batch of batches) await Promise.all(batch.map(run));
        await u.store.flushAllLedgers();
        const levels = await m.levels.find({}).lean<StockLevelDoc[]>();
        const ledger = await m.ledger.find({}).lean();
        for (const l of levels) {
          const sum = ledger.filter((e) => e.sku === l.sku && e.warehouseId === l.warehouseId).reduce((s, e) => s + e.delta, 0);
          assert.equal(sum, l.onHand, `${l._id}: ledger ${sum} != on_hand ${l.onHand}`);
          assert.equal(l.reserved, l.holds.reduce((s, h) => s + h.qty, 0), `${l._id}: reserved equals its holds`);
          assert.equal(l.available, l.onHand - l.reserved, `${l._id}: available`);
          assert.ok(l.onHand >= 0 && l.reserved >= 0 && l.available >= 0, `${l._id}: nothing negative (${l.onHand}/${l.reserved}/${l.available})`);
        }
      }),
      { numRuns: 12 },
    );
  });
});
