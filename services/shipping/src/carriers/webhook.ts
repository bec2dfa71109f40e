import { DomainError, invalidArgument } from '../../../platform/src/errors.js';
import { normalizeTrackingNumber, trackingNumberProblem } from '../domain/tracking-numbers.js';
import { parseStatus } from '../domain/shipment-status.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../domain/webhook-signature.js';
import type { Carrier, Label, LabelRequest, TrackingUpdate } from './carrier.js';

/** A webhook carrier's settings; `secrets` are never logged (see toJSON). */
export interface WebhookCarrierSettings {
  code: string;
  /** HMAC secrets; the first signs nothing here, any of them verifies (rotation). */
  secrets: string[];
  /** The carrier's tracking number format, when known. */
  trackingPattern?: RegExp | undefined;
}

const MAX_EVENTS_PER_DELIVERY = 100;
const unauthenticated = () => new DomainError('unauthenticated', 'INVALID_WEBHOOK_SIGNATURE', `missing or invalid ${SIGNATURE_HEADER} signature`);

/**
 * A carrier that pushes tracking updates to POST /v1/shipping/webhooks/{code}, signed
 * with a shared secret (HMAC-SHA256, see domain/webhook-signature.ts). Labels are
 * booked outside the shop, so a shipment names the tracking number the carrier gave.
 * The body is JSON: {"events":[{"eventId","trackingNumber","status","occurredAt",
 * "location","description"}]}; statuses are our names (in_transit, delivered, ...).
 */
export class WebhookCarrier implements Carrier {
  // An ES private field: not an own property, so neither JSON nor util.inspect shows the secrets.
  readonly #settings: WebhookCarrierSettings;

  constructor(settings: WebhookCarrierSettings) {
    this.#settings = settings;
  }

  get code(): string {
    return this.#settings.code;
  }

  async createShipment(req: LabelRequest): Promise<Label> {
    const trackingNumber = normalizeTrackingNumber(req.trackingNumber);
    if (trackingNumber === '') throw invalidArgument([{ field: 'tracking_number', description: `is required for carrier ${this.code}` }]);
    const problem = trackingNumberProblem(this.code, trackingNumber, this.#settings.trackingPattern ?? /^[A-Z0-9][A-Z0-9-]{3,39}$/);
    if (problem) throw invalidArgument([{ field: 'tracking_number', description: problem }]);
    return { trackingNumber, labelUrl: '' };
  }

  async cancelShipment(): Promise<void> {
    // The carrier's API is not reachable from here; a real integration voids the label.
  }

  async track(): Promise<TrackingUpdate[]> {
    return []; // push only
  }

  parseWebhook(rawBody: Uint8Array, header: (name: string) => string | undefined, now: Date): TrackingUpdate[] {
    const signature = header(SIGNATURE_HEADER) ?? '';
    if (!verifyWebhookSignature(signature, rawBody, this.#settings.secrets, Math.floor(now.getTime() / 1000))) throw unauthenticated();
    // Authenticated from here on: errors may say what is wrong with the body.
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch {
      throw invalidArgument([{ field: 'body', description: 'must be JSON' }]);
    }
    const events = (parsed as { events?: unknown }).events;
    if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS_PER_DELIVERY) {
      throw invalidArgument([{ field: 'events', description: `must be a list of 1 to ${MAX_EVENTS_PER_DELIVERY} tracking events` }]);
    }
    const problems: Array<{ field: string; description: string }> = [];
    const updates = events.map((raw: Record<string, unknown>, i): TrackingUpdate | null => {
      const str = (k: string) => (typeof raw?.[k] === 'string' ? (raw[k] as string).trim() : '');
      const status = parseStatus(str('status'));
      const occurTime = new Date(str('occurredAt'));
      const trackingNumber = normalizeTrackingNumber(str('trackingNumber'));
      if (trackingNumber === '') problems.push({ field: `events[${i}].trackingNumber`, description: 'is required' });
      if (status === null) problems.push({ field: `events[${i}].status`, description: 'must be label_created, in_transit, out_for_delivery, delivered, exception or returned_to_sender' });
      if (Number.isNaN(occurTime.getTime())) problems.push({ field: `events[${i}].occurredAt`, description: 'must be an RFC 3339 time' });
      if (str('eventId').length > 100) problems.push({ field: `events[${i}].eventId`, description: 'must be at most 100 characters' });
      if (status === null || Number.isNaN(occurTime.getTime())) return null;
      return { eventId: str('eventId'), trackingNumber, status, occurTime, location: str('location').slice(0, 200), description: str('description').slice(0, 500) };
    });
    if (problems.length > 0) throw invalidArgument(problems);
    return updates as TrackingUpdate[];
  }

  /** Secrets never reach a log line or a JSON dump. */
  toJSON(): object {
    return { code: this.code, secrets: '[redacted]' };
  }
}
