import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../../platform/src/errors.js';
import { assertMove, canMove, cancellableBy, shippingStatus, type OrderStatusName } from './status.js';

const ALL: OrderStatusName[] = ['pending', 'awaiting_payment', 'confirmed', 'processing', 'partially_shipped', 'shipped', 'delivered', 'cancelled', 'payment_failed'];

describe('order state machine', () => {
  const allowed: Array<[OrderStatusName, OrderStatusName]> = [
    ['pending', 'confirmed'], ['pending', 'awaiting_payment'], ['pending', 'payment_failed'], ['awaiting_payment', 'confirmed'],
    ['confirmed', 'processing'], ['processing', 'shipped'], ['processing', 'partially_shipped'], ['partially_shipped', 'shipped'],
    ['shipped', 'delivered'], ['confirmed', 'cancelled'], ['processing', 'cancelled'],
  ];
  for (const [from, to] of allowed) test(`${from} -> ${to} is allowed`, () => assert.ok(canMove(from, to)));

  const refused: Array<[OrderStatusName, OrderStatusName]> = [
    ['pending', 'shipped'], ['confirmed', 'delivered'], ['shipped', 'cancelled'], ['partially_shipped', 'cancelled'],
    ['delivered', 'cancelled'], ['cancelled', 'confirmed'], ['payment_failed', 'confirmed'], ['shipped', 'processing'],
  ];
  for (const [from, to] of refused) {
    test(`${from} -> ${to} is refused with ILLEGAL_ORDER_TRANSITION`, () => {
      assert.throws(() => assertMove('o1', from, to), (err: unknown) => err instanceof DomainError && err.reason === 'ILLEGAL_ORDER_TRANSITION' && err.code === 'failed_precondition');
    });
  }

  test('terminal states go nowhere', () => {
    for (const from of ['delivered', 'cancelled', 'payment_failed'] as const) for (const to of ALL) assert.equal(canMove(from, to), false, `${from} -> ${to}`);
  });
});

describe('who may cancel', () => {
  test('customers until the order is being prepared', () => {
    assert.deepEqual(ALL.filter((s) => cancellableBy(s, false)), ['pending', 'awaiting_payment', 'confirmed']);
  });
  test('staff until it ships', () => {
    assert.deepEqual(ALL.filter((s) => cancellableBy(s, true)), ['pending', 'awaiting_payment', 'confirmed', 'processing']);
  });
});

describe('shipping progress', () => {
  test('nothing shipped', () => assert.equal(shippingStatus([{ quantity: 2, shippedQuantity: 0 }]), null));
  test('some lines or units', () => assert.equal(shippingStatus([{ quantity: 2, shippedQuantity: 1 }, { quantity: 1, shippedQuantity: 0 }]), 'partially_shipped'));
  test('everything', () => assert.equal(shippingStatus([{ quantity: 2, shippedQuantity: 2 }, { quantity: 1, shippedQuantity: 1 }]), 'shipped'));
});
