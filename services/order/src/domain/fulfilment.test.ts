import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pathTo, targetStatus } from './fulfilment.js';

describe('shipping progress to order status', () => {
  const f = (shipped: number[], fullyShipped = false, fullyDelivered = false) => ({ shippedByLine: new Map(shipped.map((n, i) => [`l${i}`, n])), fullyShipped, fullyDelivered });
  test('nothing shipped: no change', () => assert.equal(targetStatus(f([0, 0])), null));
  test('some shipped', () => assert.equal(targetStatus(f([1, 0])), 'partially_shipped'));
  test('all shipped', () => assert.equal(targetStatus(f([2, 1], true)), 'shipped'));
  test('all delivered', () => assert.equal(targetStatus(f([2, 1], true, true)), 'delivered'));
});

describe('the way there', () => {
  test('confirmed to shipped', () => assert.deepEqual(pathTo('confirmed', 'shipped'), ['shipped']));
  test('processing to partially shipped', () => assert.deepEqual(pathTo('processing', 'partially_shipped'), ['partially_shipped']));
  test('a delivery seen before the shipment: through shipped', () => assert.deepEqual(pathTo('confirmed', 'delivered'), ['shipped', 'delivered']));
  test('partially shipped to delivered', () => assert.deepEqual(pathTo('partially_shipped', 'delivered'), ['shipped', 'delivered']));
  test('already there, or backwards: nothing', () => {
    assert.deepEqual(pathTo('shipped', 'shipped'), []);
    assert.deepEqual(pathTo('delivered', 'shipped'), []);
    assert.deepEqual(pathTo('shipped', 'partially_shipped'), []);
  });
  test('a cancelled order never ships', () => assert.deepEqual(pathTo('cancelled', 'shipped'), []));
});
