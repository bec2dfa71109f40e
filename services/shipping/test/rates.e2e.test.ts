import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { admin, api, errorReason, newCustomer, violatedFields } from '../../../tools/testing/edge.js';
import { ok } from './helpers.js';

const unique = (label: string) => `${label} ${randomUUID().slice(0, 8)}`;
const item = (weightGrams: number, quantity = 1) => ({ sku: 'SKU-1', quantity, weightGrams });

describe('rate cards and quotes through the edge', () => {
  let zoneId = '';
  let standardId = '';
  let expressId = '';

  before(async () => {
    const token = await admin();
    const zone = ok(await api('POST', '/v1/shipping-zones', { token, json: { name: unique('Core markets'), countryCodes: ['de', 'FR', 'NL', 'GB', 'US'] } }));
    zoneId = zone.id;
    assert.deepEqual(zone.countryCodes, ['DE', 'FR', 'GB', 'NL', 'US']);
    const standard = ok(await api('POST', '/v1/shipping-methods', {
      token,
      json: {
        zoneId, name: 'Standard', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_WEIGHT_BANDS', minBusinessDays: 2, maxBusinessDays: 4, active: true,
        rates: [
          { currencyCode: 'EUR', bands: [{ upTo: 1000, amountMinor: 490 }, { upTo: 5000, amountMinor: 790 }, { upTo: 30000, amountMinor: 1490 }], freeAtSubtotalMinor: 5000 },
          { currencyCode: 'USD', bands: [{ upTo: 1000, amountMinor: 590 }, { upTo: 0, amountMinor: 1990 }] },
        ],
      },
    }));
    standardId = standard.id;
    const express = ok(await api('POST', '/v1/shipping-methods', {
      token,
      json: { zoneId, name: 'Express', kind: 'SHIPPING_METHOD_KIND_EXPRESS', rateType: 'RATE_TYPE_FLAT', minBusinessDays: 1, maxBusinessDays: 1, active: true, rates: [{ currencyCode: 'EUR', amountMinor: 1290 }, { currencyCode: 'USD', amountMinor: 1490 }] },
    }));
    expressId = express.id;
  });

  const quote = (body: Record<string, unknown>) => api('POST', '/v1/shipping:quote', { json: body });

  test('anyone gets quotes, cheapest first, with estimates', async () => {
    const res = ok(await quote({ destination: { countryCode: 'DE', postalCode: '10117' }, items: [item(1200)], subtotal: { currencyCode: 'EUR', amountMinor: 2000 } }));
    const mine = res.quotes.filter((q: any) => q.zoneId === zoneId);
    assert.deepEqual(mine.map((q: any) => [q.methodId, q.price.amountMinor, q.minBusinessDays, q.maxBusinessDays]), [[standardId, '790', 2, 4], [expressId, '1290', 1, 1]]);
    assert.equal(res.actualWeightGrams, '1200');
  });

  test('free over the threshold, per currency', async () => {
    const eur = ok(await quote({ destination: { countryCode: 'FR' }, items: [item(500)], subtotal: { currencyCode: 'EUR', amountMinor: 5000 } }));
    const free = eur.quotes.find((q: any) => q.methodId === standardId);
    assert.deepEqual([free.price, free.free], [{ currencyCode: 'EUR', amountMinor: '0' }, true]);
    const usd = ok(await quote({ destination: { countryCode: 'US', region: 'CA', postalCode: '94105' }, items: [item(40_000)], subtotal: { currencyCode: 'USD', amountMinor: 999_999 } }));
    assert.deepEqual(usd.quotes.filter((q: any) => q.zoneId === zoneId).map((q: any) => [q.name, q.price.currencyCode, q.price.amountMinor]), [['Express', 'USD', '1490'], ['Standard', 'USD', '1990']]);
  });

  test('a country no zone serves is a clear error', async () => {
    const res = await quote({ destination: { countryCode: 'JP', postalCode: '100-0001' }, items: [item(100)], subtotal: { currencyCode: 'JPY', amountMinor: 1000 } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(errorReason(res.body), 'DESTINATION_NOT_SERVED');
    assert.match(res.body.message, /we do not ship to JP/);
  });

  test('a currency no method is priced in says so', async () => {
    const res = await quote({ destination: { countryCode: 'NL' }, items: [item(100)], subtotal: { currencyCode: 'CHF', amountMinor: 1000 } });
    assert.equal(res.status, 400);
    assert.equal(errorReason(res.body), 'NO_SHIPPING_METHOD');
    assert.match(res.body.message, /no price in CHF/);
  });

  test('re-pricing one chosen method (checkout)', async () => {
    const res = ok(await quote({ destination: { countryCode: 'GB', postalCode: 'sw1a1aa' }, items: [item(100)], subtotal: { currencyCode: 'EUR', amountMinor: 100 }, methodId: expressId }));
    assert.deepEqual(res.quotes.map((q: any) => q.methodId), [expressId]);
    const tooHeavy = await quote({ destination: { countryCode: 'GB' }, items: [item(40_000)], subtotal: { currencyCode: 'EUR', amountMinor: 100 }, methodId: standardId });
    assert.equal(errorReason(tooHeavy.body), 'SHIPPING_METHOD_UNAVAILABLE');
  });

  test('bad quote requests name every bad field', async () => {
    const res = await quote({ destination: { countryCode: 'DE', postalCode: '1234' }, items: [{ sku: 'X', quantity: 0, weightGrams: -1 }], subtotal: { currencyCode: 'EURO', amountMinor: 1 } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['destination.postal_code']);
    const items = await quote({ destination: { countryCode: 'DE' }, items: [{ sku: 'X', quantity: 0, weightGrams: -1 }], subtotal: { currencyCode: 'EURO', amountMinor: 1 } });
    assert.deepEqual(violatedFields(items.body), ['items[0].quantity', 'items[0].weight_grams', 'subtotal.currency_code']);
    const none = await quote({ destination: {}, items: [], subtotal: { currencyCode: 'EUR', amountMinor: 1 } });
    assert.deepEqual(violatedFields(none.body), ['destination.country_code']);
  });

  test('staff read, list and update with etags; a stale etag is 409', async () => {
    const token = await admin();
    const got = ok(await api('GET', `/v1/shipping-methods/${expressId}`, { token }));
    const listed = ok(await api('GET', `/v1/shipping-methods?zoneId=${zoneId}`, { token }));
    assert.deepEqual(listed.methods.map((m: any) => m.id).sort(), [standardId, expressId].sort());
    const updated = ok(await api('PATCH', `/v1/shipping-methods/${expressId}?updateMask=minBusinessDays,maxBusinessDays`, { token, json: { minBusinessDays: 1, maxBusinessDays: 2, etag: got.etag } }));
    assert.deepEqual([updated.maxBusinessDays, updated.etag !== got.etag, updated.name], [2, true, 'Express']);
    const stale = await api('PATCH', `/v1/shipping-methods/${expressId}?updateMask=name`, { token, json: { name: 'Express+', etag: got.etag } });
    assert.equal(stale.status, 409);
    assert.equal(errorReason(stale.body), 'ETAG_MISMATCH');
    const zones = ok(await api('GET', '/v1/shipping-zones?pageSize=200', { token }));
    assert.ok(zones.zones.some((z: any) => z.id === zoneId));
  });

  test('a zone with methods cannot be deleted; an empty one can', async () => {
    const token = await admin();
    const inUse = await api('DELETE', `/v1/shipping-zones/${zoneId}`, { token });
    assert.equal(inUse.status, 400);
    assert.equal(errorReason(inUse.body), 'ZONE_IN_USE');
    const empty = ok(await api('POST', '/v1/shipping-zones', { token, json: { name: unique('Iceland'), countryCodes: ['IS'] } }));
    ok(await api('DELETE', `/v1/shipping-zones/${empty.id}`, { token }));
    assert.equal((await api('GET', `/v1/shipping-zones/${empty.id}`, { token })).status, 404);
  });

  test('a zone deleted while a method is added to it never keeps a method', async () => {
    const token = await admin();
    for (let round = 0; round < 5; round++) {
      const zone = ok(await api('POST', '/v1/shipping-zones', { token, json: { name: unique('Race'), countryCodes: ['IS'] } }));
      const [deleted, created] = await Promise.all([
        api('DELETE', `/v1/shipping-zones/${zone.id}`, { token }),
        api('POST', '/v1/shipping-methods', { token, json: { zoneId: zone.id, name: 'Race', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_FLAT', maxBusinessDays: 1, rates: [{ currencyCode: 'EUR', amountMinor: 1 }] } }),
      ]);
      const zoneAlive = (await api('GET', `/v1/shipping-zones/${zone.id}`, { token })).status === 200;
      const methods = ok(await api('GET', `/v1/shipping-methods?zoneId=${zone.id}`, { token })).methods;
      if (zoneAlive) assert.equal(deleted.status, 400, 'a live zone means its delete saw the method');
      else assert.deepEqual(methods, [], `round ${round}: method ${created.status} left in a deleted zone`);
    }
  });

  test('bad zones and methods name their fields', async () => {
    const token = await admin();
    const zone = await api('POST', '/v1/shipping-zones', { token, json: { name: '', countryCodes: ['XX'], regions: ['US-CA'] } });
    assert.equal(zone.status, 400);
    assert.deepEqual(violatedFields(zone.body), ['zone.country_codes', 'zone.name', 'zone.regions']);
    const method = await api('POST', '/v1/shipping-methods', { token, json: { zoneId, name: 'X', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_WEIGHT_BANDS', carrier: 'pigeon', maxBusinessDays: 1, rates: [{ currencyCode: 'EUR', bands: [] }] } });
    assert.deepEqual(violatedFields(method.body), ['method.carrier', 'method.rates[0].bands']);
    const noZone = await api('POST', '/v1/shipping-methods', { token, json: { zoneId: 'a'.repeat(24), name: 'X', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_FLAT', maxBusinessDays: 1, rates: [{ currencyCode: 'EUR', amountMinor: 1 }] } });
    assert.deepEqual(violatedFields(noZone.body), ['method.zone_id']);
    const twice = await api('POST', '/v1/shipping-methods', { token, json: { zoneId, name: 'express', kind: 'SHIPPING_METHOD_KIND_EXPRESS', rateType: 'RATE_TYPE_FLAT', maxBusinessDays: 1, rates: [{ currencyCode: 'EUR', amountMinor: 1 }] } });
    assert.equal(twice.status, 409);
    assert.equal(errorReason(twice.body), 'METHOD_NAME_TAKEN');
  });

  test('rate cards need fulfilment.manage: 401 anonymous, 403 customers', async () => {
    const customer = await newCustomer();
    for (const [method, path] of [['GET', '/v1/shipping-zones'], ['POST', '/v1/shipping-zones'], ['GET', '/v1/shipping-methods'], ['POST', '/v1/shipping-methods']] as const) {
      const anonymous = await api(method, path, method === 'POST' ? { json: {} } : {});
      assert.equal(anonymous.status, 401, `${method} ${path}`);
      const forbidden = await api(method, path, { token: customer.token, ...(method === 'POST' ? { json: {} } : {}) });
      assert.equal(forbidden.status, 403, `${method} ${path}`);
      assert.equal(errorReason(forbidden.body), 'PERMISSION_REQUIRED');
    }
  });
});

describe('address validation', () => {
  test('normalises a good address', async () => {
    const res = ok(await api('POST', '/v1/shipping/addresses:validate', { json: { fullName: ' Ann ', line1: '1 Main St', city: 'London', postalCode: 'sw1a1aa', countryCode: 'gb' } }));
    assert.deepEqual([res.fullName, res.postalCode, res.countryCode], ['Ann', 'SW1A 1AA', 'GB']);
  });
  test('names every bad field, per country', async () => {
    const res = await api('POST', '/v1/shipping/addresses:validate', { json: { fullName: '', line1: '1 Main St', city: 'SF', postalCode: '9410', countryCode: 'US', region: 'XX' } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['address.full_name', 'address.postal_code', 'address.region']);
  });
});
