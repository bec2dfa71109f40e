import { Violations } from '../../../platform/src/errors.js';

/** The catalog's SKU shape (services/catalog/src/domain/product.ts). */
export const SKU = /^[A-Za-z0-9._-]{1,64}$/;

/** Quantities are whole units, below a bound that keeps every sum a safe integer. */
export const MAX_QUANTITY = 1_000_000_000;

export interface Line {
  sku: string;
  quantity: number;
}

/** Adds a violation unless `sku` has the catalog's SKU shape. */
export function checkSku(v: Violations, field: string, sku: string): void {
  if (!SKU.test(sku)) v.add(field, 'must be 1 to 64 letters, digits, ".", "_" or "-"');
}

/** Adds a violation unless `q` is a whole number from 1 to MAX_QUANTITY. */
export function checkQuantity(v: Violations, field: string, q: number): void {
  if (!Number.isSafeInteger(q) || q < 1 || q > MAX_QUANTITY) v.add(field, `must be a whole number from 1 to ${MAX_QUANTITY}`);
}

/** Lines with a valid SKU each at most once and a positive quantity; violations name `lines[i].field`. */
export function checkLines(v: Violations, lines: readonly Line[], max: number, field = 'lines'): void {
  if (lines.length === 0) v.add(field, 'needs at least one line');
  if (lines.length > max) v.add(field, `at most ${max} lines`);
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    checkSku(v, `${field}[${i}].sku`, l.sku);
    checkQuantity(v, `${field}[${i}].quantity`, l.quantity);
    if (seen.has(l.sku)) v.add(`${field}[${i}].sku`, `${l.sku} appears more than once`);
    seen.add(l.sku);
  });
}

/** Id-like client keys (reservation ids, request ids): printable, no spaces, bounded. */
export const CLIENT_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
