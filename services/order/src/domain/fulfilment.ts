import { canMove, type OrderStatusName } from './status.js';

/** What shipping reports for an order: shipped units per line, and whether all shipped / arrived. */
export interface Fulfilment {
  shippedByLine: ReadonlyMap<string, number>;
  fullyShipped: boolean;
  fullyDelivered: boolean;
}

/** The status shipping progress calls for, or null when it calls for none yet. */
export function targetStatus(f: Fulfilment): OrderStatusName | null {
  if (f.fullyDelivered) return 'delivered';
  if (f.fullyShipped) return 'shipped';
  return [...f.shippedByLine.values()].some((n) => n > 0) ? 'partially_shipped' : null;
}

/**
 * The statuses an order passes through to reach `target` from `current`, in order
 * (events may skip one: a parcel delivered before we saw it ship). Empty when the
 * order is there already or cannot go there (cancelled, or moving backwards).
 */
export function pathTo(current: OrderStatusName, target: OrderStatusName): OrderStatusName[] {
  const ladder: OrderStatusName[] = ['partially_shipped', 'shipped', 'delivered'];
  const end = ladder.indexOf(target);
  if (end < 0 || current === target) return [];
  const steps: OrderStatusName[] = [];
  let at = current;
  for (const next of ladder.slice(0, end + 1)) {
    if (ladder.indexOf(at) >= ladder.indexOf(next)) continue;
    if (next === 'partially_shipped' && target !== 'partially_shipped') continue;
    if (!canMove(at, next)) return [];
    steps.push(next);
    at = next;
  }
  return steps;
}
