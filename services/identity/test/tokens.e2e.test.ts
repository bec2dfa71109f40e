import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { Client, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import mongoose, { type Connection } from 'mongoose';
import { AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { CatalogServiceService, ListProductsRequest } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { IdentityServiceService } from '../../../gen/shop/identity/v1/identity_service.js';
import { fieldAad, fieldCipherFromSettings } from '../../platform/src/crypto/field-cipher.js';
import { readStatusDetails } from '../../platform/src/errors.js';
import { admin, api, edgeUrl, login, newCustomer, uniqueEmail } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';

/**
 * The OAuth2 endpoints through the real edge (and, where it proves something,
 * straight to the services over gRPC): grants, revocation, introspection,
 * discovery, signing key rotation, lockout and rate limits.
 */

const PASSWORD = 'customer-password-1';
const ISSUER = edgeUrl();

// ---------------------------------------------------------------- helpers

let db: Promise<Connection> | null = null;
/** Identity's database on the test stack, raw (what an operator could change by hand). */
function identityDb(): Promise<Connection> {
  db ??= mongoose.createConnection(process.env['SHOP_MONGO_URL']!, { serverSelectionTimeoutMS: 5_000 }).asPromise().then((c) => c.useDb('shop_identity', { useCache: true }));
  return db;
}
after(async () => {
  if (db) await (await db).close();
});

const setUser = async (id: string, fields: Record<string, unknown>) => (await identityDb()).collection('users').updateOne({ _id: id } as never, { $set: fields });

type AnyDefinition = Record<string, { path: string; requestSerialize(v: never): Buffer; responseDeserialize(b: Buffer): unknown }>;

/** One gRPC call straight to a service (no edge), optionally as a client IP the edge would name. */
async function grpc(address: string, definition: AnyDefinition, method: string, request: unknown, headers: Record<string, string> = {}): Promise<{ ok: true; response: any } | { ok: false; err: ServiceError }> {
  const client = new Client(address, credentials.createInsecure());
  const def = definition[method]!;
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  try {
    return await new Promise((resolve) => {
      client.makeUnaryRequest(def.path, (v: never) => def.requestSerialize(v), (b: Buffer) => def.responseDeserialize(b), request as never, metadata, { deadline: Date.now() + 10_000 }, (err: ServiceError | null, response?: unknown) =>
        resolve(err ? { ok: false, err } : { ok: true, response }),
      );
    });
  } finally {
    client.close();
  }
}
const identity = (method: string, request: unknown, headers?: Record<string, string>) => grpc(process.env['SHOP_IDENTITY_ADDR']!, IdentityServiceService as unknown as AnyDefinition, method, request, headers);
const catalog = (method: string, request: unknown, headers?: Record<string, string>) => grpc(process.env['SHOP_CATALOG_ADDR']!, CatalogServiceService as unknown as AnyDefinition, method, request, headers);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const form = (fields: Record<string, string>, headers?: Record<string, string>) => ({ form: fields, ...(headers ? { headers } : {}) });
const token = (fields: Record<string, string>, headers?: Record<string, string>) => api('POST', '/v1/oauth/token', form(fields, headers));
const passwordGrant = (username: string, password: string) => token({ grant_type: 'password', username, password });
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });

/** A fresh customer account (registered, not logged in). */
async function registered(label = 'tok'): Promise<{ id: string; email: string }> {
  const email = uniqueEmail(label);
  const res = await api('POST', '/v1/users', { json: { email, password: PASSWORD, displayName: 'Token Test' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { id: res.body.id, email };
}

/** Audit events of `action` about `targetId` on the SHOP_AUDIT stream. */
const auditEvents = (action: string, targetId: string, waitMs = 5_000) =>
  eventsMatching('SHOP_AUDIT', `shop.audit.${action}`, (d) => AuditEvent.decode(d), (e) => e.targetId === targetId, waitMs);

/**
 * Identity's private signing key, read from its database and decrypted with the run's
 * field key (the test runner hands it to the tests): what an attacker holding both
 * the database and the key ring could do. Only such a key makes a forged token fail
 * for the one claim it gets wrong.
 */
async function identitySigningKey(kid: string): Promise<CryptoKey> {
  const doc = await (await identityDb()).collection('signing_keys').findOne({ _id: kid } as never);
  assert.ok(typeof doc?.['privateKeyEnc'] === 'string', `no encrypted private key for ${kid}`);
  const cipher = fieldCipherFromSettings({ env: 'test', fieldKeys: process.env['SHOP_FIELD_KEYS'], fieldKeyId: process.env['SHOP_FIELD_KEY_ID'] });
  const jwk = JSON.parse(cipher.decrypt(doc['privateKeyEnc'], fieldAad('signing_keys', kid, 'private_key'))) as JWK;
  return (await importJWK(jwk, 'ES256')) as CryptoKey;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` passes or `ms` elapse. */
async function eventually<T>(ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------- JWT attacks

describe('forged access tokens are refused by the edge and by every service', () => {
  /** A real customer token and the claims of it, the base of every forgery. */
  async function genuine() {
    const customer = await newCustomer();
    const header = decodeProtectedHeader(customer.token);
    return { customer, kid: header.kid!, claims: decodeJwt(customer.token) };
  }

  /** Signs `claims` with identity's own current key: only iss/aud/exp make it wrong. */
  async function signedByIdentity(kid: string, claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(await identitySigningKey(kid));
  }

  async function assertRefusedEverywhere(forged: string, what: string, edgeStatus = 401) {
    const me = await api('GET', '/v1/users/me', { token: forged });
    assert.equal(me.status, edgeStatus, `edge, required-token route, ${what}: ${JSON.stringify(me.body)}`);
    const products = await api('GET', '/v1/products?pageSize=1', { token: forged });
    assert.equal(products.status, edgeStatus, `edge, optional-token route, ${what}`);
    const direct = await identity('getCurrentUser', {}, bearer(forged));
    assert.ok(!direct.ok && direct.err.code === status.UNAUTHENTICATED, `identity over gRPC, ${what}`);
    const catalogDirect = await catalog('listProducts', ListProductsRequest.fromPartial({ pageSize: 1 }), bearer(forged));
    assert.ok(!catalogDirect.ok && catalogDirect.err.code === status.UNAUTHENTICATED, `catalog over gRPC, ${what}`);
  }

  test('the genuine token passes everywhere (the control)', async () => {
    const { customer, kid, claims } = await genuine();
    assert.equal((await api('GET', '/v1/users/me', { token: customer.token })).status, 200);
    assert.ok((await identity('getCurrentUser', {}, bearer(customer.token))).ok);
    assert.ok((await catalog('listProducts', ListProductsRequest.fromPartial({ pageSize: 1 }), bearer(customer.token))).ok);
    // A re-signed copy with identical claims passes too: the forgeries below fail for their one change only.
    const copy = await signedByIdentity(kid, claims);
    assert.equal((await api('GET', '/v1/users/me', { token: copy })).status, 200);
    assert.ok((await identity('getCurrentUser', {}, bearer(copy))).ok);
  });

  test('alg "none"', async () => {
    const { claims } = await genuine();
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    await assertRefusedEverywhere(unsigned, 'alg none');
  });

  test('HS256 signed with the published public key as the HMAC secret', async () => {
    const { kid, claims } = await genuine();
    const jwk = (await api('GET', '/.well-known/jwks.json')).body.keys.find((k: JWK) => k.kid === kid);
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    const head = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid, typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    await assertRefusedEverywhere(`${head}.${createHmac('sha256', pem).update(head).digest('base64url')}`, 'HS256 with the public key');
  });

  test('wrong issuer, wrong audience, expired', async () => {
    const { kid, claims } = await genuine();
    await assertRefusedEverywhere(await signedByIdentity(kid, { ...claims, iss: 'https://evil.example' }), 'wrong issuer');
    // Envoy's jwt_authn answers a token for another audience with 403 (JwtAudienceNotAllowed).
    await assertRefusedEverywhere(await signedByIdentity(kid, { ...claims, aud: 'another-api' }), 'wrong audience', 403);
    const past = Math.floor(Date.now() / 1000) - 3600;
    await assertRefusedEverywhere(await signedByIdentity(kid, { ...claims, iat: past - 900, exp: past }), 'expired');
  });

  test('a tampered payload (customer made admin)', async () => {
    const { customer } = await genuine();
    const [h, p, s] = customer.token.split('.');
    const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['admin'] };
    await assertRefusedEverywhere([h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.'), 'tampered payload');
  });

  test('a key nobody published (unknown kid)', async () => {
    const { claims } = await genuine();
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: `made-up-${randomUUID()}`, typ: 'at+jwt' }).sign(privateKey);
    await assertRefusedEverywhere(forged, 'unknown kid');
  });
});

// ---------------------------------------------------------------- password grant

describe('password grant', () => {
  test('access tokens say how and in which session the person signed in', async () => {
    const { id, email } = await registered();
    const res = await passwordGrant(email, PASSWORD);
    assert.equal(res.status, 200);
    assert.equal(res.body.mfa_enrollment_required, undefined);
    const header = decodeProtectedHeader(res.body.access_token);
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, 'ES256');
    const claims = decodeJwt(res.body.access_token);
    assert.equal(claims.sub, id);
    assert.equal(claims.iss, ISSUER);
    assert.deepEqual(claims['amr'], ['pwd']);
    assert.equal(claims['kind'], 'user');
    assert.match(String(claims['sid']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(claims['roles'], ['customer']);

    // The refresh grant keeps the session and how it began.
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token });
    assert.equal(refreshed.status, 200);
    const after = decodeJwt(refreshed.body.access_token);
    assert.equal(after['sid'], claims['sid']);
    assert.deepEqual(after['amr'], ['pwd']);
    assert.equal(after['auth_time'], claims['auth_time']);
  });

  test('a disabled or erased account answers exactly like a wrong password', async () => {
    const { id, email } = await registered();
    const wrong = await passwordGrant(email, 'not-the-password');
    for (const state of ['disabled', 'deleted']) {
      await setUser(id, { state });
      const res = await passwordGrant(email, PASSWORD);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, wrong.body, state);
    }
  });

  test('repeated failures lock the account for a growing period; the lock looks like a wrong password; it ends by itself', async () => {
    const { id, email } = await registered('lock');
    const unknown = await passwordGrant(uniqueEmail('nobody'), PASSWORD);
    for (let i = 0; i < 5; i++) {
      const res = await passwordGrant(email, `wrong-password-${i}`);
      assert.deepEqual([res.status, res.body], [unknown.status, unknown.body], `failure ${i + 1}`);
    }
    // Locked: even the right password gets the answer an unknown email gets.
    const whileLocked = await passwordGrant(email, PASSWORD);
    assert.deepEqual([whileLocked.status, whileLocked.body], [unknown.status, unknown.body]);
    const events = await auditEvents('auth.login_failure_burst', id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.details['lockout_number'], '1');

    // SHOP_LOCKOUT_BASE_SECONDS=2 in the test stack.
    await sleep(2_300);
    assert.equal((await passwordGrant(email, PASSWORD)).status, 200, 'unlocked after the period');
    // The success cleared the count and the escalation.
    const user = await (await identityDb()).collection('users').findOne({ _id: id } as never);
    assert.deepEqual([user?.['failedLogins'], user?.['lockouts'], user?.['lockedUntil']], [0, 0, null]);
  });

  test('each lockout lasts longer than the one before', async () => {
    const { id, email } = await registered('escalate');
    const lockedFor = async () => {
      for (let i = 0; i < 5; i++) await passwordGrant(email, `wrong-password-${i}`);
      const user = await (await identityDb()).collection('users').findOne({ _id: id } as never);
      return (user?.['lockedUntil'] as Date).getTime() - Date.now();
    };
    const first = await lockedFor();
    assert.ok(first > 0 && first <= 2_000, `first lockout ${first} ms`);
    await sleep(first + 200);
    const second = await lockedFor();
    assert.ok(second > 2_000 && second <= 4_000, `second lockout ${second} ms`);
  });

  test('concurrent failures lock exactly once', async () => {
    const { id, email } = await registered('race');
    await Promise.all(Array.from({ length: 8 }, (_, i) => passwordGrant(email, `wrong-password-${i}`)));
    const user = await (await identityDb()).collection('users').findOne({ _id: id } as never);
    assert.equal(user?.['lockouts'], 1);
    assert.ok(user?.['lockedUntil'] > new Date());
    const events = await auditEvents('auth.login_failure_burst', id);
    assert.equal(events.length, 1);
  });

  test('more than 10 attempts a minute on one account: 429 with the OAuth error body and Retry-After', async () => {
    const { email } = await registered('rate');
    for (let i = 0; i < 10; i++) assert.equal((await passwordGrant(email, PASSWORD)).status, 200, `attempt ${i + 1}`);
    const limited = await passwordGrant(email, PASSWORD);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'temporarily_unavailable');
    assert.match(limited.body.error_description, /try again in \d+ s/);
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(limited.headers.get('cache-control'), 'no-store');
    // Unknown emails are limited the same way, so the limit is no account oracle either.
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 10; i++) await passwordGrant(ghost, PASSWORD);
    assert.equal((await passwordGrant(ghost, PASSWORD)).status, 429);
  });
});

// ---------------------------------------------------------------- refresh grant

describe('refresh grant', () => {
  test('a disabled account cannot refresh, not even after it is enabled again', async () => {
    const { id, email } = await registered();
    const session = await login(email, PASSWORD);
    await setUser(id, { state: 'disabled' });
    const refused = await token({ grant_type: 'refresh_token', refresh_token: session.refresh_token });
    assert.deepEqual([refused.status, refused.body.error], [400, 'invalid_grant']);
    await setUser(id, { state: 'active' });
    const stillRefused = await token({ grant_type: 'refresh_token', refresh_token: session.refresh_token });
    assert.equal(stillRefused.status, 400, 'the session ended when the refresh was refused');
  });

  test('sessions older than the account\'s sessionsValidAfter cannot refresh', async () => {
    const { id, email } = await registered();
    const session = await login(email, PASSWORD);
    await setUser(id, { sessionsValidAfter: new Date(Date.now() + 1000) });
    const refused = await token({ grant_type: 'refresh_token', refresh_token: session.refresh_token });
    assert.deepEqual([refused.status, refused.body.error], [400, 'invalid_grant']);
  });

  test('reuse of a rotated token is audited once', async () => {
    const { id, email } = await registered();
    const first = await login(email, PASSWORD);
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })).status, 200);
    await Promise.all([1, 2, 3].map(() => token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })));
    const events = await auditEvents('auth.refresh_reuse', id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.details['session_id'], decodeJwt(first.access_token)['sid']);
  });

  test('refresh grants from one client address are rate limited (direct gRPC naming the address as the edge does)', async () => {
    const ip = `2001:db8:${randomUUID().slice(0, 4)}::7`;
    const call = () => identity('createToken', { contentType: 'application/x-www-form-urlencoded', data: Buffer.from(`grant_type=refresh_token&refresh_token=${randomUUID()}`), extensions: [] }, { 'x-envoy-external-address': ip });
    // SHOP_REFRESH_RATE_PER_IP=100 in the test stack.
    for (let i = 0; i < 100; i++) {
      const res = await call();
      assert.ok(!res.ok && res.err.code === status.INVALID_ARGUMENT, `attempt ${i + 1} is an invalid_grant`);
    }
    const limited = await call();
    assert.ok(!limited.ok && limited.err.code === status.RESOURCE_EXHAUSTED);
    const info = readStatusDetails(limited.err).errorInfo;
    assert.deepEqual([info?.domain, info?.reason], ['oauth2', 'temporarily_unavailable']);
    // Another address is not affected.
    const other = await identity('createToken', { contentType: 'application/x-www-form-urlencoded', data: Buffer.from('grant_type=refresh_token&refresh_token=x'), extensions: [] }, { 'x-envoy-external-address': '2001:db8::99' });
    assert.ok(!other.ok && other.err.code === status.INVALID_ARGUMENT);
  });
});

// ---------------------------------------------------------------- client credentials

describe('client_credentials (service accounts)', () => {
  let account: Promise<{ clientId: string; clientSecret: string }> | null = null;
  function serviceAccount() {
    account ??= (async () => {
      const res = await api('POST', '/v1/service-accounts', { token: await admin(), json: { name: 'reporting job', scopes: ['tokens.introspect', 'users.read'] } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.match(res.body.clientId, /^svc-[0-9a-f]{24}$/);
      assert.match(res.body.clientSecret, /^[\w-]{43}$/);
      assert.deepEqual(res.body.scopes, ['tokens.introspect', 'users.read']);
      return res.body;
    })();
    return account;
  }

  test('HTTP Basic credentials get a scoped token without a refresh token', async () => {
    const { clientId, clientSecret } = await serviceAccount();
    const res = await token({ grant_type: 'client_credentials' }, basic(clientId, clientSecret));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.scope, 'tokens.introspect users.read');
    assert.equal(res.body.refresh_token, undefined);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const claims = decodeJwt(res.body.access_token);
    assert.deepEqual([claims.sub, claims['client_id'], claims['kind'], claims['scope']], [clientId, clientId, 'service', 'tokens.introspect users.read']);
    assert.equal(claims['roles'], undefined);
  });

  test('credentials in the body work too, and scope narrows the grant', async () => {
    const { clientId, clientSecret } = await serviceAccount();
    const res = await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'users.read' });
    assert.equal(res.status, 200);
    assert.equal(res.body.scope, 'users.read');
    const beyond = await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'users.read keys.rotate' });
    assert.deepEqual([beyond.status, beyond.body.error], [400, 'invalid_scope']);
    const both = await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }, basic(clientId, clientSecret));
    assert.deepEqual([both.status, both.body.error], [400, 'invalid_request']);
  });

  test('a wrong secret or an unknown client is 401 invalid_client with WWW-Authenticate', async () => {
    const { clientId } = await serviceAccount();
    for (const headers of [basic(clientId, 'wrong-secret'), basic('svc-unknown', 'whatever')]) {
      const res = await token({ grant_type: 'client_credentials' }, headers);
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'invalid_client');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
    }
    const none = await token({ grant_type: 'client_credentials' });
    assert.deepEqual([none.status, none.body.error], [401, 'invalid_client']);
  });

  test('a service token acts with its scopes only', async () => {
    const { clientId, clientSecret } = await serviceAccount();
    const service = (await token({ grant_type: 'client_credentials' }, basic(clientId, clientSecret))).body.access_token;
    const customer = await newCustomer();
    const introspected = await api('POST', '/v1/oauth/introspect', { token: service, form: { token: customer.token } });
    assert.equal(introspected.status, 200);
    assert.equal(introspected.body.active, true);
    // No "own" account: SELF methods refuse service accounts; permissions it lacks are 403.
    assert.equal((await api('GET', '/v1/users/me', { token: service })).status, 403);
    assert.equal((await api('POST', '/v1/signing-keys:rotate', { token: service, json: {} })).status, 403);
  });

  test('only users.manage creates service accounts, and only with permissions the creator holds', async () => {
    const customer = await newCustomer();
    assert.equal((await api('POST', '/v1/service-accounts', { token: customer.token, json: { name: 'x', scopes: ['users.read'] } })).status, 403);
    const unknown = await api('POST', '/v1/service-accounts', { token: await admin(), json: { name: 'x', scopes: ['everything'] } });
    assert.equal(unknown.status, 400);
  });
});

// ---------------------------------------------------------------- revocation and introspection

describe('revocation (RFC 7009)', () => {
  test('revoking the refresh token logs out: the session can no longer refresh', async () => {
    const { email } = await registered();
    const session = await login(email, PASSWORD);
    const res = await api('POST', '/v1/oauth/revoke', form({ token: session.refresh_token, token_type_hint: 'refresh_token' }));
    assert.equal(res.status, 200);
    assert.equal(res.body, null, 'empty body');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: session.refresh_token });
    assert.deepEqual([refresh.status, refresh.body.error], [400, 'invalid_grant']);
    // Introspection sees the ended session at once, also for its access token.
    const seen = await api('POST', '/v1/oauth/introspect', { token: await admin(), form: { token: session.access_token } });
    assert.deepEqual(seen.body, { active: false });
  });

  test('revoking an access token makes introspection call it inactive', async () => {
    const customer = await newCustomer();
    assert.equal((await api('POST', '/v1/oauth/revoke', form({ token: customer.token }))).status, 200);
    const seen = await api('POST', '/v1/oauth/introspect', { token: await admin(), form: { token: customer.token, token_type_hint: 'access_token' } });
    assert.deepEqual(seen.body, { active: false });
  });

  test('unknown tokens answer 200 too; a request without a token is invalid_request', async () => {
    assert.equal((await api('POST', '/v1/oauth/revoke', form({ token: 'no-such-token' }))).status, 200);
    assert.equal((await api('POST', '/v1/oauth/revoke', { json: { token: 'a.b.c', token_type_hint: 'access_token' } })).status, 200);
    const missing = await api('POST', '/v1/oauth/revoke', form({ token_type_hint: 'refresh_token' }));
    assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
  });
});

describe('introspection (RFC 7662)', () => {
  test('staff with tokens.introspect see what access and refresh tokens are', async () => {
    const { id, email } = await registered();
    const session = await login(email, PASSWORD);
    const access = await api('POST', '/v1/oauth/introspect', { token: await admin(), form: { token: session.access_token } });
    assert.equal(access.status, 200);
    assert.equal(access.headers.get('cache-control'), 'no-store');
    const claims = decodeJwt(session.access_token);
    assert.deepEqual(
      { ...access.body },
      { active: true, token_type: 'Bearer', kind: 'user', sub: id, scope: '', roles: ['customer'], exp: claims.exp, iat: claims.iat, iss: ISSUER, aud: 'shopmesh', jti: claims.jti, sid: claims['sid'], amr: ['pwd'] },
    );
    const refresh = await api('POST', '/v1/oauth/introspect', { token: await admin(), json: { token: session.refresh_token } });
    assert.equal(refresh.body.active, true);
    assert.equal(refresh.body.token_type, 'refresh_token');
    assert.equal(refresh.body.sub, id);
    assert.equal(refresh.body.sid, claims['sid']);
    assert.ok(refresh.body.exp > claims.exp!);
    assert.deepEqual((await api('POST', '/v1/oauth/introspect', { token: await admin(), form: { token: 'garbage' } })).body, { active: false });
  });

  test('a customer is refused with 403, an anonymous caller with 401', async () => {
    const customer = await newCustomer();
    assert.equal((await api('POST', '/v1/oauth/introspect', { token: customer.token, form: { token: customer.token } })).status, 403);
    assert.equal((await api('POST', '/v1/oauth/introspect', form({ token: customer.token }))).status, 401);
  });
});

// ---------------------------------------------------------------- discovery

test('the OpenID discovery document derives every URL from the issuer', async () => {
  const res = await api('GET', '/.well-known/openid-configuration');
  assert.equal(res.status, 200);
  const d = res.body;
  assert.equal(d.issuer, ISSUER);
  for (const [field, path] of [['jwks_uri', '/.well-known/jwks.json'], ['token_endpoint', '/v1/oauth/token'], ['revocation_endpoint', '/v1/oauth/revoke'], ['introspection_endpoint', '/v1/oauth/introspect']]) {
    assert.equal(d[field], `${ISSUER}${path}`, field);
  }
  assert.deepEqual(d.grant_types_supported, ['password', 'refresh_token', 'client_credentials']);
  assert.deepEqual(d.id_token_signing_alg_values_supported, ['ES256']);
  assert.deepEqual(d.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
  assert.ok(d.scopes_supported.includes('tokens.introspect'));
  for (const claim of ['sub', 'roles', 'scope', 'amr', 'sid']) assert.ok(d.claims_supported.includes(claim), claim);
  assert.deepEqual(d.subject_types_supported, ['public']);
  assert.ok(Array.isArray(d.response_types_supported));
  // The advertised JWKS is the one the edge serves.
  assert.equal((await fetch(d.jwks_uri)).status, 200);
});

// ---------------------------------------------------------------- key rotation

describe('signing key rotation', () => {
  test('needs keys.rotate', async () => {
    const customer = await newCustomer();
    assert.equal((await api('POST', '/v1/signing-keys:rotate', { token: customer.token, json: {} })).status, 403);
  });

  test('a new key is published at once, signs after the publish delay, and old tokens stay valid everywhere', async () => {
    const customer = await newCustomer();
    const before = await login(customer.email, customer.password);
    const oldKid = decodeProtectedHeader(before.access_token).kid!;

    const rotated = await api('POST', '/v1/signing-keys:rotate', { token: await admin(), json: {} });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.algorithm, 'ES256');
    const newKid: string = rotated.body.kid;
    assert.notEqual(newKid, oldKid);

    // Published before it signs: the JWKS lists both keys right away.
    const kids = (await api('GET', '/.well-known/jwks.json')).body.keys.map((k: JWK) => k.kid);
    assert.ok(kids.includes(oldKid) && kids.includes(newKid), JSON.stringify(kids));
    const events = await auditEvents('keys.rotated', newKid);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.details['trigger'], 'staff');

    // Until the publish delay (SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS) has passed, tokens are
    // still signed with the old key; then with the new one. Polled with refresh grants,
    // whose per-account limit is higher than sign-in's.
    const delayMs = Number(process.env['SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS']) * 1000;
    let refreshToken = before.refresh_token;
    const refresh = async () => {
      const res = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      refreshToken = res.body.refresh_token;
      return res.body as { access_token: string };
    };
    assert.equal(decodeProtectedHeader((await refresh()).access_token).kid, oldKid, 'not signing before the delay');
    await sleep(delayMs - 1_000);
    const fresh = await eventually(10_000, async () => {
      const t = await refresh();
      return decodeProtectedHeader(t.access_token).kid === newKid ? t : undefined;
    });
    // The edge and the services accept the new key's tokens at once...
    assert.equal((await api('GET', '/v1/users/me', { token: fresh.access_token })).status, 200);
    assert.ok((await identity('getCurrentUser', {}, bearer(fresh.access_token))).ok);
    assert.ok((await catalog('listProducts', ListProductsRequest.fromPartial({ pageSize: 1 }), bearer(fresh.access_token))).ok);
    // ...and the old key's tokens until they expire.
    assert.equal((await api('GET', '/v1/users/me', { token: before.access_token })).status, 200);
    assert.ok((await catalog('listProducts', ListProductsRequest.fromPartial({ pageSize: 1 }), bearer(before.access_token))).ok);
    const jwks = (await api('GET', '/.well-known/jwks.json')).body.keys.map((k: JWK) => k.kid);
    assert.ok(jwks.includes(oldKid) && jwks.includes(newKid));
  });

  test('private keys are encrypted at rest, bound to their key id', async () => {
    const docs = await (await identityDb()).collection('signing_keys').find({}).toArray();
    assert.ok(docs.length >= 1);
    for (const doc of docs) {
      assert.equal(doc['privateJwk'], undefined, 'no private key in clear');
      if (doc['retireAt'] && doc['retireAt'] <= new Date()) continue; // retired: private half deleted
      assert.match(doc['privateKeyEnc'], /^v1\./);
      const cipher = fieldCipherFromSettings({ env: 'test', fieldKeys: process.env['SHOP_FIELD_KEYS'], fieldKeyId: process.env['SHOP_FIELD_KEY_ID'] });
      assert.throws(() => cipher.decrypt(doc['privateKeyEnc'], fieldAad('signing_keys', 'another-kid', 'private_key')), 'a copied ciphertext does not open as another key');
    }
  });

  test('private keys never appear in the JWKS', async () => {
    for (const key of (await api('GET', '/.well-known/jwks.json')).body.keys) {
      assert.equal(key.d, undefined);
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
  });
});
