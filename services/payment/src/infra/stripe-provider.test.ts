import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type Stripe from 'stripe';
import { eventsOf, stateOfIntent } from './stripe-provider.js';

describe('Stripe adapter', () => {
  test('maps PaymentIntent statuses onto the payment state machine', () => {
    const cases: Array<[Stripe.PaymentIntent.Status, string]> = [
      ['requires_capture', 'authorised'], ['succeeded', 'captured'], ['requires_action', 'requires_action'],
      ['processing', 'requires_action'], ['requires_payment_method', 'failed'], ['canceled', 'failed'],
    ];
    for (const [status, state] of cases) assert.equal(stateOfIntent({ status }), state, status);
  });

  test('follows the events that move a payment and drops the rest', () => {
    const ev = (type: string, object: Record<string, unknown>) => ({ id: 'evt_1', type, data: { object } }) as unknown as Stripe.Event;
    assert.deepEqual(eventsOf(ev('payment_intent.succeeded', { id: 'pi_1', amount_received: 500 })), [{ id: 'evt_1', reference: 'pi_1', kind: 'captured', amountMinor: 500 }]);
    assert.deepEqual(eventsOf(ev('charge.refunded', { id: 'ch_1', payment_intent: 'pi_1', amount_refunded: 200 })), [{ id: 'evt_1', reference: 'pi_1', kind: 'refunded', amountMinor: 200 }]);
    assert.equal(eventsOf(ev('payment_intent.payment_failed', { id: 'pi_1', last_payment_error: { decline_code: 'insufficient_funds' } }))[0]?.failureCode, 'insufficient_funds');
    assert.deepEqual(eventsOf(ev('customer.created', { id: 'cus_1' })), []);
  });
});
