import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { SkuStock, StockPort } from '../app/ports.js';
import { ExpiringCache, readThrough } from './expiring-cache.js';

/**
 * Inventory's availability through this replica's cache: a SKU's level is kept until
 * inventory says it changed (shop.inventory.availability_changed, StockInvalidation)
 * or SHOP_CART_STOCK_CACHE_SECONDS pass. Add-to-cart may therefore accept a unit sold
 * a moment ago; checkout's reservation is what guarantees stock, and a refusal is
 * always re-asked live (Carts.addLine).
 */
export class CachedStock implements StockPort {
  constructor(
    private readonly inner: StockPort,
    readonly cache: ExpiringCache<SkuStock>,
    private readonly fresh = false,
  ) {}

  live(): CachedStock {
    return new CachedStock(this.inner, this.cache, true);
  }

  availability(skus: readonly string[], ctx?: CallContext): Promise<Map<string, SkuStock>> {
    return readThrough(this.cache, skus, (sku) => sku, (misses) => this.inner.availability(misses, ctx), { fresh: this.fresh, keep: () => true });
  }

  forget(sku: string): void {
    this.cache.forget([sku]);
  }
}
