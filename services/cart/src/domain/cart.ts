import { randomBytes } from 'node:crypto';
import type { AddressFields } from '../../../platform/src/address.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';

/**
 * A cart as it is stored (one JSON value in Redis): only what the shopper chose.
 * Prices, names, tax and totals are not stored; they are worked out on every read
 * from the catalog and the tax rules, so a cart never shows a stale price.
 */
export interface CartDoc {
  id: string;
  currencyCode: string;
  /** The owning customer; absent for a guest cart. */
  customerId?: string;
  /** The customer's pricing group as their token last said; prices follow it. */
  customerGroup?: string;
  /** SHA-256 of a guest cart's token (the token itself is never stored). */
  tokenHash?: string;
  state: 'open' | 'checking_out' | 'completed' | 'merged';
  lines: CartLineDoc[];
  email?: string;
  shippingAddress?: AddressDoc;
  billingAddress?: AddressDoc;
  shippingMethodId?: string;
  /** The checkout holding the cart frozen (state checking_out), or that completed it. */
  checkoutId?: string;
  orderId?: string;
  /** The customer cart a merged guest cart went into. */
  mergedInto?: string;
  /** Idempotency keys of recent AddLine calls, newest last, so a retry adds nothing. */
  recentAddKeys: string[];
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface CartLineDoc {
  id: string;
  sku: string;
  quantity: number;
}

/** A postal address as the platform validates it (services/platform/src/address.ts). */
export type AddressDoc = AddressFields;

export interface CartLimits {
  /** Most units of one SKU in a cart. */
  maxLineQuantity: number;
  /** Most distinct SKUs in a cart. */
  maxLines: number;
  /** Most units in a cart altogether. */
  maxCartQuantity: number;
}

const RECENT_KEYS_KEPT = 20;

export const newLineId = () => randomBytes(6).toString('base64url');

export function newCart(id: string, currencyCode: string, owner: { customerId?: string; tokenHash?: string; customerGroup?: string }, now: Date): CartDoc {
  const at = now.toISOString();
  return { id, currencyCode, ...owner, state: 'open', lines: [], recentAddKeys: [], revision: 1, createdAt: at, updatedAt: at };
}

/** Changes are only allowed while the cart is open; a running checkout or a closed cart refuses them. */
export function assertOpen(cart: CartDoc): void {
  if (cart.state === 'open') return;
  if (cart.state === 'checking_out') {
    throw new DomainError('failed_precondition', 'CHECKOUT_IN_PROGRESS', `cart ${cart.id} is being checked out; wait for the checkout to finish`, { cart_id: cart.id });
  }
  throw new DomainError('failed_precondition', 'CART_CLOSED', `cart ${cart.id} is ${cart.state === 'completed' ? 'already checked out' : 'merged into another cart'}`, { cart_id: cart.id });
}

export function checkQuantity(field: string, quantity: number, violations: Violations, options: { allowZero: boolean }): void {
  if (!Number.isInteger(quantity) || quantity < (options.allowZero ? 0 : 1)) violations.add(field, options.allowZero ? 'must be a whole number, 0 or more' : 'must be a whole number, at least 1');
}

function limitError(field: string, description: string): DomainError {
  return new DomainError('failed_precondition', 'CART_LIMIT', `${field}: ${description}`, {}, [{ field, description }]);
}

/** Refuses a cart whose lines break the limits (checked after every change). */
export function assertWithinLimits(lines: readonly CartLineDoc[], limits: CartLimits): void {
  if (lines.length > limits.maxLines) throw limitError('sku', `a cart holds at most ${limits.maxLines} different items`);
  for (const line of lines) {
    if (line.quantity > limits.maxLineQuantity) throw limitError('quantity', `at most ${limits.maxLineQuantity} of one item (${line.sku}) per cart`);
  }
  const total = lines.reduce((sum, l) => sum + l.quantity, 0);
  if (total > limits.maxCartQuantity) throw limitError('quantity', `at most ${limits.maxCartQuantity} items per cart`);
}

/** Adds units of a SKU: raises the quantity of its line, or appends a new line. */
export function addUnits(lines: readonly CartLineDoc[], sku: string, quantity: number, limits: CartLimits): CartLineDoc[] {
  const existing = lines.find((l) => l.sku === sku);
  const next = existing ? lines.map((l) => (l === existing ? { ...l, quantity: l.quantity + quantity } : l)) : [...lines, { id: newLineId(), sku, quantity }];
  assertWithinLimits(next, limits);
  return next;
}

export function lineNotFound(cartId: string, lineId: string): DomainError {
  return new DomainError('not_found', 'CART_LINE_NOT_FOUND', `cart ${cartId} has no line ${lineId}`, { cart_id: cartId, line_id: lineId });
}

/** Sets a line's quantity; 0 removes it. */
export function setQuantity(cart: CartDoc, lineId: string, quantity: number, limits: CartLimits): CartLineDoc[] {
  if (!cart.lines.some((l) => l.id === lineId)) throw lineNotFound(cart.id, lineId);
  const next = quantity === 0 ? cart.lines.filter((l) => l.id !== lineId) : cart.lines.map((l) => (l.id === lineId ? { ...l, quantity } : l));
  assertWithinLimits(next, limits);
  return next;
}

/**
 * A guest cart's lines added into a customer's: quantities of the same SKU add up,
 * capped at the per-line limit; SKUs beyond the line or cart limits are dropped (a
 * merge on login must not fail because the guest cart was generous).
 */
export function mergeLines(into: readonly CartLineDoc[], from: readonly CartLineDoc[], limits: CartLimits): CartLineDoc[] {
  const merged = into.map((l) => ({ ...l }));
  let total = merged.reduce((sum, l) => sum + l.quantity, 0);
  for (const line of from) {
    const existing = merged.find((l) => l.sku === line.sku);
    const room = Math.min(limits.maxCartQuantity - total, existing ? limits.maxLineQuantity - existing.quantity : limits.maxLineQuantity);
    const add = Math.min(line.quantity, room);
    if (add <= 0) continue;
    if (existing) existing.quantity += add;
    else if (merged.length < limits.maxLines) merged.push({ id: newLineId(), sku: line.sku, quantity: add });
    else continue;
    total += add;
  }
  return merged;
}

/** Remembers an AddLine idempotency key (bounded: only recent retries are recognised). */
export function rememberKey(keys: readonly string[], key: string): string[] {
  return key ? [...keys, key].slice(-RECENT_KEYS_KEPT) : [...keys];
}
