/**
 * Imports a product file of any size: reads it from disk line by line and sends chunks
 * of N lines (default 2000, and under the edge's 1 MiB body limit) to
 * POST /v1/products:import, each with x-import-first-line so errors name file lines
 * (CSV chunks repeat the header). A chunk never ends inside a product's rows (the
 * consecutive rows sharing a handle), which the server applies whole. Prints the merged report.
 *
 *   npm run import -- products.csv [--url http://127.0.0.1:8080] [--token T] [--chunk 2000]
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { splitCsv } from '../services/catalog/src/domain/import-rows.js';

export interface ImportReport {
  rowsTotal: number;
  rowsApplied: number;
  rowsUnchanged: number;
  rowsRejected: number;
  errors: { line: number; field: string; message: string }[];
}

export interface ImportOptions {
  url: string;
  token: string;
  chunkLines?: number;
  /** Bytes per chunk at most; the edge refuses bodies over 1 MiB. */
  chunkBytes?: number;
}

const MAX_ERRORS = 1000;

/** Streams `file` to the import endpoint in chunks and merges the chunk reports. */
export async function importProductsFile(file: string, options: ImportOptions): Promise<ImportReport> {
  const csv = !/\.(jsonl|ndjson)$/i.test(file);
  const contentType = csv ? 'text/csv' : 'application/x-ndjson';
  const chunkLines = options.chunkLines ?? 2000;
  const chunkBytes = options.chunkBytes ?? 900 * 1024;
  const total: ImportReport = { rowsTotal: 0, rowsApplied: 0, rowsUnchanged: 0, rowsRejected: 0, errors: [] };
  let header: string | null = null;
  let chunk: string[] = [];
  let bytes = 0;
  let chunkFirstLine = 1;
  let lineNo = 0;
  let openQuote = false;

  const send = async () => {
    if (chunk.length === 0) return;
    // A repeated CSV header sits one line before the chunk's first file line.
    const body = csv ? `${header}\n${chunk.join('\n')}\n` : `${chunk.join('\n')}\n`;
    const res = await fetch(`${options.url.replace(/\/+$/, '')}/v1/products:import`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${options.token}`, 'x-import-first-line': String(csv ? chunkFirstLine - 1 : chunkFirstLine) },
      body,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`import of lines from ${chunkFirstLine} failed: ${res.status} ${text}`);
    const report = JSON.parse(text) as ImportReport;
    total.rowsTotal += report.rowsTotal;
    total.rowsApplied += report.rowsApplied;
    total.rowsUnchanged += report.rowsUnchanged;
    total.rowsRejected += report.rowsRejected;
    for (const e of report.errors) if (total.errors.length < MAX_ERRORS) total.errors.push(e);
    chunk = [];
    bytes = 0;
  };

  /** The handle a complete record names ('' for a simple row or an unreadable one). */
  let handleColumn = -1;
  const handleOf = (record: string): string => {
    if (csv) return handleColumn < 0 ? '' : (splitCsv(record)?.[handleColumn] ?? '').trim();
    try {
      const value = JSON.parse(record) as { handle?: unknown };
      return typeof value?.handle === 'string' ? value.handle.trim() : '';
    } catch {
      return '';
    }
  };
  let record: string[] = [];
  let recordFirstLine = 0;
  let lastHandle = '';
  const addRecord = async () => {
    const handle = handleOf(record.join('\n'));
    const size = record.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    // Cut only between products: never between two rows of the same handle.
    const full = chunk.length >= chunkLines || bytes + size > chunkBytes;
    if (full && (handle === '' || handle !== lastHandle)) await send();
    if (chunk.length === 0) chunkFirstLine = recordFirstLine;
    chunk.push(...record);
    bytes += size;
    lastHandle = handle;
    record = [];
  };

  const input = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const raw of input) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (csv && header === null) {
      header = line;
      handleColumn = (splitCsv(line) ?? []).map((h) => h.trim().toLowerCase()).indexOf('handle');
      continue;
    }
    if (record.length === 0) recordFirstLine = lineNo;
    record.push(line);
    // A quoted CSV field may span lines: the record ends when its quotes balance.
    if (csv && (line.split('"').length - 1) % 2 === 1) openQuote = !openQuote;
    if (!openQuote) await addRecord();
  }
  if (record.length > 0) await addRecord();
  await send();
  return total;
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const token = arg(args, 'token') ?? process.env['SHOP_ADMIN_TOKEN'];
  if (!file || !token) {
    console.error('usage: npm run import -- <file.csv|file.jsonl> [--url http://127.0.0.1:8080] [--token T | SHOP_ADMIN_TOKEN] [--chunk 2000]');
    process.exit(2);
  }
  const report = await importProductsFile(file, { url: arg(args, 'url') ?? 'http://127.0.0.1:8080', token, chunkLines: Number(arg(args, 'chunk') ?? 2000) });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.rowsRejected > 0 ? 1 : 0);
}
