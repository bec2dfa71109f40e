import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Connection } from 'mongoose';
import { systemAuditContext } from '../../platform/src/audit.js';
import { connectMongo, ensureIndexes } from '../../platform/src/mongo.js';
import { inventoryUseCases } from '../src/service.js';
import { inventoryModels, type InventoryModels, type ReservationDoc, type StockLevelDoc } from '../src/infra/models.js';
import { uniqueSku } from './helpers.js';

// The use cases run in this process over a database of their own; the reservation that
// crashes runs in a child process with the same code, killed with SIGKILL mid-way.
const FIXTURE = join(import.meta.dirname, 'fixtures/reserve-and-crash.ts');
const origin = systemAuditContext('crash_test');
let connection: Connection;
let dbName: string;
let m: InventoryModels;
let u: ReturnType<typeof inventoryUseCases>;
let near: string;
let far: string;

before(async () => {
  connection = await connectMongo(process.env['SHOP_MONGO_URL']!, 'crash-test');
  dbName = `inv_crash_${randomUUID().slice(0, 8)}`;
  const db = connection.useDb(dbName, { useCache: true });
  m = inventoryModels(db);
  await ensureIndexes(db);
  u = inventoryUseCases(m, 30_000);
  near = (await u.warehouses.create({ id: '', code: 'NEAR', name: 'Near', priority: 1, active: true, etag: '', address: undefined, createTime: undefined, updateTime: undefined }, origin)).id;
  far = (await u.warehouses.create({ id: '', code: 'FAR', name: 'Far', priority: 2, active: true, etag: '', address: undefined, createTime: undefined, updateTime: undefined }, origin)).id;
});
after(async () => {
  await connection.db?.client.db(dbName).dropDatabase().catch(() => undefined);
  await connection.close();
});

function runFixture(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbName, ...args], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

async function receive(sku: string, warehouseId: string, quantity: number) {
  await u.stock.adjust({ sku, warehouseId, quantityDelta: quantity, reason: 1, note: '', requestId: '' }, origin);
}

const levels = async (skus: string[]) => m.levels.find({ sku: { $in: skus } }).sort({ _id: 1 }).lean<StockLevelDoc[]>();

/** Every level is consistent: reserved is the sum of its holds, available = on_hand - reserved, and the ledger sums to on_hand. */
async function assertConsistent(skus: string[]): Promise<void> {
  await u.store.flushAllLedgers();
  for (const l of await levels(skus)) {
    assert.equal(l.reserved, l.holds.reduce((s, h) => s + h.qty, 0), `${l._id}: reserved equals its holds`);
    assert.equal(l.available, l.onHand - l.reserved, `${l._id}: available`);
    const ledger = await m.ledger.find({ sku: l.sku, warehouseId: l.warehouseId }).lean();
    assert.equal(ledger.reduce((s, e) => s + e.delta, 0), l.onHand, `${l._id}: ledger sums to on_hand`);
  }
}

describe('a reservation killed mid-way is repaired on restart', () => {
  // Steps: 0 = A from NEAR (2), 1 = A from FAR (2), 2 = B from NEAR (3).
  for (const crashAt of ['intent:0', 'held:0', 'intent:1', 'held:1', 'intent:2', 'held:2']) {
    test(`killed after ${crashAt.replace(':', ' of step ')}: holds are given back, and a retry reserves exactly once`, async () => {
      const [a, b] = [uniqueSku('CRA'), uniqueSku('CRB')];
      await receive(a, near, 2);
      await receive(a, far, 5);
      await receive(b, near, 3);
      const id = randomUUID();
      const lines = [{ sku: a, quantity: 4 }, { sku: b, quantity: 3 }];
      const run = await runFixture(['reserve', id, JSON.stringify(lines), crashAt]);
      assert.equal(run.signal, 'SIGKILL', `the child died at the crash point (exit ${run.code}): ${run.stderr.slice(-500)}`);

      const stuck = await m.reservations.findById(id).lean<ReservationDoc>();
      assert.equal(stuck!.state, 'pending', 'the crash left the reservation in flight');
      const step = Number(crashAt.split(':')[1]);
      assert.equal(stuck!.steps.length, 3, 'the planned steps were recorded with the reservation, before any was tried');
      const heldBefore = (await levels([a, b])).reduce((s, l) => s + l.reserved, 0);
      assert.equal(heldBefore, [2, 4, 7][crashAt.startsWith('held') ? step : step - 1] ?? 0, 'the stock it held when it died');

      // A restart: the service's repair pass, once the dead worker's lease has run out.
      assert.equal(await u.reservations.repairStale(new Date(Date.now() + 60_000)), 1);
      assert.equal((await m.reservations.findById(id).lean<ReservationDoc>())!.state, 'aborted');
      for (const l of await levels([a, b])) assert.deepEqual([l.reserved, l.available, l.holds.length], [0, l.onHand, 0], `${l._id} has nothing held`);
      await assertConsistent([a, b]);

      // The client's retry with the same id now runs again and holds exactly once.
      const retried = await u.reservations.reserve(id, lines, 600);
      assert.deepEqual(retried.allocations.map((x) => [x.sku, x.warehouseId, x.quantity]).sort(), [[a, near, 2], [a, far, 2], [b, near, 3]].sort());
      assert.deepEqual((await levels([a, b])).map((l) => l.reserved).sort(), [2, 2, 3]);
      await assertConsistent([a, b]);
    });
  }

  test('a commit killed between warehouses is finished by the repair, taking stock off exactly once', async () => {
    const sku = uniqueSku('CRC');
    await receive(sku, near, 2);
    await receive(sku, far, 5);
    const id = randomUUID();
    await u.reservations.reserve(id, [{ sku, quantity: 4 }], 600);
    const run = await runFixture(['commit', id, 'committed:0']);
    assert.equal(run.signal, 'SIGKILL', run.stderr.slice(-500));
    assert.equal((await m.reservations.findById(id).lean<ReservationDoc>())!.state, 'committing');
    assert.deepEqual((await levels([sku])).map((l) => [l.warehouseId, l.onHand, l.reserved]).sort(), [[far, 5, 2], [near, 0, 0]].sort(), 'one warehouse committed, one still held');
    await u.reservations.repairStale(new Date(Date.now() + 60_000));
    assert.equal((await m.reservations.findById(id).lean<ReservationDoc>())!.state, 'committed');
    assert.deepEqual((await levels([sku])).map((l) => [l.warehouseId, l.onHand, l.reserved]).sort(), [[far, 3, 0], [near, 0, 0]].sort());
    await assertConsistent([sku]);
    await u.reservations.repairStale(new Date(Date.now() + 120_000));
    assert.deepEqual((await levels([sku])).map((l) => l.onHand).sort(), [0, 3], 'a second repair changes nothing');
  });
});
