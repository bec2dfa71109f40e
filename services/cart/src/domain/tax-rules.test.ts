import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { rateFor, validateTaxRule, type TaxRuleFields } from './tax-rules.js';

const rule = (over: Partial<TaxRuleFields>): TaxRuleFields => ({ countryCode: 'DE', region: '', rateBps: 1900, pricesIncludeTax: true, taxShipping: true, name: 'VAT', ...over });

describe('which rule applies', () => {
  const rules = [rule({}), rule({ countryCode: 'US', region: '', rateBps: 0, pricesIncludeTax: false, taxShipping: false }), rule({ countryCode: 'US', region: 'CA', rateBps: 725, pricesIncludeTax: false, taxShipping: false })];
  test('the country rule', () => assert.equal(rateFor(rules, 'DE', '').rateBps, 1900));
  test('a region rule wins over its country', () => assert.equal(rateFor(rules, 'US', 'CA').rateBps, 725));
  test('another region falls back to the country', () => assert.equal(rateFor(rules, 'US', 'NY').rateBps, 0));
  test('lower-case input matches', () => assert.equal(rateFor(rules, 'us', 'ca').rateBps, 725));
  test('no rule, no tax', () => assert.deepEqual(rateFor(rules, 'FR', ''), { rateBps: 0, pricesIncludeTax: false, taxShipping: false }));
});

describe('validating a rule', () => {
  test('normalises codes', () => assert.deepEqual(validateTaxRule(rule({ countryCode: ' de ', region: 'by' })), rule({ region: 'BY' })));
  test('names every bad field', () => {
    assert.deepEqual(violatedFieldsOf(() => validateTaxRule(rule({ countryCode: 'XX', rateBps: 10_001, region: 'not a region!' }))).sort(), ['tax_rule.country_code', 'tax_rule.rate_bps', 'tax_rule.region']);
  });
  test('fractions of a basis point are refused', () => assert.deepEqual(violatedFieldsOf(() => validateTaxRule(rule({ rateBps: 19.5 }))), ['tax_rule.rate_bps']));
});
