import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { loadConfig } from '../../../platform/src/config.js';
import { assertTokenSettings, tokenSettingsShape } from './token-settings.js';

const load = (env: Record<string, string>) => loadConfig(z.object(tokenSettingsShape), env);

test('defaults: 5 failures lock for 1 min up to 1 h; keys rotate every 30 days, sign 5 min after publication', () => {
  const s = load({});
  assert.deepEqual([s.lockoutThreshold, s.lockoutBaseSeconds, s.lockoutMaxSeconds], [5, 60, 3600]);
  assert.deepEqual([s.loginRatePerIp, s.loginRatePerAccount], [30, 10]);
  assert.equal(s.signingKeyRotationDays, 30);
  // Longer than Envoy's default JWKS cache (120 s) and one failed refetch.
  assert.ok(s.signingKeyPublishDelaySeconds > 120 + 3);
  assertTokenSettings(s);
});

test('a key must be known to every process before it signs', () => {
  assert.throws(() => assertTokenSettings(load({ SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS: '30', SHOP_SIGNING_KEY_REFRESH_SECONDS: '30' })), /SHOP_SIGNING_KEY_REFRESH_SECONDS/);
  // Below the services' JWKS refetch pause the schema refuses it.
  assert.throws(() => load({ SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS: '5' }), /SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS/);
});
