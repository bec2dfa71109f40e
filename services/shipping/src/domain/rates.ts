import { RateType, ShippingMethodKind } from '../../../../gen/shop/shipping/v1/shipping.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import type { Money } from '../../../platform/src/money.js';

const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

/** One band of a banded rate: up to `upTo` (inclusive; 0 = no upper bound, last band only). */
export interface RateBand {
  upTo: number;
  amountMinor: number;
}

/** A method's price rule in one currency. */
export interface CurrencyRate {
  currencyCode: string;
  amountMinor: number;
  bands: RateBand[];
  /** Subtotals at or above this ship free; undefined for never. */
  freeAtSubtotalMinor?: number | undefined;
}

/** What staff write about a shipping method. */
export interface MethodFields {
  zoneId: string;
  name: string;
  description: string;
  kind: ShippingMethodKind;
  rateType: RateType;
  rates: CurrencyRate[];
  minBusinessDays: number;
  maxBusinessDays: number;
  carrier: string;
  warehouseId: string;
  maxWeightGrams: number;
  volumetricDivisor: number;
  active: boolean;
}

/** One item of a parcel (per-unit weight and dimensions). */
export interface ParcelItem {
  sku: string;
  quantity: number;
  weightGrams: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
}

/** What is quoted: the items and the order subtotal (whose currency every price is in). */
export interface Parcel {
  items: ParcelItem[];
  subtotal: Money;
}

const MAX_AMOUNT = 100_000_000_00; // a hundred million in major units: anything above is a typo
const MAX_DAYS = 365;
const MAX_DIMENSION_MM = 10_000;
const MAX_ITEM_WEIGHT_G = 1_000_000;
const MAX_QUANTITY = 10_000;

const isAmount = (n: number) => Number.isSafeInteger(n) && n >= 0 && n <= MAX_AMOUNT;

/** Validates a method's fields, naming every bad one; `carriers` are the provider codes configured here. */
export function validateMethod(input: MethodFields, carriers: readonly string[], prefix = 'method.'): MethodFields {
  const v = new Violations(prefix);
  const m: MethodFields = { ...input, name: input.name.trim(), description: input.description.trim(), carrier: input.carrier.trim() || 'manual', warehouseId: input.warehouseId.trim(), zoneId: input.zoneId.trim() };
  if (m.zoneId === '') v.add('zone_id', 'is required');
  if (m.name.length < 1 || m.name.length > 100) v.add('name', 'must be 1 to 100 characters');
  if (m.description.length > 1000) v.add('description', 'must be at most 1000 characters');
  if (m.kind === ShippingMethodKind.SHIPPING_METHOD_KIND_UNSPECIFIED || !(m.kind in ShippingMethodKind)) v.add('kind', 'must be STANDARD, EXPRESS, ECONOMY or PICKUP');
  if (m.kind === ShippingMethodKind.SHIPPING_METHOD_KIND_PICKUP && m.warehouseId === '') v.add('warehouse_id', 'is required for a pickup method');
  if (m.rateType === RateType.RATE_TYPE_UNSPECIFIED || !(m.rateType in RateType)) v.add('rate_type', 'must be FLAT, WEIGHT_BANDS, SUBTOTAL_BANDS or PER_ITEM');
  if (!carriers.includes(m.carrier)) v.add('carrier', `must be one of ${carriers.join(', ')}`);
  if (!Number.isInteger(m.minBusinessDays) || m.minBusinessDays < 0 || m.minBusinessDays > MAX_DAYS) v.add('min_business_days', `must be 0 to ${MAX_DAYS}`);
  if (!Number.isInteger(m.maxBusinessDays) || m.maxBusinessDays < m.minBusinessDays || m.maxBusinessDays > MAX_DAYS) v.add('max_business_days', `must be at least min_business_days and at most ${MAX_DAYS}`);
  if (!Number.isSafeInteger(m.maxWeightGrams) || m.maxWeightGrams < 0) v.add('max_weight_grams', 'must be zero (no limit) or a positive number of grams');
  if (!Number.isInteger(m.volumetricDivisor) || m.volumetricDivisor < 0 || m.volumetricDivisor > 100_000) v.add('volumetric_divisor', 'must be zero (actual weight) or cm³ per kg, e.g. 5000');
  if (m.rates.length === 0) v.add('rates', 'must price at least one currency');
  const seen = new Set<string>();
  m.rates = m.rates.map((r, i) => {
    const field = `rates[${i}]`;
    const rate: CurrencyRate = { ...r, currencyCode: r.currencyCode.trim().toUpperCase(), bands: r.bands.map((b) => ({ ...b })) };
    if (!ISO_4217.has(rate.currencyCode)) v.add(`${field}.currency_code`, 'must be an ISO 4217 code such as EUR');
    else if (seen.has(rate.currencyCode)) v.add(`${field}.currency_code`, `${rate.currencyCode} is priced twice`);
    seen.add(rate.currencyCode);
    if (rate.freeAtSubtotalMinor !== undefined && !isAmount(rate.freeAtSubtotalMinor)) v.add(`${field}.free_at_subtotal_minor`, 'must be a non-negative whole number of minor units');
    const banded = m.rateType === RateType.RATE_TYPE_WEIGHT_BANDS || m.rateType === RateType.RATE_TYPE_SUBTOTAL_BANDS;
    if (banded) checkBands(rate.bands, `${field}.bands`, v);
    else {
      if (!isAmount(rate.amountMinor)) v.add(`${field}.amount_minor`, 'must be a non-negative whole number of minor units');
      if (rate.bands.length > 0) v.add(`${field}.bands`, 'are only used by WEIGHT_BANDS and SUBTOTAL_BANDS rates');
    }
    return rate;
  });
  v.throwIfAny();
  return m;
}

function checkBands(bands: RateBand[], field: string, v: Violations): void {
  if (bands.length === 0) v.add(field, 'a banded rate needs at least one band');
  if (bands.length > 100) v.add(field, 'at most 100 bands');
  bands.forEach((b, i) => {
    const last = i === bands.length - 1;
    if (!isAmount(b.amountMinor)) v.add(`${field}[${i}].amount_minor`, 'must be a non-negative whole number of minor units');
    if (!Number.isSafeInteger(b.upTo) || b.upTo < 0) v.add(`${field}[${i}].up_to`, 'must be a non-negative whole number');
    else if (b.upTo === 0 && !last) v.add(`${field}[${i}].up_to`, 'only the last band may be unbounded (0)');
    else if (i > 0 && b.upTo !== 0 && b.upTo <= bands[i - 1]!.upTo) v.add(`${field}[${i}].up_to`, 'bands must be in strictly increasing order');
  });
}

/** Validates a parcel to quote, naming every bad field. */
export function validateParcel(parcel: Parcel): void {
  const v = new Violations();
  if (parcel.items.length === 0) v.add('items', 'must list at least one item');
  if (parcel.items.length > 500) v.add('items', 'at most 500 items');
  parcel.items.forEach((it, i) => {
    if (!Number.isInteger(it.quantity) || it.quantity < 1 || it.quantity > MAX_QUANTITY) v.add(`items[${i}].quantity`, `must be 1 to ${MAX_QUANTITY}`);
    if (!Number.isSafeInteger(it.weightGrams) || it.weightGrams < 0 || it.weightGrams > MAX_ITEM_WEIGHT_G) v.add(`items[${i}].weight_grams`, `must be 0 to ${MAX_ITEM_WEIGHT_G} grams`);
    for (const [name, value] of [['length_mm', it.lengthMm], ['width_mm', it.widthMm], ['height_mm', it.heightMm]] as const) {
      if (!Number.isInteger(value) || value < 0 || value > MAX_DIMENSION_MM) v.add(`items[${i}].${name}`, `must be 0 to ${MAX_DIMENSION_MM} mm`);
    }
  });
  if (!ISO_4217.has(parcel.subtotal.currencyCode)) v.add('subtotal.currency_code', 'must be an ISO 4217 code such as EUR');
  if (!isAmount(parcel.subtotal.amountMinor)) v.add('subtotal.amount_minor', 'must be a non-negative whole number of minor units');
  v.throwIfAny();
}

/** Total actual weight in grams. */
export const actualWeight = (items: readonly ParcelItem[]) => items.reduce((sum, it) => sum + it.weightGrams * it.quantity, 0);

/**
 * The weight a method charges: actual weight, or the volumetric weight when it is
 * larger and the method uses a divisor. l×w×h in mm³ divided by a divisor in cm³/kg is
 * grams (mm³/1000 = cm³, /divisor = kg, ×1000 = g), rounded up per item.
 */
export function chargeableWeight(items: readonly ParcelItem[], volumetricDivisor: number): number {
  const actual = actualWeight(items);
  if (volumetricDivisor <= 0) return actual;
  const volumetric = items.reduce((sum, it) => sum + Math.ceil((it.lengthMm * it.widthMm * it.heightMm) / volumetricDivisor) * it.quantity, 0);
  return Math.max(actual, volumetric);
}

/** A priced method, or why it cannot take the parcel. */
export type MethodPrice = { ok: true; amountMinor: number; free: boolean } | { ok: false; reason: string };

const firstBand = (bands: readonly RateBand[], value: number) => bands.find((b) => b.upTo === 0 || value <= b.upTo);

/** Prices one method for a parcel (pure; the rules in the proto's RateType comments). */
export function priceMethod(method: MethodFields, parcel: Parcel): MethodPrice {
  if (!method.active) return { ok: false, reason: 'the method is inactive' };
  const rate = method.rates.find((r) => r.currencyCode === parcel.subtotal.currencyCode);
  if (!rate) return { ok: false, reason: `the method has no price in ${parcel.subtotal.currencyCode}` };
  const weight = chargeableWeight(parcel.items, method.volumetricDivisor);
  if (method.maxWeightGrams > 0 && weight > method.maxWeightGrams) return { ok: false, reason: `the parcel weighs ${weight} g, over the method's ${method.maxWeightGrams} g` };
  let amount: number;
  switch (method.rateType) {
    case RateType.RATE_TYPE_FLAT:
      amount = rate.amountMinor;
      break;
    case RateType.RATE_TYPE_PER_ITEM:
      amount = rate.amountMinor * parcel.items.reduce((n, it) => n + it.quantity, 0);
      break;
    case RateType.RATE_TYPE_WEIGHT_BANDS: {
      const band = firstBand(rate.bands, weight);
      if (!band) return { ok: false, reason: `no weight band covers ${weight} g` };
      amount = band.amountMinor;
      break;
    }
    case RateType.RATE_TYPE_SUBTOTAL_BANDS: {
      const band = firstBand(rate.bands, parcel.subtotal.amountMinor);
      if (!band) return { ok: false, reason: `no subtotal band covers ${parcel.subtotal.amountMinor}` };
      amount = band.amountMinor;
      break;
    }
    default:
      return { ok: false, reason: 'the method has no rate type' };
  }
  if (rate.freeAtSubtotalMinor !== undefined && parcel.subtotal.amountMinor >= rate.freeAtSubtotalMinor) return { ok: true, amountMinor: 0, free: true };
  return { ok: true, amountMinor: amount, free: false };
}

/** A quote as the domain computes it. */
export interface Quote {
  methodId: string;
  name: string;
  kind: ShippingMethodKind;
  zoneId: string;
  price: Money;
  free: boolean;
  minBusinessDays: number;
  maxBusinessDays: number;
  carrier: string;
  warehouseId: string;
}

/**
 * Prices the given methods (of the zones that matched) for a parcel. Deterministic:
 * cheapest first, then the fastest (max, then min days), then by name and id.
 * `onlyMethodId` prices one method and fails, saying why, when it cannot ship.
 */
export function quoteMethods(methods: ReadonlyArray<MethodFields & { id: string }>, parcel: Parcel, destinationLabel: string, onlyMethodId = ''): Quote[] {
  const quotes: Quote[] = [];
  const reasons: string[] = [];
  for (const m of methods) {
    if (onlyMethodId !== '' && m.id !== onlyMethodId) continue;
    const price = priceMethod(m, parcel);
    if (!price.ok) {
      reasons.push(`${m.name}: ${price.reason}`);
      continue;
    }
    quotes.push({
      methodId: m.id,
      name: m.name,
      kind: m.kind,
      zoneId: m.zoneId,
      price: { currencyCode: parcel.subtotal.currencyCode, amountMinor: price.amountMinor },
      free: price.free,
      minBusinessDays: m.minBusinessDays,
      maxBusinessDays: m.maxBusinessDays,
      carrier: m.carrier,
      warehouseId: m.warehouseId,
    });
  }
  if (onlyMethodId !== '' && quotes.length === 0) {
    throw new DomainError('failed_precondition', 'SHIPPING_METHOD_UNAVAILABLE', `shipping method ${onlyMethodId} cannot ship this parcel to ${destinationLabel}${reasons.length ? `: ${reasons.join('; ')}` : ' (not offered there)'}`, { method_id: onlyMethodId });
  }
  if (quotes.length === 0) {
    throw new DomainError('failed_precondition', 'NO_SHIPPING_METHOD', `no shipping method can take this parcel to ${destinationLabel} in ${parcel.subtotal.currencyCode}${reasons.length ? `: ${reasons.join('; ')}` : ''}`, { currency_code: parcel.subtotal.currencyCode });
  }
  return quotes.sort(
    (a, b) =>
      a.price.amountMinor - b.price.amountMinor ||
      a.maxBusinessDays - b.maxBusinessDays ||
      a.minBusinessDays - b.minBusinessDays ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.methodId < b.methodId ? -1 : a.methodId > b.methodId ? 1 : 0),
  );
}
