import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { ProductFields } from './product.js';

/**
 * The columns of an import row and an export line, in CSV order. The first nine are
 * the simple shape (one row per product, keyed by SKU); `handle` and the variant
 * columns after it describe products with several variants, one row per variant.
 */
export const IMPORT_COLUMNS = [
  'sku', 'name', 'description', 'price_currency', 'price_amount_minor', 'status', 'slug', 'brand_id', 'category_ids',
  'handle', 'option_values', 'barcode', 'weight_grams',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
/** Required in the header; `name` is also required on every simple row and on the first row of a product. */
const REQUIRED: ImportColumn[] = ['sku', 'name', 'price_currency', 'price_amount_minor'];
/** Product-level columns: on the rows after a product's first, empty or the same value. */
export const PRODUCT_COLUMNS = ['name', 'description', 'status', 'slug', 'brand_id', 'category_ids'] as const satisfies readonly ImportColumn[];

/**
 * One row of a file. Without `handle` it is a whole simple product (one variant, no
 * options) keyed by SKU, as before variants existed. With `handle` (the product's
 * slug) it is one variant; the consecutive rows with the same handle are the product
 * and its complete list of variants, in order.
 */
export interface ImportRow {
  sku: string;
  name: string;
  description: string;
  priceCurrency: string;
  priceAmountMinor: number;
  /** UNSPECIFIED when the column is empty: draft on create, unchanged on update. */
  status: ProductStatus;
  /** Empty: derived from the name on create, unchanged on update. */
  slug: string;
  brandId: string;
  categoryIds: string[];
  /** Empty for a simple row. */
  handle: string;
  /** Option name -> value, in the order the row gives them. */
  optionValues: Record<string, string>;
  barcode: string;
  weightGrams: number;
  /** Product-level columns left empty (on a product's later rows: "same as the first row"). */
  empty: ReadonlySet<(typeof PRODUCT_COLUMNS)[number]>;
}

/** A row's problem: the file line, the column (empty for the whole line) and why. */
export interface RowError {
  line: number;
  field: string;
  message: string;
}

/** A parsed line: a row, or an error with the row's handle when that could be read ('' for a simple row). */
export type ParsedLine = { kind: 'row'; line: number; row: ImportRow } | { kind: 'error'; error: RowError; handle?: string };

/** The content types the import accepts. */
export type ImportFormat = 'csv' | 'jsonl';

export function formatOf(contentType: string): ImportFormat | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/json-lines') return 'jsonl';
  return null;
}

/**
 * The lines of a body, one at a time (CRLF or LF), with their offset from the first
 * line; a UTF-8 byte order mark at the start is dropped. A CSV field may hold a line
 * break inside quotes, so CSV records are assembled by `csvRecords`, not here.
 */
export function* lines(text: string): Generator<{ index: number; text: string }> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let index = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end);
    if (!(end === text.length && raw === '')) yield { index, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw };
    index++;
    start = end + 1;
  }
}

/** Splits one CSV record (RFC 4180: quoted fields, "" for a quote); null when a quote is left open. */
export function splitCsv(record: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < record.length) {
    const c = record[i]!;
    if (quoted) {
      if (c === '"' && record[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { fields.push(field); field = ''; }
    else field += c;
    i++;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

const quoteCount = (s: string) => s.split('"').length - 1;

/** CSV records with the line each starts on; a record continues while a quoted field is open. */
export function* csvRecords(text: string): Generator<{ index: number; text: string }> {
  let pending: { index: number; text: string } | null = null;
  for (const l of lines(text)) {
    if (pending) {
      pending.text += `\n${l.text}`;
      if (quoteCount(pending.text) % 2 === 0) { yield pending; pending = null; }
    } else if (quoteCount(l.text) % 2 === 1) pending = { ...l };
    else yield l;
  }
  if (pending) yield pending;
}

const STATUS: Record<string, ProductStatus> = {
  '': ProductStatus.PRODUCT_STATUS_UNSPECIFIED,
  draft: ProductStatus.PRODUCT_STATUS_DRAFT,
  active: ProductStatus.PRODUCT_STATUS_ACTIVE,
  archived: ProductStatus.PRODUCT_STATUS_ARCHIVED,
};

/** The name a status has in a file (and in export lines). */
export function statusName(status: ProductStatus): string {
  return Object.entries(STATUS).find(([, s]) => s === status)?.[0] ?? '';
}

const OPTION_SEPARATOR = '|';
const escapeOption = (s: string) => s.replace(/[\\|=]/g, (c) => `\\${c}`);

/** `Size=M|Colour=Red`, backslash escaping `\\`, `|` and `=` inside names and values. */
export function formatOptionValues(values: Record<string, string>): string {
  return Object.entries(values).map(([k, v]) => `${escapeOption(k)}=${escapeOption(v)}`).join(OPTION_SEPARATOR);
}

/** Parses `formatOptionValues` text; null when it is not name=value pairs or repeats a name. */
export function parseOptionValues(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  if (text.trim() === '') return out;
  const pairs: string[][] = [];
  let current = [''];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) current[current.length - 1] += text[++i]!;
    else if (c === '=') current.push('');
    else if (c === OPTION_SEPARATOR) { pairs.push(current); current = ['']; }
    else current[current.length - 1] += c;
  }
  pairs.push(current);
  for (const pair of pairs) {
    if (pair.length !== 2) return null;
    const [name, value] = [pair[0]!.trim(), pair[1]!.trim()];
    if (name === '' || value === '' || name in out) return null;
    out[name] = value;
  }
  return out;
}

/**
 * Builds a row from column values, checking only what the file format decides
 * (presence, integer amount and weight, known status, option pairs); everything else
 * is the product's own validation, the same as the API's.
 */
export function rowFrom(values: Partial<Record<ImportColumn, unknown>>, line: number): ParsedLine[] {
  const errors: RowError[] = [];
  const text = (c: ImportColumn) => {
    const v = values[c];
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && (c === 'price_amount_minor' || c === 'weight_grams')) return String(v);
    errors.push({ line, field: c, message: 'must be a string' });
    return '';
  };
  const handle = text('handle').trim();
  // A product's later rows may leave its name empty; the grouping checks the first row has one.
  for (const c of REQUIRED) {
    if (c === 'name' && handle !== '') continue;
    if (text(c).trim() === '' && !errors.some((e) => e.field === c)) errors.push({ line, field: c, message: 'is required' });
  }
  const amount = text('price_amount_minor').trim();
  if (amount !== '' && !/^-?\d{1,15}$/.test(amount)) errors.push({ line, field: 'price_amount_minor', message: 'must be an integer number of minor units' });
  const weight = text('weight_grams').trim();
  if (weight !== '' && !/^\d{1,9}$/.test(weight)) errors.push({ line, field: 'weight_grams', message: 'must be a whole number of grams' });
  const statusText = text('status').trim().toLowerCase().replace(/^product_status_/, '');
  const status = STATUS[statusText];
  if (status === undefined) errors.push({ line, field: 'status', message: 'must be draft, active or archived' });
  const rawCategories = values['category_ids'];
  let categoryIds: string[] = [];
  if (Array.isArray(rawCategories) && rawCategories.every((x) => typeof x === 'string')) categoryIds = rawCategories as string[];
  else if (rawCategories !== undefined && rawCategories !== null) categoryIds = text('category_ids').split('|').map((s) => s.trim()).filter(Boolean);
  const rawOptions = values['option_values'];
  let optionValues: Record<string, string> | null = {};
  if (typeof rawOptions === 'object' && rawOptions !== null && !Array.isArray(rawOptions)) {
    const entries = Object.entries(rawOptions);
    optionValues = entries.every(([k, v]) => typeof v === 'string' && k.trim() !== '' && v.trim() !== '') ? Object.fromEntries(entries.map(([k, v]) => [k.trim(), (v as string).trim()])) : null;
  } else optionValues = parseOptionValues(text('option_values'));
  if (optionValues === null) errors.push({ line, field: 'option_values', message: 'must be name=value pairs separated by |, e.g. Size=M|Colour=Red' });
  if (optionValues && Object.keys(optionValues).length > 0 && handle === '') errors.push({ line, field: 'handle', message: 'is required with option_values (rows of one product share a handle)' });
  if (errors.length > 0) return errors.map((error) => ({ kind: 'error', error, handle }));
  const empty = new Set(PRODUCT_COLUMNS.filter((c) => (c === 'category_ids' ? categoryIds.length === 0 : text(c).trim() === '')));
  return [{
    kind: 'row',
    line,
    row: {
      sku: text('sku').trim(),
      name: text('name'),
      description: text('description'),
      priceCurrency: text('price_currency').trim().toUpperCase(),
      priceAmountMinor: Number(amount),
      status: status!,
      slug: text('slug').trim(),
      brandId: text('brand_id').trim(),
      categoryIds,
      handle,
      optionValues: optionValues!,
      barcode: text('barcode').trim(),
      weightGrams: weight === '' ? 0 : Number(weight),
      empty,
    },
  }];
}

/** The export's trailer line carries the next page token; the import skips it. */
const isTrailer = (format: ImportFormat, text: string) => (format === 'csv' ? text.startsWith('#') : /^\s*\{\s*"nextPageToken"\s*:\s*"[^"]*"\s*\}\s*$/.test(text));

/**
 * Parses a body one record at a time, so the caller can apply rows in small batches
 * without all of them in memory. Lines are numbered from `firstLine` (the file line of
 * the body's first line). Empty lines are skipped; in CSV the first non-empty line is
 * the header, whose unknown columns are errors.
 */
export function* parseImport(text: string, format: ImportFormat, firstLine = 1): Generator<ParsedLine> {
  let header: string[] | null = null;
  for (const record of format === 'csv' ? csvRecords(text) : lines(text)) {
    const line = firstLine + record.index;
    if (record.text.trim() === '' || isTrailer(format, record.text)) continue;
    if (format === 'jsonl') {
      let value: unknown;
      try {
        value = JSON.parse(record.text);
      } catch {
        yield { kind: 'error', error: { line, field: '', message: 'is not valid JSON' } };
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        yield { kind: 'error', error: { line, field: '', message: 'must be a JSON object' } };
        continue;
      }
      // JSON lines may use the API's lowerCamel names as well as the CSV column names.
      const entries = Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v] as const);
      const unknown = entries.filter(([k]) => !(IMPORT_COLUMNS as readonly string[]).includes(k));
      if (unknown.length > 0) {
        yield { kind: 'error', error: { line, field: unknown[0]![0], message: 'is not an import column' } };
        continue;
      }
      yield* rowFrom(Object.fromEntries(entries), line);
      continue;
    }
    const fields = splitCsv(record.text);
    if (!fields) {
      yield { kind: 'error', error: { line, field: '', message: 'has a quote that is never closed' } };
      continue;
    }
    if (!header) {
      header = fields.map((f) => f.trim().toLowerCase());
      const unknown = header.find((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
      const missing = REQUIRED.find((c) => !header!.includes(c));
      if (unknown !== undefined || missing !== undefined) {
        yield { kind: 'error', error: { line, field: unknown ?? missing!, message: unknown !== undefined ? 'is not an import column' : 'is a required column' } };
        return;
      }
      continue;
    }
    if (fields.length !== header.length) {
      yield { kind: 'error', error: { line, field: '', message: `has ${fields.length} fields, the header has ${header.length}` } };
      continue;
    }
    yield* rowFrom(Object.fromEntries(header.map((h, i) => [h, fields[i]])), line);
  }
}

const csvField = (s: string) => (/[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The CSV header line of an export. */
export const csvHeader = () => IMPORT_COLUMNS.join(',');

/** One export line in the import's own shape. */
export function exportLine(row: ImportRow, format: ImportFormat): string {
  const values: Record<ImportColumn, string> = {
    sku: row.sku,
    name: row.name,
    description: row.description,
    price_currency: row.priceCurrency,
    price_amount_minor: String(row.priceAmountMinor),
    status: statusName(row.status),
    slug: row.slug,
    brand_id: row.brandId,
    category_ids: row.categoryIds.join('|'),
    handle: row.handle,
    option_values: formatOptionValues(row.optionValues),
    barcode: row.barcode,
    weight_grams: row.weightGrams ? String(row.weightGrams) : '',
  };
  if (format === 'csv') return IMPORT_COLUMNS.map((c) => csvField(values[c])).join(',');
  return JSON.stringify({ ...values, category_ids: row.categoryIds, option_values: row.optionValues });
}

/** A row as the product use cases take it (the issue-2 shape: top-level sku and price). */
export function productFieldsOf(row: ImportRow): ProductFields {
  return {
    name: row.name, description: row.description, sku: row.sku, price: { currencyCode: row.priceCurrency, amountMinor: row.priceAmountMinor },
    status: row.status, slug: row.slug, seoTitle: '', seoDescription: '', productTypeId: '', brandId: row.brandId, categoryIds: row.categoryIds,
    options: [], variants: [], images: [], attributes: [], translations: [],
  };
}

const COLUMN_OF: Record<string, string> = { 'price.amount_minor': 'price_amount_minor', 'price.currency_code': 'price_currency', price: 'price_amount_minor' };

/** The file column an API field violation is about (price.amount_minor -> price_amount_minor). */
export const columnOf = (field: string) => COLUMN_OF[field] ?? field;
