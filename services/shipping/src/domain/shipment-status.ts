import { ShipmentStatus } from '../../../../gen/shop/shipping/v1/shipping.js';
import { DomainError } from '../../../platform/src/errors.js';

const S = ShipmentStatus;

/** Order of the happy path; a carrier may skip steps forward, never go back. */
const FORWARD: ReadonlyMap<ShipmentStatus, number> = new Map([
  [S.SHIPMENT_STATUS_LABEL_CREATED, 0],
  [S.SHIPMENT_STATUS_IN_TRANSIT, 1],
  [S.SHIPMENT_STATUS_OUT_FOR_DELIVERY, 2],
  [S.SHIPMENT_STATUS_DELIVERED, 3],
]);

const FINAL: ReadonlySet<ShipmentStatus> = new Set([S.SHIPMENT_STATUS_DELIVERED, S.SHIPMENT_STATUS_RETURNED_TO_SENDER, S.SHIPMENT_STATUS_CANCELLED]);

/** True for statuses nothing leaves. */
export const isFinal = (status: ShipmentStatus) => FINAL.has(status);

/** Lower-case name of a status ("in_transit"), for messages and webhooks. */
export const statusName = (status: ShipmentStatus) => (S[status] ?? 'UNKNOWN').replace('SHIPMENT_STATUS_', '').toLowerCase();

/** Parses "in_transit" or "SHIPMENT_STATUS_IN_TRANSIT"; null for anything else. */
export function parseStatus(value: string): ShipmentStatus | null {
  const key = value.trim().toUpperCase();
  const full = (key.startsWith('SHIPMENT_STATUS_') ? key : `SHIPMENT_STATUS_${key}`) as keyof typeof S;
  const status = S[full];
  return typeof status === 'number' && status !== S.SHIPMENT_STATUS_UNSPECIFIED ? status : null;
}

/**
 * The shipment state machine: label_created -> in_transit -> out_for_delivery ->
 * delivered (forward skips allowed, carriers miss scans), exception from any open
 * state and back onto the path from it, returned_to_sender once the carrier has the
 * parcel, cancelled only before it does. Final states never change.
 */
export function canTransition(from: ShipmentStatus, to: ShipmentStatus): boolean {
  if (from === to || isFinal(from) || to === S.SHIPMENT_STATUS_UNSPECIFIED) return false;
  switch (to) {
    case S.SHIPMENT_STATUS_CANCELLED:
      return from === S.SHIPMENT_STATUS_LABEL_CREATED;
    case S.SHIPMENT_STATUS_EXCEPTION:
      return true;
    case S.SHIPMENT_STATUS_RETURNED_TO_SENDER:
      return from !== S.SHIPMENT_STATUS_LABEL_CREATED;
    case S.SHIPMENT_STATUS_LABEL_CREATED:
      return false;
    default: {
      if (from === S.SHIPMENT_STATUS_EXCEPTION) return true;
      const a = FORWARD.get(from);
      const b = FORWARD.get(to);
      return a !== undefined && b !== undefined && b > a;
    }
  }
}

/** Throws FAILED_PRECONDITION ILLEGAL_STATUS_TRANSITION unless `from -> to` is allowed. */
export function assertTransition(shipmentId: string, from: ShipmentStatus, to: ShipmentStatus): void {
  if (canTransition(from, to)) return;
  throw new DomainError('failed_precondition', 'ILLEGAL_STATUS_TRANSITION', `shipment ${shipmentId} cannot go from ${statusName(from)} to ${statusName(to)}`, {
    shipment_id: shipmentId,
    from: statusName(from),
    to: statusName(to),
  });
}
