import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { RateLimiter, rateLimited } from './rate-limit.js';

describe('rateLimited', () => {
  test('rounds the wait up to whole seconds, at least one', () => {
    assert.equal(rateLimited({ retryAfterMs: 1 }).metadata['retry_after_seconds'], '1');
    assert.equal(rateLimited({ retryAfterMs: 1001 }).metadata['retry_after_seconds'], '2');
    assert.equal(rateLimited({ retryAfterMs: 0 }).metadata['retry_after_seconds'], '1');
  });

  test('is a 429 with a stable reason', () => {
    const err = rateLimited({ retryAfterMs: 5000 }, 'password resets');
    assert.equal(err.code, 'resource_exhausted');
    assert.equal(err.reason, 'RATE_LIMITED');
    assert.equal(err.message, 'too many password resets; try again in 5 s');
  });
});

describe('RateLimiter rules', () => {
  test('refuses a nonsensical rule before touching Redis', async () => {
    const limiter = new RateLimiter({} as Redis);
    await assert.rejects(limiter.hit('k', { limit: 0, windowMs: 1000 }), RangeError);
    await assert.rejects(limiter.hit('k', { limit: 5, windowMs: 0.5 }), RangeError);
  });
});
