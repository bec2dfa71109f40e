import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import { validateProduct } from './product.js';
import { columnOf, csvHeader, exportLine, formatOf, parseImport, productFieldsOf, splitCsv, type ImportRow, type ParsedLine } from './import-rows.js';

const all = (text: string, format: 'csv' | 'jsonl', first = 1): ParsedLine[] => [...parseImport(text, format, first)];
const rows = (parsed: ParsedLine[]) => parsed.flatMap((p) => (p.kind === 'row' ? [p] : []));
const errors = (parsed: ParsedLine[]) => parsed.flatMap((p) => (p.kind === 'error' ? [p.error] : []));
const HEADER = 'sku,name,description,price_currency,price_amount_minor,status,slug,brand_id,category_ids';

describe('CSV import rows', () => {
  test('splits quoted fields with commas, escaped quotes and empty values', () => {
    assert.deepEqual(splitCsv('A,"b, c","say ""hi""",,'), ['A', 'b, c', 'say "hi"', '', '']);
    assert.equal(splitCsv('A,"open'), null);
  });

  test('drops a byte order mark, skips empty lines and numbers rows by file line', () => {
    const text = `\uFEFF${HEADER}\r\nSKU-1,Mug,"A mug, white",eur,900,active,,,\r\n\r\nSKU-2,Cup,,EUR,100,,,,\n`;
    const parsed = rows(all(text, 'csv'));
    assert.deepEqual(parsed.map((r) => [r.line, r.row.sku]), [[2, 'SKU-1'], [4, 'SKU-2']]);
    assert.equal(parsed[0]!.row.description, 'A mug, white');
    assert.equal(parsed[0]!.row.priceCurrency, 'EUR');
    assert.equal(parsed[0]!.row.status, ProductStatus.PRODUCT_STATUS_ACTIVE);
    assert.equal(parsed[1]!.row.status, ProductStatus.PRODUCT_STATUS_UNSPECIFIED);
  });

  test('a quoted field may span lines; pipe-separated categories; line numbers offset by the first line', () => {
    const a = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const b = 'bbbbbbbbbbbbbbbbbbbbbbbb';
    const text = `sku,name,description,price_currency,price_amount_minor,category_ids\nS1,Tee,"line one\nline two",EUR,1,${a}|${b}\nS2,Tee 2,,EUR,2,\n`;
    const parsed = rows(all(text, 'csv', 1000));
    assert.deepEqual(parsed.map((r) => r.line), [1001, 1003]);
    assert.equal(parsed[0]!.row.description, 'line one\nline two');
    assert.deepEqual(parsed[0]!.row.categoryIds, [a, b]);
  });

  test('names the line and column of each problem', () => {
    const text = `${HEADER}\nS1,,,EUR,12.5,sold,,,\nS2,Ok,,EUR,1\n"S3,Bad,,EUR,1,,,,\n`;
    assert.deepEqual(errors(all(text, 'csv')), [
      { line: 2, field: 'name', message: 'is required' },
      { line: 2, field: 'price_amount_minor', message: 'must be an integer number of minor units' },
      { line: 2, field: 'status', message: 'must be draft, active or archived' },
      { line: 3, field: '', message: 'has 5 fields, the header has 9' },
      { line: 4, field: '', message: 'has a quote that is never closed' },
    ]);
  });

  test('an unknown or missing header column rejects the file at the header line', () => {
    assert.deepEqual(errors(all('sku,name,colour\nS1,a,red\n', 'csv')), [{ line: 1, field: 'colour', message: 'is not an import column' }]);
    assert.deepEqual(errors(all('sku,name\nS1,a\n', 'csv')), [{ line: 1, field: 'price_currency', message: 'is a required column' }]);
  });
});

describe('JSON Lines import rows', () => {
  test('reads snake_case or lowerCamel keys, numbers or strings for the amount, arrays for categories', () => {
    const text = '{"sku":"S1","name":"Mug","price_currency":"EUR","price_amount_minor":900}\n\n{"sku":"S2","name":"Cup","priceCurrency":"EUR","priceAmountMinor":"5","categoryIds":[],"status":"PRODUCT_STATUS_DRAFT"}\n';
    const parsed = rows(all(text, 'jsonl', 5));
    assert.deepEqual(parsed.map((r) => [r.line, r.row.sku, r.row.priceAmountMinor]), [[5, 'S1', 900], [7, 'S2', 5]]);
    assert.equal(parsed[1]!.row.status, ProductStatus.PRODUCT_STATUS_DRAFT);
  });

  test('reports broken JSON, non-objects and unknown keys by line', () => {
    assert.deepEqual(errors(all('{"sku":\n[1]\n{"sku":"S","colour":"red"}\n', 'jsonl')), [
      { line: 1, field: '', message: 'is not valid JSON' },
      { line: 2, field: '', message: 'must be a JSON object' },
      { line: 3, field: 'colour', message: 'is not an import column' },
    ]);
  });

  test('skips the export trailer with the next page token', () => {
    assert.deepEqual(all('{"nextPageToken":"abc"}\n', 'jsonl'), []);
    assert.deepEqual(all(`${HEADER}\n#nextPageToken=abc\n`, 'csv'), []);
  });
});

describe('export lines', () => {
  const row: ImportRow = { sku: 'S1', name: 'Mug, "big"', description: 'two\nlines', priceCurrency: 'EUR', priceAmountMinor: 900, status: ProductStatus.PRODUCT_STATUS_ACTIVE, slug: 'mug', brandId: '', categoryIds: ['a', 'b'], handle: 'mug', optionValues: { 'Size': 'M', 'Fit|cut': 'a=b' }, barcode: '4006381333931', weightGrams: 250, empty: new Set() };
  test('CSV and JSON Lines export lines parse back to the same row', () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const text = format === 'csv' ? `${csvHeader()}\n${exportLine(row, format)}\n` : `${exportLine(row, format)}\n`;
      const [parsed] = rows(all(text, format));
      assert.deepEqual({ ...parsed?.row, empty: undefined }, { ...row, empty: undefined }, format);
    }
  });
  test('content types', () => {
    assert.equal(formatOf('text/csv; charset=utf-8'), 'csv');
    assert.equal(formatOf('application/jsonl'), 'jsonl');
    assert.equal(formatOf('application/x-ndjson'), 'jsonl');
    assert.equal(formatOf('application/json'), null);
  });
});

describe('row validation', () => {
  const violations = (line: string) => {
    const [parsed] = rows(all(`${HEADER}\n${line}\n`, 'csv'));
    try {
      validateProduct(productFieldsOf(parsed!.row));
      return [];
    } catch (err) {
      assert.ok(err instanceof DomainError);
      return err.fieldViolations.map((v) => columnOf(v.field)).sort();
    }
  };
  test('rows get the API validation, named by column', () => {
    assert.deepEqual(violations('S-1,Mug,,EUR,900,active,,,'), []);
    assert.deepEqual(violations('bad sku,Mug,,EURO,-1,active,Not A Slug,nope,'), ['brand_id', 'price_amount_minor', 'price_currency', 'sku', 'slug']);
    assert.deepEqual(violations(`S-2,${'x'.repeat(201)},,EUR,1,,,,abc|abc`), ['category_ids', 'category_ids', 'name']);
  });
});
