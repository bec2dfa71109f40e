import { Schema, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';

/**
 * An OAuth2 client of the client_credentials grant: an internal caller (another
 * service, a job) acting for nobody but itself, with the permissions it was granted
 * as scopes. The secret is stored only as its SHA-256 (see app/service-accounts.ts).
 */
export interface ServiceAccountDoc {
  _id: string; // the client_id
  name: string;
  scopes: string[];
  /** base64url SHA-256 of the client secret. */
  secretHash: string;
  /** "api": made with CreateServiceAccount; "config": declared in SHOP_SERVICE_ACCOUNTS. */
  source: 'api' | 'config';
  /** The staff user who made it, or "config". */
  createdBy: string;
  /** Set to stop the account signing in; its tokens are refused by introspection at once. */
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Audit events of changes to the account, until the relay has published them. */
  outbox: OutboxEntry[];
}

const serviceAccountSchema = new Schema<ServiceAccountDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    scopes: { type: [String], default: [] },
    secretHash: { type: String, required: true },
    source: { type: String, enum: ['api', 'config'], required: true },
    createdBy: { type: String, required: true },
    disabledAt: { type: Date, default: null },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false },
);

export function serviceAccountModel(db: Connection): Model<ServiceAccountDoc> {
  return db.model<ServiceAccountDoc>('ServiceAccount', serviceAccountSchema, 'service_accounts');
}
