import type { Model } from 'mongoose';
import { ProductStatus, type Variant, type VariantView } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { Violations } from '../../../platform/src/errors.js';
import type { Money } from '../../../platform/src/money.js';
import { MAX_ITEMS_PER_CALL } from '../domain/pricing.js';
import type { ProductDoc, VariantSkuDoc } from '../infra/models.js';
import type { BasePriceSource } from './pricing.js';
import { toProductMessage } from './products.js';

/**
 * Variants by SKU for cart and checkout, and the base prices price selection falls
 * back to: up to 500 SKUs in two lookups by _id (the SKU claims name each SKU's product,
 * then those products), which any store answers from its primary index; an $or over
 * `sku` and `variants.sku` made the MongoDB-wire server scan the catalog on every cart
 * read. Deleted products are not found (their SKUs
 * may already belong to another product); drafts and archived products are found but
 * not purchasable, so a cart can tell "gone" from "not for sale now".
 */
export class VariantLookup implements BasePriceSource {
  constructor(
    private readonly products: Model<ProductDoc>,
    private readonly claims: Model<VariantSkuDoc>,
  ) {}

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

  private async find(skus: readonly string[]): Promise<Map<string, VariantHit>> {
    const wanted = [...new Set(skus)];
    const hits = new Map<string, VariantHit>();
    if (wanted.length === 0) return hits;
    const claims = await this.claims.find({ _id: { $in: wanted } }, { productId: 1 }).lean<Array<Pick<VariantSkuDoc, '_id' | 'productId'>>>();
    if (claims.length > 0) {
      const owners = await this.products.find({ _id: { $in: [...new Set(claims.map((c) => c.productId))] } }, { outbox: 0 }).lean<ProductDoc[]>();
      collect(hits, owners.filter((doc) => !doc.deletedAt), wanted);
    }
    // A SKU no claim leads to (none exists, or a product written before claims did):
    // asked the slow way, so the answer never depends on the claims being complete.
    const unclaimed = wanted.filter((sku) => !hits.has(sku));
    if (unclaimed.length > 0) {
      const docs = await this.products
        .find({ deletedAt: null, $or: [{ sku: { $in: unclaimed } }, { 'variants.sku': { $in: unclaimed } }] }, { outbox: 0 })
        .lean<ProductDoc[]>();
      collect(hits, docs, unclaimed);
    }
    return hits;
  }
}

interface VariantHit {
  variant: Variant;
  productId: string;
  productName: string;
  status: ProductStatus;
}

/** Adds the wanted SKUs these products hold to `hits`. */
function collect(hits: Map<string, VariantHit>, docs: ProductDoc[], wanted: string[]): void {
  const want = new Set(wanted);
  for (const doc of docs) {
    const product = toProductMessage(doc);
    // Products from before variants existed carry their one SKU and price at the top.
    const variants: Variant[] = product.variants.length > 0 ? product.variants : [defaultVariant(product.sku, product.price)];
    for (const variant of variants) {
      if (want.has(variant.sku)) hits.set(variant.sku, { variant, productId: product.id, productName: product.name, status: product.status });
    }
  }
}

function defaultVariant(sku: string, price: Money | undefined): Variant {
  return { id: '', sku, barcode: '', optionValues: {}, price, weightGrams: 0, dimensions: undefined, images: [], trackStock: true };
}
