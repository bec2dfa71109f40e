import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { DomainError } from '../src/errors.js';
import { RateLimiter } from '../src/rate-limit.js';
import { connectRedis } from '../src/redis.js';

// Against the Redis the harness started (SHOP_REDIS_URL); every test uses its own keys.
describe('RateLimiter on Redis', () => {
  let redis: Redis;
  let other: Redis;
  let limiter: RateLimiter;
  const key = (label: string) => `test:${label}-${randomUUID()}`;

  before(async () => {
    redis = await connectRedis(process.env['SHOP_REDIS_URL']!);
    other = await connectRedis(process.env['SHOP_REDIS_URL']!);
    limiter = new RateLimiter(redis);
  });
  after(() => {
    redis.disconnect();
    other.disconnect();
  });

  test('of 100 concurrent hits with limit 10, exactly 10 are allowed', async () => {
    const k = key('race');
    const results = await Promise.all(Array.from({ length: 100 }, () => limiter.hit(k, { limit: 10, windowMs: 60_000 })));
    const allowed = results.filter((r) => r.allowed);
    assert.equal(allowed.length, 10);
    assert.deepEqual(allowed.map((r) => r.remaining).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const refused of results.filter((r) => !r.allowed)) {
      assert.equal(refused.remaining, 0);
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 60_000, String(refused.retryAfterMs));
    }
  });

  test('processes sharing Redis share the limit (two connections racing)', async () => {
    const k = key('two-processes');
    const a = new RateLimiter(redis);
    const b = new RateLimiter(other);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).hit(k, { limit: 7, windowMs: 60_000 })));
    assert.equal(results.filter((r) => r.allowed).length, 7);
  });

  test('the window slides: a hit is allowed again once the oldest leaves the window', async () => {
    const k = key('slide');
    const rule = { limit: 2, windowMs: 400 };
    assert.equal((await limiter.hit(k, rule)).allowed, true);
    await sleep(200);
    assert.equal((await limiter.hit(k, rule)).allowed, true);
    const refused = await limiter.hit(k, rule);
    assert.equal(refused.allowed, false);
    // The first hit leaves the window about 200 ms from now, not at a fixed boundary.
    assert.ok(refused.retryAfterMs > 50 && refused.retryAfterMs <= 250, `retry after ${refused.retryAfterMs} ms`);
    await sleep(refused.retryAfterMs + 30);
    assert.equal((await limiter.hit(k, rule)).allowed, true, 'one slot freed');
    assert.equal((await limiter.hit(k, rule)).allowed, false, 'only one: the second hit is still in the window');
  });

  test('refused hits do not extend the lockout', async () => {
    const k = key('hammer');
    const rule = { limit: 1, windowMs: 300 };
    assert.equal((await limiter.hit(k, rule)).allowed, true);
    for (let i = 0; i < 5; i++) {
      assert.equal((await limiter.hit(k, rule)).allowed, false);
      await sleep(40);
    }
    await sleep(150);
    assert.equal((await limiter.hit(k, rule)).allowed, true, 'allowed one window after the allowed hit');
  });

  test('keys are independent, and reset forgets a key', async () => {
    const k1 = key('a');
    const k2 = key('b');
    const rule = { limit: 1, windowMs: 60_000 };
    assert.equal((await limiter.hit(k1, rule)).allowed, true);
    assert.equal((await limiter.hit(k2, rule)).allowed, true);
    assert.equal((await limiter.hit(k1, rule)).allowed, false);
    await limiter.reset(k1);
    assert.equal((await limiter.hit(k1, rule)).allowed, true);
  });

  test('enforce throws RESOURCE_EXHAUSTED RATE_LIMITED with retry_after_seconds', async () => {
    const k = key('enforce');
    const rule = { limit: 1, windowMs: 30_000 };
    await limiter.enforce(k, rule, 'login attempts');
    const err = await limiter.enforce(k, rule, 'login attempts').then(() => assert.fail('expected a refusal'), (e: unknown) => e);
    assert.ok(err instanceof DomainError);
    assert.equal(err.code, 'resource_exhausted');
    assert.equal(err.reason, 'RATE_LIMITED');
    assert.match(err.message, /too many login attempts/);
    const seconds = Number(err.metadata['retry_after_seconds']);
    assert.ok(seconds >= 29 && seconds <= 30, String(seconds));
  });

  test('keys naming a person are not readable in Redis, and expire', async () => {
    const email = `someone-${randomUUID()}@example.com`;
    await limiter.hit(`login:${email}`, { limit: 5, windowMs: 10_000 });
    const keys = await redis.keys('shop:rl:login:*');
    assert.ok(keys.length > 0);
    assert.ok(keys.every((k) => !k.includes(email) && !k.includes('@')));
    const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
    assert.ok(ttls.every((t) => t > 0), 'every limiter key has a TTL');
  });
});
