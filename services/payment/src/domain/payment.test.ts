import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { domainErrorOf } from '../../../../tools/testing/domain.js';
import { applyPlan, canTransition, planCapture, planMarkPaid, planRefund, planVoid, type PaymentFigures } from './payment.js';

const authorised: PaymentFigures = { state: 'authorised', provider: 'stripe', amountMinor: 10_000, capturedMinor: 0, refundedMinor: 0 };
const captured: PaymentFigures = { ...authorised, state: 'captured', capturedMinor: 10_000 };

describe('payment state machine', () => {
  test('captures part of an authorisation and never more than authorised', () => {
    assert.deepEqual(planCapture(authorised, 'p', 4_000), { kind: 'capture', amountMinor: 4_000, state: 'captured' });
    assert.equal(planCapture(authorised, 'p', null).amountMinor, 10_000);
    assert.deepEqual(domainErrorOf(() => planCapture(authorised, 'p', 10_001)).fieldViolations.map((v) => v.field), ['amount.amount_minor']);
    assert.equal(domainErrorOf(() => planCapture(authorised, 'p', 0)).code, 'invalid_argument');
  });

  test('refuses to capture twice, or a failed, voided or waiting payment', () => {
    for (const state of ['captured', 'failed', 'voided', 'requires_action', 'refunded'] as const) {
      const err = domainErrorOf(() => planCapture({ ...authorised, state }, 'p', null));
      assert.equal(err.reason, 'ILLEGAL_PAYMENT_TRANSITION', state);
      assert.equal(err.code, 'failed_precondition');
    }
  });

  test('a partial refund then the rest ends refunded', () => {
    const first = planRefund(captured, 'p', 3_000);
    assert.equal(first.state, 'partially_refunded');
    const after = applyPlan(captured, first);
    assert.equal(after.refundedMinor, 3_000);
    const rest = planRefund(after, 'p', null);
    assert.deepEqual(rest, { kind: 'refund', amountMinor: 7_000, state: 'refunded' });
    assert.equal(applyPlan(after, rest).refundedMinor, 10_000);
  });

  test('rejects a refund larger than what was captured', () => {
    const partial = { ...captured, capturedMinor: 6_000 };
    assert.equal(domainErrorOf(() => planRefund(partial, 'p', 6_001)).reason, 'REFUND_EXCEEDS_CAPTURED');
    const refunded = { ...captured, state: 'refunded' as const, refundedMinor: 10_000 };
    assert.equal(domainErrorOf(() => planRefund(refunded, 'p', 1)).reason, 'ILLEGAL_PAYMENT_TRANSITION');
    assert.equal(domainErrorOf(() => planRefund(authorised, 'p', 1)).reason, 'ILLEGAL_PAYMENT_TRANSITION');
  });

  test('voids only before capture', () => {
    assert.equal(planVoid(authorised, 'p').state, 'voided');
    assert.equal(planVoid({ ...authorised, state: 'requires_action' }, 'p').state, 'voided');
    assert.equal(domainErrorOf(() => planVoid(captured, 'p')).reason, 'ILLEGAL_PAYMENT_TRANSITION');
  });

  test('only manual payments are marked paid by staff', () => {
    const waiting = { ...authorised, provider: 'manual', state: 'requires_action' as const };
    assert.equal(planMarkPaid(waiting, 'p').state, 'captured');
    assert.equal(domainErrorOf(() => planMarkPaid({ ...waiting, provider: 'stripe' }, 'p')).reason, 'NOT_A_MANUAL_PAYMENT');
    assert.equal(domainErrorOf(() => planMarkPaid({ ...waiting, state: 'voided' }, 'p')).reason, 'ILLEGAL_PAYMENT_TRANSITION');
  });

  test('dead ends stay dead', () => {
    for (const from of ['failed', 'voided', 'refunded'] as const) {
      for (const to of ['requires_action', 'authorised', 'captured', 'refunded', 'voided'] as const) assert.ok(!canTransition(from, to), `${from} -> ${to}`);
    }
    assert.ok(!canTransition('captured', 'authorised'), 'no way back');
  });
});
