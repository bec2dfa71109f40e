import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ActorType, AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { CatalogServiceService, ProductStatus, SelectPricesRequest } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { createServiceClient, type ServiceClient } from '../../platform/src/grpc/client.js';
import { admin, api, errorReason, newCustomer, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';

const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });
const HOUR = 3_600_000;

async function createProduct(fields: Record<string, unknown> = {}): Promise<{ id: string; sku: string; etag: string }> {
  const res = await api('POST', '/v1/products', {
    token: await admin(),
    json: { name: 'Espresso cup', sku: uniqueSku('CUP'), price: eur(1000), status: 'PRODUCT_STATUS_ACTIVE', ...fields },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function createList(fields: Record<string, unknown> = {}): Promise<{ id: string; etag: string; [k: string]: unknown }> {
  const res = await api('POST', '/v1/price-lists', { token: await admin(), json: { name: 'EUR retail', currencyCode: 'EUR', ...fields } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function setTiers(listId: string, tiers: Array<{ sku: string; minQuantity: number; unitPrice: { currencyCode: string; amountMinor: number } }>) {
  return api('POST', `/v1/price-lists/${listId}/tiers:set`, { token: await admin(), json: { tiers } });
}

async function listTiers(listId: string, query = ''): Promise<any[]> {
  const res = await api('GET', `/v1/price-lists/${listId}/tiers${query}`, { token: await admin() });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.tiers ?? [];
}

describe('price lists through the edge', () => {
  test('an admin creates a price list; a customer may not', async () => {
    const validFrom = new Date(Date.now() + HOUR).toISOString();
    const validUntil = new Date(Date.now() + 2 * HOUR).toISOString();
    const list = await createList({ name: 'Black Friday', customerGroup: 'vip', validFrom, validUntil, priority: 10 });
    assert.match(list.id, /^[0-9a-f]{24}$/);
    assert.equal(list['currencyCode'], 'EUR');
    assert.equal(list['customerGroup'], 'vip');
    assert.equal(list['priority'], 10);
    assert.equal(new Date(String(list['validFrom'])).toISOString(), validFrom);
    assert.equal(list.etag, '"1"');
    const customer = await newCustomer();
    const forbidden = await api('POST', '/v1/price-lists', { token: customer.token, json: { name: 'Mine', currencyCode: 'EUR' } });
    assert.equal(forbidden.status, 403);
    const audits = await eventsMatching('SHOP_AUDIT', 'shop.audit.price_list.created', (d) => AuditEvent.decode(d), (e) => e.targetId === list.id);
    assert.equal(audits.length, 1);
    assert.equal(audits[0]!.event.actorType, ActorType.ACTOR_TYPE_USER);
  });

  test('an invalid price list is 400 naming each bad field', async () => {
    const res = await api('POST', '/v1/price-lists', {
      token: await admin(),
      json: { name: '', currencyCode: 'EURO', customerGroup: 'Not A Group', validFrom: '2025-12-01T00:00:00Z', validUntil: '2025-11-01T00:00:00Z' },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['price_list.currency_code', 'price_list.customer_group', 'price_list.name', 'price_list.valid_until']);
  });

  test('lists page by currency', async () => {
    const currency = 'CHF';
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await createList({ name: `CHF ${i}`, currencyCode: currency })).id);
    const token = await admin();
    const first = await api('GET', `/v1/price-lists?currencyCode=${currency}&pageSize=2`, { token });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.priceLists.length, 2);
    assert.ok(first.body.priceLists.every((l: any) => l.currencyCode === currency));
    const second = await api('GET', `/v1/price-lists?currencyCode=${currency}&pageSize=2&pageToken=${first.body.nextPageToken}`, { token });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const seen = [...first.body.priceLists, ...second.body.priceLists].map((l: any) => l.id);
    assert.deepEqual(seen, [...made].reverse(), 'newest first, each list once');
    assert.equal(second.body.nextPageToken ?? '', '');
    const foreign = await api('GET', `/v1/price-lists?currencyCode=EUR&pageToken=${first.body.nextPageToken}`, { token });
    assert.equal(foreign.status, 400, 'a token does not carry over to another filter');
    const bad = await api('GET', '/v1/price-lists?currencyCode=XYZ1', { token });
    assert.equal(bad.status, 400);
  });

  test('updates follow the mask and refuse a stale etag', async () => {
    const list = await createList();
    const token = await admin();
    const res = await api('PATCH', `/v1/price-lists/${list.id}?updateMask=name,priority`, { token, json: { name: 'EUR retail 2', priority: 3, currencyCode: 'USD', etag: list.etag } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'EUR retail 2');
    assert.equal(res.body.priority, 3);
    assert.equal(res.body.currencyCode, 'EUR', 'the currency is not editable');
    assert.equal(res.body.etag, '"2"');
    const stale = await api('PATCH', `/v1/price-lists/${list.id}?updateMask=name`, { token, json: { name: 'Lost', etag: list.etag } });
    assert.equal(stale.status, 409);
    assert.equal(errorReason(stale.body), 'ETAG_MISMATCH');
    const currency = await api('PATCH', `/v1/price-lists/${list.id}?updateMask=currency_code`, { token, json: { currencyCode: 'USD' } });
    assert.equal(currency.status, 400);
    const window = await api('PATCH', `/v1/price-lists/${list.id}?updateMask=valid_from,valid_until`, {
      token,
      json: { validFrom: '2026-01-02T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' },
    });
    assert.equal(window.status, 400);
    assert.deepEqual(violatedFields(window.body), ['price_list.valid_until']);
    const missing = await api('PATCH', `/v1/price-lists/${'0'.repeat(24)}?updateMask=name`, { token, json: { name: 'x' } });
    assert.equal(missing.status, 404);
  });

  test('tiers are validated against the list: currency, integer minor units, min_quantity, uniqueness', async () => {
    const list = await createList();
    const sku = uniqueSku('TIER');
    const res = await setTiers(list.id, [
      { sku, minQuantity: 0, unitPrice: eur(100) },
      { sku, minQuantity: 1, unitPrice: { currencyCode: 'USD', amountMinor: 100 } },
      { sku, minQuantity: 1, unitPrice: eur(-1) },
    ]);
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['tiers[0].min_quantity', 'tiers[1].unit_price.currency_code', 'tiers[2].min_quantity', 'tiers[2].unit_price.amount_minor']);
    assert.deepEqual(await listTiers(list.id), [], 'nothing was stored');
    const fraction = await setTiers(list.id, [{ sku, minQuantity: 1, unitPrice: { currencyCode: 'EUR', amountMinor: 1.5 } }]);
    assert.equal(fraction.status, 400);
    const unknown = await setTiers('0'.repeat(24), [{ sku, minQuantity: 1, unitPrice: eur(100) }]);
    assert.equal(unknown.status, 404);
  });

  test('SetPriceTiers replaces only the SKUs it names; ListPriceTiers pages by SKU and quantity', async () => {
    const list = await createList();
    const [a, b] = [uniqueSku('A'), uniqueSku('B')].sort() as [string, string];
    const first = await setTiers(list.id, [
      { sku: a, minQuantity: 1, unitPrice: eur(1000) },
      { sku: a, minQuantity: 10, unitPrice: eur(900) },
      { sku: b, minQuantity: 1, unitPrice: eur(500) },
    ]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.skusUpdated, 2);
    const second = await setTiers(list.id, [{ sku: a, minQuantity: 5, unitPrice: eur(950) }]);
    assert.equal(second.status, 200);
    const all = await listTiers(list.id);
    assert.deepEqual(
      all.map((t) => [t.sku, t.minQuantity, t.unitPrice.amountMinor]),
      [
        [a, 5, '950'],
        [b, 1, '500'],
      ],
    );
    const onlyB = await listTiers(list.id, `?sku=${b}`);
    assert.equal(onlyB.length, 1);
    const third = await setTiers(list.id, [
      { sku: b, minQuantity: 1, unitPrice: eur(500) },
      { sku: b, minQuantity: 2, unitPrice: eur(490) },
      { sku: b, minQuantity: 3, unitPrice: eur(480) },
    ]);
    assert.equal(third.status, 200);
    const token = await admin();
    const pages: any[] = [];
    let pageToken = '';
    do {
      const page = await api('GET', `/v1/price-lists/${list.id}/tiers?pageSize=2${pageToken ? `&pageToken=${pageToken}` : ''}`, { token });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      pages.push(...(page.body.tiers ?? []));
      pageToken = page.body.nextPageToken ?? '';
    } while (pageToken);
    assert.deepEqual(pages.map((t) => `${t.sku}:${t.minQuantity}`), [`${a}:5`, `${b}:1`, `${b}:2`, `${b}:3`]);
    const audits = await eventsMatching('SHOP_AUDIT', 'shop.audit.price_list.tiers_replaced', (d) => AuditEvent.decode(d), (e) => e.targetId === list.id);
    assert.equal(audits.length, 4, 'one audit record per SKU replaced');
  });

  test('concurrent SetPriceTiers for one SKU leave exactly one writer\'s tiers, never a mix', async () => {
    const list = await createList();
    const sku = uniqueSku('RACE');
    for (let round = 0; round < 3; round++) {
      const writers = Array.from({ length: 8 }, (_, w) => [
        { sku, minQuantity: 1, unitPrice: eur(1000 + w) },
        { sku, minQuantity: 10 + w, unitPrice: eur(900 + w) },
        { sku, minQuantity: 100 + w * 3 + round, unitPrice: eur(800 + w) },
      ]);
      const results = await Promise.all(writers.map((tiers) => setTiers(list.id, tiers)));
      for (const r of results) assert.ok(r.status === 200 || (r.status === 409 && errorReason(r.body) === 'CONCURRENT_UPDATES'), JSON.stringify(r.body));
      assert.ok(results.some((r) => r.status === 200));
      const stored = (await listTiers(list.id)).map((t) => `${t.minQuantity}:${t.unitPrice.amountMinor}`);
      const candidates = writers.map((tiers) => tiers.map((t) => `${t.minQuantity}:${t.unitPrice.amountMinor}`));
      assert.ok(
        candidates.some((c) => JSON.stringify(c) === JSON.stringify(stored)),
        `round ${round}: stored tiers ${JSON.stringify(stored)} are not one writer's set`,
      );
    }
  });
});

describe('price selection and variant lookup over gRPC', () => {
  let client: ServiceClient<typeof CatalogServiceService>;
  let token: string;
  const now = Date.now();

  before(async () => {
    const address = process.env['SHOP_CATALOG_ADDR'];
    assert.ok(address, 'the test stack sets SHOP_CATALOG_ADDR');
    client = createServiceClient(CatalogServiceService, { name: 'catalog-test', address });
    token = await admin();
  });
  after(() => client.close());

  const select = (req: Partial<SelectPricesRequest>) => client.selectPrices(SelectPricesRequest.fromPartial({ currencyCode: 'EUR', ...req }), { token });

  test('the price a customer sees follows currency, group, quantity tier and date', async () => {
    const cup = await createProduct();
    const plain = await createProduct({ price: eur(2500) });
    const retail = await createList({ name: 'retail' });
    const wholesale = await createList({ name: 'wholesale', customerGroup: 'wholesale', priority: 5 });
    const sale = await createList({ name: 'sale', priority: 10, validFrom: new Date(now - HOUR).toISOString(), validUntil: new Date(now + HOUR).toISOString() });
    const later = await createList({ name: 'later', priority: 20, validFrom: new Date(now + 24 * HOUR).toISOString() });
    const usd = await createList({ name: 'usd', currencyCode: 'USD' });
    for (const [list, tiers] of [
      [retail, [[1, 950], [10, 900]]],
      [wholesale, [[1, 800]]],
      [sale, [[1, 700]]],
      [later, [[1, 100]]],
      [usd, [[1, 1100]]],
    ] as const) {
      const currencyCode = list === usd ? 'USD' : 'EUR';
      const res = await setTiers(list.id, tiers.map(([minQuantity, amountMinor]) => ({ sku: cup.sku, minQuantity, unitPrice: { currencyCode, amountMinor } })));
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const beforeSale = new Date(now - 2 * HOUR);
    const price = async (req: Partial<SelectPricesRequest>, quantity = 1) => {
      const res = await select({ ...req, items: [{ sku: cup.sku, quantity }] });
      return res.prices.map((p) => [p.unitPrice?.amountMinor, p.regularUnitPrice?.amountMinor, p.priceListId, p.quantity]);
    };
    assert.deepEqual(await price({}), [[700, 950, sale.id, 1]], 'the running sale wins by priority; regular is the retail list');
    assert.deepEqual(await price({ at: beforeSale }), [[950, 950, retail.id, 1]]);
    assert.deepEqual(await price({ at: beforeSale }, 9), [[950, 950, retail.id, 9]]);
    assert.deepEqual(await price({ at: beforeSale }, 10), [[900, 900, retail.id, 10]], 'the 10 tier starts at 10');
    assert.deepEqual(await price({ at: beforeSale, customerGroup: 'wholesale' }), [[800, 800, wholesale.id, 1]]);
    assert.deepEqual(await price({ at: new Date(now + HOUR) }), [[950, 950, retail.id, 1]], 'valid_until is exclusive');
    assert.deepEqual(await price({ at: new Date(now + 25 * HOUR) }), [[100, 950, later.id, 1]]);
    assert.deepEqual(await price({ currencyCode: 'USD' }), [[1100, 1100, usd.id, 1]]);
    assert.deepEqual(await price({ currencyCode: 'GBP' }), [], 'no price in GBP: absent');

    const many = await select({ at: beforeSale, items: [{ sku: plain.sku, quantity: 3 }, { sku: uniqueSku('NONE'), quantity: 1 }, { sku: cup.sku, quantity: 12 }] });
    assert.deepEqual(
      many.prices.map((p) => [p.sku, p.unitPrice?.amountMinor, p.priceListId]),
      [
        [plain.sku, 2500, ''],
        [cup.sku, 900, retail.id],
      ],
      'the base price when no list prices the SKU; unknown SKUs are absent',
    );
  });

  test('500 items are priced in one call; 501 are refused', async () => {
    const cup = await createProduct({ price: eur(300) });
    const items = Array.from({ length: 500 }, (_, i) => ({ sku: cup.sku, quantity: i + 1 }));
    const res = await select({ items });
    assert.equal(res.prices.length, 500);
    await assert.rejects(select({ items: [...items, { sku: cup.sku, quantity: 1 }] }), (err: { code?: number }) => err.code === status.INVALID_ARGUMENT);
  });

  test('LookupVariants returns variants with their product and whether they can be bought', async () => {
    const active = await createProduct({ name: 'Active cup' });
    const draft = await createProduct({ name: 'Draft cup', status: 'PRODUCT_STATUS_DRAFT' });
    const deleted = await createProduct({ name: 'Gone cup' });
    const del = await api('DELETE', `/v1/products/${deleted.id}`, { token });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    const res = await client.lookupVariants({ skus: [draft.sku, uniqueSku('NONE'), active.sku, deleted.sku] }, { token });
    assert.deepEqual(
      res.variants.map((v) => [v.variant?.sku, v.productId, v.productName, v.productStatus, v.purchasable, v.variant?.price?.amountMinor]),
      [
        [draft.sku, draft.id, 'Draft cup', ProductStatus.PRODUCT_STATUS_DRAFT, false, 1000],
        [active.sku, active.id, 'Active cup', ProductStatus.PRODUCT_STATUS_ACTIVE, true, 1000],
      ],
    );
  });

  test('a customer cannot call the internal methods', async () => {
    const customer = await newCustomer();
    await assert.rejects(client.lookupVariants({ skus: ['X'] }, { token: customer.token }), (err: { code?: number }) => err.code === status.PERMISSION_DENIED);
    await assert.rejects(
      client.selectPrices(SelectPricesRequest.fromPartial({ currencyCode: 'EUR', items: [{ sku: 'X', quantity: 1 }] }), { token: customer.token }),
      (err: { code?: number }) => err.code === status.PERMISSION_DENIED,
    );
  });
});
