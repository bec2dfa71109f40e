import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { SkuStock, StockPort } from '../app/ports.js';
import { CallBatcher } from './call-batcher.js';
import { ExpiringCache, readThrough } from './expiring-cache.js';

// Inventory's limit on SKUs per GetAvailability call.
const MAX_SKUS_PER_CALL = 500;

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
    // Misses of concurrent carts share one call (CallBatcher), which carries no single caller's context.
    private readonly batcher = new CallBatcher((skus: string[]) => inner.availability(skus), MAX_SKUS_PER_CALL),
  ) {}

  live(): CachedStock {
    return new CachedStock(this.inner, this.cache, true, this.batcher);
  }

  availability(skus: readonly string[], _ctx?: CallContext): Promise<Map<string, SkuStock>> {
    return readThrough(this.cache, skus, (sku) => sku, (misses) => this.batcher.run('', misses), { fresh: this.fresh, keep: () => true });
  }

  /**
   * Inventory said a SKU's availability changed. Its units on hand (`available`) are a
   * floor of what a reservation could take (back-orders only add), so they are kept as
   * the level: an add they cannot cover is asked live before it is refused.
   */
  learn(sku: string, available: number): void {
    this.cache.forget([sku]);
    if (available > 0) this.cache.setIfUnchanged(this.cache.epoch(), sku, { inStock: true, reservable: available });
  }
}
