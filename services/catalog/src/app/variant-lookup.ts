import type { Model } from 'mongoose';
import { ProductStatus, type Variant, type VariantView } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { Violations } from '../../../platform/src/errors.js';
import type { Money } from '../../../platform/src/money.js';
import { MAX_ITEMS_PER_CALL } from '../domain/pricing.js';
import type { ProductDoc } from '../infra/models.js';
import type { BasePriceSource } from './pricing.js';
import { toProductMessage } from './products.js';

/**
 * Variants by SKU for cart and checkout, and the base prices price selection falls
 * back to: one query for up to 500 SKUs. Deleted products are not found (their SKUs
 * may already belong to another product); drafts and archived products are found but
 * not purchasable, so a cart can tell "gone" from "not for sale now".
 */
export class VariantLookup implements BasePriceSource {
  constructor(private readonly products: Model<ProductDoc>) {}

  async lookup(skus: readonly string[]): Promise<VariantView[]> {
    const v = new Violations();
    if (skus.length > MAX_ITEMS_PER_CALL) v.add('skus', `must be at most ${MAX_ITEMS_PER_CALL} per call`);
    v.throwIfAny();
    const found = await this.find(skus);
    const out: VariantView[] = [];
    const seen = new Set<string>();
    for (const sku of skus) {
      const hit = found.get(sku);
      if (!hit || seen.has(sku)) continue;
      seen.add(sku);
      out.push({
        variant: hit.variant,
        productId: hit.productId,
        productName: hit.productName,
        productStatus: hit.status,
        purchasable: hit.status === ProductStatus.PRODUCT_STATUS_ACTIVE,
      });
    }
    return out;
  }

  async basePrices(skus: readonly string[]): Promise<Map<string, Money | null>> {
    const found = await this.find(skus);
    return new Map([...found].map(([sku, hit]) => [sku, hit.variant.price ?? null]));
  }

  private async find(skus: readonly string[]): Promise<Map<string, { variant: Variant; productId: string; productName: string; status: ProductStatus }>> {
    const wanted = [...new Set(skus)];
    const hits = new Map<string, { variant: Variant; productId: string; productName: string; status: ProductStatus }>();
    if (wanted.length === 0) return hits;
    const docs = await this.products
      .find({ deletedAt: null, $or: [{ sku: { $in: wanted } }, { 'variants.sku': { $in: wanted } }] }, { outbox: 0 })
      .lean<ProductDoc[]>();
    const want = new Set(wanted);
    for (const doc of docs) {
      const product = toProductMessage(doc);
      // Products from before variants existed carry their one SKU and price at the top.
      const variants: Variant[] = product.variants.length > 0 ? product.variants : [defaultVariant(product.sku, product.price)];
      for (const variant of variants) {
        if (want.has(variant.sku)) hits.set(variant.sku, { variant, productId: product.id, productName: product.name, status: product.status });
      }
    }
    return hits;
  }
}

function defaultVariant(sku: string, price: Money | undefined): Variant {
  return { id: '', sku, barcode: '', optionValues: {}, price, weightGrams: 0, dimensions: undefined, images: [], trackStock: true };
}
