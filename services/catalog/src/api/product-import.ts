import type { HttpBody } from '../../../../gen/google/api/httpbody.js';
import type { CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { invalidArgument } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { ProductImport } from '../app/product-import.js';
import { formatOf } from '../domain/import-rows.js';

const body = (contentType: string, text: string): HttpBody => ({ contentType, data: Buffer.from(text, 'utf8'), extensions: [] });

/** Bulk import (CSV or JSON Lines body, JSON report) and paged export of products. */
export function importHandlers(imports: ProductImport): ServiceHandlers<Pick<typeof CatalogServiceService, 'importProducts' | 'exportProducts'>> {
  return {
    importProducts: async (req, ctx) => {
      const format = formatOf(req.contentType);
      if (!format) throw invalidArgument([{ field: 'content_type', description: 'must be text/csv, application/x-ndjson or application/jsonl' }]);
      // Envoy's transcoder passes HTTP request headers on as gRPC metadata.
      const header = String(ctx.metadata.get('x-import-first-line')[0] ?? '1').trim();
      if (!/^\d{1,12}$/.test(header) || Number(header) < 1) throw invalidArgument([{ field: 'x-import-first-line', description: 'must be a positive line number' }]);
      const report = await imports.import(Buffer.from(req.data).toString('utf8'), format, Number(header), ctx);
      return body('application/json', JSON.stringify(report));
    },
    exportProducts: async (req) => {
      const format = req.format === '' ? 'jsonl' : req.format === 'csv' || req.format === 'jsonl' ? req.format : null;
      if (!format) throw invalidArgument([{ field: 'format', description: 'must be jsonl or csv' }]);
      const text = await imports.export(format, req.pageSize, req.pageToken);
      return body(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson', text);
    },
  };
}
