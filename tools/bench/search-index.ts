// `npx tsx tools/bench/search-index.ts [--products N] [--queries N] [--no-cache]`
//
// The search index alone, in process: builds the bench catalog's shape (tools/bench/search.ts)
// straight into a ProductIndex and times queries, with no network, gRPC or Envoy in the way.
// For profiling: `node --import tsx --cpu-prof --cpu-prof-dir .tmp tools/bench/search-index.ts`.
import { parseArgs } from 'node:util';
import { toDocument } from '../../services/search/src/domain/document.js';
import { ProductIndex } from '../../services/search/src/domain/product-index.js';
import type { SearchQuery } from '../../services/search/src/domain/query.js';
import { brand, category, eur, product } from '../../services/search/src/domain/test-products.js';

const { values: opts } = parseArgs({
  options: {
    products: { type: 'string', default: '10000' },
    queries: { type: 'string', default: '2000' },
    // Without the result cache, every query pays the full cost (text match, filters, facets, sort).
    'no-cache': { type: 'boolean', default: false },
  },
});
const PRODUCTS = Number(opts.products);
const QUERIES = Number(opts.queries);

// The same vocabulary as the HTTP bench, so both measure the same catalog shape.
const ADJECTIVES = ['classic', 'compact', 'rugged', 'organic', 'steel', 'linen', 'oak', 'ceramic', 'wool', 'brass', 'vintage', 'modern', 'insulated', 'folding', 'heavy', 'light'];
const NOUNS = ['mug', 'kettle', 'lamp', 'chair', 'jacket', 'bottle', 'notebook', 'backpack', 'tent', 'knife', 'pan', 'blanket', 'speaker', 'watch', 'scarf', 'boots', 'bowl', 'desk', 'pillow', 'tote'];
const COLOURS = ['red', 'blue', 'green', 'black', 'white', 'grey', 'yellow', 'brown'];
const MATERIALS = ['cotton', 'steel', 'wood', 'leather', 'ceramic'];
const ROOTS = ['Home', 'Kitchen', 'Outdoor', 'Fashion', 'Office'];
const CHILDREN = ['Essentials', 'Premium', 'Gifts', 'Sale'];

const brands = Array.from({ length: 20 }, (_, i) => brand(`b${i}`, `Brand ${String.fromCharCode(65 + i)}${i}`));
const roots = ROOTS.map((name, i) => category(`r${i}`, name));
const children = roots.flatMap((root, r) => CHILDREN.map((child, c) => category(`r${r}c${c}`, `${root.name} ${child}`, [[root.id, root.name]])));

function build(): ProductIndex {
  const index = new ProductIndex({ cache: !opts['no-cache'] });
  for (let i = 0; i < PRODUCTS; i++) {
    const adjective = ADJECTIVES[i % ADJECTIVES.length]!;
    const noun = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]!;
    const b = brands[i % brands.length]!;
    const c = children[(i * 31) % children.length]!;
    index.put(toDocument(product({
      id: `p${String(i).padStart(6, '0')}`,
      name: `${adjective} ${noun} ${i}`,
      description: `A ${adjective} ${noun} for everyday use, model ${i}.`,
      price: eur(500 + ((i * 7919) % 50_000)),
      brandId: b.id,
      categoryIds: [c.id],
      createTime: new Date(1_700_000_000_000 + i * 1000),
      attributes: [
        { code: 'colour', text: '', number: 0, boolean: false, values: [COLOURS[i % COLOURS.length]!] },
        { code: 'material', text: '', number: 0, boolean: false, values: [MATERIALS[(i >> 3) % MATERIALS.length]!] },
      ],
    }), b, [c]));
  }
  return index;
}

function query(fields: Partial<SearchQuery>): SearchQuery {
  return { text: '', category: null, brands: [], attributes: {}, currency: null, minPrice: null, maxPrice: null, inStock: false, sort: 'newest', pageSize: 50, pageToken: '', ...fields };
}

/** The HTTP bench's query, plus a few others so one shape does not hide another's cost. */
const QUERIES_BY_NAME: Record<string, SearchQuery> = {
  'steel + category + price (the bench query)': query({ text: 'steel', category: 'r1', currency: 'EUR', minPrice: 1000, maxPrice: 30000, sort: 'relevance' }),
  'typo "steek" + brand': query({ text: 'steek', brands: ['b4'], sort: 'relevance' }),
  'prefix "ke" + colour': query({ text: 'ke', attributes: { colour: ['red', 'blue'] }, sort: 'relevance' }),
  'two words "steel mug"': query({ text: 'steel mug', sort: 'relevance' }),
  'match-all + category, newest': query({ category: 'r2' }),
  'match-all, price_asc': query({ currency: 'EUR', sort: 'price_asc' }),
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const t0 = performance.now();
const index = build();
console.log(`built ${index.size} products in ${Math.round(performance.now() - t0)} ms; heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB`);

for (const [name, q] of Object.entries(QUERIES_BY_NAME)) {
  const sample = index.search(q);
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const started = performance.now();
    index.search(q);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const fmt = (ms: number) => ms.toFixed(3);
  console.log(`${name}: ${sample.totalSize} matches; p50 ${fmt(percentile(times, 50))} ms, p99 ${fmt(percentile(times, 99))} ms`);
}
