import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/** A tax rule as stored: one per country, or per region of a country. */
export interface TaxRuleDoc {
  _id: string;
  countryCode: string;
  /** '' for the whole country. */
  region: string;
  rateBps: number;
  pricesIncludeTax: boolean;
  taxShipping: boolean;
  name: string;
  createdAt: Date;
}

const taxRuleSchema = new Schema<TaxRuleDoc>(
  {
    _id: { type: String, default: () => randomUUID() },
    countryCode: { type: String, required: true },
    region: { type: String, default: '' },
    rateBps: { type: Number, required: true },
    pricesIncludeTax: { type: Boolean, required: true },
    taxShipping: { type: Boolean, required: true },
    name: { type: String, default: '' },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
// One rule per place: two staff creating the same country's rule at once get one rule and a 409.
taxRuleSchema.index({ countryCode: 1, region: 1 }, { unique: true });

export function taxRuleModel(db: Connection): Model<TaxRuleDoc> {
  return db.model<TaxRuleDoc>('TaxRule', taxRuleSchema, 'tax_rules');
}
