import type { ProductDocument } from './document.js';
import type { FacetValue, IndexedProduct } from './filter-postings.js';

/** One facet value with its count, before mapping to the proto. */
export interface FacetCount {
  value: string;
  label: string;
  count: number;
}

export interface FacetResult {
  field: string;
  values: FacetCount[];
}

export interface PriceBucketCount {
  /** Inclusive lower bound, minor units. */
  min: number;
  /** Exclusive upper bound, minor units; null for the open top bucket. */
  max: number | null;
  count: number;
}

export const MAX_FACET_VALUES = 20;

/**
 * Fixed bucket edges in major units; scaled by the currency's minor-unit digits, so
 * EUR gets 0-10, 10-25, ... 1000+ euros and JPY the same numbers in yen. Fixed edges
 * keep bucket filters shareable as links and stable while the catalog changes.
 */
export const PRICE_EDGES_MAJOR = [0, 10, 25, 50, 100, 250, 500, 1000] as const;

const digitsByCurrency = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (2 for EUR, 0 for JPY, 3 for KWD); remembered, as Intl is slow to ask. */
export function minorDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

function sortedTop(counts: FacetCount[]): FacetCount[] {
  return counts
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label) || a.value.localeCompare(b.value))
    .slice(0, MAX_FACET_VALUES);
}

/**
 * Counts the matching products by brand, category (ancestors included: a product in
 * "Phones" counts for "Electronics" too, as the category filter returns it there) and
 * enum attribute. Each count is the number of matching products with that value,
 * which is exactly what the matching filter would return on top of the current query.
 * The values come precomputed with each product, so counting allocates per distinct
 * value, not per product.
 */
export function countFacets(products: Iterable<IndexedProduct>): FacetResult[] {
  const counts = new Map<string, { value: FacetValue; count: number }>();
  for (const p of products) {
    for (const value of p.facetValues) {
      const entry = counts.get(value.key);
      if (entry) entry.count++;
      else counts.set(value.key, { value, count: 1 });
    }
  }
  const byField = new Map<string, FacetCount[]>([['brand', []], ['category', []]]);
  for (const { value, count } of counts.values()) {
    let values = byField.get(value.field);
    if (!values) byField.set(value.field, (values = []));
    values.push({ value: value.value, label: value.label, count });
  }
  const attributeFields = [...byField.keys()].filter((f) => f.startsWith('attr.')).sort();
  return ['brand', 'category', ...attributeFields].map((field) => ({ field, values: sortedTop(byField.get(field)!) }));
}

/** Counts matching products per fixed price bucket in one currency; empty buckets are left out. */
export function countPriceBuckets(products: Iterable<{ doc: ProductDocument }>, currency: string): PriceBucketCount[] {
  const scale = 10 ** minorDigits(currency);
  const edges = PRICE_EDGES_MAJOR.map((e) => e * scale);
  const counts = new Array<number>(edges.length).fill(0);
  for (const { doc } of products) {
    const price = doc.prices[currency];
    if (price === undefined) continue;
    let i = edges.length - 1;
    while (i > 0 && price < edges[i]!) i--;
    counts[i]!++;
  }
  const buckets: PriceBucketCount[] = [];
  edges.forEach((min, i) => {
    if (counts[i]! > 0) buckets.push({ min, max: edges[i + 1] ?? null, count: counts[i]! });
  });
  return buckets;
}
