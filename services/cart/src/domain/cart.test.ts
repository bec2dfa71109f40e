import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../../platform/src/errors.js';
import { addUnits, assertOpen, mergeLines, newCart, rememberKey, setQuantity, type CartLimits, type CartLineDoc } from './cart.js';

const limits: CartLimits = { maxLineQuantity: 10, maxLines: 3, maxCartQuantity: 20 };
const line = (sku: string, quantity: number, id = sku): CartLineDoc => ({ id, sku, quantity });
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DomainError);
    return err.reason;
  }
  assert.fail('expected a DomainError');
};

describe('adding units', () => {
  test('a new SKU appends a line', () => {
    const lines = addUnits([line('A', 1)], 'B', 2, limits);
    assert.deepEqual(lines.map((l) => [l.sku, l.quantity]), [['A', 1], ['B', 2]]);
  });
  test('a SKU already there raises its quantity and keeps its line id', () => {
    const lines = addUnits([line('A', 1, 'a1')], 'A', 2, limits);
    assert.deepEqual(lines, [{ id: 'a1', sku: 'A', quantity: 3 }]);
  });
  test('the per-line limit', () => assert.equal(reason(() => addUnits([line('A', 9)], 'A', 2, limits)), 'CART_LIMIT'));
  test('the number of lines', () => assert.equal(reason(() => addUnits([line('A', 1), line('B', 1), line('C', 1)], 'D', 1, limits)), 'CART_LIMIT'));
  test('the cart total', () => assert.equal(reason(() => addUnits([line('A', 10), line('B', 10)], 'C', 1, limits)), 'CART_LIMIT'));
});

describe('setting a quantity', () => {
  const cart = { ...newCart('c1', 'EUR', {}, new Date()), lines: [line('A', 2, 'a1'), line('B', 1, 'b1')] };
  test('changes one line', () => assert.deepEqual(setQuantity(cart, 'a1', 5, limits).map((l) => l.quantity), [5, 1]));
  test('0 removes the line', () => assert.deepEqual(setQuantity(cart, 'a1', 0, limits).map((l) => l.id), ['b1']));
  test('an unknown line is NOT_FOUND', () => assert.equal(reason(() => setQuantity(cart, 'zz', 1, limits)), 'CART_LINE_NOT_FOUND'));
  test('over the limit is refused', () => assert.equal(reason(() => setQuantity(cart, 'a1', 11, limits)), 'CART_LIMIT'));
});

describe('merging a guest cart into a customer cart', () => {
  test('quantities of the same SKU add up and new SKUs are appended', () => {
    const merged = mergeLines([line('A', 2)], [line('A', 3), line('B', 1)], limits);
    assert.deepEqual(merged.map((l) => [l.sku, l.quantity]), [['A', 5], ['B', 1]]);
  });
  test('capped at the per-line limit', () => {
    assert.deepEqual(mergeLines([line('A', 8)], [line('A', 5)], limits).map((l) => l.quantity), [10]);
  });
  test('lines beyond the line count are dropped, not failed', () => {
    const merged = mergeLines([line('A', 1), line('B', 1), line('C', 1)], [line('D', 1), line('A', 1)], limits);
    assert.deepEqual(merged.map((l) => [l.sku, l.quantity]), [['A', 2], ['B', 1], ['C', 1]]);
  });
  test('capped at the cart total', () => {
    const merged = mergeLines([line('A', 10), line('B', 8)], [line('C', 5)], limits);
    assert.deepEqual(merged.map((l) => [l.sku, l.quantity]), [['A', 10], ['B', 8], ['C', 2]]);
  });
});

describe('cart state', () => {
  const cart = newCart('c1', 'EUR', {}, new Date());
  test('open carts can change', () => assert.doesNotThrow(() => assertOpen(cart)));
  test('a running checkout refuses changes', () => assert.equal(reason(() => assertOpen({ ...cart, state: 'checking_out' })), 'CHECKOUT_IN_PROGRESS'));
  test('a completed cart refuses changes', () => assert.equal(reason(() => assertOpen({ ...cart, state: 'completed' })), 'CART_CLOSED'));
});

test('idempotency keys: only the most recent are kept; an empty key is not remembered', () => {
  let keys: string[] = [];
  for (let i = 0; i < 25; i++) keys = rememberKey(keys, `k${i}`);
  assert.equal(keys.length, 20);
  assert.equal(keys[0], 'k5');
  assert.deepEqual(rememberKey(['a'], ''), ['a']);
});
