import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SearchProductsRequest } from '../../../../gen/shop/search/v1/search_service.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { SearchReadModel } from '../app/read-model.js';
import { toDocument } from '../domain/document.js';
import { ProductIndex } from '../domain/product-index.js';
import { brand, eur, product } from '../domain/test-products.js';
import { searchHandlers } from './handlers.js';

const acme = brand('b-acme', 'Acme');
const request = (fields: Partial<SearchProductsRequest> = {}): SearchProductsRequest =>
  ({ q: '', category: '', brand: [], currency: '', inStock: false, sort: '', pageSize: 0, pageToken: '', attr: [], ...fields }) as SearchProductsRequest;
const ctx = {} as CallContext;

function readModelWith(...names: string[]): { readModel: SearchReadModel; index: ProductIndex } {
  const index = new ProductIndex();
  names.forEach((name, i) => index.put(toDocument(product({ id: `p${i}`, name, price: eur(1000 + i), createTime: new Date(i) }), acme, [])));
  return { readModel: { index } as unknown as SearchReadModel, index };
}

describe('searchProducts response cache', () => {
  test('answers a repeated search with the same finished response', async () => {
    const { readModel } = readModelWith('steel mug', 'steel pan');
    const handlers = searchHandlers(readModel);
    const first = await handlers.searchProducts(request({ q: 'steel' }), ctx);
    assert.equal(await handlers.searchProducts(request({ q: 'steel' }), ctx), first);
    assert.notEqual(await handlers.searchProducts(request({ q: 'steel', pageSize: 1 }), ctx), first);
  });

  test('never answers from before a change to the index', async () => {
    const { readModel, index } = readModelWith('steel mug');
    const handlers = searchHandlers(readModel);
    assert.equal((await handlers.searchProducts(request({ q: 'steel' }), ctx)).totalSize, 1);
    index.put(toDocument(product({ id: 'p9', name: 'steel kettle', price: eur(500) }), acme, []));
    const after = await handlers.searchProducts(request({ q: 'steel' }), ctx);
    assert.equal(after.totalSize, 2);
    index.remove('p0');
    assert.deepEqual((await handlers.searchProducts(request({ q: 'steel' }), ctx)).products.map((p) => p.id), ['p9']);
  });

  test('a rebuilt index (a new index object) is never answered from the old one', async () => {
    const { readModel } = readModelWith('steel mug');
    const handlers = searchHandlers(readModel);
    await handlers.searchProducts(request({ q: 'steel' }), ctx);
    (readModel as unknown as { index: ProductIndex }).index = readModelWith('steel mug', 'steel pan').index;
    assert.equal((await handlers.searchProducts(request({ q: 'steel' }), ctx)).totalSize, 2);
  });
});
