import { Types, type Model } from 'mongoose';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { AuditContext } from '../../../platform/src/audit.js';
import { DomainError, toDomainError } from '../../../platform/src/errors.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { columnOf, csvHeader, exportLine, parseImport, productFieldsOf, type ImportFormat, type ImportRow, type RowError } from '../domain/import-rows.js';
import { defaultVariant } from '../domain/product.js';
import type { ProductDoc } from '../infra/models.js';
import type { ProductCatalog } from './products.js';

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

/** A stored product as an export line sees it. */
function rowOf(doc: ProductDoc): ImportRow {
  const first = doc.variants?.[0];
  const price = first?.price ?? doc.price;
  return {
    sku: first?.sku ?? doc.sku ?? '', name: doc.name, description: doc.description ?? '', priceCurrency: price.currencyCode,
    priceAmountMinor: Number(price.amountMinor), status: doc.status, slug: doc.slug ?? '', brandId: doc.brandId ?? '', categoryIds: doc.categoryIds ?? [],
  };
}

/**
 * Bulk import and export of simple products (one variant, no options), keyed by SKU.
 * Every row goes through the same use cases as the API (validation, references, SKU
 * claims, events, audit), so an import is exactly a series of creates and updates.
 */
export class ProductImport {
  constructor(private readonly products: Model<ProductDoc>, private readonly catalog: ProductCatalog) {}

  async import(text: string, format: ImportFormat, firstLine: number, origin: AuditContext): Promise<ImportReport> {
    const report: ImportReport = { rowsTotal: 0, rowsApplied: 0, rowsUnchanged: 0, rowsRejected: 0, errors: [] };
    const rejectedLines = new Set<number>();
    const reject = (e: RowError) => {
      if (report.errors.length < MAX_ERRORS) report.errors.push(e);
      if (!rejectedLines.has(e.line)) { rejectedLines.add(e.line); report.rowsRejected++; report.rowsTotal++; }
    };
    let batch: { line: number; row: ImportRow }[] = [];
    for (const parsed of parseImport(text, format, firstLine)) {
      if (parsed.kind === 'error') { reject(parsed.error); continue; }
      report.rowsTotal++;
      batch.push(parsed);
      if (batch.length >= BATCH) { await this.applyBatch(batch, report, reject, origin); batch = []; }
    }
    if (batch.length > 0) await this.applyBatch(batch, report, reject, origin);
    return report;
  }

  private async applyBatch(batch: { line: number; row: ImportRow }[], report: ImportReport, reject: (e: RowError) => void, origin: AuditContext): Promise<void> {
    // One lookup for the batch, then its rows in parallel (distinct SKUs, so they touch distinct products).
    const docs = await this.products.find({ 'variants.sku': { $in: batch.map((b) => b.row.sku) }, deletedAt: null }, { outbox: 0 }).lean<ProductDoc[]>();
    const bySku = new Map(docs.flatMap((d) => (d.variants ?? []).map((v) => [v.sku, d] as const)));
    const outcomes: (RowError[] | 'unchanged' | 'applied')[] = new Array(batch.length);
    const seen = new Set<string>();
    const duplicate = batch.map(({ row }) => (seen.has(row.sku) ? true : (seen.add(row.sku), false)));
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const i = next++;
        const { line, row } = batch[i]!;
        try {
          if (duplicate[i]) throw new DomainError('invalid_argument', 'DUPLICATE_ROW', 'repeats a SKU of an earlier row', {}, [{ field: 'sku', description: 'repeats the SKU of an earlier row in this chunk' }]);
          outcomes[i] = (await this.applyRow(row, bySku.get(row.sku) ?? null, origin)) === 'unchanged' ? 'unchanged' : 'applied';
        } catch (err) {
          const e = toDomainError(err);
          if (e.code === 'internal' || e.code === 'unavailable') throw err;
          outcomes[i] = e.fieldViolations.length === 0 ? [{ line, field: '', message: e.message }] : e.fieldViolations.map((v) => ({ line, field: columnOf(v.field), message: v.description }));
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_ROWS }, worker));
    // Reported in file order, whatever order the rows finished in.
    for (const outcome of outcomes) {
      if (outcome === 'unchanged') report.rowsUnchanged++;
      else if (outcome === 'applied') report.rowsApplied++;
      else {
        report.rowsTotal--;
        outcome.forEach(reject);
      }
    }
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
        throw new DomainError('failed_precondition', 'NOT_SIMPLE', 'the product with this SKU has several variants; import handles simple products only', {}, [{ field: 'sku', description: 'belongs to a product with variants; import handles simple products only' }]);
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

  /** One page of products (every status, newest first) in the import's format; the next token rides as the last line. */
  async export(format: ImportFormat, requestedSize: number, token: string): Promise<string> {
    const size = pageSize(requestedSize, 1000, 5000);
    const cursor = decodePageToken(token, `${EXPORT_FINGERPRINT}|${format}`);
    const filter: Record<string, unknown> = { deletedAt: null };
    if (cursor) filter['_id'] = { $lt: new Types.ObjectId(String(cursor['id'])) };
    const docs = await this.products.find(filter, { outbox: 0, translations: 0, images: 0 }).sort({ _id: -1 }).limit(size + 1).lean<ProductDoc[]>();
    const page = docs.slice(0, size);
    const out: string[] = format === 'csv' ? [csvHeader()] : [];
    for (const doc of page) out.push(exportLine(rowOf(doc), format));
    if (docs.length > size) {
      const next = encodePageToken({ id: page[page.length - 1]!._id.toHexString() }, `${EXPORT_FINGERPRINT}|${format}`);
      out.push(format === 'csv' ? `#nextPageToken=${next}` : JSON.stringify({ nextPageToken: next }));
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }
}
