import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { DomainError } from './errors.js';
import {
  AUTHENTICATED,
  PUBLIC,
  SELF,
  TokenVerifier,
  checkAccess,
  describeAccessRule,
  hasPermission,
  isAccessRule,
  isStaff,
  requires,
  selfUserId,
  type AccessRule,
  type Caller,
} from './auth.js';
import { PERMISSIONS, permissionsOf, type Permission } from './permissions.js';

const ISSUER = 'http://identity.test';
const AUDIENCE = 'shopmesh';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

const [key1, key2, key3, stranger] = await Promise.all([signingKey('k1'), signingKey('k2'), signingKey('k3'), signingKey('k1')]);

interface TokenOptions {
  key?: SigningKey;
  sub?: string;
  roles?: unknown;
  issuer?: string;
  audience?: string;
  expiresAt?: number;
  typ?: string;
  /** Extra claims (kind, scope, sid, amr, ...). */
  claims?: Record<string, unknown>;
  jti?: string | null;
}

function accessToken(options: TokenOptions = {}): Promise<string> {
  const key = options.key ?? key1;
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ roles: options.roles ?? ['customer'], ...options.claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: options.typ ?? 'at+jwt' });
  if (options.jti !== null) jwt.setJti(options.jti ?? 'token-1');
  return jwt
    .setSubject(options.sub ?? 'user-1')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now - 60)
    .setExpirationTime(options.expiresAt ?? now + 600)
    .sign(key.privateKey);
}

/** A JWKS endpoint in memory: serves `keys` and counts fetches; `failing` makes it throw. */
function jwksSource(...keys: SigningKey[]) {
  const source = {
    keys,
    fetches: 0,
    failing: false,
    fetch: async (): Promise<JSONWebKeySet> => {
      source.fetches++;
      if (source.failing) throw new Error('connect ECONNREFUSED');
      return { keys: source.keys.map((k) => k.jwk) };
    },
  };
  return source;
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DomainError, `expected a DomainError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the token to be rejected');
}

async function assertUnauthenticated(verifier: TokenVerifier, token: string, reason = 'INVALID_TOKEN'): Promise<void> {
  const err = await rejection(verifier.verify(token));
  assert.equal(err.code, 'unauthenticated');
  assert.equal(err.reason, reason);
}

describe('TokenVerifier', () => {
  test('accepts a valid ES256 token and returns the caller', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const token = await accessToken({ sub: 'user-42', roles: ['support', 'customer'], jti: 'jti-42' });
    assert.deepEqual(await verifier.verify(token), {
      kind: 'user',
      userId: 'user-42',
      roles: ['support', 'customer'],
      scopes: [],
      permissions: new Set(['users.read', 'orders.read', 'returns.manage', 'reviews.moderate']),
      tokenId: 'jti-42',
      mfa: false,
      token,
    });
  });

  test('reads the session id, the second factor and the scopes of a user token', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const caller = await verifier.verify(await accessToken({ claims: { sid: 'family-7', amr: ['pwd', 'otp', 'mfa'], scope: 'openid  profile' } }));
    assert.equal(caller.sessionId, 'family-7');
    assert.equal(caller.mfa, true);
    assert.deepEqual(caller.scopes, ['openid', 'profile']);
    const plain = await verifier.verify(await accessToken({ claims: { amr: ['pwd'] } }));
    assert.equal(plain.mfa, false);
    assert.equal('sessionId' in plain, false);
  });

  test('a service token gets its permissions from its scopes and never roles', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const caller = await verifier.verify(await accessToken({ sub: 'client-orders', roles: ['admin'], claims: { kind: 'service', scope: 'orders.read inventory.manage openid made.up' } }));
    assert.equal(caller.kind, 'service');
    assert.equal(caller.userId, 'client-orders');
    assert.deepEqual(caller.roles, []);
    assert.deepEqual([...caller.permissions].sort(), ['inventory.manage', 'orders.read']);
  });

  test('scopes on a user token grant no permissions (a customer cannot ask for staff scopes)', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const caller = await verifier.verify(await accessToken({ roles: ['customer'], claims: { scope: 'users.manage keys.rotate' } }));
    assert.equal(caller.kind, 'user');
    assert.equal(caller.permissions.size, 0);
    assert.equal(isStaff(caller), false);
  });

  test('rejects a token of an unknown kind', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    await assertUnauthenticated(verifier, await accessToken({ claims: { kind: 'admin' } }));
  });

  test('rejects a JWT that is not an access token (typ other than at+jwt)', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    await assertUnauthenticated(verifier, await accessToken({ typ: 'JWT' }));
    await assertUnauthenticated(verifier, await accessToken({ typ: 'id_token+jwt' }));
  });

  test('rejects a token without a jti', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    await assertUnauthenticated(verifier, await accessToken({ jti: null }));
  });

  test('keeps only string roles and treats a missing roles claim as none', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    assert.deepEqual((await verifier.verify(await accessToken({ roles: ['admin', 7, null] }))).roles, ['admin']);
    assert.deepEqual((await verifier.verify(await accessToken({ roles: 'admin' }))).roles, []);
  });

  test('fetches the key set once for many tokens', async () => {
    const jwks = jwksSource(key1);
    const verifier = new TokenVerifier(jwks.fetch, ISSUER, AUDIENCE);
    const token = await accessToken();
    await Promise.all([verifier.verify(token), verifier.verify(token), verifier.verify(token)]);
    await verifier.verify(token);
    assert.equal(jwks.fetches, 1);
  });

  test('rejects a token from another issuer', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    await assertUnauthenticated(verifier, await accessToken({ issuer: 'http://evil.test' }));
  });

  test('rejects a token for another audience', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    await assertUnauthenticated(verifier, await accessToken({ audience: 'other-app' }));
  });

  test('rejects an expired token with TOKEN_EXPIRED', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const err = await rejection(verifier.verify(await accessToken({ expiresAt: Math.floor(Date.now() / 1000) - 120 })));
    assert.equal(err.code, 'unauthenticated');
    assert.equal(err.reason, 'TOKEN_EXPIRED');
    assert.equal(err.message, 'access token expired');
  });

  test('rejects an unsigned (alg none) token', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const unsigned = new UnsecuredJWT({ roles: ['admin'] }).setSubject('user-1').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m').encode();
    await assertUnauthenticated(verifier, unsigned);
  });

  test('rejects an HS256 token even when signed with the public key as the secret', async () => {
    // The classic algorithm-confusion attack: HMAC keyed with the published EC key.
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const secret = new TextEncoder().encode(JSON.stringify(key1.jwk));
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' }).setJti('t')
      .setSubject('user-1').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m')
      .sign(secret);
    await assertUnauthenticated(verifier, token);
  });

  test('rejects a token in another algorithm even when identity published its key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384');
    const es384: SigningKey = { kid: 'k384', privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'k384', alg: 'ES384' } };
    const verifier = new TokenVerifier(jwksSource(key1, es384).fetch, ISSUER, AUDIENCE);
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES384', kid: 'k384', typ: 'at+jwt' }).setJti('t')
      .setSubject('user-1').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m')
      .sign(es384.privateKey);
    await assertUnauthenticated(verifier, token);
  });

  test('rejects a token signed by another key under a known kid', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    await assertUnauthenticated(verifier, await accessToken({ key: stranger }));
  });

  test('rejects a token whose payload was altered after signing', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const [header, , signature] = (await accessToken({ roles: ['customer'] })).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'user-1', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, iat: 1, exp: 9_999_999_999, jti: 'token-1' })).toString('base64url');
    await assertUnauthenticated(verifier, `${header}.${forged}.${signature}`);
  });

  test('rejects a token without a subject', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).setJti('t').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m')
      .sign(key1.privateKey);
    await assertUnauthenticated(verifier, token);
  });

  test('rejects malformed input', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    for (const junk of ['', 'abc', 'a.b.c']) await assertUnauthenticated(verifier, junk);
  });

  test('a verified token is remembered only until it expires', async () => {
    const clock = { now: Date.now() };
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE, 5_000, () => clock.now);
    const token = await accessToken({ expiresAt: Math.floor(clock.now / 1000) + 30 });
    assert.equal((await verifier.verify(token)).userId, 'user-1');
    clock.now += 20_000;
    assert.equal((await verifier.verify(token)).userId, 'user-1');
    clock.now += 11_000;
    await assertUnauthenticated(verifier, token, 'TOKEN_EXPIRED');
  });

  test('remembered tokens are forgotten when the keys reload: a withdrawn key stops working', async () => {
    const jwks = jwksSource(key1);
    const clock = { now: Date.now() };
    const verifier = new TokenVerifier(jwks.fetch, ISSUER, AUDIENCE, 1_000, () => clock.now);
    const signedByKey1 = await accessToken({ key: key1 });
    await verifier.verify(signedByKey1);
    // Identity withdraws k1 (compromised) and signs with k2; the first k2 token makes us refetch.
    jwks.keys = [key2];
    clock.now += 1_001;
    await verifier.verify(await accessToken({ key: key2 }));
    assert.equal(jwks.fetches, 2);
    await assertUnauthenticated(verifier, signedByKey1);
  });

  test('a remembered caller is handed out as a copy', async () => {
    const verifier = new TokenVerifier(jwksSource(key1).fetch, ISSUER, AUDIENCE);
    const token = await accessToken({ sub: 'user-7' });
    const first = await verifier.verify(token);
    first.userId = 'someone-else';
    assert.equal((await verifier.verify(token)).userId, 'user-7');
  });

  test('refetches the key set for an unknown kid after rotation, at most every minRefetchMs', async () => {
    const jwks = jwksSource(key1);
    const clock = { now: 1_000_000 };
    const verifier = new TokenVerifier(jwks.fetch, ISSUER, AUDIENCE, 60_000, () => clock.now);
    await verifier.verify(await accessToken({ key: key1 }));
    assert.equal(jwks.fetches, 1);

    // Identity rotates to k2 right after our fetch: too soon to refetch.
    jwks.keys = [key1, key2];
    const rotated = await accessToken({ key: key2, sub: 'user-2' });
    await assertUnauthenticated(verifier, rotated);
    assert.equal(jwks.fetches, 1, 'no refetch within minRefetchMs');

    clock.now += 60_001;
    assert.equal((await verifier.verify(rotated)).userId, 'user-2');
    assert.equal(jwks.fetches, 2, 'refetched once for the unknown kid');

    // A kid that is still unknown right after a refetch does not trigger another one.
    await assertUnauthenticated(verifier, await accessToken({ key: key3 }));
    assert.equal(jwks.fetches, 2);
  });

  test('keeps verifying with the keys it has when a refetch fails', async () => {
    const jwks = jwksSource(key1);
    const verifier = new TokenVerifier(jwks.fetch, ISSUER, AUDIENCE, 0);
    await verifier.verify(await accessToken());
    jwks.failing = true;
    await assertUnauthenticated(verifier, await accessToken({ key: key2 }));
    assert.equal((await verifier.verify(await accessToken({ sub: 'still-ok' }))).userId, 'still-ok');
  });

  // Attempts, not only successes, are spaced: anyone can mint tokens with unknown kids.
  test('does not refetch more often than minRefetchMs while the JWKS endpoint is failing', async () => {
    const jwks = jwksSource(key1);
    const clock = { now: 1_000_000 };
    const verifier = new TokenVerifier(jwks.fetch, ISSUER, AUDIENCE, 60_000, () => clock.now);
    await verifier.verify(await accessToken());
    clock.now += 60_001;
    jwks.failing = true;
    for (let i = 0; i < 3; i++) await assertUnauthenticated(verifier, await accessToken({ key: key2 }));
    assert.equal(jwks.fetches, 2, 'one failed refetch, then wait minRefetchMs');
  });

  test('reports unavailable, not unauthenticated, when the key set cannot be fetched at all', async () => {
    const jwks = jwksSource(key1);
    jwks.failing = true;
    const verifier = new TokenVerifier(jwks.fetch, ISSUER, AUDIENCE);
    const err = await rejection(verifier.verify(await accessToken()));
    assert.equal(err.code, 'unavailable');
    assert.equal(err.reason, 'JWKS_UNAVAILABLE');

    // Recovers on the next call once identity is back.
    jwks.failing = false;
    assert.equal((await verifier.verify(await accessToken())).userId, 'user-1');
  });
});

/** A caller as the verifier would build it, for rule tests. */
function caller(kind: 'user' | 'service', granted: { roles?: string[]; scopes?: string[] } = {}): Caller {
  const roles = granted.roles ?? [];
  const scopes = granted.scopes ?? [];
  return { kind, userId: `${kind}-1`, roles, scopes, permissions: permissionsOf(roles, scopes), tokenId: 't', mfa: false, token: 'x' };
}

function denied(rule: AccessRule, who: Caller | null): DomainError {
  try {
    checkAccess(rule, who);
  } catch (err) {
    assert.ok(err instanceof DomainError);
    return err;
  }
  assert.fail(`expected ${describeAccessRule(rule)} to refuse the caller`);
}

describe('access rules', () => {
  const customer = caller('user', { roles: ['customer'] });
  const catalogManager = caller('user', { roles: ['catalog_manager'] });
  const admin = caller('user', { roles: ['admin'] });
  const service = caller('service', { scopes: ['catalog.products.write'] });

  test('PUBLIC lets anyone in, with or without a token', () => {
    for (const who of [null, customer, service]) checkAccess(PUBLIC, who);
  });

  test('AUTHENTICATED needs a token (401 without), user or service', () => {
    const err = denied(AUTHENTICATED, null);
    assert.equal(err.code, 'unauthenticated');
    assert.equal(err.reason, 'TOKEN_REQUIRED');
    for (const who of [customer, service]) checkAccess(AUTHENTICATED, who);
  });

  test('a permission rule is 401 without a token and 403 without the permission', () => {
    const rule = requires('catalog.products.write');
    assert.equal(denied(rule, null).code, 'unauthenticated');
    const err = denied(rule, customer);
    assert.equal(err.code, 'permission_denied');
    assert.equal(err.reason, 'PERMISSION_REQUIRED');
    assert.deepEqual(err.metadata, { permission: 'catalog.products.write' });
    assert.equal(denied(requires('users.manage'), catalogManager).code, 'permission_denied');
    for (const who of [catalogManager, admin, service]) checkAccess(rule, who);
  });

  test('SELF needs a signed-in user; a service account is refused', () => {
    assert.equal(denied(SELF, null).code, 'unauthenticated');
    const err = denied(SELF, service);
    assert.equal(err.code, 'permission_denied');
    assert.equal(err.reason, 'USER_TOKEN_REQUIRED');
    checkAccess(SELF, customer);
    checkAccess(SELF, admin);
    assert.equal(selfUserId({ caller: customer }), 'user-1');
    assert.throws(() => selfUserId({ caller: service }), (e: DomainError) => e.reason === 'USER_TOKEN_REQUIRED');
    assert.throws(() => selfUserId({ caller: null }), (e: DomainError) => e.code === 'unauthenticated');
  });

  test('isStaff means holding any permission; hasPermission checks one', () => {
    assert.equal(isStaff(null), false);
    assert.equal(isStaff(customer), false);
    assert.equal(isStaff(catalogManager), true);
    assert.equal(isStaff(service), true);
    assert.equal(hasPermission(null, 'orders.read'), false);
    assert.equal(hasPermission(catalogManager, 'catalog.products.read_unpublished'), true);
    assert.equal(hasPermission(catalogManager, 'orders.read'), false);
  });

  test('isAccessRule accepts exactly one well-formed rule', () => {
    for (const rule of [PUBLIC, AUTHENTICATED, SELF, requires('audit.read')]) assert.equal(isAccessRule(rule), true, describeAccessRule(rule));
    for (const junk of [undefined, null, {}, { public: false }, { permission: 'catalog.everything' }, { public: true, self: true }, { anyRole: ['admin'] }, 'public']) {
      assert.equal(isAccessRule(junk), false, JSON.stringify(junk));
    }
  });

  test('requires() refuses a permission that does not exist', () => {
    assert.throws(() => requires('catalog.everything' as Permission), /unknown permission/);
    assert.equal(PERMISSIONS.every((p) => isAccessRule(requires(p))), true);
  });

  test('rules are frozen, so a service cannot loosen a shared constant', () => {
    assert.throws(() => {
      (PUBLIC as { public: boolean }).public = false;
    });
  });
});
