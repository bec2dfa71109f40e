import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AttributeType } from '../../../../gen/shop/catalog/v1/product_type.js';
import { DomainError } from '../../../platform/src/errors.js';
import { brandNameKey } from './brands.js';
import { validateProductType } from './product-types.js';
import { CATEGORY_MASK, maskedFields, validateBrand, validateCategory, validateCollection } from './taxonomy-fields.js';

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DomainError);
    return err.fieldViolations.map((v) => v.field).sort();
  }
  return [];
};

describe('taxonomy fields', () => {
  test('a category without a slug gets one derived from its name', () => {
    assert.equal(validateCategory({ name: ' Crème Brûlée & Co ', slug: '', parentId: '', position: 0, description: '' }).slug, 'creme-brulee-co');
  });

  test('names each bad category field', () => {
    assert.deepEqual(fieldsOf(() => validateCategory({ name: '', slug: 'Bad Slug', parentId: 'nope', position: -1, description: '' })), [
      'category.name', 'category.parent_id', 'category.position', 'category.slug',
    ]);
  });

  test('a brand logo must be https', () => {
    assert.deepEqual(fieldsOf(() => validateBrand({ name: 'Acme', slug: '', description: '', logoUrl: 'http://x.example/logo.png' })), ['brand.logo_url']);
  });

  test('brand names compare case-insensitively', () => {
    assert.equal(brandNameKey('ACME'), brandNameKey('acme'));
    assert.equal(brandNameKey('ＡＣＭＥ'), brandNameKey('acme'), 'full-width letters are the same name');
  });

  test('a collection holds at most 1000 distinct products', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i.toString(16).padStart(24, '0'));
    assert.equal(validateCollection({ name: 'Sale', slug: '', productIds: ids(1000) }).productIds.length, 1000);
    assert.deepEqual(fieldsOf(() => validateCollection({ name: 'Sale', slug: '', productIds: ids(1001) })), ['collection.product_ids']);
    assert.deepEqual(fieldsOf(() => validateCollection({ name: 'Sale', slug: '', productIds: [...ids(2), ids(1)[0]!] })), ['collection.product_ids']);
  });

  test('without a mask, the fields the client set are changed; unknown paths are refused', () => {
    const given = { name: true, slug: false, parent_id: false, position: true, description: false };
    assert.deepEqual(maskedFields(undefined, CATEGORY_MASK, (f) => given[f]), ['name', 'position']);
    assert.deepEqual(maskedFields(['parentId', 'name'], CATEGORY_MASK, () => false), ['parent_id', 'name']);
    assert.deepEqual(fieldsOf(() => maskedFields(['ancestors'], CATEGORY_MASK, () => false)), ['update_mask']);
  });

  test('product type attribute definitions are checked under product_type.attributes', () => {
    const attr = { code: 'Material', name: 'Material', type: AttributeType.ATTRIBUTE_TYPE_ENUM, unit: '', allowedValues: [], required: false, filterable: true, searchable: false };
    assert.deepEqual(fieldsOf(() => validateProductType({ name: 'Tee', attributes: [attr] })), ['product_type.attributes[0].allowed_values', 'product_type.attributes[0].code']);
  });
});
