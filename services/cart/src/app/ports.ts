import type { CallContext } from '../../../platform/src/grpc/context.js';

/** What the cart needs to know about a SKU from the catalog. */
export interface SkuInfo {
  productId: string;
  productName: string;
  /** Active and not deleted: can be bought now. */
  purchasable: boolean;
  active: boolean;
  /** Shipping weight of one unit, in grams (0 when the catalog has none). */
  weightGrams: number;
}

/** The unit price a customer sees for a SKU at a quantity, in the cart's currency. */
export interface SkuPrice {
  unitMinor: number;
  regularMinor: number;
  /** Whether the price contains tax, when its price list says; null: the destination rule decides. */
  includesTax: boolean | null;
}

/** The catalog, as the cart uses it (batched: one call for all lines). */
export interface CatalogPort {
  lookup(skus: readonly string[], ctx?: CallContext): Promise<Map<string, SkuInfo>>;
  prices(currencyCode: string, items: ReadonlyArray<{ sku: string; quantity: number }>, customerGroup: string, ctx?: CallContext): Promise<Map<string, SkuPrice>>;
}

/** One way to ship a cart, priced in its currency. */
export interface ShippingOptionQuote {
  methodId: string;
  name: string;
  priceMinor: number;
  free: boolean;
  minBusinessDays: number;
  maxBusinessDays: number;
}

/** What a parcel is: where it goes, what is in it, what it is worth. */
export interface Parcel {
  destination: { fullName: string; company: string; line1: string; line2: string; city: string; region: string; postalCode: string; countryCode: string; phone: string };
  items: ReadonlyArray<{ sku: string; quantity: number; weightGrams: number }>;
  currencyCode: string;
  subtotalMinor: number;
}

/** The shipping service's quotes (cheapest first); `methodId` prices just that method. */
export interface ShippingQuotes {
  quote(parcel: Parcel, methodId?: string, ctx?: CallContext): Promise<ShippingOptionQuote[]>;
}

/** What inventory says about a SKU across warehouses. */
export interface SkuStock {
  inStock: boolean;
  /** Units a reservation could take now (back-orders included). */
  reservable: number;
}

/** Inventory's availability, for many SKUs in one call. */
export interface StockPort {
  availability(skus: readonly string[], ctx?: CallContext): Promise<Map<string, SkuStock>>;
}
