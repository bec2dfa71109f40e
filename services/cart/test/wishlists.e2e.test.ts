import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admin, api, errorReason, newCustomer, stockUp, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';

async function product(fields: Record<string, unknown> = {}): Promise<{ id: string; sku: string }> {
  const res = await api('POST', '/v1/products', {
    token: await admin(),
    json: { name: 'Teapot', sku: uniqueSku('POT'), price: { currencyCode: 'EUR', amountMinor: 2900 }, status: 'PRODUCT_STATUS_ACTIVE', ...fields },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await stockUp(res.body.sku, 10);
  return res.body;
}

async function wishlist(token: string, name = 'Birthday'): Promise<any> {
  const res = await api('POST', '/v1/wishlists', { token, json: { name } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('wishlists through the edge', () => {
  test('a customer keeps several named lists; nobody else can read or change them', async () => {
    const ann = await newCustomer();
    const a = await wishlist(ann.token, 'Birthday');
    const b = await wishlist(ann.token, 'Kitchen');
    const list = await api('GET', '/v1/wishlists?pageSize=1', { token: ann.token });
    assert.deepEqual(list.body.wishlists.map((w: any) => w.id), [b.id], 'newest first');
    const next = await api('GET', `/v1/wishlists?pageSize=1&pageToken=${list.body.nextPageToken}`, { token: ann.token });
    assert.deepEqual(next.body.wishlists.map((w: any) => w.id), [a.id]);
    const bob = await newCustomer();
    assert.equal((await api('GET', `/v1/wishlists/${a.id}`, { token: bob.token })).status, 404);
    assert.equal((await api('POST', `/v1/wishlists/${a.id}/items`, { token: bob.token, json: { sku: 'X' } })).status, 404);
    assert.equal((await api('GET', '/v1/wishlists')).status, 401, 'guests have no wishlists');
    const bad = await api('POST', '/v1/wishlists', { token: ann.token, json: { name: ' ' } });
    assert.deepEqual(violatedFields(bad.body), ['name']);
  });

  test('items: adding twice or in parallel keeps one; removing is harmless when repeated', async () => {
    const ann = await newCustomer();
    const w = await wishlist(ann.token);
    const pot = await product();
    const adds = await Promise.all([1, 2, 3, 4].map(() => api('POST', `/v1/wishlists/${w.id}/items`, { token: ann.token, json: { sku: pot.sku } })));
    assert.deepEqual(adds.map((r) => r.status), [200, 200, 200, 200]);
    const read = await api('GET', `/v1/wishlists/${w.id}`, { token: ann.token });
    assert.deepEqual(read.body.items.map((i: any) => [i.sku, i.productName, i.purchasable]), [[pot.sku, 'Teapot', true]]);
    const unknown = await api('POST', `/v1/wishlists/${w.id}/items`, { token: ann.token, json: { sku: 'NO-SUCH-SKU-1' } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(violatedFields(unknown.body), ['sku']);
    for (let i = 0; i < 2; i++) {
      const removed = await api('DELETE', `/v1/wishlists/${w.id}/items/${pot.sku}`, { token: ann.token });
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.body.items ?? [], []);
    }
  });

  test('rename with a stale etag is 409 and changes nothing', async () => {
    const ann = await newCustomer();
    const w = await wishlist(ann.token, 'Old');
    const ok = await api('PATCH', `/v1/wishlists/${w.id}`, { token: ann.token, json: { name: 'New', etag: w.etag } });
    assert.equal(ok.status, 200);
    const stale = await api('PATCH', `/v1/wishlists/${w.id}`, { token: ann.token, json: { name: 'Stale', etag: w.etag } });
    assert.equal(stale.status, 409);
    assert.equal(errorReason(stale.body), 'ETAG_MISMATCH');
    assert.equal((await api('GET', `/v1/wishlists/${w.id}`, { token: ann.token })).body.name, 'New');
  });

  test('moving an item to the cart adds it there and takes it off the list', async () => {
    const ann = await newCustomer();
    const w = await wishlist(ann.token);
    const pot = await product();
    await api('POST', `/v1/wishlists/${w.id}/items`, { token: ann.token, json: { sku: pot.sku } });
    const cart = await api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } });
    const moved = await api('POST', `/v1/wishlists/${w.id}/items/${pot.sku}:moveToCart`, { token: ann.token, json: { cartId: cart.body.id, quantity: 2 } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(moved.body.lines.map((l: any) => [l.sku, l.quantity]), [[pot.sku, 2]]);
    assert.deepEqual((await api('GET', `/v1/wishlists/${w.id}`, { token: ann.token })).body.items ?? [], []);
    const again = await api('POST', `/v1/wishlists/${w.id}/items/${pot.sku}:moveToCart`, { token: ann.token, json: { cartId: cart.body.id } });
    assert.equal(errorReason(again.body), 'WISHLIST_ITEM_NOT_FOUND');
  });

  test('a wishlist item the customer wants back in stock subscribes them at inventory', async () => {
    const ann = await newCustomer();
    const w = await wishlist(ann.token);
    const pot = await product();
    await api('POST', `/v1/wishlists/${w.id}/items`, { token: ann.token, json: { sku: pot.sku } });
    for (let i = 0; i < 2; i++) {
      const res = await api('POST', `/v1/wishlists/${w.id}/items/${pot.sku}:notifyWhenAvailable`, { token: ann.token, json: {} });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const subs = await api('GET', '/v1/users/me/back-in-stock-subscriptions', { token: ann.token });
    assert.deepEqual((subs.body.subscriptions ?? []).map((s: { sku: string }) => s.sku), [pot.sku]);
    const missing = await api('POST', `/v1/wishlists/${w.id}/items/NOT-ON-LIST:notifyWhenAvailable`, { token: ann.token, json: {} });
    assert.equal(errorReason(missing.body), 'WISHLIST_ITEM_NOT_FOUND');
  });

  test('a shared list is readable by link without signing in, and unsharing ends it', async () => {
    const ann = await newCustomer();
    const w = await wishlist(ann.token, 'Wedding');
    const pot = await product();
    await api('POST', `/v1/wishlists/${w.id}/items`, { token: ann.token, json: { sku: pot.sku } });
    const shared = await api('POST', `/v1/wishlists/${w.id}:share`, { token: ann.token, json: {} });
    const link = shared.body.shareToken;
    assert.ok(link.length >= 32, 'an unguessable token');
    const again = await api('POST', `/v1/wishlists/${w.id}:share`, { token: ann.token, json: {} });
    assert.equal(again.body.shareToken, link, 'sharing twice keeps the link');
    const seen = await api('GET', `/v1/shared-wishlists/${link}`);
    assert.equal(seen.status, 200);
    assert.deepEqual(Object.keys(seen.body).sort(), ['items', 'name']);
    assert.equal(seen.body.items[0].sku, pot.sku);
    await api('POST', `/v1/wishlists/${w.id}:unshare`, { token: ann.token, json: {} });
    assert.equal((await api('GET', `/v1/shared-wishlists/${link}`)).status, 404);
  });
});
