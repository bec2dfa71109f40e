import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { domainErrorOf } from '../../../../tools/testing/domain.js';
import { openidConfiguration, parseOAuthBody } from './tokens.js';

const body = (contentType: string, text: string) => ({ contentType, data: Buffer.from(text), extensions: [] });

describe('openidConfiguration', () => {
  test('every endpoint hangs off the issuer, with or without a trailing slash', () => {
    for (const issuer of ['https://shop.example', 'https://shop.example/']) {
      const d = openidConfiguration(issuer);
      assert.equal(d['issuer'], issuer);
      assert.equal(d['jwks_uri'], 'https://shop.example/.well-known/jwks.json');
      assert.equal(d['token_endpoint'], 'https://shop.example/v1/oauth/token');
      assert.equal(d['revocation_endpoint'], 'https://shop.example/v1/oauth/revoke');
      assert.equal(d['introspection_endpoint'], 'https://shop.example/v1/oauth/introspect');
    }
  });
});

describe('parseOAuthBody', () => {
  test('form-encoded (RFC 6749) and JSON', () => {
    assert.deepEqual(parseOAuthBody(body('application/x-www-form-urlencoded; charset=utf-8', 'grant_type=password&username=a%40b.c')), { grant_type: 'password', username: 'a@b.c' });
    assert.deepEqual(parseOAuthBody(body('application/json', '{"token":"t","n":1}')), { token: 't' });
  });
  test('anything else is invalid_request', () => {
    assert.equal(domainErrorOf(() => parseOAuthBody(body('text/plain', 'x'))).reason, 'invalid_request');
    assert.equal(domainErrorOf(() => parseOAuthBody(body('application/json', '[1]'))).reason, 'invalid_request');
    assert.equal(domainErrorOf(() => parseOAuthBody(body('application/json', '{'))).reason, 'invalid_request');
  });
});
