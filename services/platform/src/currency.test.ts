import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { allocate, convertMinor, currencyExponent, formatMajor, isSupportedCurrency, parseMajor, supportedCurrencies } from './currency.js';

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

describe('convertMinor', () => {
  test('converts across exponents exactly and rounds half up on the target minor unit', () => {
    assert.equal(convertMinor(1000, 'EUR', 'JPY', '160.5'), 1605); // 10.00 EUR -> 1605 JPY
    assert.equal(convertMinor(1, 'JPY', 'EUR', '0.00623'), 1); // 0.623 cent -> 1 cent
    assert.equal(convertMinor(5, 'EUR', 'USD', '0.5'), 3); // 2.5 cents -> 3 (half up)
    assert.equal(convertMinor(-5, 'EUR', 'USD', '0.5'), -3); // away from zero
    assert.equal(convertMinor(4, 'EUR', 'USD', '0.5'), 2);
    assert.equal(convertMinor(1000, 'EUR', 'KWD', '0.3312'), 3312); // 10.00 EUR -> 3.312 KWD
    assert.equal(convertMinor(3312, 'KWD', 'EUR', '3.0193'), 1000); // 3.312 KWD -> 9.9999 -> 10.00
  });

  test('a rate of 1 between currencies with the same exponent changes nothing', () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (amount) => {
      assert.equal(convertMinor(amount, 'EUR', 'USD', '1'), amount);
      assert.equal(convertMinor(amount, 'JPY', 'KRW', '1.000'), amount);
    }));
  });

  test('never differs from the exact product by more than half a minor unit', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 10_000_000 }), (amount, rateTimes1e4) => {
      const rate = (rateTimes1e4 / 1e4).toFixed(4);
      const exact = (amount * rateTimes1e4) / 1e4;
      assert.ok(Math.abs(convertMinor(amount, 'EUR', 'USD', rate) - exact) <= 0.5 + 1e-6);
    }));
  });

  test('refuses what is not a positive decimal rate', () => {
    for (const bad of ['0', '0.000', '-1', '1e3', '1,5', '', 'abc']) assert.throws(() => convertMinor(100, 'EUR', 'USD', bad), RangeError, bad);
  });
});
