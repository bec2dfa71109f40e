import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_PRODUCTS, seedDemoInventory } from '../../../tools/seed.js';
import { admin, api, edgeUrl } from '../../../tools/testing/edge.js';

test('the demo seed stocks every demo product in the main warehouse, and a second run adds nothing', async () => {
  const token = await admin();
  await seedDemoInventory(edgeUrl(), token);
  const skus = DEMO_PRODUCTS.map((p) => `skus=${p.sku}`).join('&');
  const first = await api('GET', `/v1/availability?${skus}`);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  for (const a of first.body.availability) assert.ok(Number(a.available) >= 10 && a.inStock, `${a.sku} is in stock`);
  await seedDemoInventory(edgeUrl(), token);
  const second = await api('GET', `/v1/availability?${skus}`);
  assert.deepEqual(second.body, first.body);
});
