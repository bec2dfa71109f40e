import { ShipmentStatus } from '../../../../gen/shop/shipping/v1/shipping.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';

/** A line of the order as ordered. */
export interface OrderLine {
  orderLineId: string;
  sku: string;
  quantity: number;
}

/** Some units of one order line in a shipment. */
export interface ShipmentLine {
  orderLineId: string;
  sku: string;
  quantity: number;
}

/** What fulfilment needs to know of a shipment. */
export interface ShipmentUnits {
  status: ShipmentStatus;
  lines: ShipmentLine[];
}

/** The order's fulfilment, as events carry it. */
export interface OrderFulfilment {
  orderId: string;
  lines: Array<{ orderLineId: string; ordered: number; shipped: number; delivered: number }>;
  fullyShipped: boolean;
  fullyDelivered: boolean;
}

const MAX_LINES = 500;
const MAX_UNITS = 100_000;

/** Validates the order's lines (unique ids, positive quantities) and sorts them by id. */
export function validateOrderLines(lines: readonly OrderLine[]): OrderLine[] {
  const v = new Violations();
  if (lines.length === 0) v.add('order_lines', 'must list the order\'s lines');
  if (lines.length > MAX_LINES) v.add('order_lines', `at most ${MAX_LINES} lines`);
  const seen = new Set<string>();
  const out = lines.map((l, i) => {
    const line = { orderLineId: l.orderLineId.trim(), sku: l.sku.trim(), quantity: l.quantity };
    if (!/^[\w.:-]{1,64}$/.test(line.orderLineId)) v.add(`order_lines[${i}].order_line_id`, 'must be 1 to 64 letters, digits, _ . : or -');
    else if (seen.has(line.orderLineId)) v.add(`order_lines[${i}].order_line_id`, `line ${line.orderLineId} is listed twice`);
    seen.add(line.orderLineId);
    if (line.sku.length < 1 || line.sku.length > 64) v.add(`order_lines[${i}].sku`, 'must be 1 to 64 characters');
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_UNITS) v.add(`order_lines[${i}].quantity`, `must be 1 to ${MAX_UNITS}`);
    return line;
  });
  v.throwIfAny();
  return out.sort((a, b) => (a.orderLineId < b.orderLineId ? -1 : 1));
}

/** True when two validated line lists describe the same order. */
export const sameOrderLines = (a: readonly OrderLine[], b: readonly OrderLine[]) =>
  a.length === b.length && a.every((l, i) => l.orderLineId === b[i]!.orderLineId && l.sku === b[i]!.sku && l.quantity === b[i]!.quantity);

const counts = (shipments: readonly ShipmentUnits[], include: (s: ShipmentUnits) => boolean) => {
  const units = new Map<string, number>();
  for (const s of shipments) if (include(s)) for (const l of s.lines) units.set(l.orderLineId, (units.get(l.orderLineId) ?? 0) + l.quantity);
  return units;
};

const live = (s: ShipmentUnits) => s.status !== ShipmentStatus.SHIPMENT_STATUS_CANCELLED;

/**
 * The lines a new shipment carries: the requested units, or (none requested) every
 * unit not yet in a live shipment. A unit can be in one live shipment only: asking
 * for more than remains fails, naming the line; this check runs on the revision the
 * write is conditioned on, which is what makes it hold under concurrent requests.
 */
export function planShipment(orderLines: readonly OrderLine[], shipments: readonly ShipmentUnits[], requested: readonly ShipmentLine[]): ShipmentLine[] {
  const shipped = counts(shipments, live);
  const remaining = (l: OrderLine) => l.quantity - (shipped.get(l.orderLineId) ?? 0);
  if (requested.length === 0) {
    const all = orderLines.filter((l) => remaining(l) > 0).map((l) => ({ orderLineId: l.orderLineId, sku: l.sku, quantity: remaining(l) }));
    if (all.length === 0) throw new DomainError('failed_precondition', 'NOTHING_TO_SHIP', 'every unit of this order is already in a shipment');
    return all;
  }
  const v = new Violations();
  const seen = new Set<string>();
  const plan: ShipmentLine[] = [];
  let over: { line: string; remaining: number; field: string } | null = null;
  requested.forEach((r, i) => {
    const line = orderLines.find((l) => l.orderLineId === r.orderLineId.trim());
    if (!line) return void v.add(`lines[${i}].order_line_id`, `${r.orderLineId} is not a line of this order`);
    if (seen.has(line.orderLineId)) return void v.add(`lines[${i}].order_line_id`, `line ${line.orderLineId} is listed twice`);
    seen.add(line.orderLineId);
    if (!Number.isInteger(r.quantity) || r.quantity < 1) return void v.add(`lines[${i}].quantity`, 'must be at least 1');
    if (r.quantity > line.quantity) return void v.add(`lines[${i}].quantity`, `line ${line.orderLineId} has only ${line.quantity} units`);
    if (r.quantity > remaining(line)) over ??= { line: line.orderLineId, remaining: remaining(line), field: `lines[${i}].quantity` };
    plan.push({ orderLineId: line.orderLineId, sku: line.sku, quantity: r.quantity });
  });
  v.throwIfAny();
  if (over) {
    const o = over as { line: string; remaining: number; field: string };
    throw new DomainError('failed_precondition', 'LINE_ALREADY_SHIPPED', `only ${o.remaining} unit(s) of line ${o.line} are left to ship`, { order_line_id: o.line, remaining: String(o.remaining) }, [
      { field: o.field, description: `only ${o.remaining} left to ship` },
    ]);
  }
  return plan;
}

/** How far each line is shipped and delivered. */
export function fulfilmentOf(orderId: string, orderLines: readonly OrderLine[], shipments: readonly ShipmentUnits[]): OrderFulfilment {
  const shipped = counts(shipments, live);
  const delivered = counts(shipments, (s) => s.status === ShipmentStatus.SHIPMENT_STATUS_DELIVERED);
  const lines = orderLines.map((l) => ({ orderLineId: l.orderLineId, ordered: l.quantity, shipped: shipped.get(l.orderLineId) ?? 0, delivered: delivered.get(l.orderLineId) ?? 0 }));
  return { orderId, lines, fullyShipped: lines.every((l) => l.shipped >= l.ordered), fullyDelivered: lines.every((l) => l.delivered >= l.ordered) };
}
