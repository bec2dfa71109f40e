import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateType, ShippingMethodKind } from '../../../../gen/shop/shipping/v1/shipping.js';
import { domainErrorOf, violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { chargeableWeight, priceMethod, quoteMethods, validateMethod, validateParcel, type MethodFields, type Parcel, type ParcelItem } from './rates.js';

const base: MethodFields = {
  zoneId: 'z1', name: 'Standard', description: '', kind: ShippingMethodKind.SHIPPING_METHOD_KIND_STANDARD, rateType: RateType.RATE_TYPE_FLAT,
  rates: [{ currencyCode: 'EUR', amountMinor: 490, bands: [] }], minBusinessDays: 2, maxBusinessDays: 4, carrier: 'manual', warehouseId: '',
  maxWeightGrams: 0, volumetricDivisor: 0, active: true,
};
const item = (weightGrams: number, quantity = 1, dims: [number, number, number] = [0, 0, 0]): ParcelItem => ({ sku: 'S', quantity, weightGrams, lengthMm: dims[0], widthMm: dims[1], heightMm: dims[2] });
const parcel = (items: ParcelItem[], amountMinor = 1000, currencyCode = 'EUR'): Parcel => ({ items, subtotal: { currencyCode, amountMinor } });

const weightBands: MethodFields = {
  ...base, rateType: RateType.RATE_TYPE_WEIGHT_BANDS,
  rates: [
    { currencyCode: 'EUR', amountMinor: 0, bands: [{ upTo: 1000, amountMinor: 490 }, { upTo: 5000, amountMinor: 790 }, { upTo: 20000, amountMinor: 1490 }], freeAtSubtotalMinor: 5000 },
    { currencyCode: 'USD', amountMinor: 0, bands: [{ upTo: 1000, amountMinor: 590 }, { upTo: 0, amountMinor: 1990 }] },
  ],
};
const subtotalBands: MethodFields = {
  ...base, rateType: RateType.RATE_TYPE_SUBTOTAL_BANDS,
  rates: [{ currencyCode: 'EUR', amountMinor: 0, bands: [{ upTo: 2999, amountMinor: 590 }, { upTo: 9999, amountMinor: 290 }, { upTo: 0, amountMinor: 0 }] }],
};
const perItem: MethodFields = { ...base, rateType: RateType.RATE_TYPE_PER_ITEM, rates: [{ currencyCode: 'GBP', amountMinor: 150, bands: [] }] };

describe('priceMethod: rate tables', () => {
  const cases: Array<[title: string, method: MethodFields, p: Parcel, expected: number | 'free' | RegExp]> = [
    ['flat ignores weight', base, parcel([item(25_000)]), 490],
    ['weight band: 999 g is the first band', weightBands, parcel([item(999)]), 490],
    ['weight band: exactly 1000 g is still the first band (inclusive)', weightBands, parcel([item(1000)]), 490],
    ['weight band: 1001 g is the second band', weightBands, parcel([item(1001)]), 790],
    ['weight band: quantities add up (3 x 400 g = 1200 g)', weightBands, parcel([item(400, 3)]), 790],
    ['weight band: 20 kg is the last bounded band', weightBands, parcel([item(20_000)]), 1490],
    ['weight band: over every band has no price', weightBands, parcel([item(20_001)]), /no weight band covers 20001 g/],
    ['weight band: free at or above the threshold', weightBands, parcel([item(3000)], 5000), 'free'],
    ['weight band: one minor unit below the threshold is charged', weightBands, parcel([item(3000)], 4999), 790],
    ['weight band in USD uses the USD table (unbounded last band)', weightBands, parcel([item(60_000)], 100, 'USD'), 1990],
    ['USD has no free threshold', weightBands, parcel([item(500)], 1_000_000, 'USD'), 590],
    ['no price in an unpriced currency', weightBands, parcel([item(500)], 1000, 'CHF'), /no price in CHF/],
    ['subtotal band: low subtotal', subtotalBands, parcel([item(1)], 1500), 590],
    ['subtotal band: boundary is inclusive', subtotalBands, parcel([item(1)], 2999), 590],
    ['subtotal band: middle', subtotalBands, parcel([item(1)], 3000), 290],
    ['subtotal band: unbounded top band is 0', subtotalBands, parcel([item(1)], 10_000), 0],
    ['per item: quantities across items', perItem, parcel([item(1, 2), item(1, 3)], 100, 'GBP'), 750],
    ['inactive methods are never priced', { ...base, active: false }, parcel([item(1)]), /inactive/],
    ['max weight refuses heavier parcels', { ...base, maxWeightGrams: 2000 }, parcel([item(2001)]), /over the method's 2000 g/],
    ['volumetric weight prices a light bulky parcel', { ...weightBands, volumetricDivisor: 5000 }, parcel([item(200, 1, [500, 400, 300])]), 1490], // 12,000 g volumetric
  ];
  for (const [title, method, p, expected] of cases) {
    test(title, () => {
      const price = priceMethod(method, p);
      if (expected instanceof RegExp) {
        assert.equal(price.ok, false);
        assert.match((price as { reason: string }).reason, expected);
      } else if (expected === 'free') assert.deepEqual(price, { ok: true, amountMinor: 0, free: true });
      else assert.deepEqual(price, { ok: true, amountMinor: expected, free: false });
    });
  }
});

describe('chargeableWeight', () => {
  test('is the actual weight without a divisor', () => assert.equal(chargeableWeight([item(300, 2, [500, 500, 500])], 0), 600));
  test('is the volumetric weight when larger: 400x300x200 mm at 5000 = 4800 g', () => assert.equal(chargeableWeight([item(200, 1, [400, 300, 200])], 5000), 4800));
  test('is the actual weight when heavier than its volume', () => assert.equal(chargeableWeight([item(9000, 1, [100, 100, 100])], 5000), 9000));
});

describe('quoteMethods', () => {
  const express = { ...base, id: 'm-express', name: 'Express', kind: ShippingMethodKind.SHIPPING_METHOD_KIND_EXPRESS, rates: [{ currencyCode: 'EUR', amountMinor: 1290, bands: [] }], minBusinessDays: 1, maxBusinessDays: 1 };
  const standard = { ...base, id: 'm-standard' };
  const slowSamePrice = { ...base, id: 'm-slow', name: 'Economy', minBusinessDays: 5, maxBusinessDays: 9 };
  const fastSamePrice = { ...base, id: 'm-fast', name: 'Priority', minBusinessDays: 1, maxBusinessDays: 2 };

  test('cheapest first, then fastest, whatever the input order', () => {
    const orders = [[express, standard, slowSamePrice, fastSamePrice], [slowSamePrice, fastSamePrice, standard, express], [fastSamePrice, express, slowSamePrice, standard]];
    for (const methods of orders) {
      assert.deepEqual(quoteMethods(methods, parcel([item(500)]), 'DE').map((q) => q.methodId), ['m-fast', 'm-standard', 'm-slow', 'm-express']);
    }
  });

  test('equal price and speed are ordered by name, then id', () => {
    const a = { ...base, id: 'b-id', name: 'Same' };
    const b = { ...base, id: 'a-id', name: 'Same' };
    assert.deepEqual(quoteMethods([a, b], parcel([item(1)]), 'DE').map((q) => q.methodId), ['a-id', 'b-id']);
  });

  test('quotes carry the requested currency and the estimate', () => {
    const [q] = quoteMethods([express], parcel([item(1)]), 'DE');
    assert.deepEqual({ price: q!.price, min: q!.minBusinessDays, max: q!.maxBusinessDays, free: q!.free }, { price: { currencyCode: 'EUR', amountMinor: 1290 }, min: 1, max: 1, free: false });
  });

  test('no method for the currency is NO_SHIPPING_METHOD naming why', () => {
    const err = domainErrorOf(() => quoteMethods([standard], parcel([item(1)], 100, 'USD'), 'US'));
    assert.equal(err.reason, 'NO_SHIPPING_METHOD');
    assert.match(err.message, /no price in USD/);
  });

  test('one method on request; an unavailable one says why', () => {
    assert.deepEqual(quoteMethods([standard, express], parcel([item(1)]), 'DE', 'm-express').map((q) => q.methodId), ['m-express']);
    const err = domainErrorOf(() => quoteMethods([{ ...standard, maxWeightGrams: 10 }], parcel([item(11)]), 'DE', 'm-standard'));
    assert.equal(err.reason, 'SHIPPING_METHOD_UNAVAILABLE');
  });
});

describe('validateMethod', () => {
  test('accepts a good method and defaults the carrier to manual', () => {
    assert.equal(validateMethod({ ...weightBands, carrier: '' }, ['manual', 'webhook']).carrier, 'manual');
  });
  test('names every bad field', () => {
    const bad: MethodFields = {
      ...base, zoneId: '', name: '', kind: ShippingMethodKind.SHIPPING_METHOD_KIND_PICKUP, rateType: RateType.RATE_TYPE_WEIGHT_BANDS, carrier: 'ups',
      minBusinessDays: 5, maxBusinessDays: 2,
      rates: [
        { currencyCode: 'EURO', amountMinor: 0, bands: [{ upTo: 0, amountMinor: 1 }, { upTo: 10, amountMinor: -1 }] },
        { currencyCode: 'USD', amountMinor: 0, bands: [{ upTo: 10, amountMinor: 1 }, { upTo: 10, amountMinor: 2 }], freeAtSubtotalMinor: -5 },
      ],
    };
    assert.deepEqual(violatedFieldsOf(() => validateMethod(bad, ['manual'])), [
      'method.carrier', 'method.max_business_days', 'method.name', 'method.rates[0].bands[0].up_to', 'method.rates[0].bands[1].amount_minor',
      'method.rates[0].currency_code', 'method.rates[1].bands[1].up_to', 'method.rates[1].free_at_subtotal_minor', 'method.warehouse_id', 'method.zone_id',
    ]);
  });
  test('the same currency twice is refused', () => {
    assert.deepEqual(violatedFieldsOf(() => validateMethod({ ...base, rates: [base.rates[0]!, base.rates[0]!] }, ['manual'])), ['method.rates[1].currency_code']);
  });
});

describe('validateParcel', () => {
  test('names bad items and subtotal', () => {
    assert.deepEqual(violatedFieldsOf(() => validateParcel({ items: [item(-1, 0, [20_000, 0, 0])], subtotal: { currencyCode: 'XXX1', amountMinor: 1.5 } })), [
      'items[0].length_mm', 'items[0].quantity', 'items[0].weight_grams', 'subtotal.amount_minor', 'subtotal.currency_code',
    ]);
    assert.deepEqual(violatedFieldsOf(() => validateParcel(parcel([]))), ['items']);
  });
});
