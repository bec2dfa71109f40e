import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError, Violations } from './errors.js';
import { checkMoney, type Money } from './money.js';

/** The fields checkMoney flags for money, in order; [] when it is valid. */
function problems(money: Money | undefined, options?: { allowNegative?: boolean }): string[] {
  const violations = new Violations();
  checkMoney('price', money, violations, options);
  try {
    violations.throwIfAny();
    return [];
  } catch (err) {
    assert.ok(err instanceof DomainError);
    return err.fieldViolations.map((v) => v.field);
  }
}

describe('checkMoney', () => {
  test('accepts zero euros', () => {
    assert.deepEqual(problems({ currencyCode: 'EUR', amountMinor: 0 }), []);
  });

  test('accepts large whole amounts of a currency without minor units', () => {
    assert.deepEqual(problems({ currencyCode: 'JPY', amountMinor: 9_000_000_000_000 }), []);
    assert.deepEqual(problems({ currencyCode: 'USD', amountMinor: Number.MAX_SAFE_INTEGER }), []);
  });

  test('requires the field', () => {
    assert.deepEqual(problems(undefined), ['price']);
  });

  test('rejects a code that is not ISO 4217', () => {
    for (const code of ['EURO', 'XYZ', 'eur', '']) assert.deepEqual(problems({ currencyCode: code, amountMinor: 100 }), ['price.currency_code'], code);
  });

  test('rejects fractional, non-finite and unsafe amounts', () => {
    for (const amount of [12.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      assert.deepEqual(problems({ currencyCode: 'EUR', amountMinor: amount }), ['price.amount_minor'], String(amount));
    }
  });

  test('rejects a negative amount unless the field allows it', () => {
    assert.deepEqual(problems({ currencyCode: 'EUR', amountMinor: -1 }), ['price.amount_minor']);
    assert.deepEqual(problems({ currencyCode: 'EUR', amountMinor: -1 }, { allowNegative: true }), []);
  });

  test('reports a bad currency and a bad amount together', () => {
    assert.deepEqual(problems({ currencyCode: 'XXXX', amountMinor: 1.5 }), ['price.currency_code', 'price.amount_minor']);
  });
});
