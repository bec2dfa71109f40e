import { randomBytes } from 'node:crypto';
import { Client, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import mongoose, { type Connection } from 'mongoose';
import { IdentityServiceService } from '../../../gen/shop/identity/v1/identity_service.js';

/**
 * Test access behind the edge: identity's raw database (what someone with a copy of
 * it would see) and direct gRPC calls that name a client IP the way Envoy does.
 */

let connection: Promise<Connection> | null = null;

/** Identity's own database on the test stack's MongoDB-wire server, read raw (no schemas). */
export async function identityDb(): Promise<Connection> {
  connection ??= mongoose
    .createConnection(process.env['SHOP_MONGO_URL']!, { serverSelectionTimeoutMS: 5_000 })
    .asPromise()
    .then((c) => c.useDb('shop_identity', { useCache: true }));
  return connection;
}

/** Closes the raw connection (call in an `after` hook). */
export async function closeIdentityDb(): Promise<void> {
  if (connection) await (await connection).close();
  connection = null;
}

/** One raw document from a collection of identity's database. */
export async function rawDoc(collection: string, filter: Record<string, unknown>): Promise<Record<string, any> | null> {
  return (await identityDb()).collection(collection).findOne(filter as never) as Promise<Record<string, any> | null>;
}

type Definition = typeof IdentityServiceService;

/**
 * Calls identity over gRPC directly, as if Envoy had forwarded a request from
 * `clientIp` (x-envoy-external-address): how tests reach per-IP limits from
 * addresses other than the loopback the edge sees for every test.
 */
export async function callIdentityFrom<K extends keyof Definition>(
  clientIp: string,
  method: K,
  request: Parameters<Definition[K]['requestSerialize']>[0],
): Promise<{ ok: true; response: ReturnType<Definition[K]['responseDeserialize']> } | { ok: false; code: number; details: string }> {
  const port = JSON.parse(process.env['SHOP_TEST_PORTS']!).services.identity as number;
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const def = IdentityServiceService[method];
  const metadata = new Metadata();
  metadata.set('x-envoy-external-address', clientIp);
  try {
    return await new Promise((resolve) => {
      client.makeUnaryRequest(
        def.path,
        (value: never) => def.requestSerialize(value),
        (bytes: Buffer) => def.responseDeserialize(bytes),
        request as never,
        metadata,
        { deadline: Date.now() + 10_000 },
        (err: ServiceError | null, response?: unknown) =>
          resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, response: response as ReturnType<Definition[K]['responseDeserialize']> }),
      );
    });
  } finally {
    client.close();
  }
}

/** A random address in the IPv6 documentation range (RFC 3849), so each test has its own per-IP counters. */
export const randomClientIp = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;
