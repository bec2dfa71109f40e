import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { DomainError } from '../../../platform/src/errors.js';
import { outboxPush } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import { canTransition, type PaymentState, type TransactionKind } from '../domain/payment.js';
import type { PaymentDoc } from '../infra/models.js';
import { paymentEvent } from './messages.js';
import { ProviderUnavailableError, WebhookSignatureError, type PaymentProvider, type ProviderEvent } from './providers.js';

/** What a provider event asks of a payment: the new state and what to record, or nothing. */
export function webhookChange(doc: Pick<PaymentDoc, 'state' | 'amountMinor' | 'capturedMinor' | 'refundedMinor' | 'transactions'>, event: ProviderEvent):
  | { state: PaymentState; kind: TransactionKind; amountMinor: number; capturedMinor: number; refundedMinor: number }
  | null {
  // A duplicate delivery finds its own transaction.
  if (doc.transactions.some((t) => t.providerEventId === event.id)) return null;
  if (event.kind === 'refunded') {
    // The provider sends its running total; only the part we have not recorded is new
    // (our own refunds were recorded when we made them).
    const total = Math.min(event.amountMinor ?? 0, doc.capturedMinor);
    if (total <= doc.refundedMinor) return null;
    const state: PaymentState = total === doc.capturedMinor ? 'refunded' : 'partially_refunded';
    if (!canTransition(doc.state, state)) return null;
    return { state, kind: 'refund', amountMinor: total - doc.refundedMinor, capturedMinor: doc.capturedMinor, refundedMinor: total };
  }
  const state: PaymentState = event.kind;
  // Out of order (an "authorised" after "captured") or after a dead end: nothing to do.
  if (!canTransition(doc.state, state)) return null;
  const kind: TransactionKind = { authorised: 'authorisation', captured: 'capture', failed: 'failure', voided: 'void' }[event.kind] as TransactionKind;
  const captured = state === 'captured' ? Math.min(event.amountMinor ?? doc.amountMinor, doc.amountMinor) : doc.capturedMinor;
  return { state, kind, amountMinor: state === 'captured' ? captured : doc.amountMinor, capturedMinor: captured, refundedMinor: doc.refundedMinor };
}

/**
 * Provider webhooks: verify the signature over the raw body, then move each payment
 * the events name forward, at most once per event, conditioned on the revision read.
 * Unknown payments are ignored (the synchronous answer to AuthorisePayment recorded
 * our own); a payment with an operation in flight answers 409 so the provider retries.
 */
export class Webhooks {
  constructor(
    private readonly payments: Model<PaymentDoc>,
    private readonly providers: ReadonlyMap<string, PaymentProvider>,
    private readonly logger: Logger,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  async handle(providerName: string, rawBody: Buffer, header: (name: string) => string | undefined): Promise<{ applied: number }> {
    const provider = this.providers.get(providerName);
    if (!provider?.parseWebhook) {
      throw new DomainError('not_found', 'WEBHOOK_PROVIDER_NOT_FOUND', `no webhook for provider "${providerName}"`, { provider: providerName });
    }
    let events: ProviderEvent[];
    try {
      events = await provider.parseWebhook(rawBody, header);
    } catch (err) {
      if (err instanceof WebhookSignatureError) {
        this.logger.warn('webhook signature rejected', { provider: providerName, reason: err.message });
        throw new DomainError('invalid_argument', 'WEBHOOK_SIGNATURE_INVALID', err.message, { provider: providerName });
      }
      // The provider's verification service is down: 503, so the provider delivers again.
      if (err instanceof ProviderUnavailableError) throw new DomainError('unavailable', 'PROVIDER_UNAVAILABLE', err.message, { provider: providerName });
      throw new DomainError('invalid_argument', 'WEBHOOK_MALFORMED', 'the webhook body is not a valid event', { provider: providerName });
    }
    let applied = 0;
    for (const event of events) if (await this.apply(providerName, event)) applied++;
    return { applied };
  }

  private async apply(provider: string, event: ProviderEvent): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc = await this.payments.findOne({ provider, providerReference: event.reference }, { outbox: 0 }).lean<PaymentDoc>();
      if (!doc) return false;
      const change = webhookChange(doc, event);
      if (!change) return false;
      if (doc.pendingOp && doc.pendingOp.leaseUntil > new Date()) {
        throw new DomainError('aborted', 'PAYMENT_BUSY', 'the payment has an operation in progress; deliver the event again later', { payment_id: doc._id.toHexString() });
      }
      const now = new Date();
      const tx = { id: randomUUID(), kind: change.kind, amountMinor: change.amountMinor, providerReference: event.transactionReference ?? event.reference, stateAfter: change.state, source: 'webhook' as const, providerEventId: event.id, idempotencyKey: '', createdAt: now };
      const failure = change.state === 'failed' ? { failureCode: event.failureCode ?? 'payment_failed', failureMessage: event.failureMessage ?? 'the payment failed' } : {};
      const next: PaymentDoc = { ...doc, ...failure, state: change.state, capturedMinor: change.capturedMinor, refundedMinor: change.refundedMinor, nextActionUrl: '', transactions: [...doc.transactions, tx], revision: doc.revision + 1, updatedAt: now };
      const written = await this.payments.updateOne(
        { _id: doc._id, revision: doc.revision },
        {
          $set: { ...failure, state: next.state, capturedMinor: next.capturedMinor, refundedMinor: next.refundedMinor, nextActionUrl: '', updatedAt: now },
          $inc: { revision: 1 },
          $push: { transactions: tx, ...outboxPush(paymentEvent(next, change.amountMinor, now)) },
        },
        { timestamps: false },
      );
      if (written.modifiedCount === 1) {
        this.onWrite();
        return true;
      }
    }
    throw new DomainError('aborted', 'CONCURRENT_UPDATES', 'the payment is being changed concurrently; deliver the event again later');
  }
}
