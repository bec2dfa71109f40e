import { DomainError, Violations } from '../../../platform/src/errors.js';
import type { Line } from './lines.js';

export type PoState = 'draft' | 'sent' | 'partially_received' | 'received' | 'cancelled';

export interface PoLine {
  sku: string;
  ordered: number;
  received: number;
  unitCostMinor: number;
}

/** The transitions staff may make; receiving has its own rule below. */
const TRANSITIONS: Record<'send' | 'cancel', readonly PoState[]> = {
  send: ['draft'],
  cancel: ['draft', 'sent'],
};

/** Refuses a transition the purchase order's state does not allow (FAILED_PRECONDITION). */
export function assertTransition(id: string, state: PoState, action: 'send' | 'cancel' | 'receive'): void {
  const allowed = action === 'receive' ? ['sent', 'partially_received'] : TRANSITIONS[action];
  if (!allowed.includes(state)) {
    throw new DomainError('failed_precondition', 'PURCHASE_ORDER_STATE', `purchase order ${id} is ${state}; cannot ${action} it`, { purchase_order_id: id, state });
  }
}

/**
 * Applies a delivery to the order's lines: every SKU must be on the order and the
 * received total may not exceed what was ordered unless over-receipt is allowed.
 * Returns the new lines and state (partially received until every line is complete).
 */
export function receive(lines: readonly PoLine[], delivery: readonly Line[], allowOverReceipt: boolean): { lines: PoLine[]; state: PoState } {
  const v = new Violations();
  const next = lines.map((l) => ({ ...l }));
  delivery.forEach((d, i) => {
    const line = next.find((l) => l.sku === d.sku);
    if (!line) {
      v.add(`lines[${i}].sku`, `${d.sku} is not on this purchase order`);
      return;
    }
    if (!allowOverReceipt && line.received + d.quantity > line.ordered) {
      v.add(`lines[${i}].quantity`, `would receive ${line.received + d.quantity} of ${line.ordered} ordered (${line.ordered - line.received} outstanding); set allow_over_receipt to accept more`);
      return;
    }
    line.received += d.quantity;
  });
  v.throwIfAny();
  const complete = next.every((l) => l.received >= l.ordered);
  return { lines: next, state: complete ? 'received' : 'partially_received' };
}

/** The quantity a restock proposal orders: the reorder quantity rounded up to whole packs. */
export function restockQuantity(reorderQty: number, packSize: number): number {
  const pack = Math.max(1, packSize);
  return Math.ceil(reorderQty / pack) * pack;
}
