import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { applyPatch, parseUpdateMask, validateProduct, type ProductFields } from './product.js';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';

const valid: ProductFields = {
  name: 'Mug',
  description: '',
  sku: 'MUG-1',
  price: { currencyCode: 'EUR', amountMinor: 1299 },
  status: ProductStatus.PRODUCT_STATUS_ACTIVE,
};


describe('validateProduct', () => {
  test('a new product without a status is a draft', () => {
    assert.equal(validateProduct({ ...valid, status: ProductStatus.PRODUCT_STATUS_UNSPECIFIED }).status, ProductStatus.PRODUCT_STATUS_DRAFT);
  });

  test('trims name and sku', () => {
    const p = validateProduct({ ...valid, name: '  Mug ', sku: ' MUG-1 ' });
    assert.equal(p.name, 'Mug');
    assert.equal(p.sku, 'MUG-1');
  });

  test('names every invalid field', () => {
    const bad = { name: '', description: 'x'.repeat(10_001), sku: 'no spaces allowed', price: { currencyCode: 'EURO', amountMinor: 1.5 }, status: 99 as ProductStatus };
    assert.deepEqual(violatedFieldsOf(() => validateProduct(bad)), ['description', 'name', 'price.amount_minor', 'price.currency_code', 'sku', 'status']);
  });

  test('a missing price is named', () => {
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, price: undefined })), ['price']);
  });

  test('zero-decimal and three-decimal currencies take integer minor units', () => {
    assert.equal(validateProduct({ ...valid, price: { currencyCode: 'JPY', amountMinor: 1500 } }).price?.amountMinor, 1500);
    assert.equal(validateProduct({ ...valid, price: { currencyCode: 'KWD', amountMinor: 1250 } }).price?.amountMinor, 1250);
  });
});

describe('parseUpdateMask', () => {
  test('accepts snake_case and lowerCamel paths and collapses price sub-paths', () => {
    assert.deepEqual(parseUpdateMask(['name', 'price.amountMinor', 'price.currency_code'], valid).sort(), ['name', 'price']);
  });

  test('without a mask, only the fields the client set are updated', () => {
    const patch: ProductFields = { name: 'New', description: '', sku: '', price: undefined, status: ProductStatus.PRODUCT_STATUS_UNSPECIFIED };
    assert.deepEqual(parseUpdateMask(undefined, patch), ['name']);
    assert.deepEqual(parseUpdateMask([], { ...patch, status: ProductStatus.PRODUCT_STATUS_ARCHIVED }), ['name', 'status']);
  });

  test('rejects read-only and unknown paths', () => {
    assert.deepEqual(violatedFieldsOf(() => parseUpdateMask(['id', 'etag', 'createTime'], valid)), ['update_mask', 'update_mask', 'update_mask']);
  });
});

describe('applyPatch', () => {
  test('changes only the masked fields', () => {
    const patch: ProductFields = { ...valid, name: 'Other', description: 'changed but not masked' };
    const next = applyPatch({ ...valid, description: 'kept' }, patch, ['name']);
    assert.equal(next.name, 'Other');
    assert.equal(next.description, 'kept');
  });

  test('an emptied masked field fails validation afterwards (clearing the name is not allowed)', () => {
    const next = applyPatch(valid, { ...valid, name: '' }, ['name']);
    assert.deepEqual(violatedFieldsOf(() => validateProduct(next)), ['name']);
  });
});
