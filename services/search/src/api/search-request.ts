import type { SearchProductsRequest } from '../../../../gen/shop/search/v1/search_service.js';
import { Violations } from '../../../platform/src/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../platform/src/paging.js';
import { SORT_ORDERS, type SearchQuery, type SortOrder } from '../domain/query.js';

const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));
const ATTRIBUTE_CODE = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_QUERY_LENGTH = 200;
export const MAX_FILTER_VALUES = 50;

function checkPageSize(requested: number, violations: Violations, fallback: number, max: number): number {
  if (!Number.isInteger(requested) || requested < 0) {
    violations.add('page_size', 'must be zero or a positive integer');
    return fallback;
  }
  return requested === 0 ? fallback : Math.min(requested, max);
}

/**
 * Validates a SearchProductsRequest into a SearchQuery, naming every bad field at
 * once (400). The page token is checked against the query when the index runs it.
 */
export function parseSearchRequest(req: SearchProductsRequest): SearchQuery {
  const v = new Violations();
  const text = req.q.trim();
  if (text.length > MAX_QUERY_LENGTH) v.add('q', `must be at most ${MAX_QUERY_LENGTH} characters`);

  const currency = req.currency.trim() || null;
  if (currency !== null && !ISO_4217.has(currency)) v.add('currency', 'must be an upper-case ISO 4217 code such as EUR or USD');

  const minPrice = req.minPrice ?? null;
  const maxPrice = req.maxPrice ?? null;
  for (const [field, value] of [['min_price', minPrice], ['max_price', maxPrice]] as const) {
    if (value === null) continue;
    if (!Number.isSafeInteger(value) || value < 0) v.add(field, 'must be a non-negative whole number of minor units');
    else if (currency === null) v.add('currency', `is required with ${field}`);
  }
  if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) v.add('min_price', 'must not exceed max_price');

  let sort: SortOrder = text ? 'relevance' : 'newest';
  if (req.sort !== '') {
    if ((SORT_ORDERS as readonly string[]).includes(req.sort)) sort = req.sort as SortOrder;
    else v.add('sort', `must be one of ${SORT_ORDERS.join(', ')}`);
  }
  if ((sort === 'price_asc' || sort === 'price_desc') && currency === null) v.add('currency', `is required to sort by ${sort}`);

  if (req.brand.length > MAX_FILTER_VALUES) v.add('brand', `must have at most ${MAX_FILTER_VALUES} values`);
  if (req.brand.some((b) => b.trim() === '')) v.add('brand', 'must not contain empty values');

  const attributes: Record<string, string[]> = {};
  if (req.attr.length > MAX_FILTER_VALUES) v.add('attr', `must have at most ${MAX_FILTER_VALUES} values`);
  for (const raw of req.attr) {
    const sep = raw.indexOf(':');
    const code = sep > 0 ? raw.slice(0, sep).trim() : '';
    const value = sep > 0 ? raw.slice(sep + 1).trim() : '';
    if (!ATTRIBUTE_CODE.test(code) || value === '') {
      v.add('attr', `"${raw.slice(0, 80)}" must be code:value with a lower_snake_case code, e.g. color:red`);
      continue;
    }
    (attributes[code] ??= []).push(value);
  }

  const pageSize = checkPageSize(req.pageSize, v, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  v.throwIfAny();
  return {
    text,
    category: req.category.trim() || null,
    brands: [...new Set(req.brand.map((b) => b.trim()))],
    attributes,
    currency,
    minPrice,
    maxPrice,
    inStock: req.inStock,
    sort,
    pageSize,
    pageToken: req.pageToken,
  };
}

export const DEFAULT_SUGGESTIONS = 8;
export const MAX_SUGGESTIONS = 20;

/** Validates a suggestions request: 1 to 100 characters of text, an AIP-158 page size. */
export function parseSuggestRequest(req: { q: string; pageSize: number }): { text: string; limit: number } {
  const v = new Violations();
  const text = req.q.trim();
  if (text === '') v.add('q', 'is required');
  else if (text.length > 100) v.add('q', 'must be at most 100 characters');
  const limit = checkPageSize(req.pageSize, v, DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS);
  v.throwIfAny();
  return { text, limit };
}
