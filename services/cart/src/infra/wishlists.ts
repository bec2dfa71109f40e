import { Schema, type Connection, type Model } from 'mongoose';

export interface WishlistItemDoc {
  sku: string;
  addedAt: Date;
}

/** A customer's wishlist: a name and SKUs, one document per list. */
export interface WishlistDoc {
  _id: string;
  customerId: string;
  name: string;
  items: WishlistItemDoc[];
  /** The read-only link token while the list is shared. */
  shareToken?: string;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

const wishlistSchema = new Schema<WishlistDoc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    name: { type: String, required: true },
    items: { type: [{ _id: false, sku: String, addedAt: Date }], default: [] },
    shareToken: { type: String },
    revision: { type: Number, required: true, default: 1 },
  },
  { timestamps: true, versionKey: false },
);
// A customer's lists, newest first: ids are ObjectId hex, so _id order is creation order.
wishlistSchema.index({ customerId: 1, _id: -1 });
// Shared links resolve by token; unshared lists have none.
wishlistSchema.index({ shareToken: 1 }, { unique: true, sparse: true });

export function wishlistModel(db: Connection): Model<WishlistDoc> {
  return db.model<WishlistDoc>('Wishlist', wishlistSchema, 'wishlists');
}
