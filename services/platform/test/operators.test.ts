import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ListProductsRequest, ListProductsResponse } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { ROOT } from '../../../tools/harness/stack.js';
import { connectRedis } from '../src/redis.js';

const run = promisify(execFile);
const grpcurl = join(ROOT, '.tools/bin/grpcurl');

describe('operator tooling', () => {
  test('grpcurl lists the services through server reflection', async () => {
    for (const [addr, service] of [[process.env['SHOP_CATALOG_ADDR']!, 'shop.catalog.v1.CatalogService'], [process.env['SHOP_IDENTITY_ADDR']!, 'shop.identity.v1.IdentityService']]) {
      const { stdout } = await run(grpcurl, ['-plaintext', addr!, 'list']);
      const listed = stdout.trim().split('\n');
      assert.ok(listed.includes(service!), `${addr} lists ${listed.join(', ')}`);
      assert.ok(listed.includes('grpc.health.v1.Health'));
    }
  });

  test('grpcurl calls a method described only by reflection, and health says SERVING', async () => {
    const addr = process.env['SHOP_CATALOG_ADDR']!;
    const list = await run(grpcurl, ['-plaintext', '-d', '{"page_size": 1}', addr, 'shop.catalog.v1.CatalogService/ListProducts']);
    assert.ok('products' in JSON.parse(list.stdout) || list.stdout.trim() === '{}');
    const health = await run(grpcurl, ['-plaintext', '-d', '{"service": "shop.catalog.v1.CatalogService"}', addr, 'grpc.health.v1.Health/Check']);
    assert.equal(JSON.parse(health.stdout).status, 'SERVING');
  });

  test('native gRPC passes through the edge on the JSON port', async () => {
    const edge = new URL(process.env['SHOP_EDGE_URL']!).host;
    const { stdout } = await run(grpcurl, [
      '-plaintext', '-import-path', join(ROOT, 'proto'), '-import-path', join(ROOT, 'node_modules/google-proto-files'),
      '-proto', 'shop/catalog/v1/catalog_service.proto', '-d', '{"page_size": 1}', edge, 'shop.catalog.v1.CatalogService/ListProducts',
    ]);
    assert.doesNotThrow(() => JSON.parse(stdout));
  });

  test('metrics are exposed in the Prometheus format', async () => {
    const ports = JSON.parse(process.env['SHOP_TEST_PORTS']!);
    const res = await fetch(`http://127.0.0.1:${ports.metrics}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /grpc_server_handled_total\{grpc_service="shop\.identity\.v1\.IdentityService"/);
    assert.match(text, /process_cpu_seconds_total/);
  });

  test('the edge answers /healthz itself', async () => {
    const res = await fetch(`${process.env['SHOP_EDGE_URL']}/healthz`);
    assert.equal(res.status, 200);
  });
});


describe('the edge for browsers', () => {
  test('gRPC-Web calls pass through the JSON port', async () => {
    const message = ListProductsRequest.encode(ListProductsRequest.fromPartial({ pageSize: 1 })).finish();
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from(message)]);
    frame.writeUInt32BE(message.length, 1);
    const res = await fetch(`${process.env['SHOP_EDGE_URL']}/shop.catalog.v1.CatalogService/ListProducts`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: frame,
    });
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    // A data frame (flag 0) with the response, then a trailer frame (flag 0x80).
    assert.equal(body[0], 0);
    const length = body.readUInt32BE(1);
    const page = ListProductsResponse.decode(body.subarray(5, 5 + length));
    assert.ok(page.products.length <= 1);
    const trailer = body.subarray(5 + length);
    assert.equal(trailer[0], 0x80);
    assert.match(trailer.subarray(5).toString(), /grpc-status:\s*0/);
  });

  test('CORS preflight is answered by the edge', async () => {
    const res = await fetch(`${process.env['SHOP_EDGE_URL']}/v1/products`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.ok(res.status === 200 || res.status === 204, String(res.status));
    assert.ok(res.headers.get('access-control-allow-origin'));
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
  });
});

describe('redis', () => {
  test('the platform connection reaches the harness Redis', async () => {
    const redis = await connectRedis(process.env['SHOP_REDIS_URL']!);
    try {
      const key = `test:${Date.now()}:${Math.random()}`;
      await redis.set(key, 'v', 'EX', 10);
      assert.equal(await redis.get(key), 'v');
      assert.equal(await redis.incr(`${key}:n`), 1);
    } finally {
      redis.disconnect();
    }
  });
});
