import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../platform/src/config.js';
import { domainErrorOf } from '../../../../tools/testing/domain.js';
import { signWebhook } from '../domain/webhook-signature.js';
import { CarrierRegistry } from './registry.js';

const secret = 's'.repeat(40);
const env = (carriers: unknown) => ({ SHOP_SHIPPING_CARRIERS: JSON.stringify(carriers) });

describe('carrier registry', () => {
  test('manual always; webhook carriers from config', () => {
    assert.deepEqual(CarrierRegistry.fromEnv({}).codes, ['manual']);
    assert.deepEqual(CarrierRegistry.fromEnv(env([{ code: 'webhook', secrets: [secret] }])).codes, ['manual', 'webhook']);
  });

  test('bad settings stop the start, naming the variable and never the secret', () => {
    for (const bad of [[{ code: 'webhook', secrets: ['short'] }], [{ code: 'manual', secrets: [secret] }], [{ code: 'Bad Code', secrets: [secret] }], [{ code: 'x1', secrets: [secret], trackingPattern: '(' }]]) {
      assert.throws(() => CarrierRegistry.fromEnv(env(bad)), (err: unknown) => err instanceof ConfigError && /SHOP_SHIPPING_CARRIERS/.test(err.message) && !err.message.includes('short'));
    }
    assert.throws(() => CarrierRegistry.fromEnv({ SHOP_SHIPPING_CARRIERS: 'not json' }), ConfigError);
  });

  test('a webhook carrier never shows its secrets', () => {
    const carrier = CarrierRegistry.fromEnv(env([{ code: 'webhook', secrets: [secret] }])).get('webhook');
    assert.ok(!JSON.stringify(carrier).includes(secret));
    assert.ok(!inspect(carrier, { depth: 5 }).includes(secret));
  });

  test('unknown or pull-only carriers answer a webhook like a bad signature', () => {
    const registry = CarrierRegistry.fromEnv(env([{ code: 'webhook', secrets: [secret] }]));
    assert.equal(domainErrorOf(() => registry.webhookCarrier('nope')).code, 'unauthenticated');
    assert.equal(domainErrorOf(() => registry.webhookCarrier('manual')).code, 'unauthenticated');
    assert.deepEqual(domainErrorOf(() => registry.get('pigeon', 'carrier')).fieldViolations.map((v) => v.field), ['carrier']);
  });

  test('a signed delivery parses; one signed with another secret does not', () => {
    const carrier = CarrierRegistry.fromEnv(env([{ code: 'webhook', secrets: [secret] }])).webhookCarrier('webhook');
    const body = Buffer.from(JSON.stringify({ events: [{ eventId: 'e1', trackingNumber: 'wh 123', status: 'in_transit', occurredAt: '2026-01-01T10:00:00Z' }] }));
    const now = new Date();
    const header = (sig: string) => (name: string) => (name === 'x-shop-signature' ? sig : undefined);
    const updates = carrier.parseWebhook(body, header(signWebhook(secret, body, Math.floor(now.getTime() / 1000))), now);
    assert.deepEqual(updates.map((u) => [u.eventId, u.trackingNumber, u.occurTime.toISOString()]), [['e1', 'WH123', '2026-01-01T10:00:00.000Z']]);
    assert.equal(domainErrorOf(() => carrier.parseWebhook(body, header(signWebhook('x'.repeat(40), body, Math.floor(now.getTime() / 1000))), now)).reason, 'INVALID_WEBHOOK_SIGNATURE');
  });
});
