import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../platform/src/config.js';
import { loadPaymentSettings } from './settings.js';

const secret = 'whsec_0123456789abcdef0123';

test('the sandbox provider is refused in production and needs its webhook secret', () => {
  assert.throws(() => loadPaymentSettings({ SHOP_ENV: 'production', SHOP_PAYMENT_TEST_PROVIDER: 'true', SHOP_PAYMENT_TEST_WEBHOOK_SECRET: secret }), (err: unknown) => err instanceof ConfigError && /never enabled in production/.test(err.message));
  assert.throws(() => loadPaymentSettings({ SHOP_PAYMENT_TEST_PROVIDER: 'true' }), /SHOP_PAYMENT_TEST_WEBHOOK_SECRET/);
  assert.equal(loadPaymentSettings({ SHOP_ENV: 'test', SHOP_PAYMENT_TEST_PROVIDER: 'true', SHOP_PAYMENT_TEST_WEBHOOK_SECRET: secret }).paymentTestProvider, 'true');
  assert.equal(loadPaymentSettings({ SHOP_ENV: 'production' }).paymentTestProvider, 'false');
});

test('provider credentials come in complete sets, and stand-ins never in production', () => {
  assert.throws(() => loadPaymentSettings({ SHOP_STRIPE_SECRET_KEY: 'sk_test_abc' }), /SHOP_STRIPE_WEBHOOK_SECRET/);
  assert.throws(() => loadPaymentSettings({ SHOP_STRIPE_SECRET_KEY: 'pk_test_abc', SHOP_STRIPE_WEBHOOK_SECRET: secret }), /SHOP_STRIPE_SECRET_KEY/);
  assert.throws(() => loadPaymentSettings({ SHOP_PAYPAL_CLIENT_ID: 'id' }), /set both or neither/);
  assert.throws(() => loadPaymentSettings({ SHOP_ENV: 'production', SHOP_PAYPAL_CLIENT_ID: 'id', SHOP_PAYPAL_CLIENT_SECRET: 's', SHOP_PAYPAL_API_URL: 'http://127.0.0.1:1' }), /SHOP_PAYPAL_API_URL/);
  assert.throws(() => loadPaymentSettings({ SHOP_ENV: 'production', SHOP_STRIPE_SECRET_KEY: 'sk_live_abc', SHOP_STRIPE_WEBHOOK_SECRET: secret, SHOP_STRIPE_API_URL: 'http://stripe-mock:12111' }), /live key/);
});

test('a bad setting names its variable and never echoes a secret', () => {
  try {
    loadPaymentSettings({ SHOP_STRIPE_SECRET_KEY: 'not-a-key-sk_live_SECRET', SHOP_STRIPE_WEBHOOK_SECRET: secret });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /SHOP_STRIPE_SECRET_KEY/);
    assert.doesNotMatch(err.message, /sk_live_SECRET/);
  }
});
