import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProductCreated } from '../../../gen/shop/catalog/v1/events.js';
import { admin, api, errorReason, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';

const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });
const variant = (sku: string, size: string, extra: Record<string, unknown> = {}) => ({ sku, optionValues: { Size: size }, price: eur(1999), trackStock: true, ...extra });

async function createTee(skus: [string, string], extra: Record<string, unknown> = {}) {
  return api('POST', '/v1/products', {
    token: await admin(),
    json: {
      name: 'Organic tee',
      status: 'PRODUCT_STATUS_ACTIVE',
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [variant(skus[0], 'S', { barcode: '4006381333931', weightGrams: 180, dimensions: { lengthMm: 300, widthMm: 200, heightMm: 20 } }), variant(skus[1], 'M')],
      images: [{ url: 'https://cdn.example.com/tee.jpg', altText: 'A tee' }],
      ...extra,
    },
  });
}

describe('products with variants', () => {
  test('a product with options and variants round-trips; top-level sku and price mirror the first variant', async () => {
    const skus: [string, string] = [uniqueSku('TEE-S'), uniqueSku('TEE-M')];
    const res = await createTee(skus);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.variants.length, 2);
    assert.match(res.body.variants[0].id, /^[0-9a-f]{24}$/);
    assert.equal(res.body.variants[0].barcode, '4006381333931');
    assert.deepEqual(res.body.variants[1].optionValues, { Size: 'M' });
    assert.equal(res.body.sku, skus[0]);
    assert.deepEqual(res.body.price, { currencyCode: 'EUR', amountMinor: '1999' });
    assert.match(res.body.slug, /^organic-tee/);
    const read = await api('GET', `/v1/products/${res.body.id}`);
    assert.deepEqual(read.body.variants, res.body.variants);
  });

  test('the issue-2 shape creates one default variant carrying sku and price', async () => {
    const sku = uniqueSku('MUG');
    const res = await api('POST', '/v1/products', { token: await admin(), json: { name: 'Plain mug', sku, price: eur(900) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.variants.length, 1);
    assert.equal(res.body.variants[0].sku, sku);
    assert.equal(res.body.variants[0].trackStock, true);
    const patched = await api('PATCH', `/v1/products/${res.body.id}?updateMask=sku,price`, { token: await admin(), json: { sku: `${sku}-B`, price: eur(950), etag: res.body.etag } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.variants[0].sku, `${sku}-B`);
    assert.equal(patched.body.variants[0].id, res.body.variants[0].id, 'the variant keeps its id');
    // The old SKU is free again, the new one is taken.
    assert.equal((await api('POST', '/v1/products', { token: await admin(), json: { name: 'Reuse', sku, price: eur(1) } })).status, 200);
    const taken = await api('POST', '/v1/products', { token: await admin(), json: { name: 'Clash', sku: `${sku}-B`, price: eur(1) } });
    assert.equal(taken.status, 409);
    assert.equal(errorReason(taken.body), 'SKU_TAKEN');
  });

  test('variant validation names each bad field: barcode check digit, option values, image URLs', async () => {
    const res = await api('POST', '/v1/products', {
      token: await admin(),
      json: {
        name: 'Bad tee',
        options: [{ name: 'Size', values: ['S'] }],
        variants: [variant(uniqueSku(), 'XL', { barcode: '4006381333932' })],
        images: [{ url: 'http://insecure.example.com/x.jpg' }],
      },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['images[0].url', 'variants[0].barcode', 'variants[0].option_values']);
  });

  test('a variant SKU is unique across products, also when creates race', async () => {
    const shared = uniqueSku('SHARED');
    const token = await admin();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api('POST', '/v1/products', {
          token,
          json: { name: `Racer ${i}`, options: [{ name: 'Size', values: ['S', 'M'] }], variants: [variant(uniqueSku(`OWN${i}`), 'S'), variant(shared, 'M')] },
        }),
      ),
    );
    const created = results.filter((r) => r.status === 200);
    assert.equal(created.length, 1, JSON.stringify(results.map((r) => [r.status, r.body?.details?.[0]?.reason])));
    for (const r of results.filter((r) => r.status !== 200)) {
      assert.equal(r.status, 409);
      assert.equal(errorReason(r.body), 'SKU_TAKEN');
      assert.deepEqual(violatedFields(r.body), ['variants[1].sku']);
    }
    // The losers released their own SKUs: each can be created now.
    const loser = results.findIndex((r) => r.status !== 200);
    const again = await api('POST', '/v1/products', { token, json: { name: 'Late', sku: uniqueSku(), price: eur(1) } });
    assert.equal(again.status, 200);
    assert.ok(loser >= 0);
  });

  test('a slug is unique: a given one that is taken is 409, a derived one gets a suffix', async () => {
    const token = await admin();
    const slug = `lamp-${uniqueSku().toLowerCase()}`;
    assert.equal((await api('POST', '/v1/products', { token, json: { name: 'Lamp', slug, sku: uniqueSku(), price: eur(1) } })).status, 200);
    const clash = await api('POST', '/v1/products', { token, json: { name: 'Lamp', slug, sku: uniqueSku(), price: eur(1) } });
    assert.equal(clash.status, 409);
    assert.equal(errorReason(clash.body), 'SLUG_TAKEN');
  });

  test('translations: the locale picks the texts, falling back to the language and then the default', async () => {
    const token = await admin();
    const res = await api('POST', '/v1/products', {
      token,
      json: { name: 'Mug', description: 'A mug', sku: uniqueSku(), price: eur(1), status: 'PRODUCT_STATUS_ACTIVE', translations: [{ locale: 'de', name: 'Becher', description: 'Ein Becher' }] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await api('GET', `/v1/products/${res.body.id}?locale=de-AT`)).body.name, 'Becher');
    assert.equal((await api('GET', `/v1/products/${res.body.id}?locale=fr`)).body.name, 'Mug');
    assert.equal((await api('GET', `/v1/products/${res.body.id}`)).body.name, 'Mug');
  });

  test('reads after a write never show the old state (the read cache is invalidated)', async () => {
    const token = await admin();
    const res = await api('POST', '/v1/products', { token, json: { name: 'Cached', sku: uniqueSku(), price: eur(1), status: 'PRODUCT_STATUS_ACTIVE' } });
    let etag = res.body.etag;
    for (let i = 0; i < 5; i++) {
      await api('GET', `/v1/products/${res.body.id}`); // fills the cache
      const patched = await api('PATCH', `/v1/products/${res.body.id}?updateMask=name`, { token, json: { name: `Cached ${i}`, etag } });
      assert.equal(patched.status, 200);
      etag = patched.body.etag;
      assert.equal((await api('GET', `/v1/products/${res.body.id}`)).body.name, `Cached ${i}`);
    }
    await api('PATCH', `/v1/products/${res.body.id}?updateMask=status`, { token, json: { status: 'PRODUCT_STATUS_DRAFT' } });
    assert.equal((await api('GET', `/v1/products/${res.body.id}`)).status, 404, 'a product turned draft disappears for shoppers at once');
  });

  test('ProductCreated carries the variants', async () => {
    const skus: [string, string] = [uniqueSku('EV-S'), uniqueSku('EV-M')];
    const res = await createTee(skus);
    const events = await eventsMatching('SHOP_CATALOG', 'shop.catalog.product_created', ProductCreated.decode, (e) => e.product?.id === res.body.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.event.product!.variants.map((v) => v.sku), skus);
  });
});
