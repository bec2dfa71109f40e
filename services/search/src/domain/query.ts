import { createHash } from 'node:crypto';

/** Result orders the API offers; the strings are the public `sort` values. */
export const SORT_ORDERS = ['relevance', 'newest', 'price_asc', 'price_desc', 'rating'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** A validated search: what the index executes. */
export interface SearchQuery {
  text: string;
  /** Category id; matches the category and its descendants. */
  category: string | null;
  /** Brand ids; any of them. */
  brands: string[];
  /** Attribute code -> accepted values; a product must match every code, any value per code. */
  attributes: Record<string, string[]>;
  currency: string | null;
  minPrice: number | null;
  maxPrice: number | null;
  inStock: boolean;
  sort: SortOrder;
  pageSize: number;
  pageToken: string;
}

/**
 * A short hash of everything that decides the result list (not the page size), so a
 * page token only continues the query it came from.
 */
export function queryFingerprint(q: SearchQuery): string {
  const canonical = JSON.stringify([
    q.text.trim().toLowerCase(),
    q.category,
    [...q.brands].sort(),
    Object.keys(q.attributes).sort().map((code) => [code, [...q.attributes[code]!].sort()]),
    q.currency,
    q.minPrice,
    q.maxPrice,
    q.inStock,
    q.sort,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/** Folds case and accents so "Café" and "cafe" are one term, in the index and in queries. */
export function normalizeTerm(term: string): string {
  return term.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Typo tolerance by term length, as an absolute edit distance: none up to 3
 * characters (too many short words are one edit apart), one for 4-5, two from 6,
 * which is what "iphnoe" -> "iphone" needs (a transposition is two edits for
 * Levenshtein).
 */
export function editDistanceFor(term: string): number {
  if (term.length <= 3) return 0;
  if (term.length <= 5) return 1;
  return 2;
}
