import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { canonicalLocale, normalizePhone, parseProfileMask, validateProfileChange, type ProfilePatch } from './profile.js';

const empty: ProfilePatch = { displayName: '', phone: '', locale: '', marketingConsent: false, defaultShippingAddressId: '', defaultBillingAddressId: '' };

describe('profile update masks', () => {
  test('without a mask, only profile fields the client set', () => {
    assert.deepEqual(parseProfileMask([], { ...empty, displayName: 'Ann', marketingConsent: true }), ['display_name', 'marketing_consent']);
  });

  test('accepts lowerCamel paths', () => {
    assert.deepEqual(parseProfileMask(['displayName', 'defaultShippingAddressId'], empty), ['display_name', 'default_shipping_address_id']);
  });

  for (const field of ['roles', 'status', 'email', 'email_verified', 'emailVerified', 'mfa_enabled', 'id', 'create_time']) {
    test(`refuses "${field}" in the mask, naming update_mask`, () => {
      assert.deepEqual(violatedFieldsOf(() => parseProfileMask(['display_name', field], empty)), ['update_mask']);
    });
  }

  test('refuses unknown paths', () => {
    assert.deepEqual(violatedFieldsOf(() => parseProfileMask(['password_hash'], empty)), ['update_mask']);
  });
});

describe('validateProfileChange', () => {
  test('normalises what it touches and only that', () => {
    const change = validateProfileChange({ ...empty, displayName: ' Ann ', phone: '+44 20 7946 0958', locale: 'en-gb' }, ['display_name', 'phone', 'locale']);
    assert.deepEqual(change, { displayName: 'Ann', phone: '+442079460958', locale: 'en-GB' });
  });

  test('empty phone and locale clear them; false consent is a value', () => {
    assert.deepEqual(validateProfileChange(empty, ['phone', 'locale', 'marketing_consent']), { phone: '', locale: '', marketingConsent: false });
  });

  test('names every bad field', () => {
    assert.deepEqual(violatedFieldsOf(() => validateProfileChange({ ...empty, phone: '12345', locale: 'not a locale!' }, ['display_name', 'phone', 'locale'])), ['display_name', 'locale', 'phone']);
  });
});

describe('phones and locales', () => {
  for (const [raw, normalised] of [
    ['+4930123456', '+4930123456'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['+683 1234', '+6831234'],
  ] as const) {
    test(`${raw} is E.164 ${normalised}`, () => assert.equal(normalizePhone(raw), normalised));
  }
  for (const raw of ['4930123456', '+0301234567', '+12345', '+1234567890123456', '+49 30 CALL ME', '']) {
    test(`${JSON.stringify(raw)} is not E.164`, () => assert.equal(normalizePhone(raw), null));
  }

  for (const [raw, canonical] of [['en-gb', 'en-GB'], ['de', 'de'], ['zh-hant-tw', 'zh-Hant-TW'], ['sr-Latn', 'sr-Latn']] as const) {
    test(`${raw} is the locale ${canonical}`, () => assert.equal(canonicalLocale(raw), canonical));
  }
  for (const raw of ['e', 'en--GB', 'en_GB_', 'en-GB,de', '123', 'x'.repeat(40)]) {
    test(`${JSON.stringify(raw)} is not a locale`, () => assert.equal(canonicalLocale(raw), null));
  }
});
