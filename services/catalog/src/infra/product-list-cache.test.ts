import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { LIST_GENERATION_KEY, ProductListCache } from './product-list-cache.js';

/** Just the two commands the list cache uses, in memory; `down` makes them fail. */
function fakeRedis() {
  const values = new Map<string, number>();
  const r = {
    down: false,
    async get(key: string) {
      if (r.down) throw new Error('redis down');
      return values.has(key) ? String(values.get(key)) : null;
    },
    async incr(key: string) {
      if (r.down) throw new Error('redis down');
      values.set(key, (values.get(key) ?? 0) + 1);
      return values.get(key)!;
    },
  };
  return r;
}

describe('list page cache', () => {
  test('a page is read from the store once per generation and query', async () => {
    const redis = fakeRedis();
    const lists = new ProductListCache<string>(redis as unknown as Redis);
    let reads = 0;
    const load = async () => `page ${++reads}`;
    assert.equal(await lists.read('q1', load), 'page 1');
    assert.equal(await lists.read('q1', load), 'page 1');
    assert.equal(await lists.read('q2', load), 'page 2');
    await lists.bump();
    assert.equal(await lists.read('q1', load), 'page 3', 'a write makes every page old');
    assert.ok(await redis.get(LIST_GENERATION_KEY));
  });

  test('a read racing a write stores its page under the old generation, so nobody gets it after the write', async () => {
    const redis = fakeRedis();
    const lists = new ProductListCache<string>(redis as unknown as Redis);
    let release!: () => void;
    const slow = lists.read('q', () => new Promise<string>((r) => { release = () => r('old'); }));
    await new Promise((r) => setImmediate(r));
    await lists.bump(); // the write answered
    release();
    assert.equal(await slow, 'old', 'the racing reader itself may see the old page');
    assert.equal(await lists.read('q', async () => 'new'), 'new');
  });

  test('concurrent misses of one page share one store read', async () => {
    const lists = new ProductListCache<string>(fakeRedis() as unknown as Redis);
    let reads = 0;
    const pages = await Promise.all(Array.from({ length: 5 }, () => lists.read('q', async () => `page ${++reads}`)));
    assert.deepEqual(new Set(pages), new Set(['page 1']));
    assert.equal(reads, 1);
  });

  test('without Redis every read goes to the store', async () => {
    const redis = fakeRedis();
    const lists = new ProductListCache<string>(redis as unknown as Redis);
    redis.down = true;
    let reads = 0;
    await lists.read('q', async () => `page ${++reads}`);
    await lists.read('q', async () => `page ${++reads}`);
    assert.equal(reads, 2);
  });
});
