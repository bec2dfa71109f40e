import {
  PaymentState as PaymentStateProto,
  TransactionKind as TransactionKindProto,
  type Payment,
} from '../../../../gen/shop/payment/v1/payment_service.js';
import {
  PaymentActionRequired,
  PaymentAuthorised,
  PaymentCaptured,
  PaymentFailed,
  PaymentRefunded,
  PaymentVoided,
} from '../../../../gen/shop/payment/v1/events.js';
import { eventSubject, outboxEntry, type OutboxEntry } from '../../../platform/src/events/index.js';
import { eventOfState, type PaymentState, type TransactionKind } from '../domain/payment.js';
import type { PaymentDoc } from '../infra/models.js';

const STATES: Record<PaymentState, PaymentStateProto> = {
  requires_action: PaymentStateProto.PAYMENT_STATE_REQUIRES_ACTION,
  authorised: PaymentStateProto.PAYMENT_STATE_AUTHORISED,
  captured: PaymentStateProto.PAYMENT_STATE_CAPTURED,
  partially_refunded: PaymentStateProto.PAYMENT_STATE_PARTIALLY_REFUNDED,
  refunded: PaymentStateProto.PAYMENT_STATE_REFUNDED,
  failed: PaymentStateProto.PAYMENT_STATE_FAILED,
  voided: PaymentStateProto.PAYMENT_STATE_VOIDED,
};

const KINDS: Record<TransactionKind, TransactionKindProto> = {
  action_required: TransactionKindProto.TRANSACTION_KIND_ACTION_REQUIRED,
  authorisation: TransactionKindProto.TRANSACTION_KIND_AUTHORISATION,
  capture: TransactionKindProto.TRANSACTION_KIND_CAPTURE,
  refund: TransactionKindProto.TRANSACTION_KIND_REFUND,
  void: TransactionKindProto.TRANSACTION_KIND_VOID,
  failure: TransactionKindProto.TRANSACTION_KIND_FAILURE,
};

/** Proto state -> domain state ('' for UNSPECIFIED, meaning "any" in filters). */
export function stateFromProto(state: PaymentStateProto): PaymentState | '' {
  return (Object.entries(STATES).find(([, v]) => v === state)?.[0] as PaymentState | undefined) ?? '';
}

export type PaymentView = Omit<PaymentDoc, 'outbox' | 'pendingOp' | 'authoriseKey'>;

/** The API's view of a payment; the internal bookkeeping (claims, keys) stays inside. */
export function toPaymentMessage(doc: PaymentView, withTransactions = true): Payment {
  const money = (amountMinor: number) => ({ currencyCode: doc.currencyCode, amountMinor });
  return {
    id: doc._id.toHexString(),
    orderId: doc.orderId,
    customerId: doc.customerId,
    provider: doc.provider,
    state: STATES[doc.state],
    amount: money(doc.amountMinor),
    captured: money(doc.capturedMinor),
    refunded: money(doc.refundedMinor),
    providerReference: doc.providerReference,
    nextActionUrl: doc.nextActionUrl,
    failureMessage: doc.failureMessage,
    failureCode: doc.failureCode,
    transactions: withTransactions
      ? doc.transactions.map((t) => ({
          id: t.id,
          kind: KINDS[t.kind],
          amount: money(t.amountMinor),
          providerReference: t.providerReference,
          stateAfter: STATES[t.stateAfter],
          source: t.source,
          providerEventId: t.providerEventId,
          createTime: t.createdAt,
        }))
      : [],
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}

/**
 * The event announcing a payment's new state on shop.payment.<event>, carrying the
 * whole payment (with its order id), so the order service can complete an order whose
 * client never came back. `amountMinor` is what this step moved (captures, refunds).
 */
export function paymentEvent(doc: PaymentView, amountMinor: number, at: Date): OutboxEntry {
  const payment = toPaymentMessage(doc);
  const amount = { currencyCode: doc.currencyCode, amountMinor };
  const name = eventOfState(doc.state);
  const subject = eventSubject('payment', name);
  switch (name) {
    case 'action_required':
      return outboxEntry(subject, 'shop.payment.v1.PaymentActionRequired', PaymentActionRequired.encode({ payment, occurTime: at }).finish());
    case 'authorised':
      return outboxEntry(subject, 'shop.payment.v1.PaymentAuthorised', PaymentAuthorised.encode({ payment, occurTime: at }).finish());
    case 'captured':
      return outboxEntry(subject, 'shop.payment.v1.PaymentCaptured', PaymentCaptured.encode({ payment, amount, occurTime: at }).finish());
    case 'failed':
      return outboxEntry(subject, 'shop.payment.v1.PaymentFailed', PaymentFailed.encode({ payment, occurTime: at }).finish());
    case 'voided':
      return outboxEntry(subject, 'shop.payment.v1.PaymentVoided', PaymentVoided.encode({ payment, occurTime: at }).finish());
    case 'refunded':
      return outboxEntry(subject, 'shop.payment.v1.PaymentRefunded', PaymentRefunded.encode({ payment, amount, occurTime: at }).finish());
  }
}
