import type { ShipmentStatus } from '../../../../gen/shop/shipping/v1/shipping.js';
import type { AddressFields } from '../../../platform/src/address.js';
import type { ShipmentLine } from '../domain/fulfilment.js';

/** What a carrier needs to create a shipment and its label. */
export interface LabelRequest {
  /** Our shipment id; real carriers take it as their reference, which makes retries safe. */
  shipmentId: string;
  orderId: string;
  warehouseId: string;
  destination: AddressFields;
  lines: ShipmentLine[];
  /** The carrier company (manual shipments) and the tracking number staff entered, if any. */
  carrierName: string;
  trackingNumber: string;
}

/** What a carrier answers for a new shipment. */
export interface Label {
  trackingNumber: string;
  /** Where the label can be downloaded; empty when staff print it elsewhere. */
  labelUrl: string;
}

/** One tracking update from a carrier. */
export interface TrackingUpdate {
  /** The carrier's event id; empty when it has none (the server derives one). */
  eventId: string;
  trackingNumber: string;
  status: ShipmentStatus;
  occurTime: Date;
  location: string;
  description: string;
}

/**
 * A carrier integration. Every provider, local or remote, sits behind this one
 * interface; the shipment use cases never know which one they talk to.
 * - createShipment books the parcel and returns its tracking number and label;
 *   it must be idempotent by shipmentId (we call it before storing the shipment and
 *   may call it again after a crash).
 * - cancelShipment voids the label; also the compensation when a booked shipment
 *   could not be stored (a racing request took its units first).
 * - track pulls the current timeline, for carriers that do not push.
 * - parseWebhook (push carriers) authenticates a delivery to
 *   POST /v1/shipping/webhooks/{code} and turns it into updates; it must throw
 *   (UNAUTHENTICATED) for anything not proven to come from the carrier.
 */
export interface Carrier {
  readonly code: string;
  createShipment(req: LabelRequest): Promise<Label>;
  cancelShipment(shipment: { shipmentId: string; trackingNumber: string }): Promise<void>;
  track(trackingNumber: string): Promise<TrackingUpdate[]>;
  parseWebhook?(rawBody: Uint8Array, header: (name: string) => string | undefined, now: Date): TrackingUpdate[];
}
