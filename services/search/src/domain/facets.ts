import { categoriesOf, type ProductDocument } from './document.js';

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

/** Minor-unit digits of an ISO 4217 currency (2 for EUR, 0 for JPY, 3 for KWD). */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

function sortedTop(counts: Map<string, FacetCount>): FacetCount[] {
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label) || a.value.localeCompare(b.value))
    .slice(0, MAX_FACET_VALUES);
}

function bump(counts: Map<string, FacetCount>, value: string, label: string): void {
  const entry = counts.get(value);
  if (entry) entry.count++;
  else counts.set(value, { value, label, count: 1 });
}

/**
 * Counts the matching products by brand, category (ancestors included: a product in
 * "Phones" counts for "Electronics" too, as the category filter returns it there) and
 * enum attribute. Each count is the number of matching products with that value,
 * which is exactly what the matching filter would return on top of the current query.
 */
export function countFacets(docs: Iterable<ProductDocument>): FacetResult[] {
  const brands = new Map<string, FacetCount>();
  const categories = new Map<string, FacetCount>();
  const attributes = new Map<string, Map<string, FacetCount>>();
  for (const doc of docs) {
    if (doc.brand) bump(brands, doc.brand.id, doc.brand.name);
    for (const c of categoriesOf(doc)) bump(categories, c.id, c.name);
    for (const [code, values] of Object.entries(doc.attributes)) {
      let counts = attributes.get(code);
      if (!counts) attributes.set(code, (counts = new Map()));
      for (const v of values) bump(counts, v, v);
    }
  }
  const facets: FacetResult[] = [
    { field: 'brand', values: sortedTop(brands) },
    { field: 'category', values: sortedTop(categories) },
  ];
  for (const code of [...attributes.keys()].sort()) facets.push({ field: `attr.${code}`, values: sortedTop(attributes.get(code)!) });
  return facets;
}

/** Counts matching products per fixed price bucket in one currency; empty buckets are left out. */
export function countPriceBuckets(docs: Iterable<ProductDocument>, currency: string): PriceBucketCount[] {
  const scale = 10 ** minorDigits(currency);
  const edges = PRICE_EDGES_MAJOR.map((e) => e * scale);
  const counts = new Array<number>(edges.length).fill(0);
  for (const doc of docs) {
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
