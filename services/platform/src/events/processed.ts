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
