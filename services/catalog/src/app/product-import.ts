import { Types, type Model } from 'mongoose';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { AuditContext } from '../../../platform/src/audit.js';
import { DomainError, toDomainError } from '../../../platform/src/errors.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { groupChanges, groupImport, productOfGroup, rowsOfProduct, statusGiven, type ImportItem, type LineRow } from '../domain/import-groups.js';
import { columnOf, csvHeader, exportLine, parseImport, productFieldsOf, type ImportFormat, type ImportRow, type RowError } from '../domain/import-rows.js';
import { defaultVariant } from '../domain/product.js';
import type { ProductDoc } from '../infra/models.js';
import { fieldsOf, type ProductCatalog } from './products.js';

/** What an import did; `errors` lists at most MAX_ERRORS (the counts are complete). */
export interface ImportReport {
  rowsTotal: number;
  rowsApplied: number;
  rowsUnchanged: number;
  rowsRejected: number;
  errors: RowError[];
}

export const MAX_ERRORS = 1000;
/** Rows looked up together: small enough that memory does not grow with the file. */
const BATCH = 100;
/** Rows of a batch written at once: each is a few sequential round trips (claim, insert, cache). */
const PARALLEL_ROWS = 32;
const EXPORT_FINGERPRINT = 'export';


/** The masked fields in which a stored product differs from a row (empty status and slug mean "keep"). */
function changedFields(doc: ProductDoc, row: ImportRow): string[] {
  const first = doc.variants?.[0];
  const price = first?.price ?? doc.price;
  const changed: string[] = [];
  if (doc.name !== row.name.trim()) changed.push('name');
  if (doc.description !== row.description) changed.push('description');
  if (price?.currencyCode !== row.priceCurrency || Number(price?.amountMinor) !== row.priceAmountMinor) changed.push('price');
  if (row.status !== ProductStatus.PRODUCT_STATUS_UNSPECIFIED && doc.status !== row.status) changed.push('status');
  if (row.slug !== '' && doc.slug !== row.slug) changed.push('slug');
  if ((doc.brandId ?? '') !== row.brandId) changed.push('brand_id');
  if (JSON.stringify(doc.categoryIds ?? []) !== JSON.stringify(row.categoryIds)) changed.push('category_ids');
  return changed;
}

/** A violation of a product built from a group, at the line and column of the row it is about. */
function groupViolation(rows: LineRow[], field: string, description: string): RowError {
  const variant = /^variants\[(\d+)\]\.(.+)$/.exec(field);
  const row = variant ? rows[Number(variant[1])] ?? rows[0]! : rows[0]!;
  const rest = variant ? variant[2]! : field;
  const column = rest.startsWith('options') ? 'option_values' : columnOf(rest.replace(/^price\.amount_minor$/, 'price.amount_minor'));
  return { line: row.line, field: column, message: description };
}

/** What one item did; rejected items carry their errors. */
type Outcome = { rows: number; result: 'applied' | 'unchanged' } | { rows: number; result: 'rejected'; errors: RowError[] };

/**
 * Bulk import and export of products: simple rows keyed by SKU, and products with
 * several variants as consecutive rows sharing a handle (the slug). Every product goes
 * through the same use cases as the API (validation, references, SKU claims, events,
 * audit), so an import is exactly a series of creates and updates.
 */
export class ProductImport {
  constructor(private readonly products: Model<ProductDoc>, private readonly catalog: ProductCatalog) {}

  async import(text: string, format: ImportFormat, firstLine: number, origin: AuditContext): Promise<ImportReport> {
    const report: ImportReport = { rowsTotal: 0, rowsApplied: 0, rowsUnchanged: 0, rowsRejected: 0, errors: [] };
    const count = (outcome: Outcome) => {
      report.rowsTotal += outcome.rows;
      if (outcome.result === 'applied') report.rowsApplied += outcome.rows;
      else if (outcome.result === 'unchanged') report.rowsUnchanged += outcome.rows;
      else if (outcome.result === 'rejected') {
        report.rowsRejected += outcome.rows;
        for (const e of outcome.errors) if (report.errors.length < MAX_ERRORS) report.errors.push(e);
      }
    };
    let batch: ImportItem[] = [];
    let rows = 0;
    // A line with several problems arrives as several items; it is still one rejected row.
    const rejectedLines = new Set<number>();
    for (const item of groupImport(parseImport(text, format, firstLine))) {
      if (item.kind === 'rejected') {
        const fresh = item.lines.filter((l) => !rejectedLines.has(l));
        fresh.forEach((l) => rejectedLines.add(l));
        count({ rows: fresh.length, result: 'rejected', errors: item.errors });
        continue;
      }
      batch.push(item);
      rows += item.kind === 'simple' ? 1 : item.rows.length;
      if (rows >= BATCH) { (await this.applyBatch(batch, origin)).forEach(count); batch = []; rows = 0; }
    }
    if (batch.length > 0) (await this.applyBatch(batch, origin)).forEach(count);
    return report;
  }

  /** Applies a batch's items, in parallel, and returns their outcomes in file order. */
  private async applyBatch(batch: ImportItem[], origin: AuditContext): Promise<Outcome[]> {
    // One lookup per key kind for the batch, then its items in parallel (distinct keys, so they touch distinct products).
    const skus = batch.flatMap((b) => (b.kind === 'simple' ? [b.row.sku] : []));
    const handles = batch.flatMap((b) => (b.kind === 'product' ? [b.handle] : []));
    const [bySkuDocs, byHandleDocs] = await Promise.all([
      skus.length ? this.products.find({ 'variants.sku': { $in: skus }, deletedAt: null }, { outbox: 0 }).lean<ProductDoc[]>() : [],
      handles.length ? this.products.find({ slug: { $in: handles }, deletedAt: null }, { outbox: 0 }).lean<ProductDoc[]>() : [],
    ]);
    const bySku = new Map(bySkuDocs.flatMap((d) => (d.variants ?? []).map((v) => [v.sku, d] as const)));
    const byHandle = new Map(byHandleDocs.map((d) => [d.slug!, d] as const));
    const outcomes: Outcome[] = new Array(batch.length);
    const seen = new Set<string>();
    const duplicate = batch.map((b) => {
      const key = b.kind === 'simple' ? `sku:${b.row.sku}` : `handle:${(b as { handle: string }).handle}`;
      return seen.has(key) ? true : (seen.add(key), false);
    });
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const i = next++;
        const item = batch[i]!;
        if (item.kind === 'rejected') continue;
        const rows: LineRow[] = item.kind === 'simple' ? [{ line: item.line, row: item.row }] : item.rows;
        try {
          if (duplicate[i]) throw new DomainError('invalid_argument', 'DUPLICATE_ROW', 'repeats a SKU of an earlier row', {}, [{ field: 'sku', description: 'repeats the SKU of an earlier row in this chunk' }]);
          const result = item.kind === 'simple'
            ? await this.applyRow(item.row, bySku.get(item.row.sku) ?? null, origin)
            : await this.applyProduct(item.handle, item.rows, byHandle.get(item.handle) ?? null, origin);
          outcomes[i] = { rows: rows.length, result: result === 'unchanged' ? 'unchanged' : 'applied' };
        } catch (err) {
          const e = toDomainError(err);
          if (e.code === 'internal' || e.code === 'unavailable') throw err;
          const errors = e.fieldViolations.length === 0
            ? [{ line: rows[0]!.line, field: '', message: e.message }]
            : e.fieldViolations.map((v) => (item.kind === 'simple' ? { line: item.line, field: columnOf(v.field), message: v.description } : groupViolation(rows, v.field, v.description)));
          const bad = new Set(errors.map((x) => x.line));
          for (const { line } of rows) if (!bad.has(line)) errors.push({ line, field: 'handle', message: `product not imported: line ${Math.min(...bad)} has errors` });
          outcomes[i] = { rows: rows.length, result: 'rejected', errors: errors.sort((a, b) => a.line - b.line) };
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_ROWS }, worker));
    return outcomes;
  }

  /**
   * Creates or updates the product a handle names with exactly the variants of its
   * rows. Racing imports of a new handle: the slug's unique index lets one create win
   * and the other gets SLUG_TAKEN, answered by treating the product as an update.
   */
  private async applyProduct(handle: string, rows: LineRow[], known: ProductDoc | null, origin: AuditContext): Promise<'created' | 'updated' | 'unchanged'> {
    let conflict: DomainError | null = null;
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * attempt));
      const doc = attempt === 0 ? known : await this.products.findOne({ slug: handle, deletedAt: null }, { outbox: 0 }).lean<ProductDoc>();
      if (!doc) {
        try {
          await this.catalog.create(productOfGroup(handle, rows, null), origin);
          return 'created';
        } catch (err) {
          // SKU_TAKEN: the racing import claimed the SKUs first and may not have stored the
          // product yet; look again. If no product with this handle appears, the SKU
          // belongs to another product and that is the row's error.
          if (err instanceof DomainError && (err.reason === 'SLUG_TAKEN' || err.reason === 'SKU_TAKEN')) {
            conflict = err;
            continue;
          }
          throw err;
        }
      }
      const current = fieldsOf(doc);
      const next = productOfGroup(handle, rows, current);
      const changed = groupChanges(current, next, statusGiven(rows[0]!.row));
      if (changed.length === 0) return 'unchanged';
      try {
        await this.catalog.update(doc._id.toHexString(), next, changed, '', origin);
        return 'updated';
      } catch (err) {
        if (err instanceof DomainError && err.reason === 'PRODUCT_NOT_FOUND') continue;
        throw err;
      }
    }
    throw conflict ?? new DomainError('aborted', 'CONCURRENT_UPDATES', `product ${handle} is being changed concurrently; retry`, { handle });
  }

  /**
   * Creates or updates the product the row's SKU names. Two imports racing on a new SKU
   * both try to create; the shop-wide SKU claim lets one win and the other gets
   * SKU_TAKEN, which we answer by treating the row as an update of the winner's product.
   */
  private async applyRow(row: ImportRow, known: ProductDoc | null, origin: AuditContext): Promise<'created' | 'updated' | 'unchanged'> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const doc = attempt === 0 ? known : await this.products.findOne({ 'variants.sku': row.sku, deletedAt: null }, { outbox: 0 }).lean<ProductDoc>();
      if (!doc) {
        try {
          await this.catalog.create({ ...productFieldsOf(row), variants: [defaultVariant(row.sku, { currencyCode: row.priceCurrency, amountMinor: row.priceAmountMinor })] }, origin);
          return 'created';
        } catch (err) {
          if (err instanceof DomainError && err.reason === 'SKU_TAKEN') continue;
          throw err;
        }
      }
      if ((doc.variants?.length ?? 0) > 1 || (doc.options?.length ?? 0) > 0 || doc.variants?.[0]?.sku !== row.sku) {
        throw new DomainError('failed_precondition', 'NOT_SIMPLE', 'the product with this SKU has several variants; import it with a handle, one row per variant', {}, [{ field: 'sku', description: 'belongs to a product with several variants; give its rows the product\'s handle, one row per variant' }]);
      }
      const changed = changedFields(doc, row);
      if (changed.length === 0) return 'unchanged';
      try {
        await this.catalog.update(doc._id.toHexString(), productFieldsOf(row), changed, '', origin);
        return 'updated';
      } catch (err) {
        if (err instanceof DomainError && err.reason === 'PRODUCT_NOT_FOUND') continue;
        throw err;
      }
    }
    throw new DomainError('aborted', 'CONCURRENT_UPDATES', `product ${row.sku} is being changed concurrently; retry`, { sku: row.sku });
  }

  /** One page of products (every status, newest first) in the import's format, one line per variant; the next token rides as the last line. */
  async export(format: ImportFormat, requestedSize: number, token: string): Promise<string> {
    const size = pageSize(requestedSize, 1000, 5000);
    const cursor = decodePageToken(token, `${EXPORT_FINGERPRINT}|${format}`);
    const filter: Record<string, unknown> = { deletedAt: null };
    if (cursor) filter['_id'] = { $lt: new Types.ObjectId(String(cursor['id'])) };
    const docs = await this.products.find(filter, { outbox: 0, translations: 0, images: 0 }).sort({ _id: -1 }).limit(size + 1).lean<ProductDoc[]>();
    const page = docs.slice(0, size);
    const out: string[] = format === 'csv' ? [csvHeader()] : [];
    // Every product as handle rows (one per variant): they carry every column the import reads, so a page re-imports unchanged.
    for (const doc of page) for (const row of rowsOfProduct(fieldsOf(doc))) out.push(exportLine(row, format));
    if (docs.length > size) {
      const next = encodePageToken({ id: page[page.length - 1]!._id.toHexString() }, `${EXPORT_FINGERPRINT}|${format}`);
      out.push(format === 'csv' ? `#nextPageToken=${next}` : JSON.stringify({ nextPageToken: next }));
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }
}
