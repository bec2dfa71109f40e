import { Schema, Types, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { PaymentState, TransactionKind } from '../domain/payment.js';

/** One appended step; never changed or removed. */
export interface TransactionDoc {
  id: string;
  kind: TransactionKind;
  amountMinor: number;
  providerReference: string;
  stateAfter: PaymentState;
  source: 'api' | 'webhook' | 'staff';
  providerEventId: string;
  /** The idempotency key of the call that made it (internal: lets a resumed call find its own work). */
  idempotencyKey: string;
  createdAt: Date;
}

/**
 * The one provider operation in flight on a payment (capture, void, refund, mark paid),
 * claimed atomically before the provider is called, so two operations never race at
 * the provider (two refunds cannot both pass the "not more than captured" check). A
 * claim whose holder died expires after its lease.
 */
export interface PendingOperation {
  key: string;
  kind: TransactionKind;
  leaseUntil: Date;
}

export interface PaymentDoc {
  _id: Types.ObjectId;
  orderId: string;
  customerId: string;
  provider: string;
  state: PaymentState;
  currencyCode: string;
  amountMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  providerReference: string;
  nextActionUrl: string;
  failureCode: string;
  failureMessage: string;
  /** The AuthorisePayment idempotency key: one payment per key, also after a crash. */
  authoriseKey: string;
  transactions: TransactionDoc[];
  pendingOp: PendingOperation | null;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

const transactionSchema = new Schema<TransactionDoc>(
  {
    id: { type: String, required: true },
    kind: { type: String, required: true },
    amountMinor: { type: Number, required: true },
    providerReference: { type: String, default: '' },
    stateAfter: { type: String, required: true },
    source: { type: String, required: true },
    providerEventId: { type: String, default: '' },
    idempotencyKey: { type: String, default: '' },
    createdAt: { type: Date, required: true },
  },
  { _id: false, id: false },
);

const paymentSchema = new Schema<PaymentDoc>(
  {
    orderId: { type: String, required: true },
    customerId: { type: String, default: '' },
    provider: { type: String, required: true },
    state: { type: String, required: true },
    currencyCode: { type: String, required: true },
    amountMinor: { type: Number, required: true },
    capturedMinor: { type: Number, default: 0 },
    refundedMinor: { type: Number, default: 0 },
    providerReference: { type: String, default: '' },
    nextActionUrl: { type: String, default: '' },
    failureCode: { type: String, default: '' },
    failureMessage: { type: String, default: '' },
    authoriseKey: { type: String, required: true },
    transactions: { type: [transactionSchema], default: [] },
    pendingOp: { type: new Schema<PendingOperation>({ key: String, kind: String, leaseUntil: Date }, { _id: false, id: false }), default: null },
    revision: { type: Number, required: true, default: 1 },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false, minimize: false, collection: 'payments' },
);
paymentSchema.index({ authoriseKey: 1 }, { unique: true });
paymentSchema.index({ provider: 1, providerReference: 1 });
paymentSchema.index({ orderId: 1, _id: -1 });
paymentSchema.index({ state: 1, _id: -1 });

export function paymentModel(db: Connection): Model<PaymentDoc> {
  return (db.models['Payment'] as Model<PaymentDoc> | undefined) ?? db.model<PaymentDoc>('Payment', paymentSchema);
}
