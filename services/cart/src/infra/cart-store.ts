import type { Redis } from 'ioredis';
import type { CartDoc } from '../domain/cart.js';

/**
 * Carts in Redis, one JSON value per cart under `cart:<id>`, expiring after a
 * period of inactivity (every write renews it). A customer's open cart per
 * currency is found through `cart:customer:<id>:<currency>`.
 *
 * Writes are compare-and-set on the cart's revision, in one Lua script, so two
 * tabs changing one cart at once never lose a change: the loser re-reads and
 * applies its change again. The same script files the cart in the activity set
 * (`carts:activity`, by last change) while it could be abandoned (open, with an email
 * and lines), and takes it off otherwise.
 */

// KEYS[1] cart key, KEYS[2] activity set; ARGV: expected revision, new JSON, ttl
// seconds, the cart's activity score ('' = not abandonable: off the set), cart id.
// Returns 1 written, 0 revision moved on, -1 gone (expired). One round trip per write.
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if cjson.decode(current).revision ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) else redis.call('ZREM', KEYS[2], ARGV[5]) end
return 1`;

// KEYS[1] customer pointer; ARGV: new cart id, the stale id it may replace ('' for none), ttl.
// Returns the id the pointer names afterwards.
const CLAIM_POINTER = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[2] then return current end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[3]))
return ARGV[1]`;

// KEYS[1] activity set; ARGV: highest score (ms), how many. Removes and returns the
// carts idle since then, so each is claimed by exactly one sweeper.
const CLAIM_IDLE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZREM', KEYS[1], id) end
return ids`;

const ACTIVITY_KEY = 'carts:activity';

export type WriteOutcome = 'written' | 'conflict' | 'gone';

export class CartStore {
  constructor(
    private readonly redis: Redis,
    /** Inactivity after which a cart is gone (what every write sets). */
    readonly ttlSeconds: number,
  ) {
    redis.defineCommand('cartCompareAndSet', { numberOfKeys: 2, lua: COMPARE_AND_SET });
    redis.defineCommand('cartClaimPointer', { numberOfKeys: 1, lua: CLAIM_POINTER });
    redis.defineCommand('cartClaimIdle', { numberOfKeys: 1, lua: CLAIM_IDLE });
  }

  private key = (id: string) => `cart:${id}`;
  private customerKey = (customerId: string, currency: string) => `cart:customer:${customerId}:${currency}`;

  async get(id: string): Promise<CartDoc | null> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as CartDoc) : null;
  }

  /** Stores a new cart; false if the id is taken (never, with random ids, but never overwrite). */
  async create(cart: CartDoc): Promise<boolean> {
    return (await this.redis.set(this.key(cart.id), JSON.stringify(cart), 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }

  /** Writes `next` if the stored cart is still at `expectedRevision`, and files it by activity (recordActivity). */
  async replace(next: CartDoc, expectedRevision: number): Promise<WriteOutcome> {
    const run = (this.redis as unknown as { cartCompareAndSet(key: string, activity: string, rev: number, json: string, ttl: number, score: string, id: string): Promise<number> }).cartCompareAndSet;
    const score = abandonable(next) ? String(Date.parse(next.updatedAt)) : '';
    const result = await run.call(this.redis, this.key(next.id), ACTIVITY_KEY, expectedRevision, JSON.stringify(next), this.ttlSeconds, score, next.id);
    return result === 1 ? 'written' : result === 0 ? 'conflict' : 'gone';
  }

  /** The customer's open cart id in a currency, if any. */
  async customerCartId(customerId: string, currency: string): Promise<string | null> {
    return this.redis.get(this.customerKey(customerId, currency));
  }

  /**
   * Points the customer at a new cart unless another one got there first (two tabs
   * creating a cart at once end up sharing one); `replacing` is the id of a closed
   * or expired cart the pointer may still name. Returns the customer's cart id now.
   */
  async claimCustomerCart(customerId: string, currency: string, cartId: string, replacing: string | null): Promise<string> {
    const run = (this.redis as unknown as { cartClaimPointer(key: string, id: string, stale: string, ttl: number): Promise<string> }).cartClaimPointer;
    return run.call(this.redis, this.customerKey(customerId, currency), cartId, replacing ?? '', this.ttlSeconds);
  }

  /** Keeps the customer's pointer alive as long as the cart, or drops it when the cart closes. */
  async touchCustomerCart(customerId: string, currency: string, cartId: string, open: boolean): Promise<void> {
    const key = this.customerKey(customerId, currency);
    if (open) {
      await this.redis.set(key, cartId, 'EX', this.ttlSeconds);
      return;
    }
    // Only drop the pointer if it still names this cart.
    const current = await this.redis.get(key);
    if (current === cartId) await this.redis.del(key);
  }

  /** Seconds until the cart expires. */
  async ttl(id: string): Promise<number> {
    return this.redis.ttl(this.key(id));
  }

  /** Claims (removes and returns) up to `limit` carts last changed at or before `idleSinceMs`. */
  async claimIdle(idleSinceMs: number, limit: number): Promise<string[]> {
    const run = (this.redis as unknown as { cartClaimIdle(key: string, max: number, limit: number): Promise<string[]> }).cartClaimIdle;
    return run.call(this.redis, ACTIVITY_KEY, idleSinceMs, limit);
  }

  /** Puts a claimed cart back (its event could not be published), to be tried again. */
  async unclaim(cartId: string, lastActivityMs: number): Promise<void> {
    await this.redis.zadd(ACTIVITY_KEY, 'NX', lastActivityMs, cartId);
  }
}

/** Open, with an email and lines: a cart the abandoned-cart sweeper watches. */
function abandonable(cart: CartDoc): boolean {
  return cart.state === 'open' && !!cart.email && cart.lines.length > 0;
}
