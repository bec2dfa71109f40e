import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import {
  applyPriceListPatch,
  listApplies,
  parsePriceListMask,
  selectPrice,
  validatePriceList,
  validatePriceQueries,
  validateTiers,
  type PriceListRule,
  type PriceQuery,
  type Tier,
} from './pricing.js';

const T0 = new Date('2025-11-28T00:00:00Z');
const T1 = new Date('2025-12-01T00:00:00Z');

const list = (id: string, over: Partial<PriceListRule> = {}): PriceListRule => ({
  id,
  currencyCode: 'EUR',
  customerGroup: '',
  validFrom: null,
  validUntil: null,
  priority: 0,
  ...over,
});
const tier = (priceListId: string, minQuantity: number, amountMinor: number, sku = 'MUG-1'): Tier => ({ priceListId, sku, minQuantity, amountMinor });
const query = (over: Partial<PriceQuery> = {}): PriceQuery => ({ sku: 'MUG-1', quantity: 1, currencyCode: 'EUR', customerGroup: '', at: new Date('2025-06-01T12:00:00Z'), ...over });
const EUR = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });

interface Case {
  name: string;
  query?: Partial<PriceQuery>;
  lists: PriceListRule[];
  tiers: Tier[];
  base?: { currencyCode: string; amountMinor: number } | null;
  /** [unit, regular, list id] or null for "no price". */
  want: [number, number, string] | null;
}

const cases: Case[] = [
  // currency
  { name: 'a list in the currency prices the SKU', lists: [list('retail')], tiers: [tier('retail', 1, 1200)], want: [1200, 1200, 'retail'] },
  { name: 'a list in another currency does not', lists: [list('usd', { currencyCode: 'USD' })], tiers: [tier('usd', 1, 1300)], base: null, want: null },
  { name: 'the USD list prices a USD query', query: { currencyCode: 'USD' }, lists: [list('eur'), list('usd', { currencyCode: 'USD' })], tiers: [tier('eur', 1, 1200), tier('usd', 1, 1300)], want: [1300, 1300, 'usd'] },
  // customer group
  { name: 'a group list is ignored for a shopper without a group', lists: [list('retail'), list('b2b', { customerGroup: 'wholesale', priority: 10 })], tiers: [tier('retail', 1, 1200), tier('b2b', 1, 900)], want: [1200, 1200, 'retail'] },
  { name: 'a group list applies to that group', query: { customerGroup: 'wholesale' }, lists: [list('retail'), list('b2b', { customerGroup: 'wholesale', priority: 10 })], tiers: [tier('retail', 1, 1200), tier('b2b', 1, 900)], want: [900, 900, 'b2b'] },
  { name: 'a group list is ignored for another group', query: { customerGroup: 'vip' }, lists: [list('retail'), list('b2b', { customerGroup: 'wholesale', priority: 10 })], tiers: [tier('retail', 1, 1200), tier('b2b', 1, 900)], want: [1200, 1200, 'retail'] },
  { name: 'a list without a group applies to every group', query: { customerGroup: 'vip' }, lists: [list('retail')], tiers: [tier('retail', 1, 1200)], want: [1200, 1200, 'retail'] },
  // quantity tiers at their boundaries
  { name: 'quantity 1 takes the first tier', query: { quantity: 1 }, lists: [list('l')], tiers: [tier('l', 1, 1000), tier('l', 10, 900), tier('l', 100, 800)], want: [1000, 1000, 'l'] },
  { name: 'quantity 9 is still below the 10 tier', query: { quantity: 9 }, lists: [list('l')], tiers: [tier('l', 1, 1000), tier('l', 10, 900), tier('l', 100, 800)], want: [1000, 1000, 'l'] },
  { name: 'quantity 10 takes the 10 tier', query: { quantity: 10 }, lists: [list('l')], tiers: [tier('l', 1, 1000), tier('l', 10, 900), tier('l', 100, 800)], want: [900, 900, 'l'] },
  { name: 'quantity 99 keeps the 10 tier', query: { quantity: 99 }, lists: [list('l')], tiers: [tier('l', 1, 1000), tier('l', 10, 900), tier('l', 100, 800)], want: [900, 900, 'l'] },
  { name: 'quantity 5000 takes the largest tier', query: { quantity: 5000 }, lists: [list('l')], tiers: [tier('l', 100, 800), tier('l', 1, 1000), tier('l', 10, 900)], want: [800, 800, 'l'] },
  { name: 'a list whose first tier is above the quantity does not compete', query: { quantity: 5 }, lists: [list('bulk', { priority: 5 }), list('retail')], tiers: [tier('bulk', 10, 700), tier('retail', 1, 1000)], want: [1000, 1000, 'retail'] },
  { name: 'below every tier and no base price: no price', query: { quantity: 5 }, lists: [list('bulk')], tiers: [tier('bulk', 10, 700)], base: null, want: null },
  // validity window: from inclusive, until exclusive
  { name: 'a sale is not yet valid just before valid_from', query: { at: new Date(T0.getTime() - 1) }, lists: [list('retail'), list('sale', { validFrom: T0, validUntil: T1, priority: 10 })], tiers: [tier('retail', 1, 1000), tier('sale', 1, 700)], want: [1000, 1000, 'retail'] },
  { name: 'a sale applies at valid_from exactly', query: { at: T0 }, lists: [list('retail'), list('sale', { validFrom: T0, validUntil: T1, priority: 10 })], tiers: [tier('retail', 1, 1000), tier('sale', 1, 700)], want: [700, 1000, 'sale'] },
  { name: 'a sale applies just before valid_until', query: { at: new Date(T1.getTime() - 1) }, lists: [list('retail'), list('sale', { validFrom: T0, validUntil: T1, priority: 10 })], tiers: [tier('retail', 1, 1000), tier('sale', 1, 700)], want: [700, 1000, 'sale'] },
  { name: 'a sale has ended at valid_until exactly', query: { at: T1 }, lists: [list('retail'), list('sale', { validFrom: T0, validUntil: T1, priority: 10 })], tiers: [tier('retail', 1, 1000), tier('sale', 1, 700)], want: [1000, 1000, 'retail'] },
  { name: 'an open-ended sale (only valid_from) applies after it starts', query: { at: T1 }, lists: [list('sale', { validFrom: T0 })], tiers: [tier('sale', 1, 700)], base: EUR(1000), want: [700, 1000, 'sale'] },
  { name: 'a sale with only valid_until applies before it', query: { at: T0 }, lists: [list('sale', { validUntil: T1 })], tiers: [tier('sale', 1, 700)], base: EUR(1000), want: [700, 1000, 'sale'] },
  // priority, then the lower price
  { name: 'the higher priority wins even when dearer', lists: [list('a', { priority: 1 }), list('b', { priority: 2 })], tiers: [tier('a', 1, 500), tier('b', 1, 800)], want: [800, 800, 'b'] },
  { name: 'a priority tie goes to the lower price', lists: [list('a', { priority: 3 }), list('b', { priority: 3 })], tiers: [tier('a', 1, 900), tier('b', 1, 800)], want: [800, 800, 'b'] },
  { name: 'a full tie goes to the smaller list id', lists: [list('b'), list('a')], tiers: [tier('b', 1, 800), tier('a', 1, 800)], want: [800, 800, 'a'] },
  { name: 'negative priorities rank below zero', lists: [list('low', { priority: -1 }), list('std')], tiers: [tier('low', 1, 100), tier('std', 1, 800)], want: [800, 800, 'std'] },
  // base price fallback
  { name: 'no list: the base price in the currency', lists: [], tiers: [], base: EUR(1500), want: [1500, 1500, ''] },
  { name: 'no list and a base price in another currency: no price', lists: [], tiers: [], base: { currencyCode: 'USD', amountMinor: 1500 }, want: null },
  { name: 'no list and no base price: no price', lists: [], tiers: [], base: null, want: null },
  { name: 'a list price beats the base price even when dearer', lists: [list('l')], tiers: [tier('l', 1, 1600)], base: EUR(1500), want: [1600, 1600, 'l'] },
  { name: 'tiers of other SKUs do not count', lists: [list('l')], tiers: [tier('l', 1, 100, 'OTHER')], base: EUR(1500), want: [1500, 1500, ''] },
  // regular price
  { name: 'regular is the best list without a window', lists: [list('retail', { priority: 1 }), list('sale', { validFrom: T0, priority: 9 })], query: { at: T1 }, tiers: [tier('retail', 1, 1000), tier('sale', 1, 600)], base: EUR(1200), want: [600, 1000, 'sale'] },
  { name: 'regular follows the quantity tier of the regular list', query: { quantity: 10, at: T0 }, lists: [list('retail'), list('sale', { validFrom: T0, priority: 9 })], tiers: [tier('retail', 1, 1000), tier('retail', 10, 900), tier('sale', 1, 600)], want: [600, 900, 'sale'] },
  { name: 'regular is the sale price itself when nothing else prices the SKU', query: { at: T0 }, lists: [list('sale', { validFrom: T0 })], tiers: [tier('sale', 1, 600)], base: null, want: [600, 600, 'sale'] },
  { name: 'regular ignores group lists of other groups', query: { at: T0 }, lists: [list('vip', { customerGroup: 'vip' }), list('sale', { validFrom: T0, priority: 1 })], tiers: [tier('vip', 1, 500), tier('sale', 1, 600)], base: EUR(1000), want: [600, 1000, 'sale'] },
];

describe('selectPrice', () => {
  for (const c of cases) {
    test(c.name, () => {
      const got = selectPrice(query(c.query), c.lists, c.tiers, c.base === undefined ? EUR(2000) : c.base);
      if (c.want === null) return assert.equal(got, null);
      assert.ok(got, 'expected a price');
      const currency = c.query?.currencyCode ?? 'EUR';
      assert.deepEqual(got, {
        sku: 'MUG-1',
        unitPrice: { currencyCode: currency, amountMinor: c.want[0] },
        regularUnitPrice: { currencyCode: currency, amountMinor: c.want[1] },
        priceListId: c.want[2],
        quantity: c.query?.quantity ?? 1,
      });
    });
  }
});

describe('listApplies', () => {
  test('needs currency, group and window all to match', () => {
    const sale = list('s', { customerGroup: 'vip', validFrom: T0, validUntil: T1 });
    assert.equal(listApplies(sale, 'EUR', 'vip', T0), true);
    assert.equal(listApplies(sale, 'USD', 'vip', T0), false);
    assert.equal(listApplies(sale, 'EUR', '', T0), false);
    assert.equal(listApplies(sale, 'EUR', 'vip', T1), false);
  });
});

describe('validatePriceList', () => {
  const valid = { name: 'EUR retail', currencyCode: 'EUR', customerGroup: '', validFrom: null, validUntil: null, priority: 0, taxMode: 'destination' as const };

  test('accepts a plain list and trims its name', () => {
    assert.equal(validatePriceList({ ...valid, name: ' EUR retail ' }).name, 'EUR retail');
  });

  test('names every invalid field', () => {
    const bad = { name: '', currencyCode: 'EURO', customerGroup: 'Has Spaces', validFrom: null, validUntil: null, priority: 1.5, taxMode: 'destination' as const };
    assert.deepEqual(violatedFieldsOf(() => validatePriceList(bad)), [
      'price_list.currency_code',
      'price_list.customer_group',
      'price_list.name',
      'price_list.priority',
    ]);
  });

  test('valid_until must be after valid_from', () => {
    assert.deepEqual(violatedFieldsOf(() => validatePriceList({ ...valid, validFrom: T1, validUntil: T0 })), ['price_list.valid_until']);
    assert.deepEqual(violatedFieldsOf(() => validatePriceList({ ...valid, validFrom: T0, validUntil: T0 })), ['price_list.valid_until']);
    assert.ok(validatePriceList({ ...valid, validFrom: T0, validUntil: T1 }));
  });
});

describe('parsePriceListMask and applyPriceListPatch', () => {
  test('accepts snake_case and lowerCamel, refuses the currency and unknown paths', () => {
    assert.deepEqual(parsePriceListMask(['name', 'validUntil', 'customer_group']), ['name', 'valid_until', 'customer_group']);
    assert.deepEqual(violatedFieldsOf(() => parsePriceListMask(['currency_code'])), ['update_mask']);
    assert.deepEqual(violatedFieldsOf(() => parsePriceListMask([])), ['update_mask']);
  });

  test('changes only the masked fields', () => {
    const current = { name: 'a', currencyCode: 'EUR', customerGroup: '', validFrom: null, validUntil: null, priority: 0, taxMode: 'destination' as const };
    const patch = { name: 'b', currencyCode: 'USD', customerGroup: 'vip', validFrom: T0, validUntil: T1, priority: 7, taxMode: 'inclusive' as const };
    assert.deepEqual(applyPriceListPatch(current, patch, ['priority', 'valid_until']), { ...current, priority: 7, validUntil: T1 });
  });
});

describe('validateTiers', () => {
  test('groups tiers by SKU, each by min_quantity', () => {
    const grouped = validateTiers(
      [
        { sku: 'A', minQuantity: 10, unitPrice: EUR(900) },
        { sku: 'B', minQuantity: 1, unitPrice: EUR(500) },
        { sku: 'A', minQuantity: 1, unitPrice: EUR(1000) },
      ],
      'EUR',
    );
    assert.deepEqual(Object.fromEntries(grouped), {
      A: [
        { minQuantity: 1, amountMinor: 1000 },
        { minQuantity: 10, amountMinor: 900 },
      ],
      B: [{ minQuantity: 1, amountMinor: 500 }],
    });
  });

  test('names every bad tier field', () => {
    const fields = violatedFieldsOf(() =>
      validateTiers(
        [
          { sku: 'A', minQuantity: 0, unitPrice: EUR(100) },
          { sku: 'A', minQuantity: 1, unitPrice: { currencyCode: 'USD', amountMinor: 100 } },
          { sku: 'A', minQuantity: 1, unitPrice: EUR(12.5) },
          { sku: 'no spaces', minQuantity: 1, unitPrice: EUR(-1) },
          { sku: 'C', minQuantity: 2, unitPrice: undefined },
        ],
        'EUR',
      ),
    );
    assert.deepEqual(fields, [
      'tiers[0].min_quantity',
      'tiers[1].unit_price.currency_code',
      'tiers[2].min_quantity',
      'tiers[2].unit_price.amount_minor',
      'tiers[3].sku',
      'tiers[3].unit_price.amount_minor',
      'tiers[4].unit_price',
    ]);
  });

  test('refuses an empty or oversized call', () => {
    assert.deepEqual(violatedFieldsOf(() => validateTiers([], 'EUR')), ['tiers']);
    const many = Array.from({ length: 1001 }, (_, i) => ({ sku: `S${i}`, minQuantity: 1, unitPrice: EUR(1) }));
    assert.deepEqual(violatedFieldsOf(() => validateTiers(many, 'EUR')), ['tiers']);
  });
});

describe('validatePriceQueries', () => {
  test('needs a currency, SKUs and quantities of at least 1, at most 500 items', () => {
    assert.doesNotThrow(() => validatePriceQueries('EUR', [{ sku: 'A', quantity: 1 }]));
    assert.deepEqual(violatedFieldsOf(() => validatePriceQueries('', [{ sku: '', quantity: 0 }])), ['currency_code', 'items[0].quantity', 'items[0].sku']);
    const many = Array.from({ length: 501 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    assert.deepEqual(violatedFieldsOf(() => validatePriceQueries('EUR', many)), ['items']);
  });
});
