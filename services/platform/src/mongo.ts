import mongoose, { type Connection } from 'mongoose';

/**
 * Opens one connection pool to the MongoDB server; each service then takes its own
 * database from it with `serviceDatabase`, so nobody reads another service's data.
 * Only single-document atomic operations are used (mongo-java-server and MongoDB
 * both honour them), never multi-document transactions or change streams.
 */
export async function connectMongo(url: string, appName: string): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    appName,
    serverSelectionTimeoutMS: 10_000,
    maxPoolSize: 50,
    autoIndex: false, // indexes are built once at start by ensureIndexes, before serving
    autoCreate: true,
  });
  await connection.asPromise();
  return connection;
}

/** The service's own database on the shared pool: `<prefix><service>`. */
export function serviceDatabase(connection: Connection, prefix: string, service: string): Connection {
  return connection.useDb(`${prefix}${service}`, { useCache: true });
}

/** Builds every model's declared indexes before the service takes traffic. */
export async function ensureIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) await model.createIndexes();
}

/** MongoDB's duplicate-key error (a unique index refused the write). */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}

/** A binary field of a `.lean()` document (BSON Binary, not a Buffer) as bytes. */
export function leanBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v && typeof v === 'object' && 'buffer' in v) {
    const bin = v as { buffer: unknown; position?: number };
    if (bin.buffer instanceof Uint8Array) return bin.buffer.subarray(0, bin.position ?? bin.buffer.length);
  }
  throw new TypeError('not a binary value');
}
