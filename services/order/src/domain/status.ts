import { DomainError } from '../../../platform/src/errors.js';

export type OrderStatusName =
  | 'pending'
  | 'awaiting_payment'
  | 'confirmed'
  | 'processing'
  | 'partially_shipped'
  | 'shipped'
  | 'delivered'
  | 'cancelled'
  | 'payment_failed';

/**
 * The order state machine: every allowed move, and nothing else. Checkout drives
 * pending -> (awaiting_payment) -> confirmed or payment_failed / cancelled; staff
 * and shipping events drive the rest. Cancelling is allowed until something ships.
 */
const MOVES: Record<OrderStatusName, readonly OrderStatusName[]> = {
  pending: ['awaiting_payment', 'confirmed', 'payment_failed', 'cancelled'],
  awaiting_payment: ['confirmed', 'payment_failed', 'cancelled'],
  confirmed: ['processing', 'partially_shipped', 'shipped', 'cancelled'],
  processing: ['partially_shipped', 'shipped', 'cancelled'],
  partially_shipped: ['partially_shipped', 'shipped'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
  payment_failed: [],
};

export const TERMINAL: ReadonlySet<OrderStatusName> = new Set(['delivered', 'cancelled', 'payment_failed']);

export function canMove(from: OrderStatusName, to: OrderStatusName): boolean {
  return MOVES[from].includes(to);
}

/** Refuses a move the state machine does not allow, naming both states. */
export function assertMove(orderId: string, from: OrderStatusName, to: OrderStatusName): void {
  if (canMove(from, to)) return;
  throw new DomainError('failed_precondition', 'ILLEGAL_ORDER_TRANSITION', `order ${orderId} cannot go from ${from} to ${to}`, { order_id: orderId, from, to });
}

/** Customers may cancel until the order is being prepared; staff until it ships. */
export function cancellableBy(status: OrderStatusName, staff: boolean): boolean {
  if (!canMove(status, 'cancelled')) return false;
  return staff || status === 'pending' || status === 'awaiting_payment' || status === 'confirmed';
}

/** The status shipping progress means: all lines shipped, some, or none yet. */
export function shippingStatus(lines: ReadonlyArray<{ quantity: number; shippedQuantity: number }>): 'shipped' | 'partially_shipped' | null {
  const shipped = lines.reduce((n, l) => n + Math.min(l.shippedQuantity, l.quantity), 0);
  const total = lines.reduce((n, l) => n + l.quantity, 0);
  if (shipped === 0) return null;
  return shipped >= total ? 'shipped' : 'partially_shipped';
}
