import type { Model } from 'mongoose';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { pathTo, targetStatus, type Fulfilment } from '../domain/fulfilment.js';
import type { OrderDoc, TimelineDoc } from '../infra/orders.js';
import { statusChangedEntry } from './order-events.js';
import type { PaymentPort, ShippingPort } from './ports.js';

const SHIPPABLE = new Set(['confirmed', 'processing', 'partially_shipped']);
const PROJECTION = { outbox: 0, checkoutKey: 0, requestHash: 0 } as const;

export interface ShipInput {
  lines: Array<{ lineId: string; quantity: number }>;
  warehouseId: string;
  carrier: string;
  carrierName: string;
  trackingNumber: string;
  requestId: string;
}

/**
 * Orders meet shipping: staff ship (a shipment at the shipping service, the payment
 * captured at the first one), and the shipping service's events move the order to
 * partially shipped, shipped and delivered, with shipped quantities per line.
 */
export class OrderFulfilment {
  constructor(
    private readonly orders: Model<OrderDoc>,
    private readonly shipping: ShippingPort,
    private readonly payment: PaymentPort,
    private readonly onWrite: () => void,
  ) {}

  async ship(id: string, input: ShipInput, ctx: CallContext): Promise<{ order: OrderDoc; shipmentId: string }> {
    const order = await this.orders.findById(id, PROJECTION).lean<OrderDoc>();
    if (!order || order.step !== 'done') throw new DomainError('not_found', 'ORDER_NOT_FOUND', `order ${id} not found`, { order_id: id });
    if (!SHIPPABLE.has(order.status)) throw new DomainError('failed_precondition', 'ORDER_NOT_SHIPPABLE', `order ${order.number} is ${order.status} and cannot ship`, { order_id: id, status: order.status });
    const v = new Violations();
    if (!input.warehouseId) v.add('warehouse_id', 'is required');
    if (!input.requestId || input.requestId.length > 100) v.add('request_id', 'is required: 1 to 100 characters');
    const byLine = new Map(order.lines.map((l) => [l.id, l]));
    input.lines.forEach((l, i) => {
      if (!byLine.has(l.lineId)) v.add(`lines[${i}].line_id`, 'is not a line of this order');
      if (!Number.isInteger(l.quantity) || l.quantity < 1) v.add(`lines[${i}].quantity`, 'must be a whole number, at least 1');
    });
    v.throwIfAny();
    // Money first: a shipment must never leave with the payment still only authorised.
    if (order.payment.paymentId) await this.payment.capture(order.payment.paymentId, `order:${id}:capture`);
    const shipmentId = await this.shipping.createShipment({
      orderId: id,
      customerId: order.customerId ?? '',
      orderLines: order.lines.map((l) => ({ id: l.id, sku: l.sku, quantity: l.quantity })),
      lines: input.lines.map((l) => ({ lineId: l.lineId, sku: byLine.get(l.lineId)!.sku, quantity: l.quantity })),
      warehouseId: input.warehouseId,
      carrier: input.carrier || 'manual',
      carrierName: input.carrierName,
      trackingNumber: input.trackingNumber,
      methodId: order.shippingMethodId,
      destination: { fullName: '', company: '', line1: '', line2: '', city: '', region: '', postalCode: '', countryCode: '', phone: '', ...order.shippingAddress },
      requestId: `${id}:${input.requestId}`,
    });
    const actor = ctx.caller ? `staff:${ctx.caller.userId}` : 'system';
    const noted = await this.orders.findOneAndUpdate(
      { _id: id },
      { $inc: { revision: 1 }, $push: { timeline: { at: new Date(), status: order.status, event: 'shipment_created', actor, detail: shipmentId } satisfies TimelineDoc } },
      { returnDocument: 'after', projection: PROJECTION },
    ).lean<OrderDoc>();
    return { order: noted ?? order, shipmentId };
  }

  /**
   * Shipping reported progress: shipped quantities per line and the status it calls
   * for, stepping through any status an event skipped. Repeated or late reports
   * change nothing (statuses only move forward; quantities are what shipping says).
   */
  async applyFulfilment(orderId: string, fulfilment: Fulfilment): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const order = await this.orders.findById(orderId, PROJECTION).lean<OrderDoc>();
      if (!order) return;
      const lines = order.lines.map((l) => ({ ...l, shippedQuantity: Math.max(l.shippedQuantity, fulfilment.shippedByLine.get(l.id) ?? 0) }));
      const target = targetStatus(fulfilment);
      const path = target ? pathTo(order.status, target) : [];
      const quantitiesChanged = lines.some((l, i) => l.shippedQuantity !== order.lines[i]!.shippedQuantity);
      if (path.length === 0 && !quantitiesChanged) return;
      const now = new Date();
      const timeline = path.map((status): TimelineDoc => ({ at: now, status, event: status, actor: 'shipping', detail: '' }));
      let previous = order.status;
      const events = path.map((status, i) => {
        const entry = statusChangedEntry({ ...order, lines, status, revision: order.revision + 1 + i }, previous);
        previous = status;
        return entry;
      });
      const updated = await this.orders.updateOne(
        { _id: orderId, revision: order.revision },
        { $set: { lines, ...(path.length > 0 ? { status: path[path.length - 1] } : {}) }, $inc: { revision: 1 }, $push: { timeline: { $each: timeline }, outbox: { $each: events } } },
      );
      if (updated.modifiedCount === 1) {
        if (events.length > 0) this.onWrite();
        return;
      }
    }
    throw new DomainError('aborted', 'CONCURRENT_UPDATES', `order ${orderId} is being changed concurrently; retry`);
  }
}
