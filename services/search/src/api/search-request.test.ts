import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SearchProductsRequest } from '../../../../gen/shop/search/v1/search_service.js';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { parseSearchRequest, parseSuggestRequest } from './search-request.js';

function request(fields: Partial<SearchProductsRequest> = {}): SearchProductsRequest {
  return { q: '', category: '', brand: [], minPrice: undefined, maxPrice: undefined, currency: '', inStock: false, sort: '', pageSize: 0, pageToken: '', attr: [], ...fields };
}

describe('parsing a search request', () => {
  test('defaults: relevance with text, newest without, 20 per page', () => {
    assert.equal(parseSearchRequest(request({ q: ' phone ' })).sort, 'relevance');
    const q = parseSearchRequest(request());
    assert.equal(q.sort, 'newest');
    assert.equal(q.pageSize, 20);
    assert.equal(parseSearchRequest(request({ pageSize: 1000 })).pageSize, 100);
  });

  test('attribute filters group values by code', () => {
    const q = parseSearchRequest(request({ attr: ['color:red', 'color:blue', 'size: m '] }));
    assert.deepEqual(q.attributes, { color: ['red', 'blue'], size: ['m'] });
  });

  test('names every bad field at once', () => {
    assert.deepEqual(
      violatedFieldsOf(() => parseSearchRequest(request({ currency: 'eur', sort: 'cheapest', pageSize: -1, attr: ['red'] }))),
      ['attr', 'currency', 'page_size', 'sort'],
    );
  });

  test('a price range needs a currency and min must not exceed max', () => {
    assert.deepEqual(violatedFieldsOf(() => parseSearchRequest(request({ minPrice: 100 }))), ['currency']);
    assert.deepEqual(violatedFieldsOf(() => parseSearchRequest(request({ currency: 'EUR', minPrice: 500, maxPrice: 100 }))), ['min_price']);
    assert.deepEqual(violatedFieldsOf(() => parseSearchRequest(request({ currency: 'EUR', minPrice: -1 }))), ['min_price']);
    assert.deepEqual(violatedFieldsOf(() => parseSearchRequest(request({ sort: 'price_asc' }))), ['currency']);
    const ok = parseSearchRequest(request({ currency: 'EUR', minPrice: 0, maxPrice: 0 }));
    assert.deepEqual([ok.minPrice, ok.maxPrice], [0, 0]);
  });

  test('suggestions need text and take a capped page size', () => {
    assert.deepEqual(violatedFieldsOf(() => parseSuggestRequest({ q: '  ', pageSize: -2 })), ['page_size', 'q']);
    assert.deepEqual(parseSuggestRequest({ q: 'iph', pageSize: 0 }), { text: 'iph', limit: 8 });
    assert.equal(parseSuggestRequest({ q: 'iph', pageSize: 50 }).limit, 20);
  });
});
