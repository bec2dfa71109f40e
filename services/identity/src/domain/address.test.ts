import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { COUNTRY_CODES, applyAddressPatch, checkPostalCode, parseAddressMask, validateAddress, type AddressFields } from './address.js';

const berlin: AddressFields = {
  fullName: 'Ann Example',
  company: '',
  line1: 'Unter den Linden 1',
  line2: '',
  city: 'Berlin',
  region: '',
  postalCode: '10117',
  countryCode: 'DE',
  phone: '',
};

describe('postal codes', () => {
  const cases: Array<[country: string, input: string, canonical: string | null]> = [
    ['US', '94105', '94105'],
    ['US', '94105-1234', '94105-1234'],
    ['US', '941051234', '94105-1234'],
    ['US', '94105 1234', '94105-1234'],
    ['US', '9410', null],
    ['US', '94105-123', null],
    ['US', 'ABCDE', null],
    ['GB', 'SW1A 1AA', 'SW1A 1AA'],
    ['GB', 'sw1a1aa', 'SW1A 1AA'],
    ['GB', 'M1 1AE', 'M1 1AE'],
    ['GB', 'B33 8TH', 'B33 8TH'],
    ['GB', 'CR2 6XH', 'CR2 6XH'],
    ['GB', 'DN55 1PT', 'DN55 1PT'],
    ['GB', 'GIR 0AA', 'GIR 0AA'],
    ['GB', 'SW1A 1AAA', null],
    ['GB', '12345', null],
    ['GB', 'SW1A 1CA', null], // C never appears in the inward code
    ['DE', '10117', '10117'],
    ['DE', '1011', null],
    ['DE', '101170', null],
    ['DE', 'D-10117', null],
    ['FR', '75008', '75008'],
    ['FR', '7500', null],
    ['FR', '75 008', null],
    ['NL', '1012 AB', '1012 AB'],
    ['NL', '1012ab', '1012 AB'],
    ['NL', '0123 AB', null], // no leading zero
    ['NL', '1012 SA', null], // SA, SD and SS are not issued
    ['NL', '1012 A', null],
    ['CA', 'K1A 0B1', 'K1A 0B1'],
    ['CA', 'k1a0b1', 'K1A 0B1'],
    ['CA', 'W1A 0B1', null], // W is never first
    ['CA', 'K1A 0D1', null], // D never appears
    ['CA', 'K1A0B', null],
    ['JP', '100-0001', '100-0001'],
    ['JP', '1000001', '100-0001'],
    ['JP', '100-001', null],
    ['JP', '100 0001', null],
    ['BE', '1000', '1000'], // no rule: free-form but sane
    ['IE', '', ''], // optional where we have no rule
    ['BE', '#1000', null],
  ];
  for (const [country, input, canonical] of cases) {
    test(`${country} ${JSON.stringify(input)} -> ${canonical === null ? 'rejected' : JSON.stringify(canonical)}`, () => {
      const result = checkPostalCode(country, input);
      if (canonical === null) assert.equal(result.ok, false);
      else assert.deepEqual(result, { ok: true, canonical });
    });
  }

  for (const country of ['US', 'GB', 'DE', 'FR', 'NL', 'CA', 'JP']) {
    test(`is required for ${country}`, () => {
      assert.equal(checkPostalCode(country, ' ').ok, false);
    });
  }
});

describe('validateAddress', () => {
  test('accepts a complete address and normalises it', () => {
    const a = validateAddress({ ...berlin, countryCode: ' de ', fullName: '  Ann Example ', phone: '+49 30 1234-5678' });
    assert.equal(a.countryCode, 'DE');
    assert.equal(a.fullName, 'Ann Example');
    assert.equal(a.phone, '+493012345678');
  });

  test('names every missing required field', () => {
    assert.deepEqual(violatedFieldsOf(() => validateAddress({ ...berlin, fullName: ' ', line1: '', city: '', countryCode: '' })), ['city', 'country_code', 'full_name', 'line1']);
  });

  for (const code of ['XX', 'EU', 'UK', 'D', 'DEU', '12']) {
    test(`rejects the country code ${code}`, () => {
      assert.deepEqual(violatedFieldsOf(() => validateAddress({ ...berlin, countryCode: code })), ['country_code']);
    });
  }

  test('knows all 249 ISO 3166-1 alpha-2 codes', () => {
    assert.equal(COUNTRY_CODES.size, 249);
    for (const code of ['DE', 'US', 'GB', 'AX', 'SS', 'BQ', 'ZW']) assert.ok(COUNTRY_CODES.has(code), code);
    assert.equal(COUNTRY_CODES.has('XK'), false);
  });

  test('a US address needs a state, and a real one', () => {
    const us = { ...berlin, countryCode: 'US', city: 'San Francisco', postalCode: '94105' };
    assert.deepEqual(violatedFieldsOf(() => validateAddress(us)), ['region']);
    assert.deepEqual(violatedFieldsOf(() => validateAddress({ ...us, region: 'XY' })), ['region']);
    assert.equal(validateAddress({ ...us, region: 'ca' }).region, 'CA');
  });

  test('a Canadian address needs a province', () => {
    const ca = { ...berlin, countryCode: 'CA', city: 'Ottawa', postalCode: 'K1A 0B1' };
    assert.deepEqual(violatedFieldsOf(() => validateAddress(ca)), ['region']);
    assert.equal(validateAddress({ ...ca, region: 'ON' }).region, 'ON');
  });

  test('a German address needs no region', () => {
    assert.equal(validateAddress(berlin).region, '');
  });

  test('the postal code is checked against the country', () => {
    assert.deepEqual(violatedFieldsOf(() => validateAddress({ ...berlin, postalCode: 'SW1A 1AA' })), ['postal_code']);
  });

  test('rejects a phone that is not E.164 and overlong text', () => {
    assert.deepEqual(violatedFieldsOf(() => validateAddress({ ...berlin, phone: '030 1234567', line2: 'x'.repeat(201) })), ['line2', 'phone']);
  });
});

describe('address update masks', () => {
  const patch = { ...berlin, fullName: '', line1: '', city: '', postalCode: '', countryCode: '', company: 'ACME' };

  test('without a mask, every field the client set', () => {
    assert.deepEqual(parseAddressMask(undefined, patch), ['company']);
  });

  test('accepts snake_case and lowerCamel paths', () => {
    assert.deepEqual(parseAddressMask(['postalCode', 'line1', 'country_code'], patch), ['postal_code', 'line1', 'country_code']);
  });

  test('server-owned and unknown fields are a 400 naming update_mask', () => {
    assert.deepEqual(violatedFieldsOf(() => parseAddressMask(['etag'], patch)), ['update_mask']);
    assert.deepEqual(violatedFieldsOf(() => parseAddressMask(['userId'], patch)), ['update_mask']);
  });

  test('a masked field set to empty clears it', () => {
    const next = applyAddressPatch({ ...berlin, company: 'Old' }, { ...berlin, company: '' }, ['company']);
    assert.equal(next.company, '');
    assert.equal(next.line1, berlin.line1);
  });
});
