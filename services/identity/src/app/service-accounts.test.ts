import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { Violations } from '../../../platform/src/errors.js';
import { domainErrorOf } from '../../../../tools/testing/domain.js';
import { clientCredentialsOf, configuredServiceAccountsSchema, grantedScopes, secretMatches, validateScopes } from './service-accounts.js';

const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;

describe('clientCredentialsOf', () => {
  test('reads HTTP Basic, form-decoding both parts (RFC 6749 section 2.3.1)', () => {
    assert.deepEqual(clientCredentialsOf(basic('svc-1:s3cr%3At+x'), {}), { clientId: 'svc-1', clientSecret: 's3cr:t x' });
  });

  test('reads client_id and client_secret from the body', () => {
    assert.deepEqual(clientCredentialsOf(undefined, { client_id: 'a', client_secret: 'b' }), { clientId: 'a', clientSecret: 'b' });
  });

  test('null without credentials; a Bearer header is not client authentication', () => {
    assert.equal(clientCredentialsOf(undefined, {}), null);
    assert.equal(clientCredentialsOf('Bearer eyJ.x.y', {}), null);
  });

  test('two methods at once is invalid_request; malformed Basic is invalid_client', () => {
    assert.equal(domainErrorOf(() => clientCredentialsOf(basic('a:b'), { client_id: 'a' })).reason, 'invalid_request');
    assert.equal(domainErrorOf(() => clientCredentialsOf(basic('no-colon'), {})).reason, 'invalid_client');
    assert.equal(domainErrorOf(() => clientCredentialsOf('Basic', {})).reason, 'invalid_client');
    assert.equal(domainErrorOf(() => clientCredentialsOf(basic('%E0%A4%A:b'), {})).reason, 'invalid_client');
  });
});

describe('grantedScopes', () => {
  const account = { scopes: ['users.read', 'tokens.introspect'] };
  test('everything granted when no scope is asked for', () => {
    assert.deepEqual(grantedScopes(account, undefined), ['users.read', 'tokens.introspect']);
    assert.deepEqual(grantedScopes(account, ''), ['users.read', 'tokens.introspect']);
  });
  test('a requested subset, de-duplicated', () => {
    assert.deepEqual(grantedScopes(account, 'users.read users.read'), ['users.read']);
  });
  test('a scope not granted is invalid_scope', () => {
    assert.equal(domainErrorOf(() => grantedScopes(account, 'users.read keys.rotate')).reason, 'invalid_scope');
  });
});

describe('client secrets', () => {
  test('match against their SHA-256 only', () => {
    const stored = createHash('sha256').update('the-secret').digest('base64url');
    assert.equal(secretMatches('the-secret', stored), true);
    assert.equal(secretMatches('the-secreT', stored), false);
    assert.equal(secretMatches('', stored), false);
  });
});

describe('validateScopes', () => {
  test('only known permissions, at least one', () => {
    const v = new Violations();
    assert.deepEqual(validateScopes(['users.read', 'users.read'], v), ['users.read']);
    assert.equal(v.empty, true);
    const bad = new Violations();
    validateScopes(['root'], bad);
    validateScopes([], bad, 'other');
    assert.equal(domainErrorOf(() => bad.throwIfAny()).fieldViolations.length, 2);
  });
});

describe('SHOP_SERVICE_ACCOUNTS', () => {
  test('a JSON array of accounts with long secrets and known permissions', () => {
    const parsed = configuredServiceAccountsSchema.parse(JSON.stringify([{ clientId: 'order-service', clientSecret: 'x'.repeat(32), scopes: ['users.read'] }]));
    assert.equal(parsed[0]!.clientId, 'order-service');
    assert.equal(configuredServiceAccountsSchema.safeParse('not json').success, false);
    assert.equal(configuredServiceAccountsSchema.safeParse(JSON.stringify([{ clientId: 'order-service', clientSecret: 'short', scopes: ['users.read'] }])).success, false);
    assert.equal(configuredServiceAccountsSchema.safeParse(JSON.stringify([{ clientId: 'order-service', clientSecret: 'x'.repeat(32), scopes: ['everything'] }])).success, false);
  });
});
