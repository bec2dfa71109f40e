import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { admin, api, edgeUrl, newCustomer } from '../../../tools/testing/edge.js';
import { importProductsFile } from '../../../tools/import-products.js';

const HEADER = 'sku,name,description,price_currency,price_amount_minor,status,slug,brand_id,category_ids';

async function post(body: string, contentType: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${edgeUrl()}/v1/products:import`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text || 'null') };
}

/** Export pages, newest first, until `enough` says the lines so far suffice or the catalog ends. */
async function exportUntil(format: 'csv' | 'jsonl', pageSize: number, enough: (lines: string[]) => boolean): Promise<{ lines: string[]; pages: number }> {
  const lines: string[] = [];
  let token = '';
  let pages = 0;
  do {
    const res = await fetch(`${edgeUrl()}/v1/products:export?format=${format}&pageSize=${pageSize}&pageToken=${encodeURIComponent(token)}`, { headers: { authorization: `Bearer ${await admin()}` } });
    assert.equal(res.status, 200, await res.clone().text());
    const page = (await res.text()).split('\n').filter(Boolean);
    pages++;
    const last = page[page.length - 1] ?? '';
    token = format === 'csv' ? (last.startsWith('#nextPageToken=') ? last.slice('#nextPageToken='.length) : '') : (JSON.parse(last || '{}').nextPageToken ?? '');
    if (token) page.pop();
    lines.push(...(format === 'csv' ? page.slice(1) : page));
  } while (token && !enough(lines) && pages < 500);
  return { lines, pages };
}

describe('bulk import and export', () => {
  test('reports bad rows by line and field, applies the good ones, and the same file again changes nothing', async () => {
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const csv = [
      HEADER,
      `IMP-${tag}-1,"Mug, large","Says ""hello""",EUR,1299,active,,,`,
      '',
      `IMP-${tag}-2,Cup,,EUR,-5,draft,,,`,
      `IMP-${tag}-3,,,EUR,100,,,,`,
      `IMP-${tag}-4,Plate,,EURO,100,,,,`,
      `bad sku ${tag},Bowl,,EUR,100,,,,`,
      `IMP-${tag}-5,Glass,,EUR,450,,,ffffffffffffffffffffffff,`,
      `IMP-${tag}-6,Spoon,,EUR,80,archived,,,`,
    ].join('\r\n');
    const first = await post(`\uFEFF${csv}`, 'text/csv', await admin());
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual({ ...first.body, errors: undefined }, { rowsTotal: 7, rowsApplied: 2, rowsUnchanged: 0, rowsRejected: 5, errors: undefined });
    const named = first.body.errors.map((e: any) => `${e.line}:${e.field}`).sort();
    assert.deepEqual(named, ['4:price_amount_minor', '5:name', '6:price_currency', '7:sku', '8:brand_id'].sort(), JSON.stringify(first.body.errors));

    const created = await api('GET', `/v1/products?pageSize=200`, { token: await admin() });
    const mug = created.body.products.find((p: any) => p.sku === `IMP-${tag}-1`);
    assert.equal(mug.name, 'Mug, large');
    assert.equal(mug.description, 'Says "hello"');
    assert.equal(mug.status, 'PRODUCT_STATUS_ACTIVE');

    const again = await post(csv, 'text/csv', await admin());
    assert.deepEqual({ ...again.body, errors: undefined }, { rowsTotal: 7, rowsApplied: 0, rowsUnchanged: 2, rowsRejected: 5, errors: undefined });
    const reread = await api('GET', `/v1/products/${mug.id}`, { token: await admin() });
    assert.equal(reread.body.etag, mug.etag, 'an unchanged row does not write');

    // A changed row updates; JSON Lines with x-import-first-line (read through Envoy) numbers lines from there.
    const jsonl = `{"sku":"IMP-${tag}-1","name":"Mug, large","description":"new text","price_currency":"EUR","price_amount_minor":1399,"status":"active"}\n{"sku":"IMP-${tag}-9"}\n`;
    const changed = await post(jsonl, 'application/x-ndjson', await admin(), { 'x-import-first-line': '5001' });
    assert.equal(changed.body.rowsApplied, 1, JSON.stringify(changed.body));
    assert.deepEqual(changed.body.errors.map((e: any) => `${e.line}:${e.field}`).sort(), ['5002:name', '5002:price_amount_minor', '5002:price_currency']);
    const updated = await api('GET', `/v1/products/${mug.id}`);
    assert.equal(updated.body.description, 'new text');
    assert.equal(updated.body.price.amountMinor, '1399');
  });

  test('racing imports of the same new SKUs create each product once', async () => {
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const csv = [HEADER, ...Array.from({ length: 20 }, (_, i) => `RACE-${tag}-${i},Racer ${i},,EUR,${100 + i},active,,,`)].join('\n');
    const reports = await Promise.all(Array.from({ length: 4 }, async () => post(csv, 'text/csv', await admin())));
    for (const r of reports) assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const r of reports) assert.equal(r.body.rowsRejected, 0, JSON.stringify(r.body.errors));
    assert.equal(reports.reduce((n, r) => n + r.body.rowsApplied + r.body.rowsUnchanged, 0), 80);
    const { lines } = await exportUntil('jsonl', 500, (ls) => ls.filter((l) => l.includes(`RACE-${tag}-`)).length >= 20);
    const skus = lines.map((l) => JSON.parse(l).sku).filter((s: string) => s.startsWith(`RACE-${tag}-`));
    assert.equal(skus.length, 20);
    assert.equal(new Set(skus).size, 20);
  });

  test('export returns imported products in both formats, paged, and an exported page imports as unchanged', async () => {
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const csv = [HEADER, ...Array.from({ length: 7 }, (_, i) => `EXP-${tag}-${i},"Item, ${i}",,USD,${i + 1},draft,,,`)].join('\n');
    assert.equal((await post(csv, 'text/csv', await admin())).body.rowsApplied, 7);
    for (const format of ['csv', 'jsonl'] as const) {
      const { lines, pages } = await exportUntil(format, 3, (ls) => ls.filter((l) => l.includes(`EXP-${tag}-`)).length >= 7);
      assert.ok(pages >= 3, `${format}: ${pages} pages`);
      const mine = lines.filter((l) => l.includes(`EXP-${tag}-`));
      assert.equal(mine.length, 7, format);
      const body = format === 'csv' ? `${HEADER}\n${mine.join('\n')}\n` : `${mine.join('\n')}\n`;
      const re = await post(body, format === 'csv' ? 'text/csv' : 'application/jsonl', await admin());
      assert.deepEqual({ ...re.body, errors: undefined }, { rowsTotal: 7, rowsApplied: 0, rowsUnchanged: 7, rowsRejected: 0, errors: undefined }, JSON.stringify(re.body.errors));
    }
  });

  test('customers may neither import nor export', async () => {
    const customer = await newCustomer();
    assert.equal((await post(`${HEADER}\n`, 'text/csv', customer.token)).status, 403);
    assert.equal((await api('GET', '/v1/products:export', { token: customer.token })).status, 403);
    assert.equal((await api('GET', '/v1/products:export')).status, 401);
  });

  test('the CLI streams a 500-row file in chunks of 100 and the merged report adds up', async () => {
    // 10,000 rows (default chunks of 2000) took about 28 s alone on the 2-CPU test machine, and their
    // 20,000 events and audit records slowed other test files' event assertions past their 5 s wait,
    // so the suite imports 500 in chunks of 100 (five chunks; line numbers across chunks still checked).
    const rowsCount = 500;
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const dir = await mkdtemp(join(tmpdir(), 'import-'));
    const file = join(dir, 'products.csv');
    const lines = [HEADER];
    for (let i = 0; i < rowsCount; i++) lines.push(i % 100 === 7 ? `BULK-${tag}-${i},,,EUR,1,,,,` : `BULK-${tag}-${i},Bulk ${i},,EUR,${i + 1},active,,,`);
    await writeFile(file, `${lines.join('\n')}\n`);
    try {
      const started = Date.now();
      const report = await importProductsFile(file, { url: edgeUrl(), token: await admin(), chunkLines: 100 });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(report.rowsTotal, rowsCount);
      assert.equal(report.rowsApplied + report.rowsUnchanged + report.rowsRejected, rowsCount);
      assert.equal(report.rowsRejected, rowsCount / 100);
      // File line = row index + 2 (the header is line 1), whichever chunk the row was in.
      assert.deepEqual(report.errors.map((e) => e.line), Array.from({ length: rowsCount / 100 }, (_, k) => k * 100 + 7 + 2));
      assert.ok(report.errors.every((e) => e.field === 'name'));
      console.log(`# imported ${rowsCount} rows through the edge in ${seconds.toFixed(1)} s`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
