import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { api, errorReason, login, newCustomer, uniqueEmail, violatedFields } from '../../../tools/testing/edge.js';

describe('registration through the edge', () => {
  test('registers a customer with a normalised email and the customer role', async () => {
    const email = uniqueEmail('Reg');
    const res = await api('POST', '/v1/users', { json: { email: `  ${email.toUpperCase()} `, password: 'long-enough-pw', displayName: 'Ann' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.email, email.toLowerCase());
    assert.deepEqual(res.body.roles, ['customer']);
    assert.equal(res.body.emailVerified, false);
    assert.equal(res.body.password, undefined);
    assert.equal(res.body.passwordHash, undefined);
  });

  test('a taken email is 409 naming the email field', async () => {
    const email = uniqueEmail();
    assert.equal((await api('POST', '/v1/users', { json: { email, password: 'long-enough-pw', displayName: 'A' } })).status, 200);
    const again = await api('POST', '/v1/users', { json: { email: email.toUpperCase(), password: 'other-password', displayName: 'B' } });
    assert.equal(again.status, 409);
    assert.equal(errorReason(again.body), 'EMAIL_TAKEN');
    assert.deepEqual(violatedFields(again.body), ['email']);
  });

  test('bad input is 400 naming every bad field', async () => {
    const res = await api('POST', '/v1/users', { json: { email: 'not-an-email', password: 'short', displayName: '' } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['display_name', 'email', 'password']);
  });

  test('concurrent registrations with one email create exactly one account', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api('POST', '/v1/users', { json: { email, password: `password-number-${i}`, displayName: `Racer ${i}` } })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 409).length, 9, `statuses: ${statuses}`);
  });
});

describe('OAuth2 token endpoint', () => {
  test('password grant with a form body returns a bearer token pair, not cacheable', async () => {
    const customer = await newCustomer();
    const res = await api('POST', '/v1/oauth/token', { form: { grant_type: 'password', username: customer.email, password: customer.password } });
    assert.equal(res.status, 200);
    assert.equal(res.body.token_type, 'Bearer');
    assert.ok(res.body.expires_in > 0);
    assert.match(res.body.access_token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(res.body.refresh_token, /^[\w-]{40,}$/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('a JSON body is accepted too', async () => {
    const customer = await newCustomer();
    const res = await api('POST', '/v1/oauth/token', { json: { grant_type: 'password', username: customer.email, password: customer.password } });
    assert.equal(res.status, 200);
    assert.ok(res.body.access_token);
  });

  test('a wrong password is an RFC 6749 invalid_grant error', async () => {
    const customer = await newCustomer();
    const res = await api('POST', '/v1/oauth/token', { form: { grant_type: 'password', username: customer.email, password: 'wrong-password' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'invalid_grant', error_description: 'invalid username or password' });
  });

  test('an unknown account answers exactly like a wrong password', async () => {
    const res = await api('POST', '/v1/oauth/token', { form: { grant_type: 'password', username: uniqueEmail('nobody'), password: 'whatever-pw' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'invalid_grant', error_description: 'invalid username or password' });
  });

  test('missing and unsupported grant types are named', async () => {
    const missing = await api('POST', '/v1/oauth/token', { form: { username: 'x' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
    const unsupported = await api('POST', '/v1/oauth/token', { form: { grant_type: 'implicit' } });
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.error, 'unsupported_grant_type');
  });

  test('a refresh token rotates on use, and reusing the old one revokes the family', async () => {
    const customer = await newCustomer();
    const first = await login(customer.email, customer.password);
    const second = await api('POST', '/v1/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token } });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.refresh_token);

    const reuse = await api('POST', '/v1/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token } });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    // Theft detection: the token issued by the rotation is now revoked too.
    const afterReuse = await api('POST', '/v1/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: second.body.refresh_token } });
    assert.equal(afterReuse.status, 400);
    assert.equal(afterReuse.body.error, 'invalid_grant');
  });

  test('two concurrent uses of one refresh token: one wins', async () => {
    const customer = await newCustomer();
    const { refresh_token } = await login(customer.email, customer.password);
    const results = await Promise.all([1, 2, 3].map(() => api('POST', '/v1/oauth/token', { form: { grant_type: 'refresh_token', refresh_token } })));
    assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.status)));
  });
});

describe('the current user', () => {
  test('GET /v1/users/me returns the caller', async () => {
    const customer = await newCustomer();
    const res = await api('GET', '/v1/users/me', { token: customer.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, customer.id);
    assert.equal(res.body.email, customer.email);
  });

  test('without a token it is 401 with a JSON body', async () => {
    const res = await api('GET', '/v1/users/me');
    assert.equal(res.status, 401);
    assert.equal(typeof res.body.message, 'string');
  });

  test('a tampered token is 401', async () => {
    const customer = await newCustomer();
    const [h, p, s] = customer.token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.roles = ['admin'];
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    assert.equal((await api('GET', '/v1/users/me', { token: forged })).status, 401);
  });

  test('the JWKS is public and holds only public EC keys', async () => {
    const res = await api('GET', '/.well-known/jwks.json');
    assert.equal(res.status, 200);
    assert.ok(res.body.keys.length >= 1);
    for (const key of res.body.keys) {
      assert.equal(key.kty, 'EC');
      assert.ok(key.kid);
      assert.equal(key.d, undefined, 'private key material must never be published');
    }
  });
});
