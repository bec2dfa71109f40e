import { Schema, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { AddressFields as PostalAddress } from '../../../platform/src/address.js';
import type { OrderStatusName } from '../domain/status.js';

export interface OrderLineDoc {
  id: string;
  sku: string;
  productId: string;
  productName: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
  taxMinor: number;
  taxRateBps: number;
  shippedQuantity: number;
}

export interface OrderTotalsDoc {
  subtotalMinor: number;
  discountMinor: number;
  shippingMinor: number;
  taxMinor: number;
  includedTaxMinor: number;
  grandTotalMinor: number;
}

export interface TimelineDoc {
  at: Date;
  status: OrderStatusName;
  event: string;
  actor: string;
  detail: string;
}

/**
 * Where the checkout saga is: each step is written before the next starts, so a
 * crashed process's successor (the recovery sweeper) knows what is done. `started`
 * -> `priced` -> `reserved` -> `authorised` | `awaiting_payment` -> `done`; a failure
 * goes to `compensating` (recorded before anything is undone) and then `failed`.
 */
export type CheckoutStep = 'started' | 'priced' | 'reserved' | 'awaiting_payment' | 'authorised' | 'done' | 'compensating' | 'failed';

export interface OrderDoc {
  _id: string;
  number: string;
  status: OrderStatusName;
  customerId?: string;
  email: string;
  currencyCode: string;
  lines: OrderLineDoc[];
  totals: OrderTotalsDoc;
  shippingAddress?: PostalAddress;
  billingAddress?: PostalAddress;
  shippingMethodId: string;
  payment: { provider: string; token: string; paymentId?: string; actionUrl?: string };
  failureReason?: string;
  /** The reason code a failed checkout answers with on every retry. */
  failureCode?: string;
  cartId: string;
  /** SHA-256 of cart id + the client's idempotency key: unique, the checkout's claim. */
  checkoutKey: string;
  /** SHA-256 of what the checkout asked for; a retry with other parameters is refused. */
  requestHash: string;
  step: CheckoutStep;
  /** A driver owns the saga until then; afterwards the recovery sweeper may take over. */
  leaseUntil: Date;
  timeline: TimelineDoc[];
  revision: number;
  outbox: OutboxEntry[];
  createdAt: Date;
  updatedAt: Date;
}

const money = { type: Number, required: true, default: 0 };

const orderSchema = new Schema<OrderDoc>(
  {
    _id: { type: String, required: true },
    number: { type: String, required: true },
    status: { type: String, required: true },
    customerId: { type: String },
    email: { type: String, default: '' },
    currencyCode: { type: String, required: true },
    lines: {
      type: [{ _id: false, id: String, sku: String, productId: String, productName: String, quantity: Number, unitPriceMinor: Number, lineTotalMinor: Number, taxMinor: Number, taxRateBps: Number, shippedQuantity: Number }],
      default: [],
    },
    totals: { subtotalMinor: money, discountMinor: money, shippingMinor: money, taxMinor: money, includedTaxMinor: money, grandTotalMinor: money },
    shippingAddress: { type: Object },
    billingAddress: { type: Object },
    shippingMethodId: { type: String, default: '' },
    payment: { provider: String, token: String, paymentId: String, actionUrl: String },
    failureReason: { type: String },
    failureCode: { type: String },
    cartId: { type: String, required: true },
    checkoutKey: { type: String, required: true },
    requestHash: { type: String, required: true },
    step: { type: String, required: true },
    leaseUntil: { type: Date, required: true },
    timeline: { type: [{ _id: false, at: Date, status: String, event: String, actor: String, detail: String }], default: [] },
    revision: { type: Number, required: true, default: 1 },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false, minimize: false },
);
// The idempotency claim: one order per cart and key, however many retries race.
orderSchema.index({ checkoutKey: 1 }, { unique: true });
orderSchema.index({ number: 1 }, { unique: true });
// A customer's history, newest first (ids are ObjectId hex: creation order).
orderSchema.index({ customerId: 1, _id: -1 });
// Staff search by email; the recovery sweeper's scan of unfinished checkouts.
orderSchema.index({ email: 1, _id: -1 });
orderSchema.index({ step: 1, leaseUntil: 1 });

export function orderModel(db: Connection): Model<OrderDoc> {
  return db.model<OrderDoc>('Order', orderSchema, 'orders');
}
