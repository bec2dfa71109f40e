import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { groupChanges, groupImport, productOfGroup, rowsOfProduct, type ImportItem } from './import-groups.js';
import { csvHeader, exportLine, parseImport } from './import-rows.js';
import { validateProduct } from './product.js';

const HEADER = 'handle,sku,name,description,price_currency,price_amount_minor,status,option_values,barcode,weight_grams';
const items = (text: string, format: 'csv' | 'jsonl' = 'csv'): ImportItem[] => [...groupImport(parseImport(text, format))];
const describeItem = (i: ImportItem) =>
  i.kind === 'simple' ? `simple:${i.row.sku}` : i.kind === 'product' ? `product:${i.handle}:${i.rows.map((r) => r.line).join(',')}` : `rejected:${i.lines.join(',')}`;

const TEE = [
  'tee,TEE-S,Tee,Soft,EUR,1500,active,Size=S|Colour=Red,4006381333931,180',
  'tee,TEE-M,,,EUR,1500,,Size=M|Colour=Red,,190',
  'tee,TEE-L,Tee,Soft,EUR,1700,active,Size=L|Colour=Blue,,200',
];

describe('grouping import rows into products', () => {
  test('consecutive rows with one handle are one product; rows without a handle stay simple', () => {
    const csv = `sku,name,price_currency,price_amount_minor,handle,option_values\nMUG-1,Mug,EUR,900,,\nTEE-S,Tee,EUR,1500,tee,Size=S\nTEE-M,,EUR,1500,tee,Size=M\nCUP-1,Cup,EUR,500,,\n`;
    assert.deepEqual(items(csv).map(describeItem), ['simple:MUG-1', 'product:tee:3,4', 'simple:CUP-1']);
  });

  test('builds the product: options from the option values, per-variant price, barcode and weight, later rows inheriting', () => {
    const [item] = items(`${HEADER}\n${TEE.join('\n')}\n`);
    assert.equal(item?.kind, 'product');
    if (item?.kind !== 'product') return;
    const product = validateProduct(productOfGroup(item.handle, item.rows, null));
    assert.equal(product.slug, 'tee');
    assert.equal(product.name, 'Tee');
    assert.equal(product.status, ProductStatus.PRODUCT_STATUS_ACTIVE);
    assert.deepEqual(product.options, [{ name: 'Size', values: ['S', 'M', 'L'] }, { name: 'Colour', values: ['Red', 'Blue'] }]);
    assert.deepEqual(product.variants.map((v) => [v.sku, v.price?.amountMinor, v.barcode, v.weightGrams, v.optionValues['Size']]), [
      ['TEE-S', 1500, '4006381333931', 180, 'S'], ['TEE-M', 1500, '', 190, 'M'], ['TEE-L', 1700, '', 200, 'L'],
    ]);
  });

  test('one bad row rejects its whole product, every row named by line', () => {
    const bad = [TEE[0], 'tee,TEE-M,,,EUR,12.5,,Size=M|Colour=Red,,', TEE[2]].join('\n');
    const [item, ...rest] = items(`${HEADER}\n${bad}\n`);
    assert.equal(rest.length, 0);
    assert.equal(item?.kind, 'rejected');
    if (item?.kind !== 'rejected') return;
    assert.deepEqual(item.lines.sort(), [2, 3, 4]);
    assert.deepEqual(item.errors.map((e) => `${e.line}:${e.field}`), ['2:handle', '3:price_amount_minor', '4:handle']);
  });

  test('a line too broken to name its product rejects the product it interrupts', () => {
    const text = `{"handle":"tee","sku":"A","name":"Tee","price_currency":"EUR","price_amount_minor":1,"option_values":{"Size":"S"}}\n{"handle":"tee",\n{"handle":"tee","sku":"B","price_currency":"EUR","price_amount_minor":1,"option_values":{"Size":"M"}}\n`;
    assert.deepEqual(items(text, 'jsonl').map(describeItem), ['rejected:1,3,2']);
  });

  test('a product whose rows are not consecutive, and product columns that disagree, are rejected', () => {
    const split = `${HEADER}\n${TEE[0]}\nMUG,,Mug,,EUR,1,,,,\n`.replace('\nMUG,,', '\n,MUG,') + `${TEE[1]}\n`;
    assert.deepEqual(items(split).map(describeItem), ['product:tee:2', 'simple:MUG', 'rejected:4']);
    const disagree = `${HEADER}\n${TEE[0]}\ntee,TEE-M,Shirt,,EUR,1500,draft,Size=M|Colour=Red,,\n`;
    const [item] = items(disagree);
    assert.equal(item?.kind, 'rejected');
    if (item?.kind === 'rejected') assert.deepEqual(item.errors.map((e) => `${e.line}:${e.field}`), ['2:handle', '3:name', '3:status']);
  });

  test('option values need a handle and name=value pairs', () => {
    const [a, b] = items(`sku,name,price_currency,price_amount_minor,handle,option_values\nX,X,EUR,1,,Size=M\nY,Y,EUR,1,y,Size\n`);
    assert.equal(a?.kind === 'rejected' && a.errors[0]?.field, 'handle');
    assert.equal(b?.kind === 'rejected' && b.errors.some((e) => e.field === 'option_values'), true);
  });
});

describe('comparing a group with the stored product', () => {
  const [item] = items(`${HEADER}\n${TEE.join('\n')}\n`);
  if (item?.kind !== 'product') throw new Error('fixture');
  const stored = validateProduct(productOfGroup(item.handle, item.rows, null));
  stored.variants = stored.variants.map((v, i) => ({ ...v, id: `v${i}` }));
  // Stored with the values in another order: the same set is no change.
  stored.options = [{ name: 'Size', values: ['L', 'M', 'S'] }, { name: 'Colour', values: ['Blue', 'Red'] }];

  test('the same rows change nothing; a new price changes only the variants, which keep their ids', () => {
    assert.deepEqual(groupChanges(stored, productOfGroup('tee', item.rows, stored), true), []);
    const repriced = items(`${HEADER}\n${[TEE[0], TEE[1]!.replace(',1500,', ',1600,'), TEE[2]].join('\n')}\n`)[0]!;
    if (repriced.kind !== 'product') throw new Error('fixture');
    const next = productOfGroup('tee', repriced.rows, stored);
    assert.deepEqual(groupChanges(stored, next, true), ['variants']);
    assert.deepEqual(next.variants.map((v) => v.id), ['v0', 'v1', 'v2']);
  });

  test('export rows of a product import back as no change, in CSV and JSON Lines', () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const lines = rowsOfProduct(stored).map((r) => exportLine(r, format));
      const text = format === 'csv' ? `${csvHeader()}\n${lines.join('\n')}\n` : `${lines.join('\n')}\n`;
      const [again] = items(text, format);
      assert.equal(again?.kind, 'product', format);
      if (again?.kind === 'product') assert.deepEqual(groupChanges(stored, productOfGroup('tee', again.rows, stored), true), [], format);
    }
  });
});
