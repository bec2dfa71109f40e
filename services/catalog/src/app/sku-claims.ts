import type { Model } from 'mongoose';
import { DomainError } from '../../../platform/src/errors.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import type { ProductDoc, VariantSkuDoc } from '../infra/models.js';

/** How long a claim whose product write has not (yet) shown up is protected from take-over. */
export const CLAIM_GRACE_MS = 30_000;

export const skuTaken = (sku: string, field = 'sku') =>
  new DomainError('already_exists', 'SKU_TAKEN', `another product already has sku ${sku}`, { sku }, [{ field, description: 'is already used by another product' }]);

/**
 * Shop-wide SKU uniqueness without transactions: a product write that adds SKUs first
 * inserts one `variant_skus` document per SKU (unique _id), so of two racing writers
 * exactly one gets each SKU; the loser's other claims are released. A claim left
 * behind by a crash (product never written, or a SKU removed but not released) is taken
 * over, with a write conditional on the old claim, once its holder provably does not
 * use the SKU: deleted, or older than the grace period and not listing it.
 */
export class SkuClaims {
  constructor(private readonly claims: Model<VariantSkuDoc>, private readonly products: Model<ProductDoc>) {}

  /** Claims every SKU for the product or claims none (throws SKU_TAKEN naming the field). */
  async claim(productId: string, skus: Array<{ sku: string; field: string }>): Promise<void> {
    const got: string[] = [];
    try {
      for (const { sku, field } of skus) {
        if (!(await this.claimOne(productId, sku))) throw skuTaken(sku, field);
        got.push(sku);
      }
    } catch (err) {
      await this.release(productId, got);
      throw err;
    }
  }

  /** Frees SKUs this product holds; best effort (a leftover claim is taken over later). */
  async release(productId: string, skus: string[]): Promise<void> {
    if (skus.length > 0) await this.claims.deleteMany({ _id: { $in: skus }, productId }).catch(() => undefined);
  }

  private async claimOne(productId: string, sku: string): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date();
      try {
        await this.claims.create({ _id: sku, productId, claimedAt: now });
        return true;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      // Already ours (a retried write): refresh it so nobody takes it over meanwhile.
      if (await this.claims.findOneAndUpdate({ _id: sku, productId }, { $set: { claimedAt: now } }).lean()) return true;
      const held = await this.claims.findById(sku).lean<VariantSkuDoc>();
      if (!held) continue; // released in between: try the insert again
      if (!(await this.abandoned(held, now))) return false;
      const taken = await this.claims.updateOne({ _id: sku, productId: held.productId, claimedAt: held.claimedAt }, { $set: { productId, claimedAt: now } });
      if (taken.modifiedCount === 1) return true;
    }
    return false;
  }

  private async abandoned(claim: VariantSkuDoc, now: Date): Promise<boolean> {
    const holder = /^[0-9a-f]{24}$/.test(claim.productId)
      ? await this.products.findById(claim.productId, { deletedAt: 1, 'variants.sku': 1, sku: 1 }).lean<Pick<ProductDoc, 'deletedAt' | 'variants' | 'sku'>>()
      : null;
    if (holder?.deletedAt) return true;
    const old = now.getTime() - claim.claimedAt.getTime() > CLAIM_GRACE_MS;
    if (!holder) return old;
    const uses = holder.sku === claim._id || (holder.variants ?? []).some((v) => v.sku === claim._id);
    return !uses && old;
  }
}
