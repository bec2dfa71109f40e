import { z } from 'zod';

/** The cart service's own settings (SHOP_CART_*). */
export const cartConfigSchema = z.object({
  /** A cart untouched this long is gone (every change renews it). Default 7 days. */
  cartTtlSeconds: z.coerce.number().int().min(60).max(90 * 86_400).default(7 * 86_400),
  /** Most units of one SKU per cart. */
  cartMaxLineQuantity: z.coerce.number().int().min(1).max(10_000).default(99),
  /** Most different SKUs per cart. */
  cartMaxLines: z.coerce.number().int().min(1).max(500).default(100),
  /** Most units per cart altogether. */
  cartMaxQuantity: z.coerce.number().int().min(1).max(100_000).default(500),
  /** A cart with an email untouched this long (and not checked out) is reported abandoned. Default 1 hour. */
  cartAbandonAfterSeconds: z.coerce.number().int().min(1).max(30 * 86_400).default(3600),
  /** How often to look for abandoned carts. */
  cartAbandonSweepSeconds: z.coerce.number().int().min(1).max(3600).default(30),
  /**
   * How long a replica reuses a selected price for cart views and adds (prices have no
   * events, so this is how late a price change can show). Checkout always prices live. 0: off.
   */
  cartPriceCacheSeconds: z.coerce.number().int().min(0).max(300).default(30),
  /** Safety net for SKU facts (product events drop them at once). 0: off. */
  cartCatalogCacheSeconds: z.coerce.number().int().min(0).max(3600).default(300),
  /** Safety net for stock levels (inventory's availability events drop them at once). 0: off. */
  cartStockCacheSeconds: z.coerce.number().int().min(0).max(3600).default(60),
  /** How long a replica reuses a shipping quote for an unchanged parcel. 0: off. */
  cartShippingCacheSeconds: z.coerce.number().int().min(0).max(300).default(10),
});
