import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One address in a user's book. Who and exactly where (name, company, street lines)
 * and the phone are encrypted with the field cipher, each bound by its AAD to this
 * address, its owner and the field; city, region, postal code and country stay in
 * clear (coarse, and what shipping zones and reports need).
 */
export interface AddressDoc {
  _id: string;
  userId: string;
  /**
   * 0..MAX_ADDRESSES-1, unique per user: the unique index is what caps a book at 50
   * without transactions, since concurrent creates cannot take the same slot.
   */
  slot: number;
  fullNameEnc: string;
  companyEnc?: string;
  line1Enc: string;
  line2Enc?: string;
  city: string;
  region: string;
  postalCode: string;
  countryCode: string;
  phoneEnc?: string;
  /** Bumped by every change; the etag of conditional updates. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

const addressSchema = new Schema<AddressDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    slot: { type: Number, required: true },
    fullNameEnc: { type: String, required: true },
    companyEnc: { type: String },
    line1Enc: { type: String, required: true },
    line2Enc: { type: String },
    city: { type: String, required: true },
    region: { type: String, default: '' },
    postalCode: { type: String, default: '' },
    countryCode: { type: String, required: true },
    phoneEnc: { type: String },
    revision: { type: Number, required: true, default: 1 },
  },
  { timestamps: true, versionKey: false },
);
addressSchema.index({ userId: 1, slot: 1 }, { unique: true });

export function addressModel(db: Connection): Model<AddressDoc> {
  return db.model<AddressDoc>('Address', addressSchema, 'addresses');
}
