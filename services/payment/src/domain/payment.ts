import { DomainError } from '../../../platform/src/errors.js';

/** Where a payment is in its life (see proto PaymentState). */
export type PaymentState = 'requires_action' | 'authorised' | 'captured' | 'partially_refunded' | 'refunded' | 'failed' | 'voided';

/** What one appended transaction did. */
export type TransactionKind = 'action_required' | 'authorisation' | 'capture' | 'refund' | 'void' | 'failure';

/** The figures every rule below reads; amounts in the payment's minor units. */
export interface PaymentFigures {
  state: PaymentState;
  provider: string;
  amountMinor: number;
  capturedMinor: number;
  refundedMinor: number;
}

/**
 * The state machine: requires_action -> authorised -> captured -> partially_refunded
 * -> refunded, with failed and voided as dead ends. A provider that captures at once
 * goes from requires_action or authorisation straight to captured.
 */
const NEXT: Readonly<Record<PaymentState, readonly PaymentState[]>> = {
  requires_action: ['authorised', 'captured', 'failed', 'voided'],
  authorised: ['captured', 'voided', 'failed'],
  captured: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  refunded: [],
  failed: [],
  voided: [],
};

export function canTransition(from: PaymentState, to: PaymentState): boolean {
  return NEXT[from].includes(to);
}

/** Throws the domain error for a transition the machine does not allow. */
export function assertTransition(from: PaymentState, to: PaymentState, paymentId: string): void {
  if (!canTransition(from, to)) {
    throw new DomainError('failed_precondition', 'ILLEGAL_PAYMENT_TRANSITION', `payment ${paymentId} is ${from.replace('_', ' ')} and cannot become ${to.replace('_', ' ')}`, {
      payment_id: paymentId,
      state: from,
      target_state: to,
    });
  }
}

/** A planned change: the amount it moves and the state after it. */
export interface Plan {
  kind: TransactionKind;
  amountMinor: number;
  state: PaymentState;
}

const invalidAmount = (description: string) =>
  new DomainError('invalid_argument', 'INVALID_ARGUMENT', `amount.amount_minor: ${description}`, {}, [{ field: 'amount.amount_minor', description }]);

/** Capture all (amount null) or part of what was authorised; the rest is released. */
export function planCapture(p: PaymentFigures, id: string, amountMinor: number | null): Plan {
  assertTransition(p.state, 'captured', id);
  if (p.state === 'requires_action') assertTransition(p.state, 'authorised', id); // capture needs an authorisation first
  if (p.state !== 'authorised') throw new DomainError('failed_precondition', 'ILLEGAL_PAYMENT_TRANSITION', `payment ${id} is ${p.state.replace('_', ' ')}; only an authorised payment can be captured`, { payment_id: id, state: p.state, target_state: 'captured' });
  const amount = amountMinor ?? p.amountMinor;
  if (amount <= 0) throw invalidAmount('must be more than zero');
  if (amount > p.amountMinor) throw invalidAmount(`must not exceed the authorised ${p.amountMinor}`);
  return { kind: 'capture', amountMinor: amount, state: 'captured' };
}

/** Refund part (or, with null, the rest) of what was captured; never more than captured minus refunded. */
export function planRefund(p: PaymentFigures, id: string, amountMinor: number | null): Plan {
  if (p.state !== 'captured' && p.state !== 'partially_refunded') assertTransition(p.state, 'refunded', id);
  const refundable = p.capturedMinor - p.refundedMinor;
  const amount = amountMinor ?? refundable;
  if (amount <= 0) throw invalidAmount('must be more than zero');
  if (amount > refundable) {
    throw new DomainError('failed_precondition', 'REFUND_EXCEEDS_CAPTURED', `payment ${id} has ${refundable} left to refund of ${p.capturedMinor} captured; cannot refund ${amount}`, {
      payment_id: id,
      refundable_minor: String(refundable),
    });
  }
  return { kind: 'refund', amountMinor: amount, state: amount === refundable ? 'refunded' : 'partially_refunded' };
}

/** Release an authorisation (or a payment still waiting for the customer). */
export function planVoid(p: PaymentFigures, id: string): Plan {
  assertTransition(p.state, 'voided', id);
  return { kind: 'void', amountMinor: p.amountMinor, state: 'voided' };
}

/** Staff record that a manual payment's money arrived. */
export function planMarkPaid(p: PaymentFigures, id: string): Plan {
  if (p.provider !== 'manual') {
    throw new DomainError('failed_precondition', 'NOT_A_MANUAL_PAYMENT', `payment ${id} is paid through ${p.provider}; only manual payments are marked paid by staff`, { payment_id: id, provider: p.provider });
  }
  assertTransition(p.state, 'captured', id);
  return { kind: 'capture', amountMinor: p.amountMinor, state: 'captured' };
}

/** The figures after a plan is carried out. */
export function applyPlan(p: PaymentFigures, plan: Plan): PaymentFigures {
  return {
    ...p,
    state: plan.state,
    capturedMinor: plan.kind === 'capture' ? plan.amountMinor : p.capturedMinor,
    refundedMinor: plan.kind === 'refund' ? p.refundedMinor + plan.amountMinor : p.refundedMinor,
  };
}

/** The event subject (shop.payment.<event>) a new state is announced on. */
export function eventOfState(state: PaymentState): 'action_required' | 'authorised' | 'captured' | 'failed' | 'voided' | 'refunded' {
  switch (state) {
    case 'requires_action':
      return 'action_required';
    case 'partially_refunded':
    case 'refunded':
      return 'refunded';
    default:
      return state;
  }
}
