import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Schema, type Connection } from 'mongoose';
import { connectMongo, isDuplicateKey, serviceDatabase } from '../src/mongo.js';

// The MongoDB-wire server must apply each single-document update atomically: the
// inventory, coupon and payment code rely on it (this is why FerretDB v1 was rejected).
describe('the MongoDB-wire store under concurrency', () => {
  let base: Connection;
  let db: Connection;
  before(async () => {
    base = await connectMongo(process.env['SHOP_MONGO_URL']!, 'store-test');
    db = serviceDatabase(base, 'test_', `store_${randomUUID().slice(0, 8)}`);
  });
  after(async () => {
    await db.dropDatabase().catch(() => undefined);
    await base.close();
  });

  test('50 concurrent $inc updates on one document lose none', async () => {
    const Counter = db.model('Counter', new Schema({ n: Number }));
    const doc = await Counter.create({ n: 0 });
    await Promise.all(Array.from({ length: 50 }, () => Counter.updateOne({ _id: doc._id }, { $inc: { n: 1 } })));
    assert.equal((await Counter.findById(doc._id).lean())!.n, 50);
  });

  test('a guarded decrement never goes below zero, whatever the race', async () => {
    const Stock = db.model('Stock', new Schema({ available: Number }));
    const doc = await Stock.create({ available: 10 });
    const results = await Promise.all(
      Array.from({ length: 30 }, () => Stock.findOneAndUpdate({ _id: doc._id, available: { $gte: 3 } }, { $inc: { available: -3 } }, { returnDocument: 'after' }).lean()),
    );
    assert.equal(results.filter((r) => r !== null).length, 3, 'only three takes of 3 fit into 10');
    assert.equal((await Stock.findById(doc._id).lean())!.available, 1);
  });

  test('a unique index lets exactly one of many concurrent inserts through', async () => {
    const Sku = db.model('Sku', new Schema({ code: { type: String, unique: true } }));
    await Sku.createIndexes();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => Sku.create({ code: 'SAME' })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => isDuplicateKey((r as PromiseRejectedResult).reason)));
  });
});
