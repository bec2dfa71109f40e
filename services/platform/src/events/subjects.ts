/** Header carrying the full protobuf type name so consumers can decode without guessing from the subject. */
export const EVENT_TYPE_HEADER = 'Shop-Event-Type';
/** JetStream's de-duplication header; we set it to the event id. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';
/** W3C trace context header, so a consumer's span joins the producer's trace. */
export const TRACEPARENT_HEADER = 'traceparent';
/** Vendor trace state that travels with traceparent. */
export const TRACESTATE_HEADER = 'tracestate';

/** Name of the stream that parks events no consumer could process. */
export const DEAD_LETTER_STREAM = 'SHOP_DEADLETTER';
/** Parked messages keep their subject under this prefix, so one stream holds every domain's dead letters. */
export const DEAD_LETTER_PREFIX = 'shop.deadletter';

/** Subject for an event, kept in one place so producers cannot drift from `shop.<domain>.<event>`. */
export function eventSubject(domain: string, event: string): string {
  return `shop.${domain}.${event}`;
}

/** Stream name for a domain (`catalog` -> `SHOP_CATALOG`); one stream per domain. */
export function domainStreamName(domain: string): string {
  return `SHOP_${domain.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Where a poison message from `subject` is parked; keeps the original subject visible for replay. */
export function deadLetterSubject(subject: string): string {
  return `${DEAD_LETTER_PREFIX}.${subject}`;
}
