import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { EVENT_TYPE_HEADER, MSG_ID_HEADER, TRACEPARENT_HEADER } from './subjects.js';
import { currentTraceHeaders } from './trace.js';

/** One protobuf-encoded event ready to go on the wire. */
export interface EventMessage {
  /** `shop.<domain>.<event>` */
  subject: string;
  /** Unique event id; becomes Nats-Msg-Id so re-publishing the same event is a no-op. */
  id: string;
  /** Full protobuf type name, e.g. `shop.catalog.v1.ProductCreated`. */
  type: string;
  /** Binary protobuf encoding of the event. */
  data: Uint8Array;
  /** Extra headers; a `traceparent` here wins over the active context's. */
  headers?: Record<string, string>;
}

/** What JetStream told us after storing (or de-duplicating) an event. */
export interface PublishResult {
  /** True when the stream already had this event id inside its duplicate window. */
  duplicate: boolean;
  seq: number;
  stream: string;
}

/**
 * Publishes one event and waits for the stream's PubAck, because an event
 * only counts as delivered once JetStream has persisted it. Callers that
 * must not lose events go through the outbox instead of calling this
 * directly after a database write.
 */
export async function publishEvent(
  js: JetStreamClient,
  event: EventMessage,
  opts: { timeoutMs?: number } = {},
): Promise<PublishResult> {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (k !== MSG_ID_HEADER) h.set(k, v);
  }
  if (!h.has(TRACEPARENT_HEADER)) {
    for (const [k, v] of Object.entries(currentTraceHeaders())) h.set(k, v);
  }
  h.set(EVENT_TYPE_HEADER, event.type);
  try {
    const ack = await js.publish(event.subject, event.data, {
      msgID: event.id,
      headers: h,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    return { duplicate: ack.duplicate, seq: ack.seq, stream: ack.stream };
  } catch (err) {
    // The client reports "no stream listens on this subject" as "jetstream is
    // not enabled", which sends people hunting in the wrong place.
    if (err instanceof Error && err.name === 'JetStreamNotEnabled') {
      throw new Error(
        `no JetStream stream accepted ${event.subject} (is ensureStreams() run for this domain?): ${err.message}`,
        { cause: err },
      );
    }
    throw err;
  }
}
