import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogServiceService, Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { encodingOnce } from './encoded-responses.js';

test('a response object is encoded once, and encodes exactly as the generated serializer does', () => {
  const definition = encodingOnce(CatalogServiceService, ['getProduct']);
  const product = Product.fromPartial({ id: 'a', name: 'Mug', price: { currencyCode: 'EUR', amountMinor: 1299 } });
  const first = definition.getProduct.responseSerialize(product);
  assert.deepEqual(first, CatalogServiceService.getProduct.responseSerialize(product));
  assert.equal(definition.getProduct.responseSerialize(product), first, 'the same bytes, not a second encoding');
  const other = Product.fromPartial({ id: 'b', name: 'Cup' });
  assert.deepEqual(definition.getProduct.responseSerialize(other), CatalogServiceService.getProduct.responseSerialize(other));
  assert.equal(definition.createProduct, CatalogServiceService.createProduct, 'other methods are untouched');
});
