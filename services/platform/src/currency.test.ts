import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { allocate, currencyExponent, formatMajor, isSupportedCurrency, parseMajor, supportedCurrencies } from './currency.js';

describe('currency exponents (ISO 4217 minor units)', () => {
  test('match the standard for known currencies', () => {
    const known: Record<string, number> = {
      EUR: 2, USD: 2, GBP: 2, CHF: 2, SEK: 2, INR: 2, CNY: 2, IDR: 2, HUF: 2, TWD: 2, MXN: 2, BRL: 2,
      JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, XOF: 0, XAF: 0, UGX: 0, PYG: 0,
      KWD: 3, BHD: 3, OMR: 3, JOD: 3, TND: 3, LYD: 3, IQD: 3,
    };
    for (const [code, exponent] of Object.entries(known)) assert.equal(currencyExponent(code), exponent, code);
  });

  test('lists the common currencies and no precious metal or testing code', () => {
    const codes = supportedCurrencies().map((c) => c.code);
    for (const code of ['EUR', 'USD', 'JPY', 'KWD']) assert.ok(codes.includes(code), code);
    for (const code of ['XAU', 'XTS', 'XXX']) assert.ok(!isSupportedCurrency(code), code);
    assert.throws(() => currencyExponent('EURO'), RangeError);
  });
});

describe('major-unit strings', () => {
  test('JPY, EUR and KWD amounts round-trip exactly', () => {
    const cases: Array<[string, number, string]> = [
      ['JPY', 1234, '1234'], ['JPY', 0, '0'], ['KRW', 99_999_999, '99999999'],
      ['EUR', 1234, '12.34'], ['EUR', 5, '0.05'], ['EUR', -250, '-2.50'],
      ['KWD', 1234, '1.234'], ['KWD', 1, '0.001'], ['BHD', 10_500, '10.500'],
    ];
    for (const [currencyCode, amountMinor, text] of cases) {
      assert.equal(formatMajor({ currencyCode, amountMinor }), text);
      assert.deepEqual(parseMajor(text, currencyCode), { currencyCode, amountMinor });
    }
  });

  test('refuses more decimals than the currency has rather than rounding', () => {
    assert.throws(() => parseMajor('1.5', 'JPY'), /JPY has 0 decimals/);
    assert.throws(() => parseMajor('1.2345', 'KWD'), /KWD has 3 decimals/);
    assert.throws(() => parseMajor('12.3.4', 'EUR'), /not a decimal/);
    assert.deepEqual(parseMajor('12.3', 'EUR'), { currencyCode: 'EUR', amountMinor: 1230 });
  });

  test('any amount in any currency round-trips', () => {
    const codes = supportedCurrencies().map((c) => c.code);
    fc.assert(fc.property(fc.constantFrom(...codes), fc.integer({ min: -1e12, max: 1e12 }), (currencyCode, amountMinor) => {
      assert.deepEqual(parseMajor(formatMajor({ currencyCode, amountMinor }), currencyCode), { currencyCode, amountMinor });
    }));
  });
});

describe('allocate', () => {
  test('always sums to the total and stays within one unit of the exact share', () => {
    fc.assert(fc.property(
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 30 }).filter((w) => w.some((x) => x > 0)),
      (total, weights) => {
        const parts = allocate(total, weights);
        assert.equal(parts.reduce((a, b) => a + b, 0), total);
        const sum = weights.reduce((a, b) => a + b, 0);
        weights.forEach((w, i) => assert.ok(Math.abs(parts[i]! - (total * w) / sum) < 1 + 1e-6));
      },
    ));
  });

  test('splits 100 cents in three as 34, 33, 33', () => {
    assert.deepEqual(allocate(100, [1, 1, 1]), [34, 33, 33]);
    assert.deepEqual(allocate(1000, [0, 3, 1]), [0, 750, 250]);
  });
});
