import { createHash, randomUUID } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import { Payment } from '../../../../gen/shop/payment/v1/payment_service.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { isSupportedCurrency } from '../../../platform/src/currency.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { outboxPush, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { IdempotencyStore, ResultCodec } from '../../../platform/src/idempotency.js';
import type { Money } from '../../../platform/src/money.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { resourceErrors } from '../../../platform/src/resource-errors.js';
import { applyPlan, planCapture, planMarkPaid, planRefund, planVoid, type PaymentFigures, type PaymentState, type Plan, type TransactionKind } from '../domain/payment.js';
import type { PaymentDoc, TransactionDoc } from '../infra/models.js';
import { paymentEvent, toPaymentMessage } from './messages.js';
import { ProviderRejectedError, ProviderUnavailableError, type AuthorisationResult, type PaymentProvider, type ProviderRefs } from './providers.js';

const { notFound } = resourceErrors('payment');

/** Audit action (payment.<verb>) of each staff or service operation. */
const AUDIT_ACTIONS: Readonly<Record<string, string>> = { capture: 'captured', void: 'voided', refund: 'refunded', mark_paid: 'marked_paid' };

/** Stored idempotent results are the Payment message itself. */
const paymentCodec: ResultCodec<Payment> = { encode: (p) => Payment.encode(p).finish(), decode: (b) => Payment.decode(b) };

export interface AuthoriseInput {
  idempotencyKey: string;
  orderId: string;
  customerId: string;
  amount: Money | undefined;
  provider: string;
  paymentMethodToken: string;
  providerCustomerId: string;
  returnUrl: string;
}

export interface PaymentSettings {
  capture: 'manual' | 'immediate';
  /** How long an operation's claim on a payment holds before another may take it over. */
  operationLeaseMs: number;
}

/** The key handed to a provider: stable per operation and caller key, within providers' 255-character limit. */
export function providerKey(operation: string, key: string): string {
  return `shopmesh-${operation}-${createHash('sha256').update(`${operation}:${key}`).digest('hex').slice(0, 40)}`;
}

/** The provider ids later operations need, from the payment and its transactions. */
function refsOf(doc: PaymentDoc): ProviderRefs {
  const last = (kind: TransactionKind) => [...doc.transactions].reverse().find((t) => t.kind === kind)?.providerReference ?? '';
  return { reference: doc.providerReference, authorisation: last('authorisation') || doc.providerReference, capture: last('capture') || doc.providerReference };
}

const figuresOf = (doc: PaymentDoc): PaymentFigures => ({ state: doc.state, provider: doc.provider, amountMinor: doc.amountMinor, capturedMinor: doc.capturedMinor, refundedMinor: doc.refundedMinor });

function transaction(kind: TransactionKind, amountMinor: number, stateAfter: PaymentState, source: TransactionDoc['source'], extra: Partial<TransactionDoc> = {}): TransactionDoc {
  return { id: randomUUID(), kind, amountMinor, providerReference: '', stateAfter, source, providerEventId: '', idempotencyKey: '', createdAt: new Date(), ...extra };
}

function providerFailure(err: unknown, provider: string): unknown {
  if (err instanceof ProviderUnavailableError) return new DomainError('unavailable', 'PROVIDER_UNAVAILABLE', `${provider} is unavailable; retry with the same idempotency key`, { provider });
  if (err instanceof ProviderRejectedError) return new DomainError('failed_precondition', 'PROVIDER_REJECTED', err.message, { provider, provider_code: err.code });
  return err;
}

/**
 * Payments: authorisation through a provider, then capture, void and refund. Every
 * call runs at most once per idempotency key (IdempotencyStore) and passes a key
 * derived from it to the provider; operations on one payment are serialised by a
 * claim in the payment document (see PendingOperation), and every change appends a
 * transaction and its event in one atomic update.
 */
export class Payments {
  constructor(
    private readonly payments: Model<PaymentDoc>,
    private readonly providers: ReadonlyMap<string, PaymentProvider>,
    private readonly idempotency: IdempotencyStore,
    private readonly settings: PaymentSettings,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  provider(name: string): PaymentProvider | undefined {
    return this.providers.get(name);
  }

  async authorise(input: AuthoriseInput): Promise<Payment> {
    const v = new Violations();
    if (!/^[\x21-\x7e]{1,128}$/.test(input.orderId)) v.add('order_id', 'is required: 1 to 128 printable characters');
    if (input.customerId.length > 128) v.add('customer_id', 'must be at most 128 characters');
    if (!input.amount) v.add('amount', 'is required');
    else {
      if (!isSupportedCurrency(input.amount.currencyCode)) v.add('amount.currency_code', 'must be a supported ISO 4217 code such as EUR, JPY or KWD');
      if (!Number.isSafeInteger(input.amount.amountMinor) || input.amount.amountMinor <= 0) v.add('amount.amount_minor', 'must be a whole number of minor units above zero');
    }
    const provider = this.providers.get(input.provider);
    if (!provider) v.add('provider', `must be one of the enabled providers: ${[...this.providers.keys()].join(', ')}`);
    else if (provider.needsToken && input.paymentMethodToken === '') v.add('payment_method_token', `is required for ${input.provider}`);
    if (input.paymentMethodToken.length > 255) v.add('payment_method_token', 'must be at most 255 characters');
    if (input.returnUrl !== '' && !/^https?:\/\/\S+$/.test(input.returnUrl)) v.add('return_url', 'must be an http(s) URL');
    v.throwIfAny();
    const { idempotencyKey, ...request } = input;
    return this.idempotency.run('authorise', idempotencyKey, request, async () => {
      // A call resumed after a crash finds the payment its predecessor stored.
      const existing = await this.payments.findOne({ authoriseKey: idempotencyKey }).lean<PaymentDoc>();
      if (existing) return toPaymentMessage(existing);
      let result: AuthorisationResult;
      try {
        result = await provider!.authorise({
          orderId: input.orderId,
          amount: input.amount!,
          paymentMethodToken: input.paymentMethodToken,
          providerCustomerId: input.providerCustomerId,
          returnUrl: input.returnUrl,
          capture: this.settings.capture,
          idempotencyKey: providerKey('authorise', idempotencyKey),
        });
      } catch (err) {
        throw providerFailure(err, input.provider);
      }
      return this.recordAuthorisation(input, result);
    }, paymentCodec);
  }

  private async recordAuthorisation(input: AuthoriseInput, result: AuthorisationResult): Promise<Payment> {
    const now = new Date();
    const amount = input.amount!;
    const kind: TransactionKind = { requires_action: 'action_required', authorised: 'authorisation', captured: 'capture', failed: 'failure' }[result.state] as TransactionKind;
    const doc: Omit<PaymentDoc, 'outbox'> = {
      _id: new Types.ObjectId(),
      orderId: input.orderId,
      customerId: input.customerId,
      provider: input.provider,
      state: result.state,
      currencyCode: amount.currencyCode,
      amountMinor: amount.amountMinor,
      capturedMinor: result.state === 'captured' ? amount.amountMinor : 0,
      refundedMinor: 0,
      providerReference: result.reference,
      nextActionUrl: result.nextActionUrl ?? '',
      failureCode: result.failureCode ?? '',
      failureMessage: result.failureMessage ?? '',
      authoriseKey: input.idempotencyKey,
      transactions: [transaction(kind, amount.amountMinor, result.state, 'api', { providerReference: result.authorisationReference ?? result.reference, idempotencyKey: input.idempotencyKey })],
      pendingOp: null,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      // The driver's insert: the document is complete, so there is nothing for mongoose to default, cast or hydrate.
      await this.payments.collection.insertOne({ ...doc, outbox: [paymentEvent(doc, amount.amountMinor, now)] });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const winner = await this.payments.findOne({ authoriseKey: input.idempotencyKey }).lean<PaymentDoc>();
      if (winner) return toPaymentMessage(winner);
      throw err;
    }
    this.onWrite();
    return toPaymentMessage(doc);
  }

  async capture(id: string, key: string, amount: Money | undefined, origin: AuditContext): Promise<Payment> {
    return this.operate('capture', id, key, { amount }, origin, (p) => planCapture(p, id, amount?.amountMinor ?? null), (provider, doc, plan, pk) =>
      provider.capture(refsOf(doc), { currencyCode: doc.currencyCode, amountMinor: plan.amountMinor }, pk),
    );
  }

  async void(id: string, key: string, origin: AuditContext): Promise<Payment> {
    return this.operate('void', id, key, {}, origin, (p) => planVoid(p, id), (provider, doc, _plan, pk) => provider.void(refsOf(doc), pk));
  }

  async refund(id: string, key: string, amount: Money | undefined, reason: string, origin: AuditContext): Promise<Payment> {
    if (reason.length > 500) new Violations().add('reason', 'must be at most 500 characters').throwIfAny();
    return this.operate('refund', id, key, { amount, reason }, origin, (p) => planRefund(p, id, amount?.amountMinor ?? null), (provider, doc, plan, pk) =>
      provider.refund(refsOf(doc), { currencyCode: doc.currencyCode, amountMinor: plan.amountMinor }, pk),
    );
  }

  async markPaid(id: string, key: string, reference: string, origin: AuditContext): Promise<Payment> {
    if (reference.length > 200) new Violations().add('reference', 'must be at most 200 characters').throwIfAny();
    return this.operate('mark_paid', id, key, { reference }, origin, (p) => planMarkPaid(p, id), async () => ({ reference }));
  }

  /**
   * One operation on an existing payment: once per idempotency key; claims the
   * payment (pendingOp) conditioned on the revision it planned against, calls the
   * provider with a derived key, then records the transaction, the new figures, the
   * event and the audit record in one update that also releases the claim.
   */
  private async operate(
    operation: string,
    id: string,
    key: string,
    request: Record<string, unknown>,
    origin: AuditContext,
    plan: (p: PaymentFigures & { currencyCode: string }) => Plan,
    call: (provider: PaymentProvider, doc: PaymentDoc, plan: Plan, providerKey: string) => Promise<{ reference: string }>,
  ): Promise<Payment> {
    const _id = objectId(id);
    const money = request['amount'] as Money | undefined;
    return this.idempotency.run(operation, key, { id, ...request }, async () => {
      const { doc, planned } = await this.claim(_id, id, key, operation, (d) => {
        if (money && money.currencyCode !== d.currencyCode) {
          new Violations().add('amount.currency_code', `must be the payment's currency ${d.currencyCode}`).throwIfAny();
        }
        return plan({ ...figuresOf(d), currencyCode: d.currencyCode });
      });
      if (!planned) return toPaymentMessage(doc); // this key's work is already recorded
      const provider = this.providers.get(doc.provider);
      if (!provider) throw new DomainError('failed_precondition', 'PROVIDER_DISABLED', `the ${doc.provider} provider is not enabled`, { provider: doc.provider });
      let reference: string;
      try {
        ({ reference } = await call(provider, doc, planned, providerKey(operation, key)));
      } catch (err) {
        await this.payments.updateOne({ _id, 'pendingOp.key': key }, { $set: { pendingOp: null } });
        throw providerFailure(err, doc.provider);
      }
      return this.complete(doc, key, planned, reference, origin, operation);
    }, paymentCodec);
  }

  private async claim(_id: Types.ObjectId, id: string, key: string, operation: string, plan: (d: PaymentDoc) => Plan): Promise<{ doc: PaymentDoc; planned: Plan | null }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc = await this.payments.findById(_id, { outbox: 0 }).lean<PaymentDoc>();
      if (!doc) throw notFound(id);
      if (doc.transactions.some((t) => t.idempotencyKey === key)) return { doc, planned: null };
      const now = new Date();
      if (doc.pendingOp && doc.pendingOp.key !== key && doc.pendingOp.leaseUntil > now) {
        throw new DomainError('aborted', 'PAYMENT_BUSY', `payment ${id} has another ${doc.pendingOp.kind} in progress; retry shortly`, { payment_id: id });
      }
      const planned = plan(doc);
      const claimed = await this.payments.updateOne(
        { _id, revision: doc.revision },
        { $set: { pendingOp: { key, kind: planned.kind, leaseUntil: new Date(now.getTime() + this.settings.operationLeaseMs) } }, $inc: { revision: 1 } },
        { timestamps: false },
      );
      if (claimed.modifiedCount === 1) return { doc: { ...doc, revision: doc.revision + 1 }, planned };
    }
    throw new DomainError('aborted', 'CONCURRENT_UPDATES', `payment ${id} is being changed concurrently; retry`, { payment_id: id, operation });
  }

  private async complete(doc: PaymentDoc, key: string, plan: Plan, reference: string, origin: AuditContext, operation: string): Promise<Payment> {
    const now = new Date();
    const after = applyPlan(figuresOf(doc), plan);
    const tx = transaction(plan.kind, plan.amountMinor, after.state, origin.caller?.kind === 'service' ? 'api' : 'staff', { providerReference: reference, idempotencyKey: key });
    const next: PaymentDoc = { ...doc, state: after.state, capturedMinor: after.capturedMinor, refundedMinor: after.refundedMinor, nextActionUrl: '', transactions: [...doc.transactions, tx], pendingOp: null, revision: doc.revision + 1, updatedAt: now };
    const events: OutboxEntry[] = [
      paymentEvent(next, plan.amountMinor, now),
      auditOutboxEntry(origin, `payment.${AUDIT_ACTIONS[operation]}`, { type: 'payment', id: doc._id.toHexString() }, {
        order_id: doc.orderId,
        amount_minor: String(plan.amountMinor),
        currency_code: doc.currencyCode,
      }),
    ];
    const written = await this.payments.updateOne(
      { _id: doc._id, 'pendingOp.key': key },
      {
        $set: { state: next.state, capturedMinor: next.capturedMinor, refundedMinor: next.refundedMinor, nextActionUrl: '', pendingOp: null, updatedAt: now },
        $inc: { revision: 1 },
        $push: { transactions: tx, ...outboxPush(...events) },
      },
      { timestamps: false },
    );
    if (written.modifiedCount !== 1) {
      // Our claim expired and another call took the payment over: report what is stored now.
      throw new DomainError('aborted', 'CONCURRENT_UPDATES', `payment ${doc._id.toHexString()} was taken over by another operation; re-read it`, { payment_id: doc._id.toHexString() });
    }
    this.onWrite();
    return toPaymentMessage(next);
  }
}

export function objectId(id: string): Types.ObjectId {
  if (!/^[0-9a-f]{24}$/i.test(id)) throw notFound(id);
  return new Types.ObjectId(id);
}
