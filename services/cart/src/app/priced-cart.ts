import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { CartDoc, CartLineDoc } from '../domain/cart.js';
import { cartTotals, type CartTotals, type TaxRate } from '../domain/totals.js';
import type { CatalogPort } from './ports.js';

export type UnavailableReason = '' | 'NOT_FOUND' | 'NOT_ACTIVE' | 'NO_PRICE';

export interface PricedLine extends CartLineDoc {
  productId: string;
  productName: string;
  unitMinor: number | null;
  regularMinor: number | null;
  lineTotalMinor: number;
  taxMinor: number;
  unavailableReason: UnavailableReason;
}

/** A cart with everything a shopper sees: current names, prices, tax and totals. */
export interface PricedCart {
  cart: CartDoc;
  lines: PricedLine[];
  totals: CartTotals;
  taxRate: TaxRate;
  /** Not empty, and every line can be bought at a price. */
  purchasable: boolean;
}

/** Where the tax rate of a destination comes from. */
export type TaxRateLookup = (countryCode: string, region: string) => Promise<TaxRate>;

/**
 * Prices a cart now: one catalog lookup and one price selection for all lines, the
 * destination's tax rule, then the arithmetic. Lines that cannot be bought (gone,
 * not active, no price in the currency) stay in the cart, flagged, and count
 * nothing; checkout refuses a cart that has any.
 */
export async function priceCart(cart: CartDoc, catalog: CatalogPort, taxRate: TaxRateLookup, ctx?: CallContext): Promise<PricedCart> {
  const skus = cart.lines.map((l) => l.sku);
  const destination = cart.shippingAddress;
  const [info, prices, rate] = await Promise.all([
    catalog.lookup(skus, ctx),
    catalog.prices(cart.currencyCode, cart.lines, ctx),
    destination ? taxRate(destination.countryCode, destination.region) : Promise.resolve({ rateBps: 0, pricesIncludeTax: false, taxShipping: false }),
  ]);
  const partial = cart.lines.map((line) => {
    const sku = info.get(line.sku);
    const price = prices.get(line.sku);
    const reason: UnavailableReason = !sku ? 'NOT_FOUND' : !sku.purchasable ? 'NOT_ACTIVE' : !price ? 'NO_PRICE' : '';
    return { line, sku, price, reason };
  });
  const sellable = partial.filter((p) => p.reason === '');
  // Shipping is priced once a method and address are chosen (shipping service); zero until then.
  const totals = cartTotals(sellable.map((p) => ({ unitPriceMinor: p.price!.unitMinor, quantity: p.line.quantity })), 0, rate);
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
    };
  });
  return { cart, lines, totals, taxRate: rate, purchasable: lines.length > 0 && sellable.length === lines.length };
}
