import type { Model } from 'mongoose';
import { hasPermission } from '../../../platform/src/auth.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import { assertMove, cancellableBy, type OrderStatusName } from '../domain/status.js';
import type { OrderDoc, TimelineDoc } from '../infra/orders.js';
import { orderEventEntry, statusChangedEntry } from './order-events.js';
import type { PaymentPort, StockPort } from './ports.js';

const ERRORS = resourceErrors('order');
/** Orders still being checked out are not shown in histories or searches. */
const PLACED = { step: { $nin: ['started' as const] } };
const PROJECTION = { outbox: 0, checkoutKey: 0, requestHash: 0 } as const;

export interface OrderFilter {
  status?: OrderStatusName;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface StaffOrderFilter extends OrderFilter {
  number?: string;
  email?: string;
  minTotal?: number;
  maxTotal?: number;
  currencyCode?: string;
}

function actorOf(ctx: CallContext): string {
  const caller = ctx.caller;
  if (!caller) return 'guest';
  return hasPermission(caller, 'orders.manage') ? `staff:${caller.userId}` : 'customer';
}

/**
 * Orders after checkout: customers read and cancel their own (guests by number and
 * email), staff search, move orders on and add notes. Every change is a conditional
 * update on the order's revision that also appends the timeline entry and the event.
 */
export class Orders {
  constructor(
    private readonly orders: Model<OrderDoc>,
    private readonly stock: StockPort,
    private readonly payment: PaymentPort,
    private readonly onWrite: () => void,
  ) {}

  /** One order: the customer's own, or any with orders.read. Others get 404. */
  async get(id: string, ctx: CallContext): Promise<OrderDoc> {
    const order = id ? await this.orders.findOne({ _id: id, ...PLACED }, PROJECTION).lean<OrderDoc>() : null;
    if (!order || !mayRead(order, ctx)) throw ERRORS.notFound(id);
    return order;
  }

  /** A guest's order by number and email (both must match; nothing tells which did not). */
  async lookup(number: string, email: string): Promise<OrderDoc> {
    const v = new Violations();
    if (number.trim() === '') v.add('number', 'is required');
    if (email.trim() === '') v.add('email', 'is required');
    v.throwIfAny();
    const order = await this.orders.findOne({ number: number.trim().toUpperCase(), email: email.trim().toLowerCase(), ...PLACED }, PROJECTION).lean<OrderDoc>();
    if (!order) throw new DomainError('not_found', 'ORDER_NOT_FOUND', 'no order with this number and email');
    return order;
  }

  /** The caller's order history, newest first. */
  async history(customerId: string, filter: OrderFilter, page: { size: number; token: string }): Promise<{ orders: OrderDoc[]; nextPageToken: string }> {
    return this.page({ customerId, ...PLACED, ...commonFilter(filter) }, `history:${customerId}:${JSON.stringify(filter)}`, page);
  }

  /** Staff search; filters combine. */
  async search(filter: StaffOrderFilter, page: { size: number; token: string }): Promise<{ orders: OrderDoc[]; nextPageToken: string }> {
    const query: Record<string, unknown> = { ...PLACED, ...commonFilter(filter) };
    if (filter.number) query['number'] = filter.number.trim().toUpperCase();
    if (filter.email) query['email'] = filter.email.trim().toLowerCase();
    if (filter.minTotal !== undefined || filter.maxTotal !== undefined) {
      if (!filter.currencyCode) new Violations().add('currency_code', 'is required with min_total or max_total').throwIfAny();
      query['currencyCode'] = filter.currencyCode;
      query['totals.grandTotalMinor'] = { ...(filter.minTotal !== undefined ? { $gte: filter.minTotal } : {}), ...(filter.maxTotal !== undefined ? { $lte: filter.maxTotal } : {}) };
    }
    return this.page(query, `search:${JSON.stringify(filter)}`, page);
  }

  /**
   * Cancels an order that has not shipped: the stock goes back, the payment is voided.
   * Customers may cancel until the order is being prepared, staff until it ships.
   */
  async cancel(id: string, reason: string, ctx: CallContext): Promise<OrderDoc> {
    const why = reason.trim();
    if (why.length > 500) new Violations().add('reason', 'must be at most 500 characters').throwIfAny();
    const current = await this.get(id, ctx);
    const staff = hasPermission(ctx.caller, 'orders.manage');
    if (current.status === 'cancelled') return current;
    if (current.step !== 'done' && current.step !== 'awaiting_payment') {
      throw new DomainError('failed_precondition', 'CHECKOUT_IN_PROGRESS', `order ${current.number} is still being checked out`, { order_id: id });
    }
    if (!cancellableBy(current.status, staff)) {
      assertMove(id, current.status, 'cancelled');
      throw new DomainError('permission_denied', 'CANCEL_NOT_ALLOWED', `order ${current.number} is being prepared; contact support to cancel it`, { order_id: id });
    }
    // A checkout waiting for the customer's payment ends here too: a late payment
    // confirmation then finds no checkout to complete (and its payment is voided).
    const endCheckout = current.step === 'awaiting_payment' ? { step: 'failed' } : {};
    const cancelled = await this.transition(id, 'cancelled', entryFor('cancelled', 'cancelled', why || 'cancelled', actorOf(ctx)), (order) => [orderEventEntry('cancelled', order)], ctx, { failureReason: why || 'cancelled by request', ...endCheckout });
    // After the state change, so a racing confirmation cannot revive the order; both calls are idempotent.
    if (current.payment.paymentId) await this.payment.void(current.payment.paymentId, `order:${id}:cancel`);
    // Held stock is released; stock a confirmed order already took goes back on the shelf.
    await this.stock.restock(id);
    return cancelled;
  }

  async markProcessing(id: string, ctx: CallContext): Promise<OrderDoc> {
    return this.transition(id, 'processing', entryFor('processing', 'processing', '', actorOf(ctx)), (order, previous) => [statusChangedEntry(order, previous)], ctx);
  }

  async addNote(id: string, note: string, ctx: CallContext): Promise<OrderDoc> {
    const text = note.trim();
    if (text === '' || text.length > 2000) new Violations().add('note', 'must be 1 to 2000 characters').throwIfAny();
    return writeAtRevision({
      id,
      expectedRevision: null,
      errors: ERRORS,
      load: () => this.get(id, ctx),
      attempt: async (current) =>
        (await this.orders.findOneAndUpdate(
          { _id: id, revision: current.revision },
          { $inc: { revision: 1 }, $push: { timeline: entryFor(current.status, 'note', text, actorOf(ctx)) } },
          { returnDocument: 'after', projection: PROJECTION },
        ).lean<OrderDoc>()) ?? LOST_RACE,
    });
  }

  private async transition(
    id: string,
    to: OrderStatusName,
    timeline: TimelineDoc,
    events: (after: OrderDoc, previous: OrderStatusName) => OrderDoc['outbox'],
    ctx: CallContext,
    set: Record<string, unknown> = {},
  ): Promise<OrderDoc> {
    const updated = await writeAtRevision({
      id,
      expectedRevision: null,
      errors: ERRORS,
      load: () => this.get(id, ctx),
      attempt: async (current) => {
        assertMove(id, current.status, to);
        const after = { ...current, ...set, status: to, revision: current.revision + 1 } as OrderDoc;
        return (
          (await this.orders.findOneAndUpdate(
            { _id: id, revision: current.revision },
            { $set: { ...set, status: to }, $inc: { revision: 1 }, $push: { timeline, outbox: { $each: events(after, current.status) } } },
            { returnDocument: 'after', projection: PROJECTION },
          ).lean<OrderDoc>()) ?? LOST_RACE
        );
      },
    });
    this.onWrite();
    return updated;
  }

  private async page(query: Record<string, unknown>, fingerprint: string, page: { size: number; token: string }): Promise<{ orders: OrderDoc[]; nextPageToken: string }> {
    const size = pageSize(page.size);
    const cursor = decodePageToken(page.token, fingerprint);
    if (cursor) query['_id'] = { $lt: String(cursor['id']) };
    const docs = await this.orders.find(query, PROJECTION).sort({ _id: -1 }).limit(size + 1).lean<OrderDoc[]>();
    const orders = docs.slice(0, size);
    return { orders, nextPageToken: docs.length > size ? encodePageToken({ id: orders[orders.length - 1]!._id }, fingerprint) : '' };
  }
}

function mayRead(order: OrderDoc, ctx: CallContext): boolean {
  if (hasPermission(ctx.caller, 'orders.read')) return true;
  return ctx.caller?.kind === 'user' && order.customerId === ctx.caller.userId;
}

function commonFilter(filter: OrderFilter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  if (filter.status) query['status'] = filter.status;
  if (filter.createdAfter || filter.createdBefore) {
    query['createdAt'] = { ...(filter.createdAfter ? { $gte: filter.createdAfter } : {}), ...(filter.createdBefore ? { $lt: filter.createdBefore } : {}) };
  }
  return query;
}

function entryFor(status: OrderStatusName, event: string, detail: string, actor: string): TimelineDoc {
  return { at: new Date(), status, event, actor, detail };
}
