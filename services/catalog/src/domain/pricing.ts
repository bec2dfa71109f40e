import { Violations } from '../../../platform/src/errors.js';
import { checkMoney, type Money } from '../../../platform/src/money.js';

/**
 * Price lists and price selection, pure: no I/O, integer minor units only. The
 * selection rules follow commercetools' price selection (currency, customer group,
 * validity window) with Saleor-style quantity tiers:
 * - a list is a candidate when it is in the requested currency, its group is empty or
 *   the customer's, and the instant is inside its window (from inclusive, until
 *   exclusive);
 * - in each candidate the tier with the largest min_quantity <= quantity applies;
 * - the higher priority wins, then the lower price, then the smaller list id (so the
 *   answer never depends on the order the database returned rows in);
 * - without any list price, the variant's own base price when it is in the currency;
 * - otherwise there is no price.
 */

/** The fields of a price list that selection and validation look at. */
export interface PriceListRule {
  id: string;
  currencyCode: string;
  /** Empty: every customer. */
  customerGroup: string;
  validFrom: Date | null;
  /** Exclusive. */
  validUntil: Date | null;
  priority: number;
}

/** One tier of one SKU in one list: the unit price from min_quantity on, in the list's currency. */
export interface Tier {
  priceListId: string;
  sku: string;
  minQuantity: number;
  amountMinor: number;
}

/** What to price: one variant in a quantity, for a customer at an instant. */
export interface PriceQuery {
  sku: string;
  quantity: number;
  currencyCode: string;
  /** Empty: a shopper without a group. */
  customerGroup: string;
  at: Date;
}

/** The selected unit price and the regular one (without sale lists), both in the query's currency. */
export interface Selection {
  sku: string;
  unitPrice: Money;
  regularUnitPrice: Money;
  /** Empty when the base price was taken. */
  priceListId: string;
  quantity: number;
}

/** A sale list is one with a validity window; lists without one make the regular price. */
export function isSaleList(list: PriceListRule): boolean {
  return list.validFrom !== null || list.validUntil !== null;
}

/** Whether a list's prices apply to this customer in this currency at this instant. */
export function listApplies(list: PriceListRule, currencyCode: string, customerGroup: string, at: Date): boolean {
  if (list.currencyCode !== currencyCode) return false;
  if (list.customerGroup !== '' && list.customerGroup !== customerGroup) return false;
  if (list.validFrom !== null && at.getTime() < list.validFrom.getTime()) return false;
  if (list.validUntil !== null && at.getTime() >= list.validUntil.getTime()) return false;
  return true;
}

/** The tier for a quantity among one list's tiers of one SKU: the largest min_quantity not above it. */
export function tierFor(tiers: readonly Tier[], quantity: number): Tier | null {
  let best: Tier | null = null;
  for (const tier of tiers) if (tier.minQuantity <= quantity && (best === null || tier.minQuantity > best.minQuantity)) best = tier;
  return best;
}

interface Offer {
  list: PriceListRule;
  tier: Tier;
}

/** Priority first, then the lower price, then the smaller list id. */
function better(a: Offer, b: Offer): boolean {
  if (a.list.priority !== b.list.priority) return a.list.priority > b.list.priority;
  if (a.tier.amountMinor !== b.tier.amountMinor) return a.tier.amountMinor < b.tier.amountMinor;
  return a.list.id < b.list.id;
}

function bestOffer(lists: readonly PriceListRule[], tiersByList: ReadonlyMap<string, readonly Tier[]>, quantity: number): Offer | null {
  let best: Offer | null = null;
  for (const list of lists) {
    const tier = tierFor(tiersByList.get(list.id) ?? [], quantity);
    if (tier === null) continue;
    const offer = { list, tier };
    if (best === null || better(offer, best)) best = offer;
  }
  return best;
}

/**
 * The price a customer sees for one SKU. `lists` may hold any lists (they are filtered
 * here); `tiers` are that SKU's current tiers in any of them; `basePrice` is the
 * variant's own price. Returns null when nothing prices the SKU in the currency.
 */
export function selectPrice(query: PriceQuery, lists: readonly PriceListRule[], tiers: readonly Tier[], basePrice: Money | null): Selection | null {
  const candidates = lists.filter((l) => listApplies(l, query.currencyCode, query.customerGroup, query.at));
  const tiersByList = new Map<string, Tier[]>();
  for (const tier of tiers) {
    if (tier.sku !== query.sku) continue;
    const group = tiersByList.get(tier.priceListId);
    if (group) group.push(tier);
    else tiersByList.set(tier.priceListId, [tier]);
  }
  const base = basePrice !== null && basePrice.currencyCode === query.currencyCode ? basePrice.amountMinor : null;
  const chosen = bestOffer(candidates, tiersByList, query.quantity);
  const regular = bestOffer(candidates.filter((l) => !isSaleList(l)), tiersByList, query.quantity);
  const unitAmount = chosen?.tier.amountMinor ?? base;
  if (unitAmount === null) return null;
  // Without a regular list price or a base price in the currency, the sale price is all there is.
  const regularAmount = regular?.tier.amountMinor ?? base ?? unitAmount;
  const money = (amountMinor: number): Money => ({ currencyCode: query.currencyCode, amountMinor });
  return { sku: query.sku, unitPrice: money(unitAmount), regularUnitPrice: money(regularAmount), priceListId: chosen?.list.id ?? '', quantity: query.quantity };
}

/** At most this many items per SelectPrices and SKUs per LookupVariants call. */
export const MAX_ITEMS_PER_CALL = 500;
/** At most this many tiers per SetPriceTiers call. */
export const MAX_TIERS_PER_CALL = 1000;

const SKU = /^[A-Za-z0-9._-]{1,64}$/;
const CUSTOMER_GROUP = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));
const INT32_MAX = 2_147_483_647;

/** The fields staff edit on a price list; the currency is fixed once the list exists. */
/** Whether a list's prices contain tax: its own say, or the destination's tax rule. */
export type PriceTaxMode = 'destination' | 'inclusive' | 'exclusive';

export interface PriceListFields {
  name: string;
  currencyCode: string;
  customerGroup: string;
  validFrom: Date | null;
  validUntil: Date | null;
  priority: number;
  taxMode: PriceTaxMode;
}

export const EDITABLE_PRICE_LIST_FIELDS = ['name', 'customer_group', 'valid_from', 'valid_until', 'priority', 'tax_mode'] as const;
export type EditablePriceListField = (typeof EDITABLE_PRICE_LIST_FIELDS)[number];

/** Validates a whole price list, naming every bad field; trims name and group. */
export function validatePriceList(input: PriceListFields, prefix = 'price_list'): PriceListFields {
  const list = { ...input, name: input.name.trim(), customerGroup: input.customerGroup.trim() };
  const v = new Violations();
  if (list.name.length < 1 || list.name.length > 200) v.add(`${prefix}.name`, 'must be 1 to 200 characters');
  if (!ISO_4217.has(list.currencyCode)) v.add(`${prefix}.currency_code`, 'must be an ISO 4217 code such as EUR or USD');
  if (list.customerGroup !== '' && !CUSTOMER_GROUP.test(list.customerGroup)) v.add(`${prefix}.customer_group`, 'must be empty or 1 to 64 of a-z 0-9 _ - starting with a letter or digit');
  if (!Number.isInteger(list.priority) || Math.abs(list.priority) > INT32_MAX) v.add(`${prefix}.priority`, 'must be a 32-bit integer');
  if (list.validFrom !== null && Number.isNaN(list.validFrom.getTime())) v.add(`${prefix}.valid_from`, 'must be a valid timestamp');
  if (list.validUntil !== null && Number.isNaN(list.validUntil.getTime())) v.add(`${prefix}.valid_until`, 'must be a valid timestamp');
  if (list.validFrom !== null && list.validUntil !== null && !(list.validFrom.getTime() < list.validUntil.getTime())) {
    v.add(`${prefix}.valid_until`, 'must be after valid_from');
  }
  v.throwIfAny();
  return list;
}

/** `updateMask` paths (snake_case or lowerCamel) to the fields they name; unknown or read-only paths are errors. */
export function parsePriceListMask(paths: readonly string[]): EditablePriceListField[] {
  const v = new Violations();
  const fields = new Set<EditablePriceListField>();
  if (paths.length === 0) v.add('update_mask', `is required; allowed: ${EDITABLE_PRICE_LIST_FIELDS.join(', ')}`);
  for (const raw of paths) {
    const path = raw.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if ((EDITABLE_PRICE_LIST_FIELDS as readonly string[]).includes(path)) fields.add(path as EditablePriceListField);
    else v.add('update_mask', `unknown or read-only field "${raw}"; allowed: ${EDITABLE_PRICE_LIST_FIELDS.join(', ')}`);
  }
  v.throwIfAny();
  return [...fields];
}

const FIELD_KEYS: Record<EditablePriceListField, keyof PriceListFields> = {
  name: 'name',
  customer_group: 'customerGroup',
  valid_from: 'validFrom',
  valid_until: 'validUntil',
  priority: 'priority',
  tax_mode: 'taxMode',
};

/** Applies the masked fields of a patch to the current list. */
export function applyPriceListPatch(current: PriceListFields, patch: PriceListFields, fields: readonly EditablePriceListField[]): PriceListFields {
  const next: PriceListFields = { ...current };
  for (const field of fields) {
    const key = FIELD_KEYS[field];
    (next as unknown as Record<string, unknown>)[key] = patch[key];
  }
  return next;
}

/** A tier as staff send it: the unit price must be in the list's currency. */
export interface TierInput {
  sku: string;
  minQuantity: number;
  unitPrice: Money | undefined;
}

/**
 * Validates the tiers of one SetPriceTiers call against the list's currency: SKU
 * format, min_quantity >= 1, integer non-negative minor units in the list's currency,
 * (sku, min_quantity) unique. Returns them grouped by SKU, each group by min_quantity.
 */
export function validateTiers(tiers: readonly TierInput[], currencyCode: string): Map<string, { minQuantity: number; amountMinor: number }[]> {
  const v = new Violations();
  if (tiers.length === 0) v.add('tiers', 'must name at least one tier');
  if (tiers.length > MAX_TIERS_PER_CALL) v.add('tiers', `must be at most ${MAX_TIERS_PER_CALL} per call`);
  v.throwIfAny();
  const bySku = new Map<string, { minQuantity: number; amountMinor: number }[]>();
  const seen = new Set<string>();
  tiers.forEach((tier, i) => {
    const at = `tiers[${i}]`;
    const sku = tier.sku.trim();
    if (!SKU.test(sku)) v.add(`${at}.sku`, 'must be 1 to 64 of A-Z a-z 0-9 . _ -');
    if (!Number.isInteger(tier.minQuantity) || tier.minQuantity < 1 || tier.minQuantity > INT32_MAX) v.add(`${at}.min_quantity`, 'must be a whole number of at least 1');
    checkMoney(`${at}.unit_price`, tier.unitPrice, v);
    if (tier.unitPrice && ISO_4217.has(tier.unitPrice.currencyCode) && tier.unitPrice.currencyCode !== currencyCode) {
      v.add(`${at}.unit_price.currency_code`, `must be the price list's currency ${currencyCode}`);
    }
    const key = `${sku}\u0000${tier.minQuantity}`;
    if (seen.has(key)) v.add(`${at}.min_quantity`, `duplicates another tier of ${sku} with min_quantity ${tier.minQuantity}`);
    seen.add(key);
    if (v.empty) {
      const group = bySku.get(sku) ?? [];
      group.push({ minQuantity: tier.minQuantity, amountMinor: tier.unitPrice!.amountMinor });
      bySku.set(sku, group);
    }
  });
  v.throwIfAny();
  for (const group of bySku.values()) group.sort((a, b) => a.minQuantity - b.minQuantity);
  return bySku;
}

/** Validates a SelectPrices request: currency, at most 500 items, SKUs and quantities >= 1. */
export function validatePriceQueries(currencyCode: string, items: readonly { sku: string; quantity: number }[]): void {
  const v = new Violations();
  if (!ISO_4217.has(currencyCode)) v.add('currency_code', 'must be an ISO 4217 code such as EUR or USD');
  if (items.length > MAX_ITEMS_PER_CALL) v.add('items', `must be at most ${MAX_ITEMS_PER_CALL} per call`);
  else
    items.forEach((item, i) => {
      if (!SKU.test(item.sku)) v.add(`items[${i}].sku`, 'must be 1 to 64 of A-Z a-z 0-9 . _ -');
      if (!Number.isInteger(item.quantity) || item.quantity < 1) v.add(`items[${i}].quantity`, 'must be at least 1');
    });
  v.throwIfAny();
}
