import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Client, Metadata, credentials, makeClientConstructor, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { CatalogServiceService, ListProductsRequest, Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { PUBLIC, TokenVerifier, requires } from '../auth.js';
import { permissionsOf } from '../permissions.js';
import { DomainError, readStatusDetails, toDomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import { pageSize } from '../paging.js';
import { createServiceClient, type ClientOptions, type ServiceClient } from './client.js';
import type { CallContext } from './context.js';
import { GrpcHost, type ServiceRegistration } from './server.js';

// --- identity: a real ES256 key pair behind an in-memory JWKS ---------------------

const ISSUER = 'http://identity.test';
const AUDIENCE = 'shopmesh';
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };

function accessToken(sub: string, roles: string[]): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
    .setJti(`${sub}-token`)
    .setSubject(sub).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m')
    .sign(privateKey);
}

const adminToken = await accessToken('admin-1', ['admin']);
const customerToken = await accessToken('customer-1', ['customer']);

// --- a logger that remembers what the kit logged ------------------------------------

interface LogEntry {
  level: string;
  msg: string;
  meta: Record<string, unknown>;
}

function memoryLogger(entries: LogEntry[], bound: object = {}): Logger {
  const write = (level: string) => (msg: string, meta: object = {}) => entries.push({ level, msg, meta: { ...bound, ...meta } });
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'), child: (meta) => memoryLogger(entries, { ...bound, ...meta }) };
}

// --- the catalog under test ----------------------------------------------------------
// Handlers act on a "script" in the id or sku: "missing", "crash", "flaky:<n>" (fails
// with UNAVAILABLE on the first call for that key), "down" (always UNAVAILABLE),
// "slow:<ms>", "whoami" (echoes request id, caller and deadline as name, description, sku)
// and "whereami" (echoes client IP and user agent as name and description).

/** Calls seen per method and script, e.g. "getProduct flaky:1". */
const seen = new Map<string, number>();
const count = (key: string) => seen.get(key) ?? 0;
/** Resolves the next time a slow handler starts. */
let slowStarted: () => void = () => {};

function product(id: string, name = 'Mug', description = ''): Product {
  return Product.fromPartial({ id, name, description, sku: 'MUG-1', price: { currencyCode: 'EUR', amountMinor: 1299 } });
}

async function act(method: string, script: string, ctx: CallContext): Promise<Product> {
  const key = `${method} ${script}`;
  const n = count(key) + 1;
  seen.set(key, n);
  if (script === 'missing') throw new DomainError('not_found', 'PRODUCT_NOT_FOUND', `no product ${script}`, { id: script });
  if (script === 'crash') throw new Error('mongo at 10.0.0.7 refused user=shop password=hunter2');
  if (script === 'down') throw new DomainError('unavailable', 'STORE_UNAVAILABLE', 'store is down');
  if (script.startsWith('flaky:') && n === 1) throw new DomainError('unavailable', 'STORE_UNAVAILABLE', 'store blinked');
  if (script.startsWith('slow:')) {
    slowStarted();
    // Unreferenced: a handler still sleeping after its caller gave up must not hold the test process open.
    await sleep(Number(script.slice('slow:'.length)), undefined, { ref: false });
  }
  if (script === 'whereami') return product('whereami', ctx.clientIp, ctx.userAgent);
  if (script === 'whoami') return { ...product('whoami', ctx.requestId, ctx.caller?.userId ?? ''), sku: String(ctx.deadline?.getTime() ?? '') };
  return product(script);
}

const write = requires('catalog.products.write');
/** The five product methods of the catalog are enough of a fixture for the host. */
type ProductMethods = 'getProduct' | 'listProducts' | 'createProduct' | 'updateProduct' | 'deleteProduct';
const productService: Pick<typeof CatalogServiceService, ProductMethods> = {
  getProduct: CatalogServiceService.getProduct,
  listProducts: CatalogServiceService.listProducts,
  createProduct: CatalogServiceService.createProduct,
  updateProduct: CatalogServiceService.updateProduct,
  deleteProduct: CatalogServiceService.deleteProduct,
};
const catalog: ServiceRegistration<typeof productService> = {
  definition: productService,
  handlers: {
    getProduct: (req, ctx) => act('getProduct', req.id, ctx),
    listProducts: async (req) => ({ products: [product('p1')].slice(0, pageSize(req.pageSize)), nextPageToken: '' }),
    createProduct: (req, ctx) => act('createProduct', req.product?.sku ?? '', ctx),
    updateProduct: (req, ctx) => act('updateProduct', req.product?.id ?? '', ctx),
    deleteProduct: async (req, ctx) => {
      await act('deleteProduct', req.id, ctx);
      return {};
    },
  },
  access: { getProduct: PUBLIC, listProducts: PUBLIC, createProduct: write, updateProduct: write, deleteProduct: write },
};

interface Running {
  host: GrpcHost;
  address: string;
  logs: LogEntry[];
}

async function startHost(): Promise<Running> {
  const logs: LogEntry[] = [];
  const verifier = new TokenVerifier(async () => ({ keys: [jwk] }), ISSUER, AUDIENCE);
  const host = new GrpcHost({ logger: memoryLogger(logs), verifier }).add(catalog);
  const port = await host.listen('127.0.0.1', 0);
  return { host, address: `127.0.0.1:${port}`, logs };
}

const clients: Array<{ close(): void }> = [];

/** A fresh client (so each test has its own circuit breaker), closed after the suite. */
function catalogClient(address: string, options: Partial<ClientOptions<typeof productService>> = {}): ServiceClient<typeof productService> {
  const client = createServiceClient(productService, { name: 'catalog', address, timeoutMs: 2_000, idempotent: ['getProduct', 'listProducts'], ...options });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

async function grpcFailure(promise: Promise<unknown>): Promise<ServiceError> {
  const err = await failure(promise);
  assert.ok(err instanceof Error && typeof (err as ServiceError).code === 'number', `expected a gRPC ServiceError, got ${String(err)}`);
  return err as ServiceError;
}

function callContext(requestId: string, token?: string): CallContext {
  return {
    method: '/shop.cart.v1.CartService/GetCart',
    requestId,
    metadata: new Metadata(),
    deadline: undefined,
    clientIp: '127.0.0.1',
    userAgent: '',
    caller: token ? { kind: 'user', userId: 'caller', roles: [], scopes: [], permissions: permissionsOf([], []), tokenId: 't', mfa: false, token } : null,
    logger: memoryLogger([]),
  };
}

describe('GrpcHost with createServiceClient', () => {
  let running: Running;
  let client: ServiceClient<typeof productService>;

  before(async () => {
    running = await startHost();
    client = catalogClient(running.address);
  });

  after(async () => {
    for (const c of clients.splice(0)) c.close();
    await running.host.shutdown(500);
  });

  describe('access rules', () => {
    test('a public method works without a token', async () => {
      const res = await client.getProduct({ id: 'p1', locale: '' });
      assert.equal(res.id, 'p1');
      assert.deepEqual(res.price, { currencyCode: 'EUR', amountMinor: 1299 });
    });

    test('a staff method without a token fails UNAUTHENTICATED', async () => {
      const err = await grpcFailure(client.updateProduct({ product: product('p1'), updateMask: undefined }));
      assert.equal(err.code, GrpcStatus.UNAUTHENTICATED);
      assert.equal(readStatusDetails(err).errorInfo?.reason, 'TOKEN_REQUIRED');
      assert.equal(count('updateProduct p1'), 0, 'the handler never ran');
    });

    test('a staff method with a customer token fails PERMISSION_DENIED naming the permission', async () => {
      const err = await grpcFailure(client.updateProduct({ product: product('p1'), updateMask: undefined }, { token: customerToken }));
      assert.equal(err.code, GrpcStatus.PERMISSION_DENIED);
      assert.equal(readStatusDetails(err).errorInfo?.reason, 'PERMISSION_REQUIRED');
      assert.deepEqual(readStatusDetails(err).errorInfo?.metadata, { permission: 'catalog.products.write' });
      assert.equal(count('updateProduct p1'), 0);
    });

    test('permission is checked before the handler can say not found', async () => {
      const err = await grpcFailure(client.deleteProduct({ id: 'missing', etag: '' }, { token: customerToken }));
      assert.equal(err.code, GrpcStatus.PERMISSION_DENIED);
      assert.equal(count('deleteProduct missing'), 0);
    });

    test('a staff method with an admin token succeeds', async () => {
      const res = await client.updateProduct({ product: product('p7'), updateMask: undefined }, { token: adminToken });
      assert.equal(res.id, 'p7');
      assert.equal(count('updateProduct p7'), 1);
    });

    test('a host refuses a registration with a method that has no valid rule', () => {
      const logs: LogEntry[] = [];
      const host = new GrpcHost({ logger: memoryLogger(logs), verifier: null });
      const access = { ...catalog.access, deleteProduct: undefined } as unknown as typeof catalog.access;
      assert.throws(() => host.add({ ...catalog, access }), /no valid access rule for \/shop\.catalog\.v1\.CatalogService\/DeleteProduct/);
      const typo = { ...catalog.access, deleteProduct: { anyRole: ['admin'] } } as unknown as typeof catalog.access;
      assert.throws(() => host.add({ ...catalog, access: typo }), /DeleteProduct/);
    });

    test('an invalid token is rejected even on a public method', async () => {
      const err = await grpcFailure(client.getProduct({ id: 'p1', locale: '' }, { token: `${adminToken.slice(0, -4)}AAAA` }));
      assert.equal(err.code, GrpcStatus.UNAUTHENTICATED);
      assert.equal(readStatusDetails(err).errorInfo?.reason, 'INVALID_TOKEN');
    });
  });

  describe('errors', () => {
    test('a DomainError arrives with its code, message and ErrorInfo', async () => {
      const err = await grpcFailure(client.getProduct({ id: 'missing', locale: '' }));
      assert.equal(err.code, GrpcStatus.NOT_FOUND);
      assert.equal(err.details, 'no product missing');
      const { errorInfo } = readStatusDetails(err);
      assert.equal(errorInfo?.reason, 'PRODUCT_NOT_FOUND');
      assert.equal(errorInfo?.domain, 'shopmesh');
      assert.deepEqual(errorInfo?.metadata, { id: 'missing' });
    });

    test('field violations arrive as google.rpc.BadRequest', async () => {
      const err = await grpcFailure(client.listProducts(ListProductsRequest.fromPartial({ pageSize: -1 })));
      assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT);
      assert.deepEqual(readStatusDetails(err).badRequest?.fieldViolations.map((v) => v.field), ['page_size']);
    });

    test('a plain Error arrives as INTERNAL "internal error" and its cause is only logged', async () => {
      const err = await grpcFailure(client.getProduct({ id: 'crash', locale: '' }));
      assert.equal(err.code, GrpcStatus.INTERNAL);
      assert.equal(err.details, 'internal error');
      assert.doesNotMatch(JSON.stringify(readStatusDetails(err)), /hunter2|10\.0\.0\.7/);
      const logged = running.logs.find((e) => e.level === 'error' && e.meta['method'] === CatalogServiceService.getProduct.path);
      assert.ok(logged, 'the failure is logged');
      assert.match(String((logged.meta['err'] as Error).message), /refused/);
    });

    test('every call is logged once with its request id, method, code and duration', async () => {
      await client.getProduct({ id: 'logged-once', locale: '' }, { ctx: callContext('req-logged-once') });
      await failure(client.getProduct({ id: 'missing', locale: '' }, { ctx: callContext('req-logged-missing') }));
      const linesOf = (requestId: string) => running.logs.filter((e) => e.msg === 'rpc' && e.meta['request_id'] === requestId);
      const [ok] = linesOf('req-logged-once');
      assert.equal(linesOf('req-logged-once').length, 1);
      assert.equal(ok?.meta['method'], CatalogServiceService.getProduct.path);
      assert.equal(ok?.meta['code'], 'OK');
      assert.equal(typeof ok?.meta['duration_ms'], 'number');
      assert.deepEqual(linesOf('req-logged-missing').map((e) => e.meta['code']), ['NOT_FOUND']);
    });
  });

  describe('request context', () => {
    test('the handler sees the request id and caller of the calling context', async () => {
      const res = await client.getProduct({ id: 'whoami', locale: '' }, { ctx: callContext('req-abc-123', adminToken) });
      assert.equal(res.name, 'req-abc-123');
      assert.equal(res.description, 'admin-1', 'the caller token travelled and was verified');
    });

    test('the handler sees the deadline the client set', async () => {
      const before = Date.now();
      const res = await client.getProduct({ id: 'whoami', locale: '' }, { timeoutMs: 1_000 });
      const deadline = Number(res.sku);
      assert.ok(deadline > before && deadline <= Date.now() + 1_000, `deadline ${res.sku} not within the 1 s timeout`);
    });

    test('a direct call sees the peer address as the client IP, and the user agent', async () => {
      const res = await client.getProduct({ id: 'whereami', locale: '' });
      assert.equal(res.name, '127.0.0.1');
      assert.match(res.description, /grpc-node-js/);
    });

    test('a call without a context gets a fresh request id', async () => {
      const [a, b] = await Promise.all([client.getProduct({ id: 'whoami', locale: '' }), client.getProduct({ id: 'whoami', locale: '' })]);
      assert.match(a.name, /^[0-9a-f-]{36}$/);
      assert.notEqual(a.name, b.name);
      assert.equal(a.description, '');
    });
  });

  describe('client policies', () => {
    test('an idempotent method is retried once after UNAVAILABLE', async () => {
      const res = await client.getProduct({ id: 'flaky:1', locale: '' });
      assert.equal(res.id, 'flaky:1');
      assert.equal(count('getProduct flaky:1'), 2);
    });

    test('a non-idempotent method is not retried', async () => {
      const err = await grpcFailure(client.createProduct({ product: { ...product(''), sku: 'flaky:2' } }, { token: adminToken }));
      assert.equal(err.code, GrpcStatus.UNAVAILABLE);
      assert.equal(count('createProduct flaky:2'), 1);
    });

    // "Retry once": cockatiel's maxAttempts counts retries, so it must be 1.
    test('an idempotent method that stays UNAVAILABLE is tried twice in all', async () => {
      const fresh = catalogClient(running.address);
      const err = await grpcFailure(fresh.getProduct({ id: 'down', locale: '' }));
      assert.equal(err.code, GrpcStatus.UNAVAILABLE);
      assert.equal(count('getProduct down'), 2);
    });

    test('the circuit opens after 5 consecutive UNAVAILABLE failures and then fails fast', async () => {
      const fresh = catalogClient(running.address);
      const create = () => fresh.createProduct({ product: { ...product(''), sku: 'down' } }, { token: adminToken });
      for (let i = 0; i < 5; i++) assert.equal((await grpcFailure(create())).code, GrpcStatus.UNAVAILABLE);
      assert.equal(count('createProduct down'), 5);

      const err = await failure(create());
      assert.ok(err instanceof DomainError, `expected a DomainError, got ${String(err)}`);
      assert.equal(err.code, 'unavailable');
      assert.equal(err.reason, 'DOWNSTREAM_UNAVAILABLE');
      assert.deepEqual(err.metadata, { downstream: 'catalog' });
      assert.equal(count('createProduct down'), 5, 'the open circuit did not reach the server');
    });

    test('a failure that is the caller\'s fault does not open the circuit', async () => {
      const fresh = catalogClient(running.address);
      for (let i = 0; i < 6; i++) assert.equal((await grpcFailure(fresh.getProduct({ id: 'missing', locale: '' }))).code, GrpcStatus.NOT_FOUND);
      assert.equal((await fresh.getProduct({ id: 'p1', locale: '' })).id, 'p1');
    });

    test('a call exceeding its timeoutMs fails with deadline exceeded', async () => {
      const started = Date.now();
      const err = await failure(client.createProduct({ product: { ...product(''), sku: 'slow:1000' } }, { token: adminToken, timeoutMs: 50 }));
      // Either grpc-js's deadline or cockatiel's timeout may fire first; both mean 504.
      assert.equal(toDomainError(err).code, 'deadline_exceeded', String(err));
      assert.ok(Date.now() - started < 700, 'did not wait for the slow handler');
    });

    test('a call made for a caller never outlives the caller\'s deadline', async () => {
      const ctx = { ...callContext('req-deadline'), deadline: new Date(Date.now() + 50) };
      const started = Date.now();
      const err = await failure(client.createProduct({ product: { ...product(''), sku: 'slow:1001' } }, { ctx, token: adminToken }));
      assert.equal(toDomainError(err).code, 'deadline_exceeded', String(err));
      assert.ok(Date.now() - started < 700);
    });

    // A retry is only made while the caller still waits.
    test('an idempotent call made for a caller is not retried past the caller\'s deadline', async () => {
      const ctx = { ...callContext('req-deadline-retry'), deadline: new Date(Date.now() + 50) };
      const started = Date.now();
      const err = await failure(client.getProduct({ id: 'slow:1002', locale: '' }, { ctx }));
      assert.equal(toDomainError(err).code, 'deadline_exceeded', String(err));
      assert.ok(Date.now() - started < 600, `took ${Date.now() - started} ms`);
      assert.equal(count('getProduct slow:1002'), 1);
    });
  });

  describe('health', () => {
    type Check = (req: { service: string }, cb: (err: ServiceError | null, res?: { status: string }) => void) => void;
    let health: Client & { Check: Check };

    before(() => {
      const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');
      health = new HealthClient(running.address, credentials.createInsecure()) as unknown as Client & { Check: Check };
    });
    after(() => health.close());

    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) => health.Check({ service }, (err, res) => (err ? reject(err) : resolve(res!))));

    test('reports SERVING for the server and each service after listen', async () => {
      assert.equal((await check('')).status, 'SERVING');
      assert.equal((await check('shop.catalog.v1.CatalogService')).status, 'SERVING');
    });

    test('answers NOT_FOUND for a service it does not host', async () => {
      await assert.rejects(check('shop.nope.v1.NopeService'), (err: ServiceError) => err.code === GrpcStatus.NOT_FOUND);
    });
  });
});

describe('GrpcHost.shutdown', () => {
  test('lets an in-flight call finish, then refuses new calls', async () => {
    const { host, address } = await startHost();
    const client = catalogClient(address);
    try {
      const started = new Promise<void>((resolve) => (slowStarted = resolve));
      const inFlight = client.createProduct({ product: { ...product(''), sku: 'slow:100' } }, { token: adminToken });
      await started;
      await host.shutdown(5_000);
      assert.equal((await inFlight).id, 'slow:100');
      const err = await grpcFailure(client.createProduct({ product: product('') }, { token: adminToken, timeoutMs: 500 }));
      assert.equal(err.code, GrpcStatus.UNAVAILABLE);
    } finally {
      client.close();
      await host.shutdown(0);
    }
  });

  test('cuts calls still running when the grace period ends', async () => {
    const { host, address } = await startHost();
    const client = catalogClient(address);
    try {
      const started = new Promise<void>((resolve) => (slowStarted = resolve));
      const inFlight = failure(client.createProduct({ product: { ...product(''), sku: 'slow:1000' } }, { token: adminToken }));
      await started;
      const t0 = Date.now();
      await host.shutdown(50);
      assert.ok(Date.now() - t0 < 700, 'shutdown did not wait for the slow call');
      const err = (await inFlight) as ServiceError;
      assert.ok([GrpcStatus.CANCELLED, GrpcStatus.UNAVAILABLE, GrpcStatus.INTERNAL].includes(err.code), `got ${String(err)}`);
    } finally {
      client.close();
    }
  });
});
