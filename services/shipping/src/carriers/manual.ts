import { invalidArgument } from '../../../platform/src/errors.js';
import { KNOWN_TRACKING_PATTERNS, normalizeTrackingNumber, trackingNumberProblem } from '../domain/tracking-numbers.js';
import type { Carrier, Label, LabelRequest, TrackingUpdate } from './carrier.js';

/**
 * Staff book the parcel with a carrier themselves (at the counter, in the carrier's
 * portal), enter its tracking number, and record tracking events by hand
 * (AddTrackingEvent). The tracking number is checked against the named carrier's
 * pattern where we know it.
 */
export class ManualCarrier implements Carrier {
  readonly code = 'manual';

  async createShipment(req: LabelRequest): Promise<Label> {
    const carrierName = req.carrierName || 'other';
    if (!(carrierName in KNOWN_TRACKING_PATTERNS)) {
      throw invalidArgument([{ field: 'carrier_name', description: `must be one of ${Object.keys(KNOWN_TRACKING_PATTERNS).join(', ')}` }]);
    }
    const trackingNumber = normalizeTrackingNumber(req.trackingNumber);
    const problem = trackingNumber === '' ? null : trackingNumberProblem(carrierName, trackingNumber);
    if (problem) throw invalidArgument([{ field: 'tracking_number', description: problem }]);
    return { trackingNumber, labelUrl: '' };
  }

  async cancelShipment(): Promise<void> {
    // Nothing was booked through us; staff void the label where they made it.
  }

  async track(): Promise<TrackingUpdate[]> {
    return []; // staff enter events
  }
}
