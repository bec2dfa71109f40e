// The data-layer ceilings: how fast mongoose alone finds a product-shaped document
// by _id (lean) and inserts one, against the MongoDB-wire server, with a fixed
// number of operations in flight. Run as its own process so it can be pinned to
// the load generator's cores:
//
//   node --import tsx tools/bench/ceilings/mongoose-load.ts '<MongooseLoadOptions as JSON>'
//
// prints one line `MONGOOSEJSON {"find": LoadResult, "insert": LoadResult}`.
import { performance } from 'node:perf_hooks';
import mongoose, { Schema } from 'mongoose';
import type { LoadResult } from '../load-result.js';
import { cpuMsPer } from './cpu-time.js';
import { summarizeLatencies } from './latency.js';

export interface MongooseLoadOptions {
  mongoUrl: string;
  /** Scratch database, dropped at the end. */
  dbName: string;
  /** Operations in flight (and pool connections). */
  connections: number;
  durationS: number;
  /** Each operation first runs this long unmeasured (JIT, pool, server caches). */
  warmUpS: number;
  /** Documents the find phase reads from. */
  seedDocs: number;
}

export interface MongooseCeilings {
  find: LoadResult;
  insert: LoadResult;
  /** This process's CPU ms per operation: what mongoose and the driver cost a service per query. */
  cpuMsPerOp: { find: number; insert: number };
}

export const MONGOOSE_RESULT_PREFIX = 'MONGOOSEJSON ';

/** A catalog product in miniature: a few strings, a price, categories, three variants. */
interface BenchProduct {
  name: string;
  description: string;
  status: number;
  slug: string;
  price: { currencyCode: string; amountMinor: number };
  categoryIds: string[];
  variants: Array<{ sku: string; barcode: string; price: { currencyCode: string; amountMinor: number }; weightGrams: number; trackStock: boolean }>;
}

const money = { currencyCode: String, amountMinor: Number };
// Shaped like services/catalog/src/infra/models.ts, without its secondary indexes:
// the ceiling is the store's and mongoose's cost, not the catalog's index upkeep.
const productSchema = new Schema<BenchProduct>(
  {
    name: { type: String, required: true },
    description: String,
    status: Number,
    slug: String,
    price: money,
    categoryIds: [String],
    variants: [new Schema({ sku: String, barcode: String, price: money, weightGrams: Number, trackStock: Boolean }, { _id: false })],
  },
  { timestamps: true, versionKey: false },
);

/** The n-th product: about 600 bytes of BSON, every one with its own SKUs and slug. */
export function benchProduct(n: number): BenchProduct {
  return {
    name: `Classic insulated steel water bottle ${n}`,
    description: 'A double-walled steel bottle that keeps drinks cold for a day and hot for twelve hours. Leak-proof lid, powder-coated finish.',
    status: 1,
    slug: `classic-insulated-steel-water-bottle-${n}`,
    price: { currencyCode: 'EUR', amountMinor: 2499 },
    categoryIds: ['kitchen', 'outdoor', 'drinkware'],
    variants: ['500', '750', '1000'].map((ml, i) => ({
      sku: `BOTTLE-${n}-${ml}`,
      barcode: String(4006381333931 + n * 3 + i),
      price: { currencyCode: 'EUR', amountMinor: 1999 + i * 500 },
      weightGrams: 300 + i * 90,
      trackStock: true,
    })),
  };
}

/** Runs `op` from `inFlight` workers until `seconds` pass, timing every call. */
async function timedLoop(inFlight: number, seconds: number, op: () => Promise<unknown>): Promise<LoadResult> {
  const samples: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await op();
        samples.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  const elapsedS = (performance.now() - started) / 1000;
  const requests = samples.length + errors;
  return {
    tool: 'mongoose',
    connections: inFlight,
    durationS: Math.round(elapsedS * 1000) / 1000,
    requests,
    requestsPerSecond: Math.round((requests / elapsedS) * 10) / 10,
    latencyMs: summarizeLatencies(samples),
    errors,
  };
}

async function measuredWithCpu(run: () => Promise<LoadResult>): Promise<{ result: LoadResult; cpuMsPerOp: number }> {
  const before = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(before);
  return { result, cpuMsPerOp: cpuMsPer(result.requests, (used.user + used.system) / 1000) };
}

/** Seeds, warms up, measures find then insert, and drops the scratch database. */
export async function measureMongoose(o: MongooseLoadOptions): Promise<MongooseCeilings> {
  const connection = mongoose.createConnection(o.mongoUrl, {
    dbName: o.dbName,
    appName: 'bench-ceiling',
    maxPoolSize: Math.max(o.connections, 1),
    serverSelectionTimeoutMS: 10_000,
    autoIndex: false,
  });
  await connection.asPromise();
  try {
    const products = connection.model<BenchProduct>('Product', productSchema, 'products');
    // Inserts go to their own collection: the find phase's collection stays at seedDocs.
    const inserted = connection.model<BenchProduct>('InsertedProduct', productSchema, 'inserted_products');
    await connection.dropDatabase();
    const ids: unknown[] = [];
    for (let n = 0; n < o.seedDocs; n += 1000) {
      const batch = Array.from({ length: Math.min(1000, o.seedDocs - n) }, (_, i) => benchProduct(n + i));
      for (const doc of await products.insertMany(batch)) ids.push(doc._id);
    }
    const findOne = () => products.findById(ids[Math.floor(Math.random() * ids.length)]).lean().orFail();
    let next = o.seedDocs;
    const insertOne = () => inserted.create(benchProduct(next++));

    await timedLoop(o.connections, o.warmUpS, findOne);
    const find = await measuredWithCpu(() => timedLoop(o.connections, o.durationS, findOne));
    await timedLoop(o.connections, o.warmUpS, insertOne);
    const insert = await measuredWithCpu(() => timedLoop(o.connections, o.durationS, insertOne));
    return { find: find.result, insert: insert.result, cpuMsPerOp: { find: find.cpuMsPerOp, insert: insert.cpuMsPerOp } };
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

if (process.argv[1] === import.meta.filename) {
  const result = await measureMongoose(JSON.parse(process.argv[2] ?? '') as MongooseLoadOptions);
  process.stdout.write(`${MONGOOSE_RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
