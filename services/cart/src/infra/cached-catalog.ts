import { ProductStatus, type Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { CatalogPort, SkuInfo, SkuPrice } from '../app/ports.js';
import { CallBatcher } from './call-batcher.js';
import { ExpiringCache, readThrough } from './expiring-cache.js';

// The catalog's limit on items per LookupVariants / SelectPrices call.
const MAX_ITEMS_PER_CALL = 500;

interface PriceQuery {
  currencyCode: string;
  customerGroup: string;
  sku: string;
  quantity: number;
}

/** Cache misses of concurrent carts, asked together (CallBatcher): one call per event-loop turn. */
function catalogBatchers(inner: CatalogPort) {
  return {
    lookup: new CallBatcher((skus: string[]) => inner.lookup(skus), MAX_ITEMS_PER_CALL),
    // One answer per SKU: a SKU asked at two quantities needs two calls.
    prices: new CallBatcher(
      (items: PriceQuery[]) => inner.prices(items[0]!.currencyCode, items, items[0]!.customerGroup),
      MAX_ITEMS_PER_CALL,
      (a, b) => a.sku === b.sku && a.quantity !== b.quantity,
    ),
  };
}

// SKUs never contain it (catalog SKU rules), so a price key's SKU is what comes before the first.
const PRICE_KEY_SEPARATOR = '\u0000';
const skuOfPriceKey = (key: string) => key.slice(0, key.indexOf(PRICE_KEY_SEPARATOR));

/** What a cached catalog keeps: SKU facts (changed by product events) and selected prices (time-bound only). */
export interface CatalogCaches {
  skus: ExpiringCache<SkuInfo>;
  prices: ExpiringCache<SkuPrice>;
}

/**
 * The catalog through this replica's caches. Only answers that let a line be bought
 * are kept (a purchasable SKU, a found price), so a refusal or a flagged line is
 * always the catalog's current word. Product events (cache-invalidation.ts) replace a
 * product's SKU facts and drop its SKUs' prices (a base price may have changed); price
 * lists and tiers have no events, so a selected price lives at most
 * SHOP_CART_PRICE_CACHE_SECONDS. `fresh` reads skip the caches (checkout) and refill them.
 */
export class CachedCatalog implements CatalogPort {
  constructor(
    private readonly inner: CatalogPort,
    readonly caches: CatalogCaches,
    private readonly fresh = false,
    private readonly batchers = catalogBatchers(inner),
  ) {}

  /** The same caches, read past: every answer from the catalog now. */
  live(): CachedCatalog {
    return new CachedCatalog(this.inner, this.caches, true, this.batchers);
  }

  // Misses are batched across carts, so the calls carry no single caller's context (trace, deadline).
  lookup(skus: readonly string[], _ctx?: CallContext): Promise<Map<string, SkuInfo>> {
    return readThrough(this.caches.skus, skus, (sku) => sku, (misses) => this.batchers.lookup.run('', misses), { fresh: this.fresh, keep: (info) => info.purchasable });
  }

  async prices(currencyCode: string, items: ReadonlyArray<{ sku: string; quantity: number }>, customerGroup: string, _ctx?: CallContext): Promise<Map<string, SkuPrice>> {
    // Tiers make the price depend on the quantity: it is part of the key.
    const keyOf = (item: { sku: string; quantity: number }) => [item.sku, currencyCode, customerGroup, item.quantity].join(PRICE_KEY_SEPARATOR);
    const byKey = await readThrough(this.caches.prices, items, keyOf, async (misses) => {
      const group = `${currencyCode}${PRICE_KEY_SEPARATOR}${customerGroup}`;
      const loaded = await this.batchers.prices.run(group, misses.map((m) => ({ currencyCode, customerGroup, sku: m.sku, quantity: m.quantity })));
      return new Map(misses.flatMap((m) => (loaded.has(m.sku) ? [[keyOf(m), loaded.get(m.sku)!] as const] : [])));
    }, { fresh: this.fresh, keep: () => true });
    return new Map(items.flatMap((i) => (byKey.has(keyOf(i)) ? [[i.sku, byKey.get(keyOf(i))!] as const] : [])));
  }

  /** A product went: its SKUs (those named, and any cached under its id) and their prices are asked again. */
  forgetProduct(productId: string, skus: readonly string[]): void {
    const named = new Set(skus);
    this.caches.skus.forgetWhere((sku, info) => {
      if (info.productId !== productId) return named.has(sku);
      named.add(sku);
      return true;
    });
    // Its base prices may have changed too: prices of its SKUs are selected again.
    this.caches.prices.forgetWhere((key) => named.has(skuOfPriceKey(key)));
  }

  /**
   * A product as a catalog event carries it (created or changed): its SKUs' facts are
   * taken from the event, so a cart needs no catalog call for them; SKUs it no longer
   * has are forgotten. Facts as LookupVariants gives them (catalog VariantLookup: a
   * product without variants sells its one SKU, weight 0).
   */
  learnProduct(product: Product): void {
    const variants = product.variants.length > 0 ? product.variants : [{ sku: product.sku, weightGrams: 0 }];
    const skus = variants.map((v) => v.sku).filter(Boolean);
    this.forgetProduct(product.id, skus);
    const purchasable = product.status === ProductStatus.PRODUCT_STATUS_ACTIVE;
    if (!purchasable) return;
    const epoch = this.caches.skus.epoch();
    for (const v of variants) {
      if (v.sku) this.caches.skus.setIfUnchanged(epoch, v.sku, { productId: product.id, productName: product.name, purchasable, active: purchasable, weightGrams: v.weightGrams ?? 0 });
    }
  }
}
