import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { SearchServiceService } from '../../../gen/shop/search/v1/search_service.js';
import { DomainError } from '../../platform/src/errors.js';
import { createServiceClient } from '../../platform/src/grpc/client.js';
import { freePorts } from '../../../tools/harness/ports.js';
import { admin, api, errorReason, newCustomer, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';

/**
 * A word no other test run uses, letters only so the tokenizer keeps it whole; every
 * product a test creates carries it and every query names it, so parallel tests and
 * data left by earlier runs never change what a test sees.
 */
function uniqueWord(): string {
  return Array.from({ length: 10 }, () => String.fromCharCode(97 + randomInt(26))).join('');
}

/** Generous: the bound asserted here is for correctness; the measured figure is reported. */
const FRESHNESS_BOUND_MS = 5_000;

const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });

async function createProduct(fields: Record<string, unknown>) {
  const res = await api('POST', '/v1/products', {
    token: await admin(),
    json: { sku: uniqueSku('SRCH'), price: eur(1000), status: 'PRODUCT_STATUS_ACTIVE', ...fields },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function updateProduct(id: string, fields: Record<string, unknown>) {
  const res = await api('PATCH', `/v1/products/${id}?updateMask=${Object.keys(fields).join(',')}`, { token: await admin(), json: fields });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function search(params: Record<string, string | string[]>) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) qs.append(k, one);
  const res = await api('GET', `/v1/search/products?${qs}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { products?: any[]; totalSize?: number; facets?: any[]; priceBuckets?: any[]; nextPageToken?: string };
}

const idsOf = (body: { products?: any[] }) => (body.products ?? []).map((p) => p.id as string);

async function createBrand(name: string) {
  const res = await api('POST', '/v1/brands', { token: await admin(), json: { name } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function createCategory(name: string, parentId?: string) {
  const res = await api('POST', '/v1/categories', { token: await admin(), json: { name, ...(parentId ? { parentId } : {}) } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function patchAs(path: string, json: Record<string, unknown>) {
  const res = await api('PATCH', path, { token: await admin(), json });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const facetOf = (body: { facets?: any[] }, field: string) => (body.facets ?? []).find((f) => f.field === field)?.values ?? [];
const sortedIds = (body: { products?: any[] }) => idsOf(body).sort();

/** Polls until check passes; returns how long it took. */
async function eventually(check: () => Promise<boolean>, what: string, boundMs = FRESHNESS_BOUND_MS): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < boundMs) {
    if (await check()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`not within ${boundMs} ms: ${what}`);
}

describe('finding products', () => {
  test('"iphnoe" finds the iPhone, and so does the prefix "iph"', async () => {
    const word = uniqueWord();
    const phone = await createProduct({ name: `iPhone 15 ${word}`, description: 'A phone.' });
    await createProduct({ name: `Kettle ${word}` });
    await eventually(async () => idsOf(await search({ q: `iphnoe ${word}` })).includes(phone.id), 'typo finds the iPhone');
    const body = await search({ q: `iphnoe ${word}` });
    assert.deepEqual(idsOf(body), [phone.id]);
    assert.equal(body.products![0].name, `iPhone 15 ${word}`);
    assert.deepEqual(body.products![0].price, { currencyCode: 'EUR', amountMinor: '1000' });
    assert.deepEqual(idsOf(await search({ q: `iph ${word}` })), [phone.id]);
  });

  test('text and a price range combine, and facet and bucket counts equal the matches', async () => {
    const word = uniqueWord();
    const made = [];
    for (const [name, price] of [['Teapot', 900], ['Teapot large', 3000], ['Teacup', 1500], ['Kettle', 2000]] as const) {
      made.push(await createProduct({ name: `${name} ${word}`, price: eur(price) }));
    }
    await eventually(async () => (await search({ q: word })).totalSize === 4, 'all four indexed');

    const teapots = await search({ q: `teapot ${word}`, currency: 'EUR', min_price: '1000', max_price: '5000' });
    assert.deepEqual(idsOf(teapots), [made[1].id]);

    const all = await search({ q: word, currency: 'EUR' });
    assert.equal(all.totalSize, 4);
    const bucketTotal = (all.priceBuckets ?? []).reduce((n: number, b: any) => n + b.count, 0);
    assert.equal(bucketTotal, 4, JSON.stringify(all.priceBuckets));
    // Each bucket's count is what filtering by its range returns.
    for (const b of all.priceBuckets ?? []) {
      const max = b.max ? String(Number(b.max.amountMinor) - 1) : undefined;
      const narrowed = await search({ q: word, currency: 'EUR', min_price: b.min.amountMinor, ...(max ? { max_price: max } : {}) });
      assert.equal(narrowed.totalSize, b.count, JSON.stringify(b));
    }
    // Brand, category and attribute facets: each value's count is what its filter returns.
    for (const facet of all.facets ?? []) {
      for (const v of facet.values ?? []) {
        const filter: Record<string, string> = facet.field === 'brand' ? { brand: v.value } : facet.field === 'category' ? { category: v.value } : { attr: `${facet.field.slice(5)}:${v.value}` };
        assert.equal((await search({ q: word, ...filter })).totalSize, v.count, `${facet.field}=${v.value}`);
      }
    }

    const cheapest = await search({ q: word, currency: 'EUR', sort: 'price_asc' });
    assert.deepEqual(idsOf(cheapest), [made[0].id, made[2].id, made[3].id, made[1].id]);
  });

  test('brand and price range combine', async () => {
    const word = uniqueWord();
    const acme = await createBrand(`Acme ${word}`);
    const zeta = await createBrand(`Zeta ${word}`);
    const cheapAcme = await createProduct({ name: `Cheap acme kettle ${word}`, brandId: acme.id, price: eur(900) });
    const dearAcme = await createProduct({ name: `Dear acme kettle ${word}`, brandId: acme.id, price: eur(3000) });
    const dearZeta = await createProduct({ name: `Dear zeta kettle ${word}`, brandId: zeta.id, price: eur(3000) });
    await eventually(async () => (await search({ q: word })).totalSize === 3, 'all three indexed');

    const inRange = { q: word, currency: 'EUR', min_price: '1000', max_price: '5000' };
    assert.deepEqual(idsOf(await search({ ...inRange, brand: acme.id })), [dearAcme.id]);
    assert.deepEqual(sortedIds(await search({ ...inRange, brand: [acme.id, zeta.id] })), [dearAcme.id, dearZeta.id].sort());
    assert.deepEqual(idsOf(await search({ q: word, currency: 'EUR', max_price: '999', brand: acme.id })), [cheapAcme.id]);
    assert.equal((await search({ q: word, currency: 'EUR', max_price: '999', brand: zeta.id })).totalSize ?? 0, 0);
    // The brand's name is searchable text too.
    assert.deepEqual(sortedIds(await search({ q: `zeta ${word}` })), [dearZeta.id]);
  });

  test('a category filter includes descendants, and brand and category facet counts equal the matches', async () => {
    const word = uniqueWord();
    const parent = await createCategory(`Kitchen ${word}`);
    const child = await createCategory(`Pans ${word}`, parent.id);
    const other = await createCategory(`Garden ${word}`);
    const brand = await createBrand(`Forge ${word}`);
    const inChild = [
      await createProduct({ name: `Frying pan ${word}`, categoryIds: [child.id], brandId: brand.id }),
      await createProduct({ name: `Saute pan ${word}`, categoryIds: [child.id] }),
    ];
    const inParent = await createProduct({ name: `Whisk ${word}`, categoryIds: [parent.id], brandId: brand.id });
    const elsewhere = await createProduct({ name: `Rake ${word}`, categoryIds: [other.id], brandId: brand.id });
    await eventually(async () => (await search({ q: word })).totalSize === 4, 'all four indexed');

    assert.deepEqual(sortedIds(await search({ q: word, category: parent.id })), [...inChild.map((p) => p.id), inParent.id].sort());
    assert.deepEqual(sortedIds(await search({ q: word, category: child.id })), inChild.map((p) => p.id).sort());
    assert.deepEqual(idsOf(await search({ q: word, category: parent.id, brand: brand.id })).sort(), [inChild[0]!.id, inParent.id].sort());

    const all = await search({ q: word, page_size: '100' });
    const categoryCounts = Object.fromEntries(facetOf(all, 'category').map((v: any) => [v.value, v.count]));
    assert.deepEqual(categoryCounts, { [parent.id]: 3, [child.id]: 2, [other.id]: 1 });
    assert.deepEqual(facetOf(all, 'brand').map((v: any) => [v.value, v.label, v.count]), [[brand.id, brand.name, 3]]);
    // Each count is exactly the number of products its filter returns, with other filters applied too.
    for (const [field, values] of [['category', facetOf(all, 'category')], ['brand', facetOf(all, 'brand')]] as const) {
      for (const v of values) {
        const matches = await search({ q: word, [field]: v.value, page_size: '100' });
        assert.equal(idsOf(matches).length, v.count, `${field}=${v.label}`);
        assert.equal(matches.totalSize, v.count, `${field}=${v.label}`);
      }
    }
    const narrowed = await search({ q: word, category: parent.id, page_size: '100' });
    assert.deepEqual(facetOf(narrowed, 'brand').map((v: any) => v.count), [2]);
    assert.ok(!idsOf(narrowed).includes(elsewhere.id));
  });

  test('renamed and moved brands and categories are reflected', async () => {
    const word = uniqueWord();
    const from = await createCategory(`Lighting ${word}`);
    const to = await createCategory(`Outdoor ${word}`);
    const lamps = await createCategory(`Lamps ${word}`, from.id);
    const brand = await createBrand(`Lumo ${word}`);
    const lamp = await createProduct({ name: `Table lamp ${word}`, categoryIds: [lamps.id], brandId: brand.id });
    await eventually(async () => idsOf(await search({ q: word, category: from.id })).includes(lamp.id), 'indexed under its parent');

    const renamed = uniqueWord();
    await patchAs(`/v1/brands/${brand.id}?updateMask=name`, { name: `Brightco ${renamed}` });
    await eventually(async () => idsOf(await search({ q: renamed })).includes(lamp.id), 'found by the new brand name');
    assert.deepEqual(facetOf(await search({ q: word }), 'brand').map((v: any) => v.label), [`Brightco ${renamed}`]);

    await patchAs(`/v1/categories/${lamps.id}?updateMask=parentId`, { parentId: to.id });
    await eventually(async () => idsOf(await search({ q: word, category: to.id })).includes(lamp.id), 'found under the new parent');
    assert.equal((await search({ q: word, category: from.id })).totalSize ?? 0, 0);
    assert.deepEqual(Object.fromEntries(facetOf(await search({ q: word }), 'category').map((v: any) => [v.value, v.count])), { [to.id]: 1, [lamps.id]: 1 });

    const newCategoryName = uniqueWord();
    await patchAs(`/v1/categories/${to.id}?updateMask=name`, { name: `Patio ${newCategoryName}` });
    await eventually(async () => idsOf(await search({ q: newCategoryName })).includes(lamp.id), 'found by the renamed ancestor');
    const labels = facetOf(await search({ q: word }), 'category').map((v: any) => v.label);
    assert.ok(labels.includes(`Patio ${newCategoryName}`), JSON.stringify(labels));

    // A rebuild from the catalog agrees with what the events made of it.
    const before = await search({ q: word, category: to.id });
    const rebuilt = await api('POST', '/v1/search/index:rebuild', { token: await admin(), json: {} });
    assert.equal(rebuilt.status, 200, JSON.stringify(rebuilt.body));
    const after = await search({ q: word, category: to.id });
    assert.deepEqual(idsOf(after), idsOf(before));
    assert.deepEqual(after.facets, before.facets);
  });

  test('pages walk every match once with opaque tokens bound to the query', async () => {
    const word = uniqueWord();
    for (let i = 0; i < 5; i++) await createProduct({ name: `Plate ${i} ${word}` });
    await eventually(async () => (await search({ q: word })).totalSize === 5, 'all five indexed');
    const seen: string[] = [];
    let token = '';
    do {
      const page = await search({ q: word, page_size: '2', ...(token ? { page_token: token } : {}) });
      seen.push(...idsOf(page));
      token = page.nextPageToken ?? '';
    } while (token);
    assert.equal(new Set(seen).size, 5);
    const first = await search({ q: word, page_size: '2' });
    const misuse = await api('GET', `/v1/search/products?q=other&page_token=${first.nextPageToken}`);
    assert.equal(misuse.status, 400);
    assert.equal(errorReason(misuse.body), 'INVALID_PAGE_TOKEN');
  });

  test('suggestions complete product names', async () => {
    const word = uniqueWord();
    const mug = await createProduct({ name: `Enamel mug ${word}` });
    await eventually(async () => idsOf(await search({ q: word })).includes(mug.id), 'indexed');
    const res = await api('GET', `/v1/search/suggestions?q=${encodeURIComponent(`${word} ena`)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.suggestions, [{ kind: 'SUGGESTION_KIND_PRODUCT', id: mug.id, text: `Enamel mug ${word}` }]);
  });

  test('bad parameters are 400 naming each field', async () => {
    const bad = await api('GET', '/v1/search/products?currency=eur&sort=cheapest&page_size=-1');
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['currency', 'page_size', 'sort']);
    const range = await api('GET', '/v1/search/products?currency=EUR&min_price=500&max_price=100');
    assert.deepEqual(violatedFields(range.body), ['min_price']);
    const noCurrency = await api('GET', '/v1/search/products?min_price=500');
    assert.deepEqual(violatedFields(noCurrency.body), ['currency']);
    const attr = await api('GET', '/v1/search/products?attr=red');
    assert.deepEqual(violatedFields(attr.body), ['attr']);
  });
});

describe('product types', () => {
  test('only filterable enum attributes become facets and filters, only searchable ones feed full text, and a type change follows', async () => {
    const word = uniqueWord();
    const secret = uniqueWord();
    const attribute = (code: string, filterable: boolean, searchable: boolean, allowedValues: string[]) =>
      ({ code, name: code, type: 'ATTRIBUTE_TYPE_ENUM', allowedValues, filterable, searchable });
    const created = await api('POST', '/v1/product-types', {
      token: await admin(),
      json: { name: `Type ${word}`, attributes: [attribute('colour', true, true, ['red', 'blue']), attribute('material', false, false, ['oak', secret])] },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const type = created.body;
    const chair = await createProduct({
      name: `Chair ${word}`, productTypeId: type.id,
      attributes: [{ code: 'colour', values: ['red'] }, { code: 'material', values: [secret] }],
    });
    await eventually(async () => idsOf(await search({ q: word })).includes(chair.id), 'product indexed');
    const body = await search({ q: word });
    assert.deepEqual(facetOf(body, 'attr.colour').map((v: any) => [v.value, v.count]), [['red', 1]]);
    assert.deepEqual(facetOf(body, 'attr.material'), [], 'not filterable: no facet');
    assert.equal((await search({ q: word, attr: 'material:' + secret })).totalSize ?? 0, 0, 'not filterable: no filter match');
    assert.equal((await search({ q: secret })).totalSize ?? 0, 0, 'not searchable: its value finds nothing');

    // The type makes material filterable and searchable: the product's facets and text follow.
    const changed = await patchAs(`/v1/product-types/${type.id}?updateMask=attributes`, {
      etag: type.etag, attributes: [attribute('colour', true, true, ['red', 'blue']), attribute('material', true, true, ['oak', secret])],
    });
    assert.ok(changed.etag);
    await eventually(async () => idsOf(await search({ q: secret })).includes(chair.id), 'searchable after the type change');
    assert.deepEqual(facetOf(await search({ q: word }), 'attr.material').map((v: any) => v.value), [secret]);
  });
});

describe('freshness and visibility', () => {
  test('creates and updates become searchable within the bound', async (t) => {
    const createMs: number[] = [];
    const updateMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const word = uniqueWord();
      const lamp = await createProduct({ name: `Desk lamp ${word}` });
      createMs.push(await eventually(async () => idsOf(await search({ q: word })).includes(lamp.id), 'created product searchable'));
      const other = uniqueWord();
      await updateProduct(lamp.id, { name: `Desk lamp ${word} ${other}` });
      updateMs.push(await eventually(async () => idsOf(await search({ q: other })).includes(lamp.id), 'renamed product searchable'));
    }
    // Measured from the write's answer to the first search that shows it (polling every 20 ms).
    const summary = (ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return `median ${Math.round(sorted[Math.floor(sorted.length / 2)]!)} ms, max ${Math.round(sorted[sorted.length - 1]!)} ms`;
    };
    t.diagnostic(`freshness over 10 runs: create ${summary(createMs)}; update ${summary(updateMs)}`);
  });

  test('drafts and archived products never appear, to anyone', async () => {
    const word = uniqueWord();
    const draft = await createProduct({ name: `Draft vase ${word}`, status: 'PRODUCT_STATUS_DRAFT' });
    const live = await createProduct({ name: `Live vase ${word}` });
    // Events are applied in order: once the later product is in, the draft's event was seen.
    await eventually(async () => idsOf(await search({ q: word })).includes(live.id), 'active product indexed');
    assert.deepEqual(idsOf(await search({ q: word })), [live.id]);
    await updateProduct(live.id, { status: 'PRODUCT_STATUS_ARCHIVED' });
    await eventually(async () => (await search({ q: word })).totalSize === 0, 'archived product gone');
    const customer = await newCustomer();
    const asCustomer = await api('GET', `/v1/search/products?q=${word}`, { token: customer.token });
    assert.equal(asCustomer.status, 200);
    assert.equal(asCustomer.body.totalSize ?? 0, 0);
    const suggestions = await api('GET', `/v1/search/suggestions?q=${word}`);
    assert.deepEqual(suggestions.body.suggestions ?? [], []);
    assert.ok(draft.id);
  });

  test('drafts and archived products are not counted or found by brand or category', async () => {
    const word = uniqueWord();
    const category = await createCategory(`Vases ${word}`);
    const brand = await createBrand(`Clayworks ${word}`);
    const refs = { categoryIds: [category.id], brandId: brand.id };
    await createProduct({ name: `Draft urn ${word}`, status: 'PRODUCT_STATUS_DRAFT', ...refs });
    const archived = await createProduct({ name: `Old urn ${word}`, ...refs });
    await updateProduct(archived.id, { status: 'PRODUCT_STATUS_ARCHIVED' });
    const live = await createProduct({ name: `Live urn ${word}`, ...refs });
    await eventually(async () => idsOf(await search({ q: word })).includes(live.id), 'active product indexed');
    const customer = await newCustomer();
    for (const token of [undefined, customer.token]) {
      for (const filter of [{}, { category: category.id }, { brand: brand.id }] as Record<string, string>[]) {
        const qs = new URLSearchParams({ q: word, ...filter });
        const res = await api('GET', `/v1/search/products?${qs}`, token ? { token } : {});
        assert.equal(res.status, 200);
        assert.deepEqual(idsOf(res.body), [live.id], JSON.stringify(filter));
        assert.deepEqual(facetOf(res.body, 'brand').map((v: any) => v.count), [1]);
        assert.deepEqual(facetOf(res.body, 'category').map((v: any) => v.count), [1]);
      }
    }
  });

  test('deleted products leave the index', async () => {
    const word = uniqueWord();
    const bowl = await createProduct({ name: `Bowl ${word}` });
    await eventually(async () => idsOf(await search({ q: word })).includes(bowl.id), 'indexed');
    const res = await api('DELETE', `/v1/products/${bowl.id}`, { token: await admin() });
    assert.equal(res.status, 200);
    await eventually(async () => (await search({ q: word })).totalSize === 0, 'deleted product gone');
  });
});

describe('rebuilding the index', () => {
  test('a rebuild gives identical results', async () => {
    const word = uniqueWord();
    for (const [name, price] of [['Spoon', 300], ['Fork', 350], ['Knife', 900]] as const) await createProduct({ name: `${name} ${word}`, price: eur(price) });
    const draft = await createProduct({ name: `Ladle ${word}`, status: 'PRODUCT_STATUS_DRAFT' });
    await eventually(async () => (await search({ q: word })).totalSize === 3, 'indexed');
    const params = { q: word, currency: 'EUR', sort: 'price_desc' };
    const before = await search(params);
    const rebuilt = await api('POST', '/v1/search/index:rebuild', { token: await admin(), json: {} });
    assert.equal(rebuilt.status, 200, JSON.stringify(rebuilt.body));
    assert.ok(rebuilt.body.productCount >= 3);
    const after = await search(params);
    // Relevance scores depend on the whole index (term statistics), which other tests
    // running beside this one change; everything this query shows must be identical.
    const withoutScores = (body: typeof before) => ({ ...body, products: (body.products ?? []).map(({ score: _, ...p }) => p) });
    assert.deepEqual(withoutScores(after), withoutScores(before));
    assert.ok(!idsOf(after).includes(draft.id));
  });

  test('only staff may rebuild', async () => {
    assert.equal((await api('POST', '/v1/search/index:rebuild', { json: {} })).status, 401);
    const customer = await newCustomer();
    assert.equal((await api('POST', '/v1/search/index:rebuild', { token: customer.token, json: {} })).status, 403);
  });
});

describe('when search is down', () => {
  test('the catalog list still serves browsing while a search client gets UNAVAILABLE', async () => {
    const [deadPort] = await freePorts(1);
    const searchClient = createServiceClient(SearchServiceService, { name: 'search', address: `127.0.0.1:${deadPort}`, timeoutMs: 1_000 });
    try {
      const failure = await searchClient.searchProducts({
        q: 'mug', category: '', brand: [], minPrice: undefined, maxPrice: undefined, currency: '', inStock: false, sort: '', pageSize: 0, pageToken: '', attr: [],
      }).then(() => null, (err: unknown) => err);
      const code = failure instanceof DomainError ? failure.grpcCode : (failure as { code?: number } | null)?.code;
      assert.equal(code, GrpcStatus.UNAVAILABLE, String(failure));
    } finally {
      searchClient.close();
    }
    // The documented fallback: browse the catalog's own list (active products only for shoppers).
    const word = uniqueWord();
    const product = await createProduct({ name: `Fallback jug ${word}` });
    const browse = await api('GET', '/v1/products?pageSize=100');
    assert.equal(browse.status, 200);
    assert.ok(browse.body.products.some((p: any) => p.id === product.id));
    assert.ok(browse.body.products.every((p: any) => p.status === 'PRODUCT_STATUS_ACTIVE'));
  });
});
