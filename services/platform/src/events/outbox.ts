import { randomUUID } from 'node:crypto';
import { Schema } from 'mongoose';
import { currentTraceHeaders } from './trace.js';

/**
 * One pending event inside an aggregate's `outbox` array. It lives in the
 * same document as the state change so both are written by one atomic
 * update: without multi-document transactions this is the only way to
 * guarantee "state changed" implies "event will be published".
 */
export interface OutboxEntry {
  id: string;
  subject: string;
  type: string;
  data: Buffer;
  /** Trace context of the write, since the relay publishes outside it. */
  traceparent?: string;
  tracestate?: string;
  createdAt: Date;
}

/** Sub-schema for one outbox entry; `_id: false` because `id` is the event id. */
export const outboxEntrySchema = new Schema<OutboxEntry>(
  {
    id: { type: String, required: true },
    subject: { type: String, required: true },
    type: { type: String, required: true },
    data: { type: Buffer, required: true },
    traceparent: { type: String },
    tracestate: { type: String },
    createdAt: { type: Date, default: () => new Date() },
  },
  { _id: false, id: false },
);

/**
 * Field definition domain schemas spread in as `outbox: outboxSchema`, so
 * every aggregate stores pending events the same way and the relay can
 * serve any of them.
 */
export const outboxSchema = { type: [outboxEntrySchema], default: [] };

/**
 * Builds the sub-document to `$push` onto `outbox` in the same update as the
 * state change. The id is chosen here, not at publish time, so every
 * re-publish of this entry carries the same Nats-Msg-Id and is de-duplicated.
 */
export function outboxEntry(subject: string, type: string, data: Uint8Array, id: string = randomUUID()): OutboxEntry {
  return {
    id,
    subject,
    type,
    // Copy: the caller's protobuf writer may reuse its buffer.
    data: Buffer.from(data),
    ...currentTraceHeaders(),
    createdAt: new Date(),
  };
}

/**
 * `$push` operand for several entries at once, e.g.
 * `updateOne(filter, { $set: {...}, $push: outboxPush(a, b) })`.
 */
export function outboxPush(...entries: OutboxEntry[]): { outbox: { $each: OutboxEntry[] } } {
  return { outbox: { $each: entries } };
}
