import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { planAllocation, reservable, skuTotals } from './allocation.js';

const wh = (warehouseId: string, available: number, backorderLimit = 0) => ({ warehouseId, available, backorderLimit });

describe('planAllocation', () => {
  test('takes from the first warehouse by priority when it has enough', () => {
    assert.deepEqual(planAllocation([wh('a', 5), wh('b', 5)], 3), [{ warehouseId: 'a', qty: 3 }]);
  });
  test('splits a line across warehouses in priority order', () => {
    assert.deepEqual(planAllocation([wh('a', 2), wh('b', 0), wh('c', 5)], 4), [{ warehouseId: 'a', qty: 2 }, { warehouseId: 'c', qty: 2 }]);
  });
  test('uses back-order headroom only after all physical stock', () => {
    assert.deepEqual(planAllocation([wh('a', 0, 10), wh('b', 3)], 5), [{ warehouseId: 'a', qty: 2 }, { warehouseId: 'b', qty: 3 }]);
  });
  test('returns null when stock and back-orders cannot cover it', () => {
    assert.equal(planAllocation([wh('a', 2, 1), wh('b', -1, 1)], 4), null);
  });
  test('a negative level (back-ordered) offers only what is left of its limit', () => {
    assert.deepEqual(planAllocation([wh('a', -3, 5)], 2), [{ warehouseId: 'a', qty: 2 }]);
    assert.equal(planAllocation([wh('a', -3, 5)], 3), null);
  });
  test('never plans more than a level can give, and always exactly the quantity', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ available: fc.integer({ min: -5, max: 20 }), backorderLimit: fc.integer({ min: 0, max: 10 }) }), { maxLength: 5 }), fc.integer({ min: 1, max: 60 }), (raw, qty) => {
        const levels = raw.map((r, i) => wh(`w${i}`, r.available, r.backorderLimit));
        const plan = planAllocation(levels, qty);
        if (plan === null) return assert.ok(reservable(levels) < qty);
        assert.equal(plan.reduce((s, t) => s + t.qty, 0), qty);
        for (const t of plan) {
          const l = levels.find((x) => x.warehouseId === t.warehouseId)!;
          assert.ok(t.qty > 0 && t.qty <= l.available + l.backorderLimit);
        }
      }),
    );
  });
});

describe('skuTotals', () => {
  test('available never counts a back-ordered warehouse as negative', () => {
    assert.deepEqual(skuTotals([wh('a', -2, 5), wh('b', 4)]), { available: 4, inStock: true, reservable: 7, backorder: false });
  });
  test('out of stock without back-orders; in stock (back-order) with headroom', () => {
    assert.equal(skuTotals([wh('a', 0)]).inStock, false);
    assert.deepEqual(skuTotals([wh('a', 0, 3)]), { available: 0, inStock: true, reservable: 3, backorder: true });
  });
});
