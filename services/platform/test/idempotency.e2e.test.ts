import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Connection } from 'mongoose';
import { DomainError } from '../src/errors.js';
import { IdempotencyStore } from '../src/idempotency.js';
import { connectMongo, ensureIndexes } from '../src/mongo.js';

// Against the test stack's MongoDB-wire server, in a database of its own.
let connection: Connection;
let db: Connection;

before(async () => {
  connection = await connectMongo(process.env['SHOP_MONGO_URL']!, 'idempotency-test');
  db = connection.useDb(`idempotency_test_${randomUUID().slice(0, 8)}`);
  new IdempotencyStore(db);
  await ensureIndexes(db);
});
after(async () => {
  await db.dropDatabase().catch(() => undefined);
  await connection.close();
});

const key = () => `k-${randomUUID()}`;

describe('IdempotencyStore', () => {
  test('ten concurrent calls with one key run the work once and all get its result', async () => {
    const store = new IdempotencyStore(db);
    const k = key();
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 100));
      return { charged: 1250, id: randomUUID() };
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => store.run('charge', k, { amount: 1250 }, work)));
    assert.equal(runs, 1);
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
    // And later, from the stored answer.
    assert.deepEqual(await store.run('charge', k, { amount: 1250 }, work), results[0]);
    assert.equal(runs, 1);
  });

  test('the same key with other parameters is an error naming the key; field order does not matter', async () => {
    const store = new IdempotencyStore(db);
    const k = key();
    await store.run('charge', k, { amount: 1, currency: 'EUR' }, async () => 'ok');
    assert.equal(await store.run('charge', k, { currency: 'EUR', amount: 1 }, async () => 'again'), 'ok');
    await assert.rejects(store.run('charge', k, { amount: 2, currency: 'EUR' }, async () => 'no'), (err: unknown) => {
      assert.ok(err instanceof DomainError);
      assert.equal(err.reason, 'IDEMPOTENCY_KEY_REUSED');
      assert.equal(err.metadata['idempotency_key'], k);
      assert.match(err.message, new RegExp(k));
      return true;
    });
    // Keys are per operation: another operation may use the same key.
    assert.equal(await store.run('refund', k, { amount: 2 }, async () => 'refund'), 'refund');
  });

  test('a failed call releases its key, so a retry runs again', async () => {
    const store = new IdempotencyStore(db);
    const k = key();
    await assert.rejects(store.run('charge', k, {}, async () => { throw new Error('provider down'); }), /provider down/);
    assert.equal(await store.run('charge', k, {}, async () => 'second try'), 'second try');
  });

  test('a claim whose holder died is taken over once its lease ran out', async () => {
    const store = new IdempotencyStore(db, { leaseMs: 300, waitMs: 5_000 });
    const k = key();
    let release!: () => void;
    const stuck = store.run('charge', k, {}, () => new Promise<string>((r) => { release = () => r('first'); }));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    assert.equal(await store.run('charge', k, {}, async () => 'successor'), 'successor');
    assert.ok(Date.now() - started >= 200, 'waited for the lease');
    release();
    await stuck;
    assert.equal(await store.run('charge', k, {}, async () => 'third'), 'successor', 'the successor\'s answer is the stored one');
  });

  test('keys are kept at least 24 hours and expire by a TTL index', async () => {
    const store = new IdempotencyStore(db, { retentionMs: 1_000 });
    const k = key();
    await store.run('charge', k, {}, async () => 'ok');
    const doc = await db.collection('idempotency_keys').findOne({ _id: `charge:${k}` as never });
    assert.ok(doc);
    assert.ok((doc['expiresAt'] as Date).getTime() - Date.now() > 24 * 3600_000 - 60_000, 'retention is never below 24 h');
    const indexes = await db.collection('idempotency_keys').indexes();
    assert.ok(indexes.some((i) => i.key['expiresAt'] === 1 && i.expireAfterSeconds === 0), JSON.stringify(indexes));
  });

  test('rejects a missing or malformed key', async () => {
    const store = new IdempotencyStore(db);
    for (const bad of ['', 'has space', 'x'.repeat(256)]) {
      await assert.rejects(store.run('charge', bad, {}, async () => 'no'), (err: unknown) => err instanceof DomainError && err.code === 'invalid_argument', bad);
    }
  });
});
