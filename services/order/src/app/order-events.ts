import { OrderCancelled, OrderConfirmed, OrderPlaced, OrderStatusChanged } from '../../../../gen/shop/order/v1/events.js';
import { outboxEntry, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { OrderStatusName } from '../domain/status.js';
import type { OrderDoc } from '../infra/orders.js';
import { STATUS, toOrderMessage } from './order-message.js';

/** The outbox entry of an order event (stored with the change, published by the relay). */
export function orderEventEntry(kind: 'placed' | 'confirmed' | 'cancelled', order: OrderDoc): OutboxEntry {
  const message = toOrderMessage(order);
  const occurredAt = new Date();
  // The id names the order and what happened, so a repeated step cannot publish twice.
  const id = `order-${kind}:${order._id}`;
  switch (kind) {
    case 'placed':
      return outboxEntry('shop.order.placed', 'shop.order.v1.OrderPlaced', OrderPlaced.encode({ order: message, occurredAt }).finish(), id);
    case 'confirmed':
      return outboxEntry('shop.order.confirmed', 'shop.order.v1.OrderConfirmed', OrderConfirmed.encode({ order: message, occurredAt }).finish(), id);
    case 'cancelled':
      return outboxEntry('shop.order.cancelled', 'shop.order.v1.OrderCancelled', OrderCancelled.encode({ order: message, occurredAt }).finish(), id);
  }
}

/** Any later status change (processing, shipped, delivered). */
export function statusChangedEntry(order: OrderDoc, previous: OrderStatusName): OutboxEntry {
  const data = OrderStatusChanged.encode({ order: toOrderMessage(order), previousStatus: STATUS[previous], occurredAt: new Date() }).finish();
  return outboxEntry('shop.order.status_changed', 'shop.order.v1.OrderStatusChanged', data, `order-status:${order._id}:${order.status}:${order.revision}`);
}
