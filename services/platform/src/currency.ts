import type { Money } from './money.js';

/**
 * ISO 4217 minor units. The code list is the runtime's (Intl, kept current with ICU);
 * the exponent is ISO 4217's own, from this table of the currencies that differ from
 * the common 2. Not Intl's maximumFractionDigits: CLDR gives display digits, which
 * differ from ISO 4217 for several currencies (IQD, IDR, ...). A test pins known values.
 */
const EXPONENT_NOT_TWO: Readonly<Record<string, number>> = {
  // No minor unit.
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // Three decimals (a thousandth: fils, baisa, millime).
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // Four decimals (units of account).
  CLF: 4, UYW: 4,
};

/** Funds, metals and testing codes: never a price. */
const NOT_TENDER = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX', 'BOV', 'CHE', 'CHW', 'COU', 'MXV', 'USN']);

const CODES: readonly string[] = Intl.supportedValuesOf('currency').filter((c) => !NOT_TENDER.has(c));
const KNOWN = new Set(CODES);

/** Every currency a payment may be in, sorted by code. */
export function supportedCurrencies(): { code: string; exponent: number }[] {
  return CODES.map((code) => ({ code, exponent: currencyExponent(code) }));
}

export function isSupportedCurrency(code: string): boolean {
  return KNOWN.has(code);
}

/** Digits after the decimal point of a currency (JPY 0, EUR 2, KWD 3); throws for an unknown code. */
export function currencyExponent(code: string): number {
  if (!KNOWN.has(code)) throw new RangeError(`unknown currency ${JSON.stringify(code)}`);
  return EXPONENT_NOT_TWO[code] ?? 2;
}

/**
 * Minor units as a decimal string in major units, exactly (no floats): 1234 EUR ->
 * "12.34", 1234 JPY -> "1234", 1234 KWD -> "1.234". What providers that take
 * decimal strings (PayPal) and receipts need.
 */
export function formatMajor(money: Money): string {
  const exponent = currencyExponent(money.currencyCode);
  if (!Number.isSafeInteger(money.amountMinor)) throw new RangeError('amountMinor must be a safe integer');
  const sign = money.amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(money.amountMinor)).padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * A decimal string in major units to minor units, exactly. More decimals than the
 * currency has is an error, never a silent rounding ("1.5" JPY, "1.2345" KWD).
 */
export function parseMajor(text: string, currencyCode: string): Money {
  const exponent = currencyExponent(currencyCode);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > exponent) throw new RangeError(`${currencyCode} has ${exponent} decimals; got ${JSON.stringify(text)}`);
  const minor = Number(`${whole}${fraction.padEnd(exponent, '0')}`);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount too large: ${JSON.stringify(text)}`);
  return { currencyCode, amountMinor: sign === '-' && minor !== 0 ? -minor : minor };
}

/**
 * Splits a total in minor units across parts in proportion to their weights, so that
 * the parts always sum to the total exactly (largest remainder; ties go to the
 * earlier part). Used to spread an order-level discount or a partial refund over lines.
 */
export function allocate(totalMinor: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(totalMinor)) throw new RangeError('total must be a safe integer');
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new RangeError('weights must be non-negative integers');
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) throw new RangeError('weights must not all be zero');
  const sign = totalMinor < 0 ? -1 : 1;
  const total = BigInt(Math.abs(totalMinor));
  const big = BigInt(sum);
  const shares = weights.map((w, index) => {
    const exact = total * BigInt(w);
    return { index, floor: exact / big, remainder: exact % big };
  });
  let left = total - shares.reduce((a, s) => a + s.floor, 0n);
  const order = [...shares].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const s of order) {
    if (left === 0n) break;
    s.floor += 1n;
    left -= 1n;
  }
  return shares.map((s) => sign * Number(s.floor));
}

const RATE = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** Whether a text is a positive decimal exchange rate ("1.0834"; at most 12 + 12 digits). */
export function isExchangeRate(rate: string): boolean {
  const m = RATE.exec(rate);
  return m !== null && /[1-9]/.test(`${m[1]}${m[2] ?? ''}`);
}

/**
 * Converts minor units at a decimal rate (base -> quote) exactly, with BigInt, and
 * rounds half up (away from zero) on the quote currency's minor units: 0.5 of a cent
 * becomes a cent. E.g. 1000 EUR (10.00) at "160.5" JPY -> 1605 JPY; 1 JPY at
 * "0.00623" EUR -> 1 (0.623 cent rounds up).
 */
export function convertMinor(amountMinor: number, fromCurrency: string, toCurrency: string, rate: string): number {
  const m = RATE.exec(rate);
  if (!m || !isExchangeRate(rate)) throw new RangeError(`not an exchange rate: ${JSON.stringify(rate)}`);
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError('amountMinor must be a safe integer');
  const fraction = m[2] ?? '';
  const rateNumerator = BigInt(`${m[1]}${fraction}`);
  const numerator = BigInt(Math.abs(amountMinor)) * rateNumerator * 10n ** BigInt(currencyExponent(toCurrency));
  const denominator = 10n ** BigInt(fraction.length + currencyExponent(fromCurrency));
  const rounded = (2n * numerator + denominator) / (2n * denominator);
  const result = Number(rounded);
  if (!Number.isSafeInteger(result)) throw new RangeError('converted amount too large');
  return amountMinor < 0 ? -result : result;
}
