import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AttributeType } from '../../../../gen/shop/catalog/v1/product_type.js';
import { Violations } from '../../../platform/src/errors.js';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { removedByChange, validateAttributeValues, validateDefinitions, type AttributeDefinitionFields, type AttributeValueFields } from './attributes.js';

const def = (code: string, type: AttributeType, extra: Partial<AttributeDefinitionFields> = {}): AttributeDefinitionFields => ({
  code, name: code, type, unit: '', allowedValues: [], required: false, filterable: false, searchable: false, ...extra,
});
const value = (code: string, extra: Partial<AttributeValueFields> = {}): AttributeValueFields => ({ code, text: '', number: 0, boolean: false, values: [], ...extra });
const defs = [
  def('material', AttributeType.ATTRIBUTE_TYPE_TEXT, { required: true }),
  def('weight', AttributeType.ATTRIBUTE_TYPE_NUMBER, { unit: 'g' }),
  def('dishwasher_safe', AttributeType.ATTRIBUTE_TYPE_BOOLEAN),
  def('colour', AttributeType.ATTRIBUTE_TYPE_ENUM, { allowedValues: ['red', 'blue'] }),
  def('features', AttributeType.ATTRIBUTE_TYPE_MULTI_ENUM, { allowedValues: ['lid', 'handle'] }),
];
const check = (values: AttributeValueFields[], d: AttributeDefinitionFields[] | null = defs) => () => {
  const v = new Violations();
  const out = validateAttributeValues(d, values, v);
  v.throwIfAny();
  return out;
};

describe('attribute values', () => {
  test('valid values of every type pass and keep only their own member', () => {
    const out = check([value('material', { text: ' stoneware ', number: 3 }), value('weight', { number: 350 }), value('colour', { values: ['red'] }), value('features', { values: ['lid', 'handle'] })])();
    assert.deepEqual(out[0], value('material', { text: 'stoneware' }));
  });

  test('names unknown codes, wrong enum values, repeated codes and missing required ones', () => {
    assert.deepEqual(
      violatedFieldsOf(check([value('size'), value('colour', { values: ['green'] }), value('features', { values: ['lid', 'wings'] }), value('weight', { number: 1 }), value('weight', { number: 2 })])),
      ['attributes', 'attributes[0].code', 'attributes[1].values', 'attributes[2].values', 'attributes[4].code'],
    );
  });

  test('an enum takes exactly one value', () => {
    assert.deepEqual(violatedFieldsOf(check([value('material', { text: 'x' }), value('colour', { values: ['red', 'blue'] })])), ['attributes[1].values']);
  });

  test('values without a product type are refused', () => {
    assert.deepEqual(violatedFieldsOf(check([value('material', { text: 'x' })], null)), ['attributes']);
  });
});

describe('attribute definitions', () => {
  test('codes are lower_snake and unique; enums need values; units only on numbers', () => {
    const bad = [def('Bad Code', AttributeType.ATTRIBUTE_TYPE_TEXT), def('a', AttributeType.ATTRIBUTE_TYPE_ENUM), def('a', AttributeType.ATTRIBUTE_TYPE_TEXT, { unit: 'g' }), def('b', AttributeType.ATTRIBUTE_TYPE_UNSPECIFIED)];
    assert.deepEqual(violatedFieldsOf(() => {
      const v = new Violations();
      validateDefinitions(bad, v);
      v.throwIfAny();
    }), ['attributes[0].code', 'attributes[1].allowed_values', 'attributes[2].code', 'attributes[2].unit', 'attributes[3].type']);
  });

  test('a change reports removed attributes, removed enum values and changed types', () => {
    const after = [def('material', AttributeType.ATTRIBUTE_TYPE_NUMBER), def('colour', AttributeType.ATTRIBUTE_TYPE_ENUM, { allowedValues: ['red'] })];
    assert.deepEqual(removedByChange(defs, after), { codes: ['weight', 'dishwasher_safe', 'features'], values: [{ code: 'colour', value: 'blue' }], retyped: ['material'] });
  });
});
