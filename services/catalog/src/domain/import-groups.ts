import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { Money } from '../../../platform/src/money.js';
import type { ImportRow, ParsedLine, RowError } from './import-rows.js';
import { PRODUCT_COLUMNS } from './import-rows.js';
import type { OptionFields, ProductFields, VariantFields } from './product.js';

/** A row with the file line it came from. */
export interface LineRow {
  line: number;
  row: ImportRow;
}

/**
 * What the import applies: a simple row (keyed by SKU), a whole product with its
 * variants (keyed by handle), or a problem. A product whose rows have any problem is
 * rejected whole, never applied with a variant missing (that would delete the variant).
 */
export type ImportItem =
  | { kind: 'simple'; line: number; row: ImportRow }
  | { kind: 'product'; handle: string; rows: LineRow[] }
  | { kind: 'rejected'; errors: RowError[]; lines: number[] };

const ROW_VALUE: Record<(typeof PRODUCT_COLUMNS)[number], (r: ImportRow) => string> = {
  name: (r) => r.name.trim(),
  description: (r) => r.description,
  status: (r) => String(r.status),
  slug: (r) => r.slug,
  brand_id: (r) => r.brandId,
  category_ids: (r) => r.categoryIds.join('|'),
};

/** The problems of a complete group: a first row without a name, later rows whose product columns disagree. */
function groupErrors(handle: string, rows: LineRow[]): RowError[] {
  const [first] = rows;
  const errors: RowError[] = [];
  if (!first) return errors;
  if (first.row.name.trim() === '') errors.push({ line: first.line, field: 'name', message: `is required on the first row of product ${handle}` });
  if (first.row.slug !== '' && first.row.slug !== handle) errors.push({ line: first.line, field: 'slug', message: 'must be empty or equal the handle (the handle is the slug)' });
  for (const { line, row } of rows.slice(1)) {
    for (const column of PRODUCT_COLUMNS) {
      if (row.empty.has(column) || ROW_VALUE[column](row) === ROW_VALUE[column](first.row)) continue;
      errors.push({ line, field: column, message: `differs from line ${first.line}, the first row of product ${handle}; leave it empty or repeat it` });
    }
  }
  return errors;
}

/**
 * Groups parsed lines into import items, one record at a time: consecutive rows with
 * the same handle are one product. Only the open group is held, so memory is bounded
 * by the largest product (100 variants), not the file. A handle seen again after
 * other rows is rejected: a product's rows must be consecutive, or a streamed import
 * would apply half a product first.
 */
export function* groupImport(lines: Iterable<ParsedLine>): Generator<ImportItem> {
  interface OpenGroup { handle: string; rows: LineRow[]; errors: RowError[]; errorLines: number[] }
  const state: { open: OpenGroup | null } = { open: null };
  const closed = new Map<string, number>();

  function* close(): Generator<ImportItem> {
    const group = state.open;
    if (!group) return;
    state.open = null;
    closed.set(group.handle, group.rows[0]?.line ?? group.errorLines[0]!);
    const errors = [...group.errors, ...groupErrors(group.handle, group.rows)];
    if (errors.length === 0) {
      yield { kind: 'product', handle: group.handle, rows: group.rows };
      return;
    }
    const bad = new Set(errors.map((e) => e.line));
    const firstBad = Math.min(...bad);
    // Every row of the product is rejected; the good ones say why.
    for (const { line } of group.rows) if (!bad.has(line)) errors.push({ line, field: 'handle', message: `product ${group.handle} not imported: line ${firstBad} has errors` });
    yield { kind: 'rejected', errors: errors.sort((a, b) => a.line - b.line), lines: [...new Set([...group.rows.map((r) => r.line), ...group.errorLines])] };
  }

  for (const parsed of lines) {
    const handle = parsed.kind === 'row' ? parsed.row.handle : parsed.handle ?? '';
    const unreadable = parsed.kind === 'error' && parsed.handle === undefined;
    const line = parsed.kind === 'row' ? parsed.line : parsed.error.line;
    if (handle && state.open?.handle !== handle) {
      yield* close();
      const earlier = closed.get(handle);
      if (earlier !== undefined) {
        yield { kind: 'rejected', errors: [{ line, field: 'handle', message: `rows of one product must be consecutive; product ${handle} started at line ${earlier}` }], lines: [line] };
        continue;
      }
      state.open = { handle, rows: [], errors: [], errorLines: [] };
    }
    const open = state.open;
    if (parsed.kind === 'error') {
      // Inside an open product, even a line too broken to name its product may have been
      // one of its variants, so the product is not applied without it.
      if (open && (unreadable || handle)) {
        open.errors.push(parsed.error);
        open.errorLines.push(line);
      } else {
        yield* close();
        yield { kind: 'rejected', errors: [parsed.error], lines: [line] };
      }
      continue;
    }
    if (!handle || !open) {
      yield* close();
      yield { kind: 'simple', line: parsed.line, row: parsed.row };
      continue;
    }
    open.rows.push({ line: parsed.line, row: parsed.row });
  }
  yield* close();
}

/**
 * The product's options from its variants' option values: names in the first row's
 * order, values in order of first use.
 */
export function optionsOf(rows: LineRow[]): OptionFields[] {
  const options = new Map<string, string[]>();
  for (const { row } of rows) {
    for (const [name, value] of Object.entries(row.optionValues)) {
      const values = options.get(name) ?? [];
      if (!values.includes(value)) values.push(value);
      options.set(name, values);
    }
  }
  return [...options].map(([name, values]) => ({ name, values }));
}

/** Same names in the same order with the same set of values: the stored order of values is kept. */
export function sameOptions(a: OptionFields[], b: OptionFields[]): boolean {
  return a.length === b.length && a.every((o, i) => o.name === b[i]!.name && o.values.length === b[i]!.values.length && o.values.every((v) => b[i]!.values.includes(v)));
}

const priceOf = (row: ImportRow): Money => ({ currencyCode: row.priceCurrency, amountMinor: row.priceAmountMinor });

/**
 * The variants a group describes, in row order. A variant whose SKU the product
 * already has keeps its id and the fields the file does not carry (dimensions,
 * images, stock tracking).
 */
export function variantsOf(rows: LineRow[], current: VariantFields[]): VariantFields[] {
  return rows.map(({ row }) => {
    const existing = current.find((v) => v.sku === row.sku);
    return {
      id: existing?.id ?? '',
      sku: row.sku,
      barcode: row.barcode,
      optionValues: { ...row.optionValues },
      price: priceOf(row),
      weightGrams: row.weightGrams,
      dimensions: existing?.dimensions,
      images: existing?.images ?? [],
      trackStock: existing?.trackStock ?? true,
    };
  });
}

const variantKey = (v: VariantFields) =>
  JSON.stringify([v.sku, v.barcode, Object.entries(v.optionValues).sort(), v.price?.currencyCode, Number(v.price?.amountMinor), v.weightGrams]);

/** The product a group describes, for a create (or as the patch of an update). */
export function productOfGroup(handle: string, rows: LineRow[], current: ProductFields | null): ProductFields {
  const first = rows[0]!.row;
  const options = optionsOf(rows);
  return {
    name: first.name, description: first.description, sku: '', price: undefined, status: first.status, slug: handle,
    seoTitle: '', seoDescription: '', productTypeId: '', brandId: first.brandId, categoryIds: first.categoryIds,
    // The stored order of option values wins when the sets are the same.
    options: current && sameOptions(options, current.options) ? current.options : options,
    variants: variantsOf(rows, current?.variants ?? []),
    images: [], attributes: [], translations: [],
  };
}

/** The update mask that makes `current` what the group describes; empty when nothing differs (status empty = keep). */
export function groupChanges(current: ProductFields, next: ProductFields, statusGiven: boolean): string[] {
  const changed: string[] = [];
  if (current.name !== next.name.trim()) changed.push('name');
  if (current.description !== next.description) changed.push('description');
  if (statusGiven && current.status !== next.status) changed.push('status');
  if (current.brandId !== next.brandId) changed.push('brand_id');
  if (JSON.stringify(current.categoryIds) !== JSON.stringify(next.categoryIds)) changed.push('category_ids');
  if (!sameOptions(next.options, current.options)) changed.push('options');
  if (current.variants.length !== next.variants.length || current.variants.some((v, i) => variantKey(v) !== variantKey(next.variants[i]!))) changed.push('variants');
  return changed;
}

/** The rows of a product as an export writes them: one per variant, product columns repeated. */
export function rowsOfProduct(p: ProductFields): ImportRow[] {
  return p.variants.map((v) => ({
    sku: v.sku, name: p.name, description: p.description, priceCurrency: v.price?.currencyCode ?? '', priceAmountMinor: Number(v.price?.amountMinor ?? 0),
    status: p.status, slug: p.slug, brandId: p.brandId, categoryIds: p.categoryIds, handle: p.slug, optionValues: { ...v.optionValues },
    barcode: v.barcode, weightGrams: v.weightGrams, empty: new Set(),
  }));
}

/** Whether a file row gave a status ("keep" when empty). */
export const statusGiven = (row: ImportRow) => row.status !== ProductStatus.PRODUCT_STATUS_UNSPECIFIED;
