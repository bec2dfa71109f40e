import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../platform/src/logger.js';
import { followProductInvalidations } from '../src/events/product-invalidations.js';
import { LocalProductCache } from '../src/infra/local-product-cache.js';
import { admin, api, uniqueSku } from '../../../tools/testing/edge.js';

// GetProduct and ListProducts are served from caches (in process, Redis, list pages):
// these tests hold them to "a write that answered is visible to every later read".

const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });
const tag = () => randomUUID().slice(0, 8);

async function createCategory(name: string) {
  const res = await api('POST', '/v1/categories', { token: await admin(), json: { name } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function createProduct(json: Record<string, unknown>) {
  const res = await api('POST', '/v1/products', { token: await admin(), json: { name: 'Cached mug', sku: uniqueSku('RC'), price: eur(1000), status: 'PRODUCT_STATUS_ACTIVE', ...json } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const listed = async (query: string, token?: string) => {
  const res = await api('GET', `/v1/products?${query}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { products?: any[]; nextPageToken?: string };
};
const namesIn = async (query: string, token?: string) => ((await listed(query, token)).products ?? []).map((p) => p.name).sort();

describe('read caches', () => {
  test('an update, a price change and a delete are visible at once to GetProduct (every locale and viewer) and to list pages', async () => {
    const token = await admin();
    const category = await createCategory(`Cache ${tag()}`);
    const p = await createProduct({ name: 'Before', categoryIds: [category.id], translations: [{ locale: 'de', name: 'Vorher' }] });
    const reads = async () => ({
      shopper: (await api('GET', `/v1/products/${p.id}`)).body,
      staff: (await api('GET', `/v1/products/${p.id}`, { token })).body,
      de: (await api('GET', `/v1/products/${p.id}?locale=de`)).body,
      list: (await listed(`categoryId=${category.id}`)).products ?? [],
    });
    const before = await reads(); // fills every cache
    assert.equal(before.shopper.name, 'Before');
    assert.equal(before.de.name, 'Vorher');
    assert.deepEqual(before.list.map((x) => x.name), ['Before']);
    await reads(); // and serves from them

    const renamed = await api('PATCH', `/v1/products/${p.id}?updateMask=name,price,translations`, {
      token,
      json: { name: 'After', price: eur(2500), translations: [{ locale: 'de', name: 'Nachher' }], etag: p.etag },
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const now = await reads();
    for (const read of [now.shopper, now.staff]) {
      assert.equal(read.name, 'After');
      assert.equal(read.price.amountMinor, '2500');
      assert.equal(read.etag, renamed.body.etag);
    }
    assert.equal(now.de.name, 'Nachher');
    assert.deepEqual(now.list.map((x) => [x.name, x.price.amountMinor]), [['After', '2500']]);

    const deleted = await api('DELETE', `/v1/products/${p.id}?etag=${encodeURIComponent(renamed.body.etag)}`, { token });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal((await api('GET', `/v1/products/${p.id}`)).status, 404);
    assert.equal((await api('GET', `/v1/products/${p.id}`, { token })).status, 404);
    assert.deepEqual(await namesIn(`categoryId=${category.id}`), []);
  });

  test('cached list pages: shoppers never see drafts, staff do; a status change and a new product show at once; paging stays whole', async () => {
    const token = await admin();
    const category = await createCategory(`Paging ${tag()}`);
    await createProduct({ name: 'One', categoryIds: [category.id] });
    await createProduct({ name: 'Two', categoryIds: [category.id] });
    const draft = await createProduct({ name: 'Draft', categoryIds: [category.id], status: 'PRODUCT_STATUS_DRAFT' });
    const pages = async (who?: string) => {
      const names: string[] = [];
      let pageToken = '';
      do {
        const page = await listed(`categoryId=${category.id}&pageSize=2${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`, who);
        names.push(...(page.products ?? []).map((x) => x.name));
        pageToken = page.nextPageToken ?? '';
      } while (pageToken);
      return names.sort();
    };
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await pages(), ['One', 'Two'], 'shoppers see active products only');
      assert.deepEqual(await pages(token), ['Draft', 'One', 'Two'], 'staff see drafts');
    }
    const published = await api('PATCH', `/v1/products/${draft.id}?updateMask=status`, { token, json: { status: 'PRODUCT_STATUS_ACTIVE' } });
    assert.equal(published.status, 200);
    assert.deepEqual(await pages(), ['Draft', 'One', 'Two'], 'published: shoppers see it at once');
    await createProduct({ name: 'Three', categoryIds: [category.id] });
    assert.deepEqual(await pages(), ['Draft', 'One', 'Three', 'Two'], 'a new product shows at once');
    await api('PATCH', `/v1/products/${draft.id}?updateMask=status`, { token, json: { status: 'PRODUCT_STATUS_ARCHIVED' } });
    assert.deepEqual(await pages(), ['One', 'Three', 'Two'], 'archived: gone for shoppers at once');
    assert.equal((await api('GET', `/v1/products/${draft.id}`)).status, 404);
    assert.equal((await api('GET', `/v1/products/${draft.id}`, { token })).status, 200, 'staff still read it');
  });

  test('a collection change shows at once in lists filtered by the collection', async () => {
    const token = await admin();
    const a = await createProduct({ name: `In ${tag()}` });
    const b = await createProduct({ name: `Out ${tag()}` });
    const created = await api('POST', '/v1/collections', { token, json: { name: `Cached ${tag()}`, productIds: [a.id] } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(await namesIn(`collectionId=${created.body.id}`), [a.name]);
    const changed = await api('PATCH', `/v1/collections/${created.body.id}?updateMask=productIds`, { token, json: { productIds: [a.id, b.id], etag: created.body.etag } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(await namesIn(`collectionId=${created.body.id}`), [a.name, b.name].sort());
  });

  test('reads racing writes: once a write has answered, no read begun after it shows an older state', async () => {
    const token = await admin();
    const category = await createCategory(`Race ${tag()}`);
    const p = await createProduct({ name: 'Race 0', categoryIds: [category.id] });
    const revision = (etag: string) => Number(etag.replace(/\D/g, ''));
    const answered: Array<{ at: number; revision: number }> = [];
    const seen: Array<{ startedAt: number; revision: number; via: string }> = [];
    let writing = true;
    const reader = async (via: 'get' | 'list') => {
      while (writing) {
        const startedAt = performance.now();
        if (via === 'get') {
          const res = await api('GET', `/v1/products/${p.id}`);
          if (res.status === 200) seen.push({ startedAt, revision: revision(res.body.etag), via });
        } else {
          const page = await listed(`categoryId=${category.id}`);
          const mine = page.products?.find((x) => x.id === p.id);
          if (mine) seen.push({ startedAt, revision: revision(mine.etag), via });
        }
      }
    };
    const readers = [...Array.from({ length: 4 }, () => reader('get')), ...Array.from({ length: 2 }, () => reader('list'))];
    let etag = p.etag;
    for (let i = 1; i <= 15; i++) {
      const res = await api('PATCH', `/v1/products/${p.id}?updateMask=name`, { token, json: { name: `Race ${i}`, etag } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      etag = res.body.etag;
      answered.push({ at: performance.now(), revision: revision(etag) });
      await new Promise((r) => setTimeout(r, 20));
    }
    writing = false;
    await Promise.all(readers);
    assert.ok(seen.length > 30, `the readers ran (${seen.length} reads)`);
    for (const read of seen) {
      const latest = answered.filter((w) => w.at < read.startedAt).at(-1);
      if (latest) assert.ok(read.revision >= latest.revision, `a ${read.via} begun after revision ${latest.revision} answered showed revision ${read.revision}`);
    }
  });
});

describe("another replica's in-process cache", () => {
  let nc: NatsConnection;
  const cache = new LocalProductCache();
  let follower: { stop(): void };
  const silent = { warn: () => undefined } as unknown as Logger;

  before(async () => {
    nc = await connect({ servers: process.env['SHOP_NATS_URL']! });
    follower = await followProductInvalidations(nc, cache, silent);
  });
  after(async () => {
    follower.stop();
    await nc.close();
  });

  const until = async (what: string, ok: () => boolean, boundMs = 3_000) => {
    const started = performance.now();
    while (!ok()) {
      if (performance.now() - started > boundMs) assert.fail(`${what} not within ${boundMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - started;
  };

  test('follows product events: a write elsewhere replaces or drops what it holds within the bound, and a read that raced the write cannot put the old state back', async () => {
    const token = await admin();
    const p = await createProduct({ name: 'Elsewhere' });
    await until('the created product', () => cache.get(p.id, '')?.name === 'Elsewhere');
    const old = cache.get(p.id, '')!; // what the event carried: revision 1
    cache.fill(p.id, 'de', old, cache.begin());
    const racingRead = cache.begin(); // a read that began before the write and read the old state

    const res = await api('PATCH', `/v1/products/${p.id}?updateMask=name`, { token, json: { name: 'Changed elsewhere', etag: p.etag } });
    assert.equal(res.status, 200);
    await until('the update', () => cache.get(p.id, '')?.name === 'Changed elsewhere');
    assert.equal(cache.get(p.id, 'de'), undefined, 'other renderings are dropped');
    assert.equal(cache.fill(p.id, '', old, racingRead), false, 'the racing read is refused');
    const changed = cache.get(p.id, '')!;
    assert.equal(changed.name, 'Changed elsewhere');

    const deleted = await api('DELETE', `/v1/products/${p.id}`, { token });
    assert.equal(deleted.status, 200);
    await until('the delete', () => cache.get(p.id, '') === undefined);
    assert.equal(cache.fill(p.id, '', changed, cache.begin()), false, 'a deleted product is not stored again');
  });
});
