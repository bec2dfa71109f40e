import { Schema, Types, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';

export interface ProductDoc {
  _id: Types.ObjectId;
  name: string;
  description: string;
  /** Absent on deleted products, so the SKU is free again (the index is sparse). */
  sku?: string;
  deletedSku?: string;
  price: { currencyCode: string; amountMinor: number };
  status: number;
  /** Bumped by every change; the etag clients send back. */
  revision: number;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

const productSchema = new Schema<ProductDoc>(
  {
    name: { type: String, required: true },
    description: { type: String, default: '' },
    sku: { type: String },
    deletedSku: { type: String },
    price: {
      currencyCode: { type: String, required: true },
      amountMinor: { type: Number, required: true },
    },
    status: { type: Number, required: true },
    revision: { type: Number, required: true, default: 1 },
    deletedAt: { type: Date, default: null },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false },
);
productSchema.index({ sku: 1 }, { unique: true, sparse: true });
// Shoppers' listing: active, not deleted, newest first.
productSchema.index({ status: 1, deletedAt: 1, _id: -1 });

export function productModel(db: Connection): Model<ProductDoc> {
  return db.model<ProductDoc>('Product', productSchema, 'products');
}
