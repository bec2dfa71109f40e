import { randomUUID } from 'node:crypto';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import { outboxPush, outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { Tier } from '../domain/pricing.js';

/** A price list; its tiers live apart (price_tiers), so a list can price any number of SKUs. */
export interface PriceListDoc {
  _id: Types.ObjectId;
  name: string;
  currencyCode: string;
  /** Empty: every customer. */
  customerGroup: string;
  validFrom: Date | null;
  /** Exclusive. */
  validUntil: Date | null;
  priority: number;
  /** Whether the prices contain tax; 'destination' follows the destination's tax rule. */
  taxMode?: 'destination' | 'inclusive' | 'exclusive';
  /** Bumped by every change; the etag clients send back. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

const priceListSchema = new Schema<PriceListDoc>(
  {
    name: { type: String, required: true },
    currencyCode: { type: String, required: true },
    customerGroup: { type: String, default: '' },
    validFrom: { type: Date, default: null },
    validUntil: { type: Date, default: null },
    priority: { type: Number, required: true, default: 0 },
    taxMode: { type: String, default: 'destination' },
    revision: { type: Number, required: true, default: 1 },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false },
);
// Price selection reads every list of a currency; staff list them by currency, newest first.
priceListSchema.index({ currencyCode: 1, _id: -1 });

/**
 * Which generation of tiers is current for one SKU in one list. SetPriceTiers writes a
 * whole new generation of tier documents first and then swings this pointer with one
 * conditional update (compare-and-set on the generation it read), so readers see the
 * old tiers or the new ones, never a mix, and of two concurrent replacements exactly
 * one generation ends up current. The audit record of the replacement rides in the
 * same update.
 */
export interface PriceTierSetDoc {
  _id: Types.ObjectId;
  priceListId: string;
  sku: string;
  generation: string;
  /** How many times this SKU's tiers were replaced in this list. */
  revision: number;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

const priceTierSetSchema = new Schema<PriceTierSetDoc>(
  {
    priceListId: { type: String, required: true },
    sku: { type: String, required: true },
    generation: { type: String, required: true },
    revision: { type: Number, required: true, default: 1 },
    updatedAt: { type: Date, required: true },
    outbox: outboxSchema,
  },
  { versionKey: false },
);
// One pointer per (list, sku): two first-time writers cannot both create one.
priceTierSetSchema.index({ priceListId: 1, sku: 1 }, { unique: true });

/** One tier. Only tiers whose generation is the current one of their (list, sku) exist for readers. */
export interface PriceTierDoc {
  _id: Types.ObjectId;
  priceListId: string;
  sku: string;
  generation: string;
  minQuantity: number;
  amountMinor: number;
}

const priceTierSchema = new Schema<PriceTierDoc>(
  {
    priceListId: { type: String, required: true },
    sku: { type: String, required: true },
    generation: { type: String, required: true },
    minQuantity: { type: Number, required: true },
    amountMinor: { type: Number, required: true },
  },
  { versionKey: false },
);
// (list, sku, min_quantity) is unique within a generation; the generation is part of
// the key so a replacement can be written beside the tiers it replaces. The same index
// serves selection ({list $in, sku $in, generation $in}) and listing in (sku, quantity) order.
priceTierSchema.index({ priceListId: 1, sku: 1, generation: 1, minQuantity: 1 }, { unique: true });
// Cleanup deletes superseded generations by generation alone.
priceTierSchema.index({ generation: 1 });

/** The three pricing collections of a catalog database. */
export interface PricingModels {
  priceLists: Model<PriceListDoc>;
  tierSets: Model<PriceTierSetDoc>;
  tiers: Model<PriceTierDoc>;
}

export function pricingModels(db: Connection): PricingModels {
  return {
    priceLists: db.model<PriceListDoc>('PriceList', priceListSchema, 'price_lists'),
    tierSets: db.model<PriceTierSetDoc>('PriceTierSet', priceTierSetSchema, 'price_tier_sets'),
    tiers: db.model<PriceTierDoc>('PriceTier', priceTierSchema, 'price_tiers'),
  };
}

type TierSetKey = Pick<PriceTierSetDoc, 'priceListId' | 'sku' | 'generation'>;
const setKey = (listId: string, sku: string) => `${listId}\u0000${sku}`;

/**
 * Tier storage without multi-document transactions. A SKU's tiers in a list are
 * replaced by writing them as a fresh generation beside the old ones, then swinging the
 * SKU's pointer (price_tier_sets) from the generation read to the new one with one
 * conditional upsert: if another writer moved the pointer in between, the upsert
 * collides with the unique (list, sku) index and that SKU is retried on the newer
 * state, so the last writer wins whole. Readers follow pointers and never see a mix.
 * Superseded generations are deleted after the swing; a crash before that leaves only
 * unreferenced rows that no reader sees.
 */
export class TierStore {
  constructor(private readonly models: PricingModels) {}

  /**
   * Replaces each SKU's tiers in the list; `audit` builds the record stored with each
   * SKU's swing. Returns the SKUs given up on after repeated lost races (normally none).
   */
  async replace(
    priceListId: string,
    bySku: ReadonlyMap<string, readonly { minQuantity: number; amountMinor: number }[]>,
    audit: (sku: string, tiers: number) => OutboxEntry,
  ): Promise<string[]> {
    let pending = [...bySku.keys()];
    const superseded: string[] = [];
    for (let attempt = 0; attempt < 8 && pending.length > 0; attempt++) {
      // Losers of a race back off a little, with jitter, so a burst of writers spreads out.
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      const pointers = await this.models.tierSets.find({ priceListId, sku: { $in: pending } }, { sku: 1, generation: 1 }).lean<PriceTierSetDoc[]>();
      const currentOf = new Map(pointers.map((p) => [p.sku, p.generation]));
      const generationOf = new Map(pending.map((sku) => [sku, randomUUID()]));
      await this.models.tiers.insertMany(
        pending.flatMap((sku) => bySku.get(sku)!.map((t) => ({ priceListId, sku, generation: generationOf.get(sku)!, minQuantity: t.minQuantity, amountMinor: t.amountMinor }))),
        { ordered: true, lean: true },
      );
      const now = new Date();
      const swings = pending.map((sku) => ({
        updateOne: {
          // '' is never a generation: a first-time writer upserts, and loses to anyone who created the pointer first.
          filter: { priceListId, sku, generation: currentOf.get(sku) ?? '' },
          update: {
            $set: { generation: generationOf.get(sku)!, updatedAt: now },
            $inc: { revision: 1 },
            $push: outboxPush(audit(sku, bySku.get(sku)!.length)),
          },
          upsert: true,
        },
      }));
      const lost = await failedIndexes(() => this.models.tierSets.bulkWrite(swings, { ordered: false }));
      const retry: string[] = [];
      pending.forEach((sku, i) => {
        if (lost.has(i)) {
          retry.push(sku);
          superseded.push(generationOf.get(sku)!);
        } else {
          const old = currentOf.get(sku);
          if (old) superseded.push(old);
        }
      });
      pending = retry;
    }
    if (superseded.length > 0) await this.models.tiers.deleteMany({ generation: { $in: superseded } });
    return pending;
  }

  /** The current tiers of these SKUs in these lists, in two queries however many there are. */
  async current(priceListIds: readonly string[], skus: readonly string[]): Promise<Tier[]> {
    if (priceListIds.length === 0 || skus.length === 0) return [];
    const pointers = await this.models.tierSets
      .find({ priceListId: { $in: priceListIds }, sku: { $in: skus } }, { priceListId: 1, sku: 1, generation: 1 })
      .lean<PriceTierSetDoc[]>();
    return this.tiersOf(pointers);
  }

  /** The current tiers of one list's first `skuLimit` SKUs in SKU order: one SKU, or from a SKU on. */
  async page(priceListId: string, where: { sku: string } | { fromSku: string }, skuLimit: number): Promise<Tier[]> {
    const sku = 'sku' in where ? where.sku : { $gte: where.fromSku };
    const pointers = await this.models.tierSets.find({ priceListId, sku }, { priceListId: 1, sku: 1, generation: 1 }).sort({ sku: 1 }).limit(skuLimit).lean<PriceTierSetDoc[]>();
    return this.tiersOf(pointers);
  }

  /**
   * The tiers of the generations the pointers name. A generation is deleted only after
   * its pointer moved on, so a pointer whose tiers are gone was replaced while we read:
   * those pointers are read again (the newer generation was written before the swing).
   */
  private async tiersOf(pointers: readonly TierSetKey[]): Promise<Tier[]> {
    let wanted = [...pointers];
    const found: Tier[] = [];
    for (let attempt = 0; attempt < 5 && wanted.length > 0; attempt++) {
      const docs = await this.models.tiers
        .find(
          { priceListId: { $in: [...new Set(wanted.map((p) => p.priceListId))] }, sku: { $in: [...new Set(wanted.map((p) => p.sku))] }, generation: { $in: wanted.map((p) => p.generation) } },
          { _id: 0, priceListId: 1, sku: 1, minQuantity: 1, amountMinor: 1, generation: 1 },
        )
        .lean<PriceTierDoc[]>();
      const seen = new Set(docs.map((d) => d.generation));
      for (const d of docs) found.push({ priceListId: d.priceListId, sku: d.sku, minQuantity: d.minQuantity, amountMinor: d.amountMinor });
      const missing = wanted.filter((p) => !seen.has(p.generation));
      if (missing.length === 0) break;
      const again = await this.models.tierSets
        .find({ $or: missing.map((p) => ({ priceListId: p.priceListId, sku: p.sku })) }, { priceListId: 1, sku: 1, generation: 1 })
        .lean<PriceTierSetDoc[]>();
      const before = new Map(missing.map((p) => [setKey(p.priceListId, p.sku), p.generation]));
      wanted = again.filter((p) => before.get(setKey(p.priceListId, p.sku)) !== p.generation);
    }
    return found;
  }
}

/**
 * Runs an unordered bulk write and returns the indexes of the operations that failed
 * on a duplicate key (lost a race); any other failure is rethrown.
 */
async function failedIndexes(write: () => Promise<unknown>): Promise<Set<number>> {
  try {
    await write();
    return new Set();
  } catch (err) {
    const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (list.length === 0) throw err;
    const failed = new Set<number>();
    for (const e of list as { index?: number; code?: number; err?: { index?: number; code?: number } }[]) {
      const index = e.index ?? e.err?.index;
      const code = e.code ?? e.err?.code;
      if (code !== 11000 || index === undefined) throw err;
      failed.add(index);
    }
    return failed;
  }
}
