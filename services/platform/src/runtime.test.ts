import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from './config.js';
import { runServices } from './runtime.js';

// Nothing listens on these URLs: a start that got as far as connecting would hang or fail differently.
const unreachable = { SHOP_MONGO_URL: 'mongodb://127.0.0.1:1', SHOP_NATS_URL: 'nats://127.0.0.1:1', SHOP_REDIS_URL: 'redis://127.0.0.1:1' };

describe('runServices start-up checks', () => {
  test('a production process without field keys refuses to start, before connecting anything', async () => {
    const started = Date.now();
    await assert.rejects(runServices([], { ...unreachable, SHOP_ENV: 'production' }), (err: unknown) => err instanceof ConfigError && /SHOP_FIELD_KEYS/.test(err.message));
    assert.ok(Date.now() - started < 1_000);
  });

  test('malformed field keys stop any process, without echoing the key', async () => {
    const key = 'c2hvcnQta2V5LW1hdGVyaWFs';
    await assert.rejects(runServices([], { ...unreachable, SHOP_ENV: 'development', SHOP_FIELD_KEYS: `k1:${key}`, SHOP_FIELD_KEY_ID: 'k1' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(!err.message.includes(key), err.message);
      return /must be 32 bytes/.test(err.message);
    });
  });
});
