/**
 * Cart arithmetic: line totals, tax and the grand total, in integer minor units of
 * one currency. Nothing here is a float: products of amounts and rates are done in
 * BigInt so large orders cannot lose precision.
 *
 * Rounding rule (explicit, as invoices need it): tax is computed per line and
 * rounded half away from zero to the currency's minor unit; the cart's tax is the
 * sum of the rounded line taxes (never re-rounded), so every line on an invoice
 * adds up to the total shown.
 */

export interface TaxRate {
  /** Basis points: 1900 = 19%. */
  rateBps: number;
  /** The price already contains the tax (VAT-style) rather than having it added. */
  pricesIncludeTax: boolean;
  /** Shipping is taxed at the same rate. */
  taxShipping: boolean;
}

export const NO_TAX: TaxRate = { rateBps: 0, pricesIncludeTax: false, taxShipping: false };

export interface PricedLine {
  unitPriceMinor: number;
  quantity: number;
  /** The price list's say on whether its prices contain tax; absent: the destination rule's. */
  pricesIncludeTax?: boolean;
}

export interface LineAmounts {
  lineTotalMinor: number;
  taxMinor: number;
}

export interface CartTotals {
  lines: LineAmounts[];
  subtotalMinor: number;
  discountMinor: number;
  shippingMinor: number;
  /** Tax added on top of tax-exclusive prices (and shipping). */
  addedTaxMinor: number;
  /** Tax contained in tax-inclusive prices (and shipping); already in the subtotal. */
  includedTaxMinor: number;
  grandTotalMinor: number;
}

const BPS = 10_000n;

/** a / b rounded half away from zero, for b > 0. */
export function divideRounded(a: bigint, b: bigint): bigint {
  const negative = a < 0n;
  const abs = negative ? -a : a;
  const q = (abs * 2n + b) / (2n * b);
  return negative ? -q : q;
}

function toSafeNumber(value: bigint, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} is too large`);
  return n;
}

/** The tax in an amount: added on top (exclusive) or contained in it (inclusive). */
export function taxOf(amountMinor: number, rate: TaxRate): number {
  if (rate.rateBps === 0 || amountMinor === 0) return 0;
  const amount = BigInt(amountMinor);
  const bps = BigInt(rate.rateBps);
  if (!rate.pricesIncludeTax) return toSafeNumber(divideRounded(amount * bps, BPS), 'tax');
  const net = divideRounded(amount * BPS, BPS + bps);
  return toSafeNumber(amount - net, 'tax');
}

export function lineTotal(line: PricedLine): number {
  return toSafeNumber(BigInt(line.unitPriceMinor) * BigInt(line.quantity), 'line total');
}

/** The whole cart's amounts for priced lines, the shipping price and the destination's tax rate. */
export function cartTotals(lines: readonly PricedLine[], shippingMinor: number, rate: TaxRate, discountMinor = 0): CartTotals {
  let added = 0;
  let included = 0;
  const amounts = lines.map((line) => {
    const total = lineTotal(line);
    const inclusive = line.pricesIncludeTax ?? rate.pricesIncludeTax;
    const tax = taxOf(total, { ...rate, pricesIncludeTax: inclusive });
    if (inclusive) included += tax;
    else added += tax;
    return { lineTotalMinor: total, taxMinor: tax };
  });
  const subtotal = amounts.reduce((sum, a) => sum + a.lineTotalMinor, 0);
  // Shipping prices follow the destination's rule.
  const shippingTax = rate.taxShipping ? taxOf(shippingMinor, rate) : 0;
  if (rate.pricesIncludeTax) included += shippingTax;
  else added += shippingTax;
  const grand = subtotal - discountMinor + shippingMinor + added;
  if (!Number.isSafeInteger(grand)) throw new RangeError('cart total is too large');
  return { lines: amounts, subtotalMinor: subtotal, discountMinor, shippingMinor, addedTaxMinor: added, includedTaxMinor: included, grandTotalMinor: grand };
}
