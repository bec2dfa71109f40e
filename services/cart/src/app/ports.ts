import type { CallContext } from '../../../platform/src/grpc/context.js';

/** What the cart needs to know about a SKU from the catalog. */
export interface SkuInfo {
  productId: string;
  productName: string;
  /** Active and not deleted: can be bought now. */
  purchasable: boolean;
  active: boolean;
}

/** The unit price a customer sees for a SKU at a quantity, in the cart's currency. */
export interface SkuPrice {
  unitMinor: number;
  regularMinor: number;
}

/** The catalog, as the cart uses it (batched: one call for all lines). */
export interface CatalogPort {
  lookup(skus: readonly string[], ctx?: CallContext): Promise<Map<string, SkuInfo>>;
  prices(currencyCode: string, items: ReadonlyArray<{ sku: string; quantity: number }>, ctx?: CallContext): Promise<Map<string, SkuPrice>>;
}
