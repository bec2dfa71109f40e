import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { CatalogPort, SkuInfo, SkuPrice } from '../app/ports.js';
import { ExpiringCache, readThrough } from './expiring-cache.js';

/** What a cached catalog keeps: SKU facts (changed by product events) and selected prices (time-bound only). */
export interface CatalogCaches {
  skus: ExpiringCache<SkuInfo>;
  prices: ExpiringCache<SkuPrice>;
}

/**
 * The catalog through this replica's caches. Only answers that let a line be bought
 * are kept (a purchasable SKU, a found price), so a refusal or a flagged line is
 * always the catalog's current word. SKU facts are dropped when a product event names
 * their product (CatalogInvalidation); prices have no events, so they live
 * SHOP_CART_PRICE_CACHE_SECONDS. `fresh` reads skip the caches (checkout) and refill them.
 */
export class CachedCatalog implements CatalogPort {
  constructor(
    private readonly inner: CatalogPort,
    readonly caches: CatalogCaches,
    private readonly fresh = false,
  ) {}

  /** The same caches, read past: every answer from the catalog now. */
  live(): CachedCatalog {
    return new CachedCatalog(this.inner, this.caches, true);
  }

  lookup(skus: readonly string[], ctx?: CallContext): Promise<Map<string, SkuInfo>> {
    return readThrough(this.caches.skus, skus, (sku) => sku, (misses) => this.inner.lookup(misses, ctx), { fresh: this.fresh, keep: (info) => info.purchasable });
  }

  async prices(currencyCode: string, items: ReadonlyArray<{ sku: string; quantity: number }>, customerGroup: string, ctx?: CallContext): Promise<Map<string, SkuPrice>> {
    // Tiers make the price depend on the quantity: it is part of the key.
    const keyOf = (item: { sku: string; quantity: number }) => `${currencyCode}|${customerGroup}|${item.quantity}|${item.sku}`;
    const byKey = await readThrough(this.caches.prices, items, keyOf, async (misses) => {
      const loaded = await this.inner.prices(currencyCode, misses, customerGroup, ctx);
      return new Map(misses.flatMap((m) => (loaded.has(m.sku) ? [[keyOf(m), loaded.get(m.sku)!] as const] : [])));
    }, { fresh: this.fresh, keep: () => true });
    return new Map(items.flatMap((i) => (byKey.has(keyOf(i)) ? [[i.sku, byKey.get(keyOf(i))!] as const] : [])));
  }

  /** A product changed or went: its SKUs (those named, and any cached under its id) are asked again. */
  forgetProduct(productId: string, skus: readonly string[]): void {
    const named = new Set(skus);
    this.caches.skus.forgetWhere((sku, info) => named.has(sku) || info.productId === productId);
  }
}
