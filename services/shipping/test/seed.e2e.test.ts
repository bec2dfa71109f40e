import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admin, api, edgeUrl } from '../../../tools/testing/edge.js';
import { DEMO_SHIPPING, seedDemoShipping } from '../../../tools/seed.js';
import { ok } from './helpers.js';

test('the demo seed creates a zone for DE, FR, NL, GB and US with standard and express in EUR and USD, once', async () => {
  const token = await admin();
  const [a, b] = await Promise.all([seedDemoShipping(edgeUrl(), token), seedDemoShipping(edgeUrl(), token)]);
  assert.ok(a + b >= 3 || a + b === 0, `created ${a} + ${b}`);
  assert.equal(await seedDemoShipping(edgeUrl(), token), 0, 'a second seed creates nothing');
  const zones = ok(await api('GET', '/v1/shipping-zones?pageSize=200', { token })).zones.filter((z: any) => z.name === DEMO_SHIPPING.zone.name);
  assert.equal(zones.length, 1);
  const methods = ok(await api('GET', `/v1/shipping-methods?zoneId=${zones[0].id}`, { token })).methods;
  assert.deepEqual(methods.map((m: any) => m.name).sort(), ['Express', 'Standard']);
  for (const [country, currency] of [['DE', 'EUR'], ['FR', 'EUR'], ['NL', 'EUR'], ['GB', 'EUR'], ['US', 'USD']]) {
    const res = ok(await api('POST', '/v1/shipping:quote', { json: { destination: { countryCode: country }, items: [{ sku: 'MUG', quantity: 2, weightGrams: 350 }], subtotal: { currencyCode: currency, amountMinor: 2980 } } }));
    const demo = res.quotes.filter((q: any) => q.zoneId === zones[0].id);
    assert.deepEqual(demo.map((q: any) => [q.name, q.price.currencyCode]), [['Standard', currency], ['Express', currency]], country);
  }
});
