import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { CartDoc, CartLineDoc } from '../domain/cart.js';
import { cartTotals, type CartTotals, type TaxRate } from '../domain/totals.js';
import { toDomainError } from '../../../platform/src/errors.js';
import type { CatalogPort, Parcel, ShippingQuotes, StockPort } from './ports.js';

export type UnavailableReason = '' | 'NOT_FOUND' | 'NOT_ACTIVE' | 'NO_PRICE' | 'OUT_OF_STOCK';

export interface PricedLine extends CartLineDoc {
  productId: string;
  productName: string;
  unitMinor: number | null;
  regularMinor: number | null;
  lineTotalMinor: number;
  taxMinor: number;
  unavailableReason: UnavailableReason;
  /** Units inventory could hold for this SKU now; null when stock was not asked. */
  reservable: number | null;
}

/** A cart with everything a shopper sees: current names, prices, tax and totals. */
export interface PricedCart {
  cart: CartDoc;
  lines: PricedLine[];
  totals: CartTotals;
  taxRate: TaxRate;
  /** Not empty, and every line can be bought at a price. */
  purchasable: boolean;
  /** Why the chosen shipping method has no price now; '' when fine or none is chosen. */
  shippingIssue: string;
  /** The parcel the sellable lines make (for shipping quotes), when there is an address. */
  parcel: Parcel | null;
}

/** Where the tax rate of a destination comes from. */
export type TaxRateLookup = (countryCode: string, region: string) => Promise<TaxRate>;

/**
 * Prices a cart now: one catalog lookup and one price selection for all lines, the
 * destination's tax rule, then the arithmetic. Lines that cannot be bought (gone,
 * not active, no price in the currency) stay in the cart, flagged, and count
 * nothing; checkout refuses a cart that has any.
 */
/** The services a cart is priced with; shipping and stock are optional (events, option lists). */
export interface PricingSources {
  catalog: CatalogPort;
  taxRate: TaxRateLookup;
  shipping: ShippingQuotes | null;
  stock: StockPort | null;
}

export async function priceCart(cart: CartDoc, sources: PricingSources, ctx?: CallContext): Promise<PricedCart> {
  const { catalog, taxRate, shipping, stock } = sources;
  const skus = cart.lines.map((l) => l.sku);
  const destination = cart.shippingAddress;
  const [info, prices, rate, levels] = await Promise.all([
    catalog.lookup(skus, ctx),
    catalog.prices(cart.currencyCode, cart.lines, cart.customerGroup ?? '', ctx),
    destination ? taxRate(destination.countryCode, destination.region) : Promise.resolve({ rateBps: 0, pricesIncludeTax: false, taxShipping: false }),
    stock ? stock.availability(skus, ctx) : Promise.resolve(null),
  ]);
  const partial = cart.lines.map((line) => {
    const sku = info.get(line.sku);
    const price = prices.get(line.sku);
    const level = levels?.get(line.sku);
    const outOfStock = levels !== null && (!level?.inStock || level.reservable < line.quantity);
    const reason: UnavailableReason = !sku ? 'NOT_FOUND' : !sku.purchasable ? 'NOT_ACTIVE' : !price ? 'NO_PRICE' : outOfStock ? 'OUT_OF_STOCK' : '';
    return { line, sku, price, reason };
  });
  const sellable = partial.filter((p) => p.reason === '');
  const priced = sellable.map((p) => ({ unitPriceMinor: p.price!.unitMinor, quantity: p.line.quantity, ...(p.price!.includesTax === null ? {} : { pricesIncludeTax: p.price!.includesTax }) }));
  const parcel: Parcel | null = destination
    ? {
        destination,
        items: sellable.map((p) => ({ sku: p.line.sku, quantity: p.line.quantity, weightGrams: p.sku!.weightGrams })),
        currencyCode: cart.currencyCode,
        subtotalMinor: cartTotals(priced, 0, rate).subtotalMinor,
      }
    : null;
  // Shipping is priced once a method and an address are chosen; zero until then.
  let shippingMinor = 0;
  let shippingIssue = '';
  if (parcel && cart.shippingMethodId && shipping && sellable.length > 0) {
    try {
      const [quote] = await shipping.quote(parcel, cart.shippingMethodId, ctx);
      if (quote) shippingMinor = quote.priceMinor;
      else shippingIssue = 'the chosen shipping method cannot take this cart; choose another';
    } catch (err) {
      shippingIssue = toDomainError(err).message;
    }
  }
  const totals = cartTotals(priced, shippingMinor, rate);
  let next = 0;
  const lines = partial.map(({ line, sku, price, reason }): PricedLine => {
    const amounts = reason === '' ? totals.lines[next++]! : { lineTotalMinor: 0, taxMinor: 0 };
    return {
      ...line,
      productId: sku?.productId ?? '',
      productName: sku?.productName ?? '',
      unitMinor: price?.unitMinor ?? null,
      regularMinor: price?.regularMinor ?? null,
      ...amounts,
      unavailableReason: reason,
      reservable: levels?.get(line.sku)?.reservable ?? (levels ? 0 : null),
    };
  });
  return { cart, lines, totals, taxRate: rate, purchasable: lines.length > 0 && sellable.length === lines.length, shippingIssue, parcel };
}
