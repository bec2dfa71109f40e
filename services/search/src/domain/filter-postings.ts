import type { ProductDocument, Ref } from './document.js';
import type { SearchQuery } from './query.js';

/**
 * What a query's filters need of a product, computed once when it is indexed rather
 * than on every query: the categories it is in with their ancestors (distinct, named,
 * for the category filter and facet) and its posting keys.
 */
export interface IndexedProduct {
  doc: ProductDocument;
  /** Distinct categories, ancestors included, in path order. */
  categories: Ref[];
  /** The facet values this product counts for; their keys are the posting lists it is in. */
  facetValues: FacetValue[];
}

/** One value of one facet (`brand`, `category`, `attr.<code>`) a product has. */
export interface FacetValue {
  /** Posting-list key: unique per field and value. */
  key: string;
  field: string;
  value: string;
  label: string;
}

const brandKey = (id: string) => `b\u0000${id}`;
const categoryKey = (id: string) => `c\u0000${id}`;
const attributeKey = (code: string, value: string) => `a\u0000${code}\u0000${value}`;

export function indexedProduct(doc: ProductDocument): IndexedProduct {
  const seen = new Map<string, Ref>();
  for (const path of doc.categoryPaths) for (const ref of path) if (!seen.has(ref.id)) seen.set(ref.id, ref);
  const facetValues: FacetValue[] = [];
  if (doc.brand) facetValues.push({ key: brandKey(doc.brand.id), field: 'brand', value: doc.brand.id, label: doc.brand.name });
  for (const c of seen.values()) facetValues.push({ key: categoryKey(c.id), field: 'category', value: c.id, label: c.name });
  for (const [code, values] of Object.entries(doc.attributes)) {
    for (const v of values) facetValues.push({ key: attributeKey(code, v), field: `attr.${code}`, value: v, label: v });
  }
  return { doc, categories: [...seen.values()], facetValues };
}

/** One filter of a query: a product passes when it is in any of the sets (values of one field are alternatives). */
export type Clause = ReadonlySet<string>[];

/**
 * Posting lists (product ids per brand, category with descendants, and attribute
 * value), so a filtered query starts from the smallest matching set instead of
 * scanning every product, and checks the other filters by set membership.
 */
export class FilterPostings {
  private readonly lists = new Map<string, Set<string>>();

  add(p: IndexedProduct): void {
    for (const { key } of p.facetValues) {
      let ids = this.lists.get(key);
      if (!ids) this.lists.set(key, (ids = new Set()));
      ids.add(p.doc.id);
    }
  }

  delete(p: IndexedProduct): void {
    for (const { key } of p.facetValues) {
      const ids = this.lists.get(key);
      if (!ids) continue;
      ids.delete(p.doc.id);
      if (ids.size === 0) this.lists.delete(key);
    }
  }

  /** The query's set filters; an empty list means none. A clause with no sets matches nothing. */
  clauses(q: SearchQuery): Clause[] {
    const clauses: Clause[] = [];
    const sets = (keys: string[]) => keys.flatMap((k) => {
      const ids = this.lists.get(k);
      return ids ? [ids] : [];
    });
    if (q.brands.length > 0) clauses.push(sets(q.brands.map(brandKey)));
    if (q.category) clauses.push(sets([categoryKey(q.category)]));
    for (const [code, values] of Object.entries(q.attributes)) clauses.push(sets(values.map((v) => attributeKey(code, v))));
    return clauses;
  }
}

export const clauseSize = (clause: Clause): number => clause.reduce((n, ids) => n + ids.size, 0);

export function inClause(clause: Clause, id: string): boolean {
  for (const ids of clause) if (ids.has(id)) return true;
  return false;
}

/** The filters that are not posting lists: stock and the price range in the query's currency. */
export function passesValueFilters(doc: ProductDocument, q: SearchQuery): boolean {
  if (q.inStock && !doc.inStock) return false;
  if (q.minPrice !== null || q.maxPrice !== null) {
    const price = q.currency ? doc.prices[q.currency] : undefined;
    if (price === undefined) return false;
    if (q.minPrice !== null && price < q.minPrice) return false;
    if (q.maxPrice !== null && price > q.maxPrice) return false;
  }
  return true;
}
