import type { Redis } from 'ioredis';
import { Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';

/** Safety net: even an invalidation lost to a crash or a Redis error ages out this fast. */
export const PRODUCT_CACHE_TTL_SECONDS = 30;

const entryKey = (id: string) => `catalog:product:{${id}}`;
const versionKey = (id: string) => `catalog:product:{${id}}:v`;

// Stores a read only if no write invalidated the product since the reader started:
// the version it saw before reading MongoDB must still be the current one.
const FILL = `
local current = redis.call('GET', KEYS[2]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;
// A write bumps the version and drops every cached rendering, atomically.
const INVALIDATE = `
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 86400)
redis.call('DEL', KEYS[1])
return 1`;

/**
 * GetProduct's read cache: one Redis hash per product (fields = locale and visibility),
 * so one DEL invalidates every rendering. Readers note the product's version before
 * reading MongoDB and fill only if it is unchanged, and writers bump it after their
 * MongoDB write, so a read that raced a write can never put the old state back, in
 * this process or any other. What remains: a writer that dies (or loses Redis) between
 * its MongoDB write and the invalidation leaves the old state for at most the TTL.
 */
export class ProductCache {
  constructor(private readonly redis: Redis) {}

  async version(id: string): Promise<string> {
    return (await this.redis.get(versionKey(id))) ?? '';
  }

  async get(id: string, field: string): Promise<Product | null> {
    const hit = await this.redis.hgetBuffer(entryKey(id), field);
    return hit ? Product.decode(hit) : null;
  }

  async fill(id: string, field: string, version: string, product: Product): Promise<void> {
    const bytes = Buffer.from(Product.encode(product).finish());
    await this.redis.eval(FILL, 2, entryKey(id), versionKey(id), version, field, bytes, PRODUCT_CACHE_TTL_SECONDS);
  }

  async invalidate(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.redis.eval(INVALIDATE, 2, entryKey(id), versionKey(id))));
  }
}
