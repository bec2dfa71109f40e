import MiniSearch, { type SearchOptions } from 'minisearch';
import { decodePageToken, encodePageToken } from '../../../platform/src/paging.js';
import { categoriesOf, categoryIdsOf, type ProductDocument, type Ref } from './document.js';
import { countFacets, countPriceBuckets, type FacetResult, type PriceBucketCount } from './facets.js';
import { editDistanceFor, normalizeTerm, queryFingerprint, type SearchQuery, type SortOrder } from './query.js';

/** A product on a result page with its relevance score (0 without text). */
export interface Hit {
  doc: ProductDocument;
  score: number;
}

export interface SearchResult {
  hits: Hit[];
  nextPageToken: string;
  totalSize: number;
  facets: FacetResult[];
  priceBuckets: PriceBucketCount[];
}

export type SuggestionKind = 'product' | 'brand' | 'category';
export interface SuggestionResult {
  kind: SuggestionKind;
  id: string;
  text: string;
}

const FIELDS = ['name', 'brand', 'categories', 'attributes', 'description'] as const;
type Field = (typeof FIELDS)[number];

function fieldText(doc: ProductDocument, field: Field): string {
  switch (field) {
    case 'name': return doc.name;
    case 'brand': return doc.brand?.name ?? '';
    case 'categories': return categoriesOf(doc).map((c) => c.name).join(' ');
    case 'attributes': return doc.attributeText.join(' ');
    case 'description': return doc.description;
  }
}

/** Terms of 2+ characters also match as prefixes ("iph" finds "iPhone"); one letter would match half the index. */
const prefixFor = (term: string) => term.length >= 2;

const SEARCH_OPTIONS: SearchOptions = {
  boost: { name: 4, brand: 3, categories: 2, attributes: 1.5, description: 1 },
  prefix: prefixFor,
  fuzzy: (term) => editDistanceFor(term),
  maxFuzzy: 2,
  // Every word must match (allowing typos and prefixes): "iphone case" means cases for iPhones.
  combineWith: 'AND',
};

/** The sort key of a hit; null sorts last in either direction (no price in the currency). */
function sortKey(sort: SortOrder, hit: Hit, currency: string | null): number | null {
  switch (sort) {
    case 'relevance': return hit.score;
    case 'newest': return hit.doc.createTime;
    case 'rating': return hit.doc.rating;
    case 'price_asc':
    case 'price_desc': return currency ? hit.doc.prices[currency] ?? null : null;
  }
}

const descending = (sort: SortOrder) => sort !== 'price_asc';

/**
 * Scores are rounded to six decimals: BM25 statistics accumulated by incremental
 * updates and by a fresh build differ in the last bits, and that noise must not
 * reorder results or leak into page tokens.
 */
const roundScore = (score: number) => Math.round(score * 1e6) / 1e6;

/** Total order of a result list: the sort key, then the id, so keyset paging never skips or repeats. */
function compareKeys(sort: SortOrder, a: { key: number | null; id: string }, b: { key: number | null; id: string }): number {
  if (a.key !== b.key) {
    if (a.key === null) return 1;
    if (b.key === null) return -1;
    return descending(sort) ? b.key - a.key : a.key - b.key;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The in-memory index of active products: MiniSearch for full-text (typo tolerance,
 * prefixes, field boosts) over a map of documents that filters, facets, sorts and
 * pages are computed from. Synchronous on purpose: a query never sees half an update.
 */
export class ProductIndex {
  private readonly text = new MiniSearch<ProductDocument>({
    fields: [...FIELDS],
    idField: 'id',
    storeFields: [],
    extractField: (doc, field) => (field === 'id' ? doc.id : fieldText(doc, field as Field)),
    processTerm: (term) => normalizeTerm(term) || null,
  });
  private readonly docs = new Map<string, ProductDocument>();

  get size(): number {
    return this.docs.size;
  }

  get(id: string): ProductDocument | undefined {
    return this.docs.get(id);
  }

  all(): IterableIterator<ProductDocument> {
    return this.docs.values();
  }

  /** Adds or replaces a product. */
  put(doc: ProductDocument): void {
    if (this.docs.has(doc.id)) this.text.discard(doc.id);
    this.docs.set(doc.id, doc);
    this.text.add(doc);
  }

  remove(id: string): boolean {
    if (!this.docs.has(id)) return false;
    this.docs.delete(id);
    this.text.discard(id);
    return true;
  }

  /** Runs a validated query: text match, filters, facets over all matches, one sorted page. */
  search(query: SearchQuery): SearchResult {
    const fingerprint = queryFingerprint(query);
    const cursor = decodePageToken(query.pageToken, fingerprint);
    const candidates: Hit[] = query.text.trim()
      ? this.text.search(query.text, SEARCH_OPTIONS).flatMap((r) => {
          const doc = this.docs.get(r.id as string);
          return doc ? [{ doc, score: roundScore(r.score) }] : [];
        })
      : [...this.docs.values()].map((doc) => ({ doc, score: 0 }));
    const matching = candidates.filter((h) => passesFilters(h.doc, query));
    const docs = matching.map((h) => h.doc);
    const facets = countFacets(docs);
    const priceBuckets = query.currency ? countPriceBuckets(docs, query.currency) : [];

    const keyed = matching.map((hit) => ({ hit, key: sortKey(query.sort, hit, query.currency), id: hit.doc.id }));
    keyed.sort((a, b) => compareKeys(query.sort, a, b));
    let start = 0;
    if (cursor) {
      const after = { key: typeof cursor['k'] === 'number' ? cursor['k'] : null, id: String(cursor['id']) };
      start = keyed.findIndex((k) => compareKeys(query.sort, k, after) > 0);
      if (start < 0) start = keyed.length;
    }
    const page = keyed.slice(start, start + query.pageSize);
    const last = page[page.length - 1];
    const more = start + page.length < keyed.length;
    return {
      hits: page.map((k) => k.hit),
      nextPageToken: more && last ? encodePageToken(last.key === null ? { id: last.id } : { k: last.key, id: last.id }, fingerprint) : '',
      totalSize: matching.length,
      facets,
      priceBuckets,
    };
  }

  /**
   * Completions for partly typed text: product names, and the brands and categories
   * whose names the typed words match, ranked by the summed relevance of the products
   * behind them.
   */
  suggest(text: string, limit: number): SuggestionResult[] {
    const results = this.text.search(text, { ...SEARCH_OPTIONS, fields: ['name', 'brand', 'categories'], boost: { name: 2, brand: 2, categories: 2 } });
    const ranked = new Map<string, SuggestionResult & { score: number }>();
    const add = (kind: SuggestionKind, ref: Ref, score: number) => {
      const key = `${kind}:${ref.id}`;
      const entry = ranked.get(key);
      if (entry) entry.score += score;
      else ranked.set(key, { kind, id: ref.id, text: ref.name, score });
    };
    for (const r of results.slice(0, 100)) {
      const doc = this.docs.get(r.id as string);
      if (!doc) continue;
      const fields = new Set(Object.values(r.match).flat());
      const terms = r.terms;
      if (fields.has('name')) add('product', { id: doc.id, name: doc.name }, r.score);
      if (fields.has('brand') && doc.brand?.name) add('brand', doc.brand, r.score);
      if (fields.has('categories')) {
        for (const c of categoriesOf(doc)) {
          const words = normalizeTerm(c.name).split(/[^\p{L}\p{N}]+/u);
          if (c.name && terms.some((t) => words.includes(t))) add('category', c, r.score);
        }
      }
    }
    return [...ranked.values()]
      .sort((a, b) => b.score - a.score || a.text.localeCompare(b.text))
      .slice(0, limit)
      .map(({ kind, id, text: label }) => ({ kind, id, text: label }));
  }
}

function passesFilters(doc: ProductDocument, q: SearchQuery): boolean {
  if (q.inStock && !doc.inStock) return false;
  if (q.brands.length > 0 && !(doc.brand && q.brands.includes(doc.brand.id))) return false;
  if (q.category && !categoryIdsOf(doc).has(q.category)) return false;
  for (const [code, values] of Object.entries(q.attributes)) {
    const have = doc.attributes[code];
    if (!have || !values.some((v) => have.includes(v))) return false;
  }
  if (q.minPrice !== null || q.maxPrice !== null) {
    const price = q.currency ? doc.prices[q.currency] : undefined;
    if (price === undefined) return false;
    if (q.minPrice !== null && price < q.minPrice) return false;
    if (q.maxPrice !== null && price > q.maxPrice) return false;
  }
  return true;
}
