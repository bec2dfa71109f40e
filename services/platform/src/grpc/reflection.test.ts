import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Server, ServerCredentials, credentials, loadPackageDefinition, type Client, type ClientDuplexStream, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { FileDescriptorProto } from '../../../../gen/google/protobuf/descriptor.js';
import { addReflection } from './reflection.js';
import { findRepoFile } from './server.js';

interface ReflectionResponse {
  message_response?: string;
  list_services_response?: { service: Array<{ name: string }> };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

type ReflectionStream = ClientDuplexStream<Record<string, string>, ReflectionResponse>;
type ReflectionClient = Client & { ServerReflectionInfo(): ReflectionStream };

/** The client side of grpc.reflection.<version>.ServerReflection, loaded from @grpc/reflection's proto. */
function reflectionClient(version: 'v1' | 'v1alpha', address: string): ReflectionClient {
  const require = createRequire(import.meta.url);
  const protoRoot = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [protoRoot], keepCase: true, oneofs: true, defaults: false });
  const loaded = loadPackageDefinition(definition) as unknown as { grpc: { reflection: Record<string, { ServerReflection: ServiceClientConstructor }> } };
  const ServerReflection = loaded.grpc.reflection[version]!.ServerReflection;
  return new ServerReflection(address, credentials.createInsecure()) as unknown as ReflectionClient;
}

/** Sends one request on an open reflection stream and waits for its answer. */
async function ask(stream: ReflectionStream, request: Record<string, string>): Promise<ReflectionResponse> {
  const answer = once(stream, 'data') as Promise<[ReflectionResponse]>;
  stream.write(request);
  return (await answer)[0];
}

function decodeFiles(response: ReflectionResponse): Map<string, FileDescriptorProto> {
  assert.equal(response.message_response, 'file_descriptor_response', JSON.stringify(response.error_response));
  const files = response.file_descriptor_response!.file_descriptor_proto.map((bytes) => FileDescriptorProto.decode(bytes));
  return new Map(files.map((f) => [f.name!, f]));
}

describe('server reflection from the descriptor set', () => {
  const descriptorPath = findRepoFile('envoy/descriptor.binpb');
  const server = new Server();
  let address = '';
  let client: ReflectionClient;
  let stream: ReflectionStream;

  before(async () => {
    assert.ok(descriptorPath, 'envoy/descriptor.binpb is missing: run `bash tools/gen.sh`');
    addReflection(server, descriptorPath, () => ['shop.catalog.v1.CatalogService']);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
    client = reflectionClient('v1', address);
    stream = client.ServerReflectionInfo();
  });

  after(async () => {
    if (stream) {
      const ended = once(stream, 'status');
      stream.end();
      await ended;
    }
    client?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  test('list_services names the hosted services, health and reflection', async () => {
    const response = await ask(stream, { list_services: '' });
    const names = response.list_services_response?.service.map((s) => s.name) ?? [];
    assert.deepEqual(names.sort(), [
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'shop.catalog.v1.CatalogService',
    ]);
  });

  test('file_containing_symbol answers with the service file and every file it imports', async () => {
    const files = decodeFiles(await ask(stream, { file_containing_symbol: 'shop.catalog.v1.CatalogService' }));
    for (const name of ['shop/catalog/v1/catalog_service.proto', 'shop/common/v1/money.proto', 'google/protobuf/timestamp.proto', 'google/protobuf/field_mask.proto', 'google/protobuf/empty.proto', 'google/api/annotations.proto', 'google/api/http.proto', 'google/protobuf/descriptor.proto']) {
      assert.ok(files.has(name), `missing ${name}; got ${[...files.keys()].join(', ')}`);
    }
    const service = files.get('shop/catalog/v1/catalog_service.proto')!;
    assert.equal(service.package, 'shop.catalog.v1');
    assert.deepEqual(service.service.map((s) => s.name), ['CatalogService']);
    const methods = service.service[0]!.method.map((m) => m.name);
    for (const name of ['CreateProduct', 'DeleteProduct', 'GetProduct', 'ListProducts', 'UpdateProduct', 'CreateCategory', 'SelectPrices']) assert.ok(methods.includes(name), `missing ${name}`);
    for (const name of ['shop/catalog/v1/taxonomy.proto', 'shop/catalog/v1/product_type.proto', 'shop/catalog/v1/pricing.proto']) assert.ok(files.has(name), `missing import ${name}`);
    // Fully qualified type names, as buf wrote them (grpcurl cannot resolve relative ones).
    const price = service.messageType.find((m) => m.name === 'Product')!.field.find((f) => f.name === 'price')!;
    assert.equal(price.typeName, '.shop.common.v1.Money');
    const money = files.get('shop/common/v1/money.proto')!;
    assert.deepEqual(money.messageType.map((m) => m.name), ['Money']);
  });

  test('finds the file of a message, a method and a dot-prefixed name', async () => {
    for (const symbol of ['shop.catalog.v1.Product', 'grpc.health.v1.Health', 'shop.catalog.v1.CatalogService.GetProduct', '.shop.common.v1.Money']) {
      const files = decodeFiles(await ask(stream, { file_containing_symbol: symbol }));
      assert.ok(files.size > 0, symbol);
    }
    const money = decodeFiles(await ask(stream, { file_containing_symbol: 'shop.common.v1.Money' }));
    assert.deepEqual([...money.keys()], ['shop/common/v1/money.proto']);
  });

  test('file_by_filename answers with that file and its imports', async () => {
    const files = decodeFiles(await ask(stream, { file_by_filename: 'shop/catalog/v1/catalog_service.proto' }));
    assert.ok(files.has('shop/catalog/v1/catalog_service.proto'));
    assert.ok(files.has('shop/common/v1/money.proto'));
  });

  test('answers NOT_FOUND for an unknown symbol or file and keeps the stream open', async () => {
    const symbol = await ask(stream, { file_containing_symbol: 'shop.nope.v1.NopeService' });
    assert.equal(symbol.error_response?.error_code, 5);
    const file = await ask(stream, { file_by_filename: 'shop/nope.proto' });
    assert.equal(file.error_response?.error_code, 5);
    assert.ok((await ask(stream, { list_services: '' })).list_services_response);
  });

  // Everything list_services names must also be describable.
  test('describes every service that list_services advertises', async () => {
    decodeFiles(await ask(stream, { file_containing_symbol: 'grpc.reflection.v1.ServerReflection' }));
  });

  test('serves the v1alpha protocol too', async () => {
    const alpha = reflectionClient('v1alpha', address);
    const alphaStream = alpha.ServerReflectionInfo();
    try {
      const files = decodeFiles(await ask(alphaStream, { file_containing_symbol: 'shop.catalog.v1.CatalogService' }));
      assert.ok(files.has('shop/common/v1/money.proto'));
    } finally {
      const ended = once(alphaStream, 'status');
      alphaStream.end();
      await ended;
      alpha.close();
    }
  });
});
