import {
  SuggestionKind, type ProductHit, type SearchProductsResponse, type SearchServiceService,
} from '../../../../gen/shop/search/v1/search_service.js';
import type { Money } from '../../../../gen/shop/common/v1/money.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import { reusableResponse } from '../../../platform/src/grpc/reusable.js';
import type { SearchReadModel } from '../app/read-model.js';
import { LruCache } from '../domain/lru-cache.js';
import type { Hit, ProductIndex, SuggestionKind as Kind } from '../domain/product-index.js';
import { queryFingerprint, type SearchQuery } from '../domain/query.js';
import { parseSearchRequest, parseSuggestRequest } from './search-request.js';

const KINDS: Record<Kind, SuggestionKind> = {
  product: SuggestionKind.SUGGESTION_KIND_PRODUCT,
  brand: SuggestionKind.SUGGESTION_KIND_BRAND,
  category: SuggestionKind.SUGGESTION_KIND_CATEGORY,
};

function toHit({ doc, score }: Hit, currency: string | null): ProductHit {
  const prices: Money[] = Object.keys(doc.prices).sort().map((code) => ({ currencyCode: code, amountMinor: doc.prices[code]! }));
  const price = currency ? prices.find((p) => p.currencyCode === currency) : prices[0];
  return {
    id: doc.id,
    name: doc.name,
    description: doc.description,
    slug: doc.slug,
    brand: doc.brand ? { id: doc.brand.id, name: doc.brand.name } : undefined,
    categories: doc.categoryPaths.map((path) => path[path.length - 1]!).map((c) => ({ id: c.id, name: c.name })),
    price,
    prices,
    inStock: doc.inStock,
    rating: doc.rating,
    createTime: doc.createTime ? new Date(doc.createTime) : undefined,
    imageUrl: doc.imageUrl,
    score,
  };
}

const RESPONSE_CACHE_SIZE = 256;

/**
 * Finished search responses, ready to send: a popular page (a landing or category
 * page, page 1 of a common search) costs a lookup, and the host sends the bytes it
 * encoded the first time. Valid for one index at one generation: any change to the
 * index, or a rebuild that replaces it, empties the cache.
 */
class ResponseCache {
  private readonly entries = new LruCache<SearchProductsResponse>(RESPONSE_CACHE_SIZE);
  private index: ProductIndex | null = null;
  private generation = -1;

  answer(index: ProductIndex, query: SearchQuery, compute: () => SearchProductsResponse): SearchProductsResponse {
    if (index !== this.index || index.generation !== this.generation) {
      this.entries.clear();
      this.index = index;
      this.generation = index.generation;
    }
    const key = `${queryFingerprint(query)}:${query.pageSize}:${query.pageToken}`;
    let response = this.entries.get(key);
    if (!response) this.entries.set(key, (response = reusableResponse(compute())));
    return response;
  }
}

/** SearchService handlers: validate, run against the current index, map to the proto. */
export function searchHandlers(readModel: SearchReadModel): ServiceHandlers<typeof SearchServiceService> {
  const responses = new ResponseCache();
  return {
    searchProducts: async (req) => {
      const query = parseSearchRequest(req);
      const index = readModel.index;
      return responses.answer(index, query, () => searchResponse(index, query));
    },
    suggestProducts: async (req) => {
      const { text, limit } = parseSuggestRequest(req);
      return { suggestions: readModel.index.suggest(text, limit).map((s) => ({ kind: KINDS[s.kind], id: s.id, text: s.text })) };
    },
    rebuildIndex: async () => readModel.rebuild(),
  };
}

function searchResponse(index: ProductIndex, query: SearchQuery): SearchProductsResponse {
  const result = index.search(query);
  return {
    products: result.hits.map((h) => toHit(h, query.currency)),
    nextPageToken: result.nextPageToken,
    totalSize: result.totalSize,
    facets: result.facets.map((f) => ({ field: f.field, values: f.values.map((v) => ({ value: v.value, label: v.label, count: v.count })) })),
    priceBuckets: result.priceBuckets.map((b) => ({
      min: { currencyCode: query.currency!, amountMinor: b.min },
      max: b.max === null ? undefined : { currencyCode: query.currency!, amountMinor: b.max },
      count: b.count,
    })),
  };
}
