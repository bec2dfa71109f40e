import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { domainErrorOf, violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { assertTransition, receive, restockQuantity } from './purchase-order.js';

const line = (sku: string, ordered: number, received = 0) => ({ sku, ordered, received, unitCostMinor: 100 });

describe('purchase order receiving', () => {
  test('a partial delivery leaves the order partially received; the rest completes it', () => {
    const first = receive([line('A', 10), line('B', 5)], [{ sku: 'A', quantity: 10 }], false);
    assert.equal(first.state, 'partially_received');
    const second = receive(first.lines, [{ sku: 'B', quantity: 5 }], false);
    assert.equal(second.state, 'received');
    assert.deepEqual(second.lines.map((l) => l.received), [10, 5]);
  });
  test('over-receipt is refused naming the line, unless allowed', () => {
    assert.deepEqual(violatedFieldsOf(() => receive([line('A', 10, 8)], [{ sku: 'A', quantity: 3 }], false)), ['lines[0].quantity']);
    assert.equal(receive([line('A', 10, 8)], [{ sku: 'A', quantity: 3 }], true).lines[0]!.received, 11);
  });
  test('a SKU not on the order is refused', () => {
    assert.deepEqual(violatedFieldsOf(() => receive([line('A', 1)], [{ sku: 'A', quantity: 1 }, { sku: 'Z', quantity: 1 }], false)), ['lines[1].sku']);
  });
});

describe('purchase order transitions', () => {
  test('only drafts are sent; received and cancelled orders take no more deliveries', () => {
    assertTransition('po', 'draft', 'send');
    assert.equal(domainErrorOf(() => assertTransition('po', 'sent', 'send')).reason, 'PURCHASE_ORDER_STATE');
    assertTransition('po', 'partially_received', 'receive');
    assert.equal(domainErrorOf(() => assertTransition('po', 'draft', 'receive')).code, 'failed_precondition');
    assert.equal(domainErrorOf(() => assertTransition('po', 'cancelled', 'receive')).code, 'failed_precondition');
    assert.equal(domainErrorOf(() => assertTransition('po', 'partially_received', 'cancel')).code, 'failed_precondition');
  });
  test('restock quantities round up to whole packs', () => {
    assert.equal(restockQuantity(25, 12), 36);
    assert.equal(restockQuantity(24, 12), 24);
    assert.equal(restockQuantity(5, 0), 5);
  });
});
