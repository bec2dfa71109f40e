import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActorType, AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../../../gen/shop/catalog/v1/events.js';
import { admin, api, errorReason, newCustomer, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';

const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });

async function createProduct(fields: Record<string, unknown> = {}) {
  const res = await api('POST', '/v1/products', {
    token: await admin(),
    json: { name: 'Enamel mug', description: 'Holds 350 ml.', sku: uniqueSku('MUG'), price: eur(1299), status: 'PRODUCT_STATUS_ACTIVE', ...fields },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('creating products', () => {
  test('an admin creates a product; money comes back as integer minor units', async () => {
    const sku = uniqueSku('TEE');
    const res = await api('POST', '/v1/products', { token: await admin(), json: { name: 'T-shirt', sku, price: eur(1999) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.id, /^[0-9a-f]{24}$/);
    assert.equal(res.body.sku, sku);
    assert.deepEqual(res.body.price, { currencyCode: 'EUR', amountMinor: '1999' });
    assert.equal(res.body.status, 'PRODUCT_STATUS_DRAFT', 'status defaults to draft');
    assert.equal(res.body.etag, '"1"');
  });

  test('without a token it is 401, as a customer 403', async () => {
    const body = { name: 'X', sku: uniqueSku(), price: eur(100) };
    const anonymous = await api('POST', '/v1/products', { json: body });
    assert.equal(anonymous.status, 401);
    const customer = await newCustomer();
    const forbidden = await api('POST', '/v1/products', { token: customer.token, json: body });
    assert.equal(forbidden.status, 403);
    assert.equal(errorReason(forbidden.body), 'PERMISSION_REQUIRED');
  });

  test('an invalid product is 400 naming each bad field', async () => {
    const res = await api('POST', '/v1/products', { token: await admin(), json: { name: '', sku: 'has spaces', price: { currencyCode: 'XXQ', amountMinor: -5 } } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['name', 'price.amount_minor', 'price.currency_code', 'sku']);
  });

  test('a fractional amount is rejected by the contract itself', async () => {
    const res = await api('POST', '/v1/products', { token: await admin(), json: { name: 'Float', sku: uniqueSku(), price: { currencyCode: 'EUR', amountMinor: 12.5 } } });
    assert.equal(res.status, 400);
  });

  test('concurrent creates with the same sku give exactly one product', async () => {
    const sku = uniqueSku('RACE');
    const token = await admin();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => api('POST', '/v1/products', { token, json: { name: `Racer ${i}`, sku, price: eur(500) } })));
    const created = results.filter((r) => r.status === 200);
    assert.equal(created.length, 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of results.filter((r) => r.status !== 200)) {
      assert.equal(r.status, 409);
      assert.equal(errorReason(r.body), 'SKU_TAKEN');
    }
  });

  test('a create emits exactly one ProductCreated event carrying the product', async () => {
    const product = await createProduct();
    const events = await eventsMatching('SHOP_CATALOG', 'shop.catalog.product_created', ProductCreated.decode, (e) => e.product?.id === product.id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.product!.sku, product.sku);
    assert.equal(events[0]!.event.product!.price!.amountMinor, 1299);
    assert.ok(events[0]!.msgId, 'published with a Nats-Msg-Id for de-duplication');
  });
});

describe('reading products', () => {
  test('anyone can get an active product', async () => {
    const product = await createProduct();
    const res = await api('GET', `/v1/products/${product.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'Enamel mug');
  });

  test('drafts are invisible to shoppers but visible to staff', async () => {
    const draft = await createProduct({ status: 'PRODUCT_STATUS_DRAFT' });
    assert.equal((await api('GET', `/v1/products/${draft.id}`)).status, 404);
    const customer = await newCustomer();
    assert.equal((await api('GET', `/v1/products/${draft.id}`, { token: customer.token })).status, 404);
    assert.equal((await api('GET', `/v1/products/${draft.id}`, { token: await admin() })).status, 200);
  });

  test('an unknown or malformed id is 404', async () => {
    assert.equal((await api('GET', '/v1/products/000000000000000000000000')).status, 404);
    assert.equal((await api('GET', '/v1/products/not-an-id')).status, 404);
  });

  test('pages through every product once, newest first, with opaque tokens', async () => {
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await createProduct({ name: `Paged ${i}` }));
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await api('GET', `/v1/products?pageSize=2&pageToken=${encodeURIComponent(token)}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.products.length <= 2);
      for (const p of res.body.products) {
        assert.equal(p.status, 'PRODUCT_STATUS_ACTIVE');
        seen.push(p.id);
      }
      token = res.body.nextPageToken;
      pages++;
    } while (token && pages < 10_000);
    assert.equal(new Set(seen).size, seen.length, 'no product appears twice');
    const positions = mine.map((p) => seen.indexOf(p.id));
    assert.ok(positions.every((i) => i >= 0), 'every created product is listed');
    assert.deepEqual([...positions].sort((a, b) => b - a), positions, 'newest first');
  });

  test('page size rules: negative is 400, a bad token is 400, too large is capped', async () => {
    assert.equal((await api('GET', '/v1/products?pageSize=-1')).status, 400);
    const bad = await api('GET', '/v1/products?pageToken=garbage');
    assert.equal(bad.status, 400);
    assert.equal(errorReason(bad.body), 'INVALID_PAGE_TOKEN');
    for (let i = 0; i < 2; i++) await createProduct();
    const big = await api('GET', '/v1/products?pageSize=100000');
    assert.equal(big.status, 200);
    assert.ok(big.body.products.length <= 100);
  });
});

describe('changing products', () => {
  test('PATCH changes only the masked fields and bumps the etag; the event says what changed', async () => {
    const product = await createProduct();
    const res = await api('PATCH', `/v1/products/${product.id}?updateMask=name,price`, {
      token: await admin(),
      json: { name: 'Stoneware mug', price: eur(1499), description: 'ignored: not in the mask', etag: product.etag },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Stoneware mug');
    assert.equal(res.body.price.amountMinor, '1499');
    assert.equal(res.body.description, 'Holds 350 ml.');
    assert.notEqual(res.body.etag, product.etag);
    const events = await eventsMatching('SHOP_CATALOG', 'shop.catalog.product_updated', ProductUpdated.decode, (e) => e.product?.id === product.id);
    assert.equal(events.length, 1);
    assert.deepEqual([...events[0]!.event.changedFields].sort(), ['name', 'price']);
  });

  test('a stale etag is 409 and changes nothing', async () => {
    const product = await createProduct();
    const token = await admin();
    assert.equal((await api('PATCH', `/v1/products/${product.id}?updateMask=name`, { token, json: { name: 'First', etag: product.etag } })).status, 200);
    const stale = await api('PATCH', `/v1/products/${product.id}?updateMask=name`, { token, json: { name: 'Second', etag: product.etag } });
    assert.equal(stale.status, 409);
    assert.equal(errorReason(stale.body), 'ETAG_MISMATCH');
    assert.equal((await api('GET', `/v1/products/${product.id}`)).body.name, 'First');
  });

  test('concurrent PATCHes with the same etag: exactly one wins', async () => {
    const product = await createProduct();
    const token = await admin();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api('PATCH', `/v1/products/${product.id}?updateMask=name`, { token, json: { name: `Writer ${i}`, etag: product.etag } })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(results.filter((r) => r.status === 409).length, 7);
  });

  test('an unknown mask path and an invalid value are 400', async () => {
    const product = await createProduct();
    const token = await admin();
    const unknown = await api('PATCH', `/v1/products/${product.id}?updateMask=createTime`, { token, json: { name: 'x' } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(violatedFields(unknown.body), ['update_mask']);
    const invalid = await api('PATCH', `/v1/products/${product.id}?updateMask=price`, { token, json: { price: { currencyCode: 'EUR', amountMinor: -1 } } });
    assert.equal(invalid.status, 400);
    assert.deepEqual(violatedFields(invalid.body), ['price.amount_minor']);
  });

  test('changing the sku to a taken one is 409', async () => {
    const a = await createProduct();
    const b = await createProduct();
    const res = await api('PATCH', `/v1/products/${b.id}?updateMask=sku`, { token: await admin(), json: { sku: a.sku } });
    assert.equal(res.status, 409);
    assert.equal(errorReason(res.body), 'SKU_TAKEN');
  });

  test('a customer cannot change or delete a product', async () => {
    const product = await createProduct();
    const customer = await newCustomer();
    assert.equal((await api('PATCH', `/v1/products/${product.id}?updateMask=name`, { token: customer.token, json: { name: 'Mine now' } })).status, 403);
    assert.equal((await api('DELETE', `/v1/products/${product.id}`, { token: customer.token })).status, 403);
  });

  test('DELETE removes the product, frees its sku and emits ProductDeleted', async () => {
    const product = await createProduct();
    const token = await admin();
    assert.equal((await api('DELETE', `/v1/products/${product.id}`, { token })).status, 200);
    assert.equal((await api('GET', `/v1/products/${product.id}`, { token })).status, 404);
    assert.equal((await api('DELETE', `/v1/products/${product.id}`, { token })).status, 404);
    const reuse = await api('POST', '/v1/products', { token, json: { name: 'Successor', sku: product.sku, price: eur(100) } });
    assert.equal(reuse.status, 200, 'the sku of a deleted product can be used again');
    const events = await eventsMatching('SHOP_CATALOG', 'shop.catalog.product_deleted', ProductDeleted.decode, (e) => e.productId === product.id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.sku, product.sku);
  });
});

describe('staff actions are audited', () => {
  const subjectOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
  const auditOf = (action: string, productId: string) => eventsMatching('SHOP_AUDIT', `shop.audit.${action}`, AuditEvent.decode, (e) => e.targetId === productId);

  test('a create is audited with who, request id, the client IP the edge saw and the user agent; forged address headers are ignored', async () => {
    const token = await admin();
    const res = await api('POST', '/v1/products', {
      token,
      json: { name: 'Audited mug', sku: uniqueSku('AUDIT'), price: eur(1500) },
      // A client claiming to be someone else: the edge must not let either header through as the client address.
      headers: { 'x-envoy-external-address': '203.0.113.66', 'x-forwarded-for': '198.51.100.77', 'user-agent': 'shopmesh-e2e/1.0' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const events = await auditOf('product.created', res.body.id);
    assert.equal(events.length, 1);
    const { event, msgId } = events[0]!;
    assert.equal(msgId, event.id);
    assert.equal(event.actorType, ActorType.ACTOR_TYPE_USER);
    assert.equal(event.actorId, subjectOf(token));
    assert.equal(event.targetType, 'product');
    assert.equal(event.sourceIp, '127.0.0.1');
    assert.equal(event.userAgent, 'shopmesh-e2e/1.0');
    assert.equal(event.requestId, res.headers.get('x-request-id'), 'the request id the edge returned');
    assert.equal(event.details['sku'], res.body.sku);
  });

  test('updates and deletes are audited in the same write as the change', async () => {
    const product = await createProduct();
    const token = await admin();
    const patched = await api('PATCH', `/v1/products/${product.id}?updateMask=name`, { token, json: { name: 'Renamed mug', etag: product.etag } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((await api('DELETE', `/v1/products/${product.id}`, { token })).status, 200);
    const [updated] = await auditOf('product.updated', product.id);
    assert.equal(updated?.event.details['changed_fields'], 'name');
    const deleted = await auditOf('product.deleted', product.id);
    assert.equal(deleted.length, 1);
    assert.equal(deleted[0]!.event.details['sku'], product.sku);
  });

  test('a refused write leaves no audit record', async () => {
    const customer = await newCustomer();
    const sku = uniqueSku('NOAUDIT');
    const res = await api('POST', '/v1/products', { token: customer.token, json: { name: 'Nope', sku, price: eur(100) } });
    assert.equal(res.status, 403);
    const events = await eventsMatching('SHOP_AUDIT', 'shop.audit.product.created', AuditEvent.decode, (e) => e.details['sku'] === sku, 500);
    assert.equal(events.length, 0);
  });
});
