import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { applyPatch, defaultVariant, isImageUrl, parseUpdateMask, pickTranslation, validateProduct, type ProductFields } from './product.js';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';

const empty = { slug: '', seoTitle: '', seoDescription: '', productTypeId: '', brandId: '', categoryIds: [], options: [], variants: [], images: [], attributes: [], translations: [] };
const valid: ProductFields = {
  name: 'Mug',
  description: '',
  sku: 'MUG-1',
  price: { currencyCode: 'EUR', amountMinor: 1299 },
  status: ProductStatus.PRODUCT_STATUS_ACTIVE,
  ...empty,
};
const variant = (sku: string, optionValues: Record<string, string> = {}) => ({ ...defaultVariant(sku, { currencyCode: 'EUR', amountMinor: 100 }), optionValues });


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
    const bad = { name: '', description: 'x'.repeat(10_001), sku: 'no spaces allowed', price: { currencyCode: 'EURO', amountMinor: 1.5 }, status: 99 as ProductStatus, ...empty };
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
    const patch: ProductFields = { ...empty, name: 'New', description: '', sku: '', price: undefined, status: ProductStatus.PRODUCT_STATUS_UNSPECIFIED };
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

describe('variants', () => {
  test('a product without variants gets one default variant from its sku and price', () => {
    const p = validateProduct(valid);
    assert.equal(p.variants.length, 1);
    assert.equal(p.variants[0]!.sku, 'MUG-1');
    assert.deepEqual(p.variants[0]!.price, valid.price);
    assert.equal(p.variants[0]!.trackStock, true);
  });

  test('top-level sku and price mirror the first variant', () => {
    const p = validateProduct({ ...valid, sku: '', price: undefined, options: [{ name: 'Size', values: ['S', 'M'] }], variants: [variant('TEE-S', { Size: 'S' }), variant('TEE-M', { Size: 'M' })] });
    assert.equal(p.sku, 'TEE-S');
    assert.equal(p.price?.amountMinor, 100);
  });

  test('SKUs and option combinations are unique within the product; option values must be defined', () => {
    const options = [{ name: 'Size', values: ['S', 'M'] }];
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, options, variants: [variant('A', { Size: 'S' }), variant('A', { Size: 'M' })] })), ['variants[1].sku']);
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, options, variants: [variant('A', { Size: 'S' }), variant('B', { Size: 'S' })] })), ['variants[1].option_values']);
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, options, variants: [variant('A', { Size: 'XL' }), variant('B', {})] })), ['variants[0].option_values', 'variants[1].option_values']);
  });

  test('barcodes need a valid GTIN check digit; weights and dimensions are not negative', () => {
    const bad = { ...variant('A'), barcode: '4006381333932', weightGrams: -1, dimensions: { lengthMm: 1, widthMm: -2, heightMm: 3 } };
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, variants: [bad, variant('B')] })), ['variants[0].barcode', 'variants[0].dimensions', 'variants[0].weight_grams']);
    // One variant without options is the issue-2 shape: its fields keep their top-level names.
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, variants: [bad] })), ['barcode', 'dimensions', 'weight_grams']);
    assert.equal(validateProduct({ ...valid, variants: [{ ...variant('A'), barcode: '4006381333931' }] }).variants[0]!.barcode, '4006381333931');
  });
});

describe('slugs, images, translations', () => {
  test('an empty slug is derived from the name, accents dropped', () => {
    assert.equal(validateProduct({ ...valid, name: 'Crème brûlée – Set (2×)' }).slug, 'creme-brulee-set-2');
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, slug: 'Not A Slug' })), ['slug']);
  });

  test('image URLs must be https and are never fetched', () => {
    assert.equal(isImageUrl('https://cdn.example.com/a.jpg'), true);
    assert.equal(isImageUrl('http://cdn.example.com/a.jpg'), false);
    assert.equal(isImageUrl('javascript:alert(1)'), false);
    assert.equal(isImageUrl('https://user:pw@example.com/a.jpg'), false);
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, images: [{ url: 'ftp://x/y.png', altText: '' }] })), ['images[0].url']);
  });

  test('translations fall back from region to language to the default texts', () => {
    const ts = [{ locale: 'de', name: 'Becher', description: '', seoTitle: '', seoDescription: '' }];
    assert.equal(pickTranslation(ts, 'de-AT')?.name, 'Becher');
    assert.equal(pickTranslation(ts, 'fr'), null);
    assert.deepEqual(violatedFieldsOf(() => validateProduct({ ...valid, translations: [...ts, ...ts, { ...ts[0]!, locale: 'Deutsch!' }] })), ['translations[1].locale', 'translations[2].locale']);
  });
});

describe('applyPatch on the issue-2 shape', () => {
  test('sku and price in the mask change the first variant', () => {
    const current = validateProduct(valid);
    const next = applyPatch(current, { ...valid, sku: 'MUG-2', price: { currencyCode: 'EUR', amountMinor: 5 } }, ['sku', 'price']);
    assert.equal(next.variants[0]!.sku, 'MUG-2');
    assert.equal(validateProduct(next).price?.amountMinor, 5);
  });
});
