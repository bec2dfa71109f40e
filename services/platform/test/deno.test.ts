import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CatalogServiceService, ListProductsRequest, ProductStatus } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { freePort } from '../../../tools/harness/ports.js';
import { startProcess } from '../../../tools/harness/process.js';
import { ROOT } from '../../../tools/harness/stack.js';
import { admin, api, uniqueSku } from '../../../tools/testing/edge.js';
import { createServiceClient } from '../src/grpc/client.js';

// The same service code runs on Deno: start catalog under Deno beside the Node mesh,
// on the same database, and call it from a Node gRPC client.
test('the catalog service runs under Deno and answers a Node gRPC client', async () => {
  const created = await api('POST', '/v1/products', {
    token: await admin(),
    json: { name: 'Deno mug', sku: uniqueSku('DENO'), price: { currencyCode: 'USD', amountMinor: 900 }, status: 'PRODUCT_STATUS_ACTIVE' },
  });
  assert.equal(created.status, 200);

  const port = await freePort();
  const { proc } = await startProcess({
    name: 'catalog-on-deno',
    command: join(ROOT, 'node_modules/deno/deno'),
    args: ['run', '--allow-all', '--unstable-sloppy-imports', '--quiet', join(ROOT, 'services/mesh.ts'), 'catalog'],
    cwd: ROOT,
    env: { ...process.env, SHOP_CATALOG_ADDR: `127.0.0.1:${port}`, SHOP_METRICS_PORT: '0', SHOP_LOG_LEVEL: 'warn', NO_COLOR: '1' },
    logFile: join(process.env['SHOP_TEST_WORKDIR'] ?? '/tmp', 'catalog-on-deno.log'),
    readyLine: /^READY /,
    timeoutMs: 60_000,
  });
  const client = createServiceClient(CatalogServiceService, { name: 'catalog-deno', address: `127.0.0.1:${port}` });
  try {
    const product = await client.getProduct({ id: created.body.id, locale: '' });
    assert.equal(product.name, 'Deno mug');
    assert.equal(product.price?.amountMinor, 900);
    assert.equal(product.status, ProductStatus.PRODUCT_STATUS_ACTIVE);
    const page = await client.listProducts(ListProductsRequest.fromPartial({ pageSize: 5 }));
    assert.ok(page.products.length >= 1);
  } finally {
    client.close();
    await proc.stop();
  }
});
