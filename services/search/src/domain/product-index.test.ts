import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toDocument } from './document.js';
import { ProductIndex } from './product-index.js';
import type { SearchQuery } from './query.js';
import { brand, category, eur, product } from './test-products.js';
import { domainErrorOf } from '../../../../tools/testing/domain.js';

const apple = brand('b-apple', 'Apple');
const acme = brand('b-acme', 'Acme');
const electronics = category('c-el', 'Electronics');
const phones = category('c-ph', 'Phones', [['c-el', 'Electronics']]);
const cases = category('c-ca', 'Cases', [['c-el', 'Electronics'], ['c-ph', 'Phones']]);

function variant(sku: string, price: { currencyCode: string; amountMinor: number }) {
  return { id: sku, sku, barcode: '', optionValues: {}, price, weightGrams: 0, dimensions: undefined, images: [], trackStock: true };
}

function fixture(): ProductIndex {
  const index = new ProductIndex();
  const add = (p: Parameters<typeof product>[0], b = apple, cats = [phones]) => index.put(toDocument(product(p), b, cats));
  add({ id: 'p1', name: 'iPhone 15', description: 'A phone', brandId: 'b-apple', categoryIds: ['c-ph'], price: eur(99900), createTime: new Date(1000),
    attributes: [{ code: 'color', text: '', number: 0, boolean: false, values: ['black'] }] });
  add({ id: 'p2', name: 'iPhone 15 Pro', description: 'A better phone', brandId: 'b-apple', categoryIds: ['c-ph'], createTime: new Date(2000),
    variants: [variant('P2-A', eur(129900)), variant('P2-B', eur(119900)), variant('P2-U', { currencyCode: 'USD', amountMinor: 109900 })],
    attributes: [{ code: 'color', text: '', number: 0, boolean: false, values: ['black', 'red'] }] });
  add({ id: 'p3', name: 'Leather case', description: 'Fits the iPhone', brandId: 'b-acme', categoryIds: ['c-ca'], price: eur(4900), createTime: new Date(3000),
    attributes: [{ code: 'color', text: '', number: 0, boolean: false, values: ['red'] }] }, acme, [cases]);
  add({ id: 'p4', name: 'Café table', description: 'Round', brandId: 'b-acme', categoryIds: [], price: eur(15000), createTime: new Date(4000) }, acme, []);
  return index;
}

function query(fields: Partial<SearchQuery> = {}): SearchQuery {
  return { text: '', category: null, brands: [], attributes: {}, currency: null, minPrice: null, maxPrice: null, inStock: false, sort: 'newest', pageSize: 20, pageToken: '', ...fields };
}

const ids = (index: ProductIndex, q: Partial<SearchQuery>) => index.search(query(q)).hits.map((h) => h.doc.id);

describe('full-text', () => {
  test('finds iPhone for the typo "iphnoe" and for the prefix "iph"', () => {
    const index = fixture();
    assert.deepEqual(ids(index, { text: 'iphnoe', sort: 'relevance' }).slice(0, 2).sort(), ['p1', 'p2']);
    assert.ok(ids(index, { text: 'iph', sort: 'relevance' }).includes('p1'));
  });

  test('matches brand and category names and folds accents', () => {
    const index = fixture();
    assert.deepEqual(ids(index, { text: 'acme' }).sort(), ['p3', 'p4']);
    assert.deepEqual(ids(index, { text: 'electronics' }).sort(), ['p1', 'p2', 'p3']);
    // "cafe" is also one edit from "case"; the exact (accent-folded) match ranks first.
    assert.equal(ids(index, { text: 'cafe', sort: 'relevance' })[0], 'p4');
  });

  test('every word must match', () => {
    assert.deepEqual(ids(fixture(), { text: 'iphone pro' }), ['p2']);
  });
});

describe('filters', () => {
  test('a category includes its descendants', () => {
    const index = fixture();
    assert.deepEqual(ids(index, { category: 'c-el' }).sort(), ['p1', 'p2', 'p3']);
    assert.deepEqual(ids(index, { category: 'c-ca' }), ['p3']);
  });

  test('brand and price range combine; the price is the lowest variant price in the currency', () => {
    const index = fixture();
    assert.deepEqual(ids(index, { brands: ['b-apple'], currency: 'EUR', minPrice: 100000, maxPrice: 120000 }), ['p2']);
    assert.deepEqual(ids(index, { brands: ['b-apple'], currency: 'USD', maxPrice: 200000 }), ['p2']);
    assert.deepEqual(ids(index, { currency: 'EUR', maxPrice: 5000 }), ['p3']);
  });

  test('attribute values: any value of one code, every code', () => {
    const index = fixture();
    assert.deepEqual(ids(index, { attributes: { color: ['red'] } }).sort(), ['p2', 'p3']);
    assert.deepEqual(ids(index, { attributes: { color: ['red', 'black'] } }).sort(), ['p1', 'p2', 'p3']);
    assert.deepEqual(ids(index, { attributes: { color: ['red'], size: ['m'] } }), []);
  });
});

describe('facets', () => {
  test('each facet count is what filtering by that value returns', () => {
    const index = fixture();
    const base = { text: 'iphone' };
    const result = index.search(query(base));
    assert.equal(result.totalSize, 3);
    for (const facet of result.facets) {
      for (const v of facet.values) {
        const narrowed = facet.field === 'brand' ? { brands: [v.value] }
          : facet.field === 'category' ? { category: v.value }
          : { attributes: { [facet.field.slice('attr.'.length)]: [v.value] } };
        assert.equal(index.search(query({ ...base, ...narrowed })).totalSize, v.count, `${facet.field}=${v.value}`);
      }
    }
    const brands = result.facets.find((f) => f.field === 'brand')!.values;
    assert.deepEqual(brands.map((v) => [v.label, v.count]), [['Apple', 2], ['Acme', 1]]);
    assert.equal(brands.reduce((n, v) => n + v.count, 0), result.totalSize);
  });

  test('price buckets use fixed edges in the currency and count every priced match', () => {
    const result = fixture().search(query({ currency: 'EUR' }));
    assert.deepEqual(result.priceBuckets, [
      { min: 2500, max: 5000, count: 1 },
      { min: 10000, max: 25000, count: 1 },
      { min: 50000, max: 100000, count: 1 },
      { min: 100000, max: null, count: 1 },
    ]);
  });
});

describe('sorting and paging', () => {
  test('sorts by price in the currency, products without one last', () => {
    assert.deepEqual(ids(fixture(), { sort: 'price_asc', currency: 'EUR' }), ['p3', 'p4', 'p1', 'p2']);
    assert.deepEqual(ids(fixture(), { sort: 'price_desc', currency: 'USD' }), ['p2', 'p1', 'p3', 'p4']);
    assert.deepEqual(ids(fixture(), { sort: 'newest' }), ['p4', 'p3', 'p2', 'p1']);
  });

  test('pages walk every result once, in order, for every sort', () => {
    const index = fixture();
    for (const sort of ['newest', 'price_asc', 'price_desc', 'rating', 'relevance'] as const) {
      const q = { sort, currency: 'USD', text: sort === 'relevance' ? 'a' : '' };
      const all = ids(index, q);
      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = index.search(query({ ...q, pageSize: 1, pageToken }));
        seen.push(...page.hits.map((h) => h.doc.id));
        pageToken = page.nextPageToken;
      } while (pageToken);
      assert.deepEqual(seen, all, sort);
    }
  });

  test('a page token only continues its own query', () => {
    const index = fixture();
    const first = index.search(query({ pageSize: 1 }));
    assert.ok(first.nextPageToken);
    const err = domainErrorOf(() => index.search(query({ pageSize: 1, pageToken: first.nextPageToken, brands: ['b-acme'] })));
    assert.equal(err.reason, 'INVALID_PAGE_TOKEN');
    assert.equal(domainErrorOf(() => index.search(query({ pageToken: 'garbage' }))).reason, 'INVALID_PAGE_TOKEN');
    // The page size is not part of the query: a client may change it between pages.
    assert.equal(index.search(query({ pageSize: 2, pageToken: first.nextPageToken })).hits.length, 2);
  });
});

describe('suggestions', () => {
  test('suggests product names, brands and categories for a prefix', () => {
    const index = fixture();
    const texts = (q: string) => index.suggest(q, 8).map((s) => `${s.kind}:${s.text}`);
    assert.ok(texts('iph').includes('product:iPhone 15'));
    assert.deepEqual(texts('acm').filter((t) => t.startsWith('brand:')), ['brand:Acme']);
    assert.ok(texts('phon').includes('category:Phones'));
  });
});

describe('updates', () => {
  test('replacing and removing documents changes what matches', () => {
    const index = fixture();
    index.put(toDocument(product({ id: 'p1', name: 'Galaxy S24', etag: '"2"' }), undefined, []));
    assert.deepEqual(ids(index, { text: 'galaxy' }), ['p1']);
    assert.ok(!ids(index, { text: 'iphone' }).includes('p1'));
    index.remove('p1');
    assert.deepEqual(ids(index, { text: 'galaxy' }), []);
    assert.equal(index.size, 3);
  });
});
