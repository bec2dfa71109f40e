import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TransactionDoc } from '../infra/models.js';
import { webhookChange } from './webhooks.js';

const tx = (providerEventId: string): TransactionDoc => ({ id: 't', kind: 'capture', amountMinor: 1, providerReference: '', stateAfter: 'captured', source: 'webhook', providerEventId, idempotencyKey: '', createdAt: new Date() });
const authorised = { state: 'authorised' as const, amountMinor: 10_000, capturedMinor: 0, refundedMinor: 0, transactions: [] as TransactionDoc[] };
const captured = { ...authorised, state: 'captured' as const, capturedMinor: 10_000 };

describe('webhookChange', () => {
  test('moves a payment forward and records what the provider took', () => {
    assert.deepEqual(webhookChange(authorised, { id: 'e1', reference: 'pi', kind: 'captured', amountMinor: 9_000 }), { state: 'captured', kind: 'capture', amountMinor: 9_000, capturedMinor: 9_000, refundedMinor: 0 });
    assert.equal(webhookChange({ ...authorised, state: 'requires_action' }, { id: 'e1', reference: 'pi', kind: 'authorised' })?.state, 'authorised');
  });

  test('a duplicate delivery finds its own transaction and does nothing', () => {
    assert.equal(webhookChange({ ...captured, transactions: [tx('e1')] }, { id: 'e1', reference: 'pi', kind: 'captured' }), null);
  });

  test('out-of-order and dead-end events do nothing', () => {
    assert.equal(webhookChange(captured, { id: 'e2', reference: 'pi', kind: 'authorised' }), null);
    assert.equal(webhookChange({ ...authorised, state: 'voided' }, { id: 'e3', reference: 'pi', kind: 'captured' }), null);
    assert.equal(webhookChange({ ...authorised, state: 'failed' }, { id: 'e4', reference: 'pi', kind: 'authorised' }), null);
  });

  test('a refund total records only what is new and never more than captured', () => {
    const partly = { ...captured, state: 'partially_refunded' as const, refundedMinor: 3_000 };
    assert.equal(webhookChange(partly, { id: 'r1', reference: 'pi', kind: 'refunded', amountMinor: 3_000 }), null, 'our own refund, reported back');
    assert.deepEqual(webhookChange(partly, { id: 'r2', reference: 'pi', kind: 'refunded', amountMinor: 5_000 }), { state: 'partially_refunded', kind: 'refund', amountMinor: 2_000, capturedMinor: 10_000, refundedMinor: 5_000 });
    assert.equal(webhookChange(partly, { id: 'r3', reference: 'pi', kind: 'refunded', amountMinor: 99_999 })?.refundedMinor, 10_000);
    assert.equal(webhookChange(partly, { id: 'r3', reference: 'pi', kind: 'refunded', amountMinor: 99_999 })?.state, 'refunded');
    assert.equal(webhookChange(authorised, { id: 'r4', reference: 'pi', kind: 'refunded', amountMinor: 100 }), null, 'nothing captured, nothing to refund');
  });
});
