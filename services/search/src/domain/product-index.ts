import MiniSearch, { type SearchOptions } from 'minisearch';
import { decodePageToken, encodePageToken } from '../../../platform/src/paging.js';
import { categoriesOf, type ProductDocument, type Ref } from './document.js';
import { countFacets, countPriceBuckets, type FacetResult, type PriceBucketCount } from './facets.js';
import { clauseSize, FilterPostings, inClause, indexedProduct, passesValueFilters, type Clause, type IndexedProduct } from './filter-postings.js';
import { LruCache } from './lru-cache.js';
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

/**
 * Terms of 2+ characters also match as prefixes ("iph" finds "iPhone"), in any position:
 * shoppers type fragments of several words ("iph 15 pro"). One letter would match half
 * the index.
 */
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

/** A query's full result list, sorted, with its facets: what the result cache keeps. */
interface RankedResult {
  ranked: Array<{ hit: Hit; key: number | null; id: string }>;
  facets: FacetResult[];
  priceBuckets: PriceBucketCount[];
}

/** Distinct queries whose results are kept between changes; a few hundred KB at most. */
const RESULT_CACHE_SIZE = 64;
/** Distinct texts whose MiniSearch matches are kept between changes (filters vary more than texts). */
const TEXT_CACHE_SIZE = 64;

/**
 * The in-memory index of active products: MiniSearch for full-text (typo tolerance,
 * prefixes, field boosts) over a map of documents that filters, facets, sorts and
 * pages are computed from. Synchronous on purpose: a query never sees half an update.
 *
 * Per query the cost is the text match plus work proportional to the matches: filters
 * are set lookups in posting lists (a query without text starts from its smallest
 * filter set), and facets read keys computed when the product was indexed. Results
 * and text matches are cached until the next change.
 */
export class ProductIndex {
  private readonly text = new MiniSearch<ProductDocument>({
    fields: [...FIELDS],
    idField: 'id',
    storeFields: [],
    extractField: (doc, field) => (field === 'id' ? doc.id : fieldText(doc, field as Field)),
    processTerm: (term) => normalizeTerm(term) || null,
  });
  private readonly products = new Map<string, IndexedProduct>();
  private readonly postings = new FilterPostings();
  private readonly results: LruCache<RankedResult>;
  private readonly textMatches: LruCache<Array<{ id: string; score: number }>>;
  private changes = 0;

  /** `cache: false` computes every query afresh (for measuring the uncached cost). */
  constructor(opts: { cache?: boolean } = {}) {
    const cache = opts.cache ?? true;
    this.results = new LruCache(cache ? RESULT_CACHE_SIZE : 0);
    this.textMatches = new LruCache(cache ? TEXT_CACHE_SIZE : 0);
  }

  get size(): number {
    return this.products.size;
  }

  /** Moves on every change: anything computed from the index at an older generation is stale. */
  get generation(): number {
    return this.changes;
  }

  get(id: string): ProductDocument | undefined {
    return this.products.get(id)?.doc;
  }

  *all(): IterableIterator<ProductDocument> {
    for (const p of this.products.values()) yield p.doc;
  }

  /** Adds or replaces a product. */
  put(doc: ProductDocument): void {
    this.remove(doc.id);
    this.changed();
    const indexed = indexedProduct(doc);
    this.products.set(doc.id, indexed);
    this.postings.add(indexed);
    this.text.add(doc);
  }

  remove(id: string): boolean {
    const old = this.products.get(id);
    if (!old) return false;
    this.changed();
    this.products.delete(id);
    this.postings.delete(old);
    this.text.discard(id);
    return true;
  }

  private changed(): void {
    this.changes++;
    this.results.clear();
    this.textMatches.clear();
  }

  /** Runs a validated query: text match, filters, facets over all matches, one sorted page. */
  search(query: SearchQuery): SearchResult {
    const fingerprint = queryFingerprint(query);
    const cursor = decodePageToken(query.pageToken, fingerprint);
    let result = this.results.get(fingerprint);
    if (!result) this.results.set(fingerprint, (result = this.rank(query)));
    const { ranked } = result;
    let start = 0;
    if (cursor) {
      const after = { key: typeof cursor['k'] === 'number' ? cursor['k'] : null, id: String(cursor['id']) };
      start = firstAfter(ranked, (k) => compareKeys(query.sort, k, after) > 0);
    }
    const page = ranked.slice(start, start + query.pageSize);
    const last = page[page.length - 1];
    const more = start + page.length < ranked.length;
    return {
      hits: page.map((k) => k.hit),
      nextPageToken: more && last ? encodePageToken(last.key === null ? { id: last.id } : { k: last.key, id: last.id }, fingerprint) : '',
      totalSize: ranked.length,
      facets: result.facets,
      priceBuckets: result.priceBuckets,
    };
  }

  /** Every match of the query, sorted, with facets and price buckets. */
  private rank(query: SearchQuery): RankedResult {
    const clauses = this.postings.clauses(query);
    const matching: Array<{ p: IndexedProduct; score: number }> = [];
    const passes = (p: IndexedProduct, except?: Clause) =>
      clauses.every((c) => c === except || inClause(c, p.doc.id)) && passesValueFilters(p.doc, query);
    if (query.text.trim()) {
      for (const m of this.matchText(query.text)) {
        const p = this.products.get(m.id);
        if (p && passes(p)) matching.push({ p, score: m.score });
      }
    } else if (clauses.length > 0) {
      // Walk the smallest filter's products and check the others by membership.
      const smallest = clauses.reduce((a, b) => (clauseSize(b) < clauseSize(a) ? b : a));
      const seen = new Set<string>();
      for (const ids of smallest) {
        for (const id of ids) {
          if (seen.has(id)) continue;
          seen.add(id);
          const p = this.products.get(id);
          if (p && passes(p, smallest)) matching.push({ p, score: 0 });
        }
      }
    } else {
      for (const p of this.products.values()) if (passesValueFilters(p.doc, query)) matching.push({ p, score: 0 });
    }
    const products = matching.map((m) => m.p);
    const ranked = matching.map(({ p, score }) => {
      const hit = { doc: p.doc, score };
      return { hit, key: sortKey(query.sort, hit, query.currency), id: p.doc.id };
    });
    ranked.sort((a, b) => compareKeys(query.sort, a, b));
    return {
      ranked,
      facets: countFacets(products),
      priceBuckets: query.currency ? countPriceBuckets(products, query.currency) : [],
    };
  }

  /** MiniSearch's matches for a text (ids and rounded scores), cached until the next change. */
  private matchText(text: string): Array<{ id: string; score: number }> {
    const key = text.trim().toLowerCase();
    let matches = this.textMatches.get(key);
    if (!matches) {
      matches = this.text.search(text, SEARCH_OPTIONS).map((r) => ({ id: r.id as string, score: roundScore(r.score) }));
      this.textMatches.set(key, matches);
    }
    return matches;
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
      const indexed = this.products.get(r.id as string);
      if (!indexed) continue;
      const { doc } = indexed;
      const fields = new Set(Object.values(r.match).flat());
      const terms = r.terms;
      if (fields.has('name')) add('product', { id: doc.id, name: doc.name }, r.score);
      if (fields.has('brand') && doc.brand?.name) add('brand', doc.brand, r.score);
      if (fields.has('categories')) {
        for (const c of indexed.categories) {
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

/** The index of the first entry for which `after` holds; entries are sorted, so a binary search. */
function firstAfter<T>(sorted: T[], after: (entry: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after(sorted[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
