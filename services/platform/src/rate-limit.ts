import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DomainError } from './errors.js';

/** How many hits a key may make within a window. */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

/** The outcome of one hit. */
export interface RateLimitResult {
  allowed: boolean;
  /** Hits still allowed in the current window after this one. */
  remaining: number;
  /** When refused: how long until the oldest counted hit leaves the window; 0 when allowed. */
  retryAfterMs: number;
}

/**
 * A sliding-window log: one sorted set per key holding the time of each allowed hit.
 * The whole check-and-record runs as one Lua script, so concurrent hits from any
 * number of processes are serialised by Redis and exactly `limit` of them pass.
 * Time comes from the Redis server (TIME), not from each caller's clock, so skewed
 * hosts cannot widen the window. Refused hits are not recorded: a client that keeps
 * hammering gets exactly `limit` attempts per window, no more and no fewer.
 */
const SLIDING_WINDOW = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1 then retry = 1 end
return {0, 0, retry}
`;

/**
 * Per-key rate limits in Redis, shared by every process of every service: per IP and
 * per account on login, registration, password reset and token refresh.
 *
 * Why a sliding log rather than a fixed window: a fixed window lets a client spend
 * its limit at the end of one window and again at the start of the next, doubling
 * the guesses an attacker gets against one account. The log costs one sorted-set
 * entry per allowed hit, which is small for the limits abuse protection uses (tens
 * per window); it is not meant for limits in the thousands.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    /** Namespace for the keys, so limits of different deployments sharing Redis do not mix. */
    private readonly prefix = 'shop:rl:',
  ) {}

  /** Counts one hit against `key` and says whether it is allowed. */
  async hit(key: string, rule: RateLimitRule): Promise<RateLimitResult> {
    assertRule(rule);
    // A unique member per hit: two hits in the same millisecond are two entries.
    const member = `${Date.now()}-${randomBytes(6).toString('base64url')}`;
    const [allowed, remaining, retryAfterMs] = (await this.redis.eval(SLIDING_WINDOW, 1, this.redisKey(key), rule.limit, rule.windowMs, member)) as [number, number, number];
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  /**
   * Counts one hit and throws RESOURCE_EXHAUSTED (HTTP 429) with `retry_after_seconds`
   * when the limit is reached. `what` names the limited action in the message.
   */
  async enforce(key: string, rule: RateLimitRule, what = 'requests'): Promise<RateLimitResult> {
    const result = await this.hit(key, rule);
    if (!result.allowed) throw rateLimited(result, what);
    return result;
  }

  /** Forgets every hit of a key, e.g. the failed-login counter after a successful login. */
  async reset(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key));
  }

  /**
   * Keys often contain an email or an IP address; Redis (its keyspace, MONITOR,
   * SLOWLOG) is not where personal data should be readable, so the key is hashed.
   * The first segment stays readable so operators can tell limits apart.
   */
  private redisKey(key: string): string {
    const dot = key.indexOf(':');
    const scope = dot > 0 ? key.slice(0, dot) : 'key';
    return `${this.prefix}${scope}:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
  }
}

/** The error a refused hit becomes: 429 for JSON clients, RESOURCE_EXHAUSTED for gRPC. */
export function rateLimited(result: Pick<RateLimitResult, 'retryAfterMs'>, what = 'requests'): DomainError {
  const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
  return new DomainError('resource_exhausted', 'RATE_LIMITED', `too many ${what}; try again in ${seconds} s`, { retry_after_seconds: String(seconds) });
}

function assertRule(rule: RateLimitRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 1) throw new RangeError(`rate limit must be a whole number >= 1, got ${rule.limit}`);
  if (!Number.isInteger(rule.windowMs) || rule.windowMs < 1) throw new RangeError(`rate limit window must be a whole number of ms >= 1, got ${rule.windowMs}`);
}
