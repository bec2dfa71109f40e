import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cartTotals, divideRounded, taxOf, type TaxRate } from './totals.js';

const exclusive = (rateBps: number, taxShipping = false): TaxRate => ({ rateBps, pricesIncludeTax: false, taxShipping });
const inclusive = (rateBps: number, taxShipping = false): TaxRate => ({ rateBps, pricesIncludeTax: true, taxShipping });

describe('rounding half away from zero', () => {
  const cases: Array<[bigint, bigint, bigint]> = [
    [5n, 2n, 3n], [3n, 2n, 2n], [1n, 3n, 0n], [2n, 3n, 1n], [-5n, 2n, -3n], [-1n, 3n, 0n], [10n, 5n, 2n], [0n, 7n, 0n],
  ];
  for (const [a, b, want] of cases) test(`${a}/${b} -> ${want}`, () => assert.equal(divideRounded(a, b), want));
});

describe('tax of one line', () => {
  const cases: Array<{ name: string; amount: number; rate: TaxRate; want: number }> = [
    { name: '19% added to 10.00', amount: 1000, rate: exclusive(1900), want: 190 },
    { name: '19% added to 0.05 rounds 0.95 cent up', amount: 5, rate: exclusive(1900), want: 1 },
    { name: '19% added to 0.02 rounds 0.38 cent down', amount: 2, rate: exclusive(1900), want: 0 },
    { name: '7.25% added to 19.99 (144.9275 -> 145)', amount: 1999, rate: exclusive(725), want: 145 },
    { name: 'exactly half a cent rounds up: 10% of 0.05', amount: 5, rate: exclusive(1000), want: 1 },
    { name: '19% contained in 11.90 is 1.90', amount: 1190, rate: inclusive(1900), want: 190 },
    { name: '19% contained in 9.99 (net 8.394958 -> 8.39)', amount: 999, rate: inclusive(1900), want: 160 },
    { name: '20% contained in 0.01 (net 0.00833 -> 0.01): no tax', amount: 1, rate: inclusive(2000), want: 0 },
    { name: 'zero rate', amount: 12345, rate: exclusive(0), want: 0 },
    { name: 'zero-decimal currency: 10% of JPY 1,235 -> 124', amount: 1235, rate: exclusive(1000), want: 124 },
    { name: 'large amounts stay exact', amount: 9_000_000_000_000, rate: exclusive(1900), want: 1_710_000_000_000 },
  ];
  for (const c of cases) test(c.name, () => assert.equal(taxOf(c.amount, c.rate), c.want));
});

describe('cart totals', () => {
  test('tax-exclusive prices: tax per line, rounded, then summed; shipping taxed when the rule says so', () => {
    // 3 x 3.33 = 9.99 -> 1.8981 -> 1.90; 1 x 0.05 -> 0.0095 -> 0.01; shipping 4.99 -> 0.9481 -> 0.95
    const t = cartTotals([{ unitPriceMinor: 333, quantity: 3 }, { unitPriceMinor: 5, quantity: 1 }], 499, exclusive(1900, true));
    assert.deepEqual(t.lines, [{ lineTotalMinor: 999, taxMinor: 190 }, { lineTotalMinor: 5, taxMinor: 1 }]);
    assert.equal(t.subtotalMinor, 1004);
    assert.equal(t.addedTaxMinor, 190 + 1 + 95);
    assert.equal(t.includedTaxMinor, 0);
    assert.equal(t.grandTotalMinor, 1004 + 499 + 286);
  });

  test('per-line rounding, not rounding of the sum: three 0.02 lines at 19% carry no tax', () => {
    // Each line: 0.0038 -> 0.00. Rounding the sum instead (0.06 -> 0.0114) would give 0.01.
    const t = cartTotals([{ unitPriceMinor: 2, quantity: 1 }, { unitPriceMinor: 2, quantity: 1 }, { unitPriceMinor: 2, quantity: 1 }], 0, exclusive(1900));
    assert.deepEqual(t.lines.map((l) => l.taxMinor), [0, 0, 0]);
    assert.equal(t.addedTaxMinor, 0);
  });

  test('tax-inclusive prices: tax is shown as included and not added to the total', () => {
    const t = cartTotals([{ unitPriceMinor: 1190, quantity: 2 }], 595, inclusive(1900, true));
    assert.equal(t.subtotalMinor, 2380);
    assert.equal(t.includedTaxMinor, 380 + 95);
    assert.equal(t.addedTaxMinor, 0);
    assert.equal(t.grandTotalMinor, 2380 + 595);
  });

  test('untaxed shipping and a discount', () => {
    const t = cartTotals([{ unitPriceMinor: 1000, quantity: 1 }], 500, exclusive(1000), 200);
    assert.equal(t.addedTaxMinor, 100);
    assert.equal(t.grandTotalMinor, 1000 - 200 + 500 + 100);
  });

  test('a price list can say its prices are gross or net, whatever the destination rule says', () => {
    // Destination rule: 19% on net prices. One line from a gross (inclusive) list, one from a net list.
    const t = cartTotals([{ unitPriceMinor: 1190, quantity: 1, pricesIncludeTax: true }, { unitPriceMinor: 1000, quantity: 1, pricesIncludeTax: false }, { unitPriceMinor: 1000, quantity: 1 }], 0, exclusive(1900));
    assert.deepEqual(t.lines.map((l) => l.taxMinor), [190, 190, 190]);
    assert.equal(t.includedTaxMinor, 190);
    assert.equal(t.addedTaxMinor, 380);
    assert.equal(t.grandTotalMinor, 1190 + 1000 + 1000 + 380);
  });

  test('an empty cart is all zero', () => {
    const t = cartTotals([], 0, exclusive(1900, true));
    assert.deepEqual([t.subtotalMinor, t.addedTaxMinor, t.includedTaxMinor, t.grandTotalMinor], [0, 0, 0, 0]);
  });

  test('a total beyond safe integers is refused, not rounded', () => {
    assert.throws(() => cartTotals([{ unitPriceMinor: 2 ** 52, quantity: 4 }], 0, exclusive(0)), RangeError);
  });
});
