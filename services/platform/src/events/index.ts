/**
 * Event plumbing shared by every service: protobuf events on JetStream,
 * produced through a per-document outbox and consumed by idempotent
 * durable pull consumers. Import from here, not from the individual files.
 */
export { connectNats, type NatsHandles } from './connection.js';
export { errorMeta, type Logger } from './logger.js';
export {
  DEAD_LETTER_PREFIX,
  DEAD_LETTER_STREAM,
  EVENT_TYPE_HEADER,
  MSG_ID_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  deadLetterSubject,
  domainStreamName,
  eventSubject,
} from './subjects.js';
export { deadLetterStream, domainStream, ensureStreams, type StreamSpec } from './streams.js';
export { currentTraceHeaders, type TraceHeaders } from './trace.js';
export { publishEvent, type EventMessage, type PublishResult } from './publish.js';
export { outboxEntry, outboxEntrySchema, outboxPush, outboxSchema, type OutboxEntry } from './outbox.js';
export { startOutboxRelay, type AnyModel, type OutboxRelay, type OutboxRelayOptions } from './relay.js';
export {
  isDuplicateKeyError,
  processedEventModel,
  processedEventSchema,
  type ProcessedEvent,
} from './processed.js';
export { startConsumer, type ConsumedEvent, type ConsumerOptions, type RunningConsumer } from './consumer.js';
export { followEvents, type FollowOptions } from './follow.js';
