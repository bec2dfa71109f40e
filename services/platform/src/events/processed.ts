import { Schema, type Connection, type Model } from 'mongoose';

/** Marker that a consumer has fully handled an event. */
export interface ProcessedEvent {
  consumer: string;
  eventId: string;
  subject?: string;
  processedAt: Date;
}

/**
 * JetStream delivers at least once (redelivery after a lost ack, a relay
 * re-publish outside the duplicate window), so consumers record what they
 * have handled. The unique index makes two replicas racing on the same
 * event resolve to a single record.
 */
export const processedEventSchema = new Schema<ProcessedEvent>(
  {
    consumer: { type: String, required: true },
    eventId: { type: String, required: true },
    subject: { type: String },
    processedAt: { type: Date, default: () => new Date() },
  },
  { collection: 'processed_events', versionKey: false },
);
processedEventSchema.index({ consumer: 1, eventId: 1 }, { unique: true });

const MODEL_NAME = 'ProcessedEvent';

/** The processed-events model bound to a service's own connection (services do not share databases). */
export function processedEventModel(connection: Connection): Model<ProcessedEvent> {
  return (connection.models[MODEL_NAME] as Model<ProcessedEvent> | undefined) ??
    connection.model<ProcessedEvent>(MODEL_NAME, processedEventSchema, 'processed_events');
}

/** True for MongoDB's duplicate-key error, i.e. someone already recorded this event. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** True when a write failed only because some records already existed (an unordered insert's duplicates). */
export function isOnlyDuplicateKeys(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) return writeErrors.every(isDuplicateKeyError);
  return isDuplicateKeyError(err);
}

/** Which of these event ids this consumer has already recorded: one query for a batch. */
export async function processedAmong(model: Model<ProcessedEvent>, consumer: string, eventIds: string[]): Promise<Set<string>> {
  const found = await model.find({ consumer, eventId: { $in: [...new Set(eventIds)] } }, { eventId: 1, _id: 0 }).lean().exec();
  return new Set(found.map((r) => r.eventId));
}

/**
 * Records handled events in one unordered insert. Records that already exist (a racing
 * replica, a redelivery handled twice) are not an error: the unique index keeps one.
 */
export async function recordProcessed(model: Model<ProcessedEvent>, consumer: string, events: Array<{ id: string; subject: string }>): Promise<void> {
  if (events.length === 0) return;
  const processedAt = new Date();
  try {
    await model.insertMany(events.map((e) => ({ consumer, eventId: e.id, subject: e.subject, processedAt })), { ordered: false, lean: true });
  } catch (err) {
    if (!isOnlyDuplicateKeys(err)) throw err;
  }
}
