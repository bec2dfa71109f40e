import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { EmailVerificationRequested, PasswordResetRequested, UserDeleted, UserRegistered } from '../../../gen/shop/identity/v1/events.js';
import { admin, api, errorReason, login, newCustomer, uniqueEmail, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';
import { callIdentityFrom, closeIdentityDb, identityDb, randomClientIp, rawDoc } from './identity-db.js';

after(closeIdentityDb);

const PASSWORD = 'customer-password-1';

async function register(label = 'acct'): Promise<{ id: string; email: string; password: string }> {
  const email = uniqueEmail(label);
  const res = await api('POST', '/v1/users', { json: { email, password: PASSWORD, displayName: 'Acct Holder' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { id: res.body.id, email, password: PASSWORD };
}

/** The raw tokens of the verification emails requested for an account, oldest first. */
async function verificationTokens(userId: string, atLeast = 1): Promise<string[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = await eventsMatching('SHOP_IDENTITY', 'shop.identity.email_verification_requested', EmailVerificationRequested.decode, (e) => e.userId === userId);
    if (found.length >= atLeast || Date.now() > deadline) return found.map((f) => f.event.token);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function resetToken(userId: string): Promise<string> {
  const found = await eventsMatching('SHOP_IDENTITY', 'shop.identity.password_reset_requested', PasswordResetRequested.decode, (e) => e.userId === userId);
  assert.equal(found.length, 1, 'one reset event for the account');
  return found[0]!.event.token;
}

const auditEvents = (action: string, targetId: string) =>
  eventsMatching('SHOP_AUDIT', `shop.audit.${action}`, AuditEvent.decode, (e) => e.targetId === targetId);

const refresh = (refreshToken: string) => api('POST', '/v1/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: refreshToken } });
const passwordLogin = (username: string, password: string) => api('POST', '/v1/oauth/token', { form: { grant_type: 'password', username, password } });

describe('the profile: GET/PATCH /v1/users/me', () => {
  test('PATCH with a mask changes exactly the named fields, normalised', async () => {
    const c = await newCustomer();
    const before = (await api('GET', '/v1/users/me', { token: c.token })).body;
    const res = await api('PATCH', '/v1/users/me?updateMask=displayName,phone,locale,marketingConsent', {
      token: c.token,
      json: { displayName: '  Ann B. ', phone: '+49 30 1234-5678', locale: 'en-gb', marketingConsent: true, defaultShippingAddressId: 'ignored-not-in-mask' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.displayName, 'Ann B.');
    assert.equal(res.body.phone, '+493012345678');
    assert.equal(res.body.locale, 'en-GB');
    assert.equal(res.body.marketingConsent, true);
    assert.equal(res.body.defaultShippingAddressId ?? '', '');
    assert.notEqual(res.body.etag, before.etag);
    assert.deepEqual((await api('GET', '/v1/users/me', { token: c.token })).body, res.body);

    // A masked field sent empty clears it.
    const cleared = await api('PATCH', '/v1/users/me?updateMask=phone,marketing_consent', { token: c.token, json: {} });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.phone ?? '', '');
    assert.equal(cleared.body.marketingConsent ?? false, false);
    assert.equal(cleared.body.displayName, 'Ann B.');
  });

  test('bad values are 400 naming each field', async () => {
    const c = await newCustomer();
    const res = await api('PATCH', '/v1/users/me?updateMask=displayName,phone,locale', { token: c.token, json: { displayName: ' ', phone: '030 1234', locale: 'en--GB' } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['display_name', 'locale', 'phone']);
  });

  test('a stale etag is 409 and changes nothing; the current one works', async () => {
    const c = await newCustomer();
    const { etag } = (await api('GET', '/v1/users/me', { token: c.token })).body;
    assert.equal((await api('PATCH', '/v1/users/me?updateMask=displayName', { token: c.token, json: { displayName: 'First', etag } })).status, 200);
    const stale = await api('PATCH', '/v1/users/me?updateMask=displayName', { token: c.token, json: { displayName: 'Second', etag } });
    assert.equal(stale.status, 409);
    assert.equal(errorReason(stale.body), 'ETAG_MISMATCH');
    const now = (await api('GET', '/v1/users/me', { token: c.token })).body;
    assert.equal(now.displayName, 'First');
    assert.equal((await api('PATCH', '/v1/users/me?updateMask=displayName', { token: c.token, json: { displayName: 'Third', etag: now.etag } })).status, 200);
  });

  test('concurrent PATCHes with one etag: exactly one wins', async () => {
    const c = await newCustomer();
    const { etag } = (await api('GET', '/v1/users/me', { token: c.token })).body;
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => api('PATCH', '/v1/users/me?updateMask=displayName', { token: c.token, json: { displayName: `Racer ${i}`, etag } })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409]);
  });

  test('without a token it is 401', async () => {
    assert.equal((await api('PATCH', '/v1/users/me', { json: { displayName: 'x' } })).status, 401);
  });
});

describe('mass assignment', () => {
  for (const field of ['roles', 'status', 'emailVerified', 'email', 'mfaEnabled', 'id']) {
    test(`PATCH /v1/users/me with "${field}" in the mask is 400 naming update_mask, and changes nothing`, async () => {
      const c = await newCustomer();
      const before = (await api('GET', '/v1/users/me', { token: c.token })).body;
      const res = await api('PATCH', `/v1/users/me?updateMask=displayName,${field}`, {
        token: c.token,
        json: { displayName: 'Hacker', roles: ['admin'], status: 'USER_STATUS_ACTIVE', emailVerified: true, email: 'admin@shopmesh.test', mfaEnabled: true, id: 'someone-else' },
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(violatedFields(res.body), ['update_mask']);
      assert.deepEqual((await api('GET', '/v1/users/me', { token: c.token })).body, before);
    });
  }

  test('PATCH /v1/users/me without a mask ignores roles, status, email and the verified flag', async () => {
    const c = await newCustomer();
    const res = await api('PATCH', '/v1/users/me', {
      token: c.token,
      json: { displayName: 'Still a customer', roles: ['admin'], status: 'USER_STATUS_DISABLED', emailVerified: true, email: uniqueEmail('takeover'), mfaEnabled: true },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.displayName, 'Still a customer');
    assert.deepEqual(res.body.roles, ['customer']);
    assert.equal(res.body.emailVerified ?? false, false);
    assert.equal(res.body.status, 'USER_STATUS_ACTIVE');
    assert.equal(res.body.email, c.email);
    const raw = await rawDoc('users', { _id: c.id });
    assert.deepEqual(raw!['roles'], ['customer']);
    assert.equal(raw!['emailVerified'], false);
    assert.equal(raw!['state'], 'active');
    // And a fresh token carries no new power.
    const token = (await login(c.email, c.password)).access_token;
    assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).roles, ['customer']);
  });

  test('POST /v1/users with roles is 403 naming roles for anonymous callers and customers; no account is created', async () => {
    const customer = await newCustomer();
    for (const token of [undefined, customer.token]) {
      const email = uniqueEmail('escalate');
      const res = await api('POST', '/v1/users', { token, json: { email, password: PASSWORD, displayName: 'Mallory', roles: ['admin'] } });
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(errorReason(res.body), 'ROLES_NOT_ALLOWED');
      assert.deepEqual(violatedFields(res.body), ['roles']);
      assert.equal(await rawDoc('users', { email }), null);
    }
  });

  test('staff with users.manage create a staff account with roles, audited as user.created', async () => {
    const email = uniqueEmail('staff');
    const res = await api('POST', '/v1/users', { token: await admin(), json: { email, password: PASSWORD, displayName: 'Sam Support', roles: ['support'] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.roles, ['support']);
    const audited = await auditEvents('user.created', res.body.id);
    assert.equal(audited.length, 1);
    assert.equal(audited[0]!.event.details['roles'], 'support');
    assert.equal(audited[0]!.event.targetType, 'user');
    assert.ok(audited[0]!.event.actorId, 'the admin is the actor');

    const unknown = await api('POST', '/v1/users', { token: await admin(), json: { email: uniqueEmail('staff'), password: PASSWORD, displayName: 'X', roles: ['superuser'] } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(violatedFields(unknown.body), ['roles']);
  });
});

describe('registration events and limits', () => {
  test('registration emits UserRegistered and EmailVerificationRequested with a token stored only as its hash', async () => {
    const { id, email } = await register();
    const registered = await eventsMatching('SHOP_IDENTITY', 'shop.identity.user_registered', UserRegistered.decode, (e) => e.userId === id);
    assert.equal(registered.length, 1);
    assert.equal(registered[0]!.event.email, email);
    const [token] = await verificationTokens(id);
    assert.match(token!, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    const db = await identityDb();
    const stored = await db.collection('one_time_tokens').find({ userId: id } as never).toArray();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!['_id'], createHash('sha256').update(token!).digest('base64url'));
    assert.equal(stored[0]!['purpose'], 'email_verification');
    assert.ok(!JSON.stringify(stored).includes(token!), 'the raw token is not stored');
  });

  test('registration is rate limited per client IP (counted before validation)', async () => {
    const ip = randomClientIp();
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => callIdentityFrom(ip, 'createUser', { email: 'not-an-email', password: 'x', displayName: '', roles: [] })),
    );
    assert.ok(attempts.every((a) => !a.ok && a.code === 3), 'the first 20 reach validation (INVALID_ARGUMENT)');
    const limited = await callIdentityFrom(ip, 'createUser', { email: uniqueEmail('limited'), password: PASSWORD, displayName: 'Late', roles: [] });
    assert.equal(limited.ok, false);
    assert.equal((limited as { code: number }).code, 8, 'RESOURCE_EXHAUSTED');
    // Another address is not affected.
    assert.equal((await callIdentityFrom(randomClientIp(), 'createUser', { email: uniqueEmail('other-ip'), password: PASSWORD, displayName: 'Other', roles: [] })).ok, true);
  });
});

describe('email verification', () => {
  test('the token from the stream verifies the email once; a second use is refused', async () => {
    const { id } = await register('verify');
    const [token] = await verificationTokens(id);
    const res = await api('POST', '/v1/users/me:verifyEmail', { json: { token } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.id, id);
    assert.equal(res.body.emailVerified, true);
    const again = await api('POST', '/v1/users/me:verifyEmail', { json: { token } });
    assert.equal(again.status, 400);
    assert.equal(errorReason(again.body), 'TOKEN_ALREADY_USED');
    assert.deepEqual(violatedFields(again.body), ['token']);
  });

  test('concurrent uses of one token: exactly one succeeds', async () => {
    const { id } = await register('verify-race');
    const [token] = await verificationTokens(id);
    const results = await Promise.all(Array.from({ length: 6 }, () => api('POST', '/v1/users/me:verifyEmail', { json: { token } })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 400, 400, 400, 400, 400]);
  });

  test('a wrong, expired or superseded token is 400 with its own reason', async () => {
    const c = await register('verify-bad');
    const wrong = await api('POST', '/v1/users/me:verifyEmail', { json: { token: 'A'.repeat(43) } });
    assert.equal(wrong.status, 400);
    assert.equal(errorReason(wrong.body), 'TOKEN_INVALID');
    const garbage = await api('POST', '/v1/users/me:verifyEmail', { json: { token: 'nope' } });
    assert.equal(errorReason(garbage.body), 'TOKEN_INVALID');
    const missing = await api('POST', '/v1/users/me:verifyEmail', { json: {} });
    assert.deepEqual(violatedFields(missing.body), ['token']);

    const [first] = await verificationTokens(c.id);
    const token = (await login(c.email, c.password)).access_token;
    assert.equal((await api('POST', '/v1/users/me:sendVerificationEmail', { token, json: {} })).status, 200);
    const tokens = await verificationTokens(c.id, 2);
    const superseded = await api('POST', '/v1/users/me:verifyEmail', { json: { token: first } });
    assert.equal(superseded.status, 400);
    assert.equal(errorReason(superseded.body), 'TOKEN_SUPERSEDED');

    // Expiry: move the newest token's expiry into the past in the store.
    const newest = tokens[tokens.length - 1]!;
    const db = await identityDb();
    await db.collection('one_time_tokens').updateOne({ _id: createHash('sha256').update(newest).digest('base64url') } as never, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await api('POST', '/v1/users/me:verifyEmail', { json: { token: newest } });
    assert.equal(expired.status, 400);
    assert.equal(errorReason(expired.body), 'TOKEN_EXPIRED');
  });

  test('a signed-in caller cannot use another account\'s token; its owner still can', async () => {
    const owner = await register('verify-owner');
    const other = await newCustomer();
    const [token] = await verificationTokens(owner.id);
    const res = await api('POST', '/v1/users/me:verifyEmail', { token: other.token, json: { token } });
    assert.equal(res.status, 403);
    assert.equal(errorReason(res.body), 'TOKEN_OF_ANOTHER_ACCOUNT');
    const ownerToken = (await login(owner.email, owner.password)).access_token;
    const ok = await api('POST', '/v1/users/me:verifyEmail', { token: ownerToken, json: { token } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.emailVerified, true);
    const already = await api('POST', '/v1/users/me:sendVerificationEmail', { token: ownerToken, json: {} });
    assert.equal(already.status, 400);
    assert.equal(errorReason(already.body), 'EMAIL_ALREADY_VERIFIED');
  });

  test('sending verification emails is rate limited per account', async () => {
    const c = await newCustomer();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api('POST', '/v1/users/me:sendVerificationEmail', { token: c.token, json: {} })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  });
});

describe('password reset', () => {
  test('answers the same, with similar timing, whether or not the email exists; only the real account gets a token', async () => {
    const c = await register('reset');
    const unknown = uniqueEmail('nobody');
    const time = async (email: string) => {
      const started = performance.now();
      const res = await api('POST', '/v1/password-resets', { json: { email } });
      return { res, ms: performance.now() - started };
    };
    const known = await time(c.email.toUpperCase());
    const absent = await time(unknown);
    assert.equal(known.res.status, 200);
    assert.equal(absent.res.status, 200);
    assert.deepEqual(known.res.body, absent.res.body);
    assert.ok(known.ms >= 240 && absent.ms >= 240, `both wait for the floor: ${known.ms} / ${absent.ms}`);
    assert.ok(Math.abs(known.ms - absent.ms) < 200, `similar timing: ${known.ms} / ${absent.ms}`);
    const events = await eventsMatching('SHOP_IDENTITY', 'shop.identity.password_reset_requested', PasswordResetRequested.decode, (e) => e.userId === c.id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.email, c.email);
    assert.ok(events[0]!.event.expireTime! > new Date());
    const none = await eventsMatching('SHOP_IDENTITY', 'shop.identity.password_reset_requested', PasswordResetRequested.decode, (e) => e.email === unknown, 500);
    assert.equal(none.length, 0);
  });

  test('the token sets a new password once, ends every session and lifts a lockout', async () => {
    const c = await register('reset-flow');
    const session = await login(c.email, c.password);
    // Lock the account with wrong passwords.
    for (let i = 0; i < 6; i++) await passwordLogin(c.email, 'wrong-password-x');
    assert.ok((await rawDoc('users', { _id: c.id }))!['lockedUntil'], 'the account is locked');

    assert.equal((await api('POST', '/v1/password-resets', { json: { email: c.email } })).status, 200);
    const token = await resetToken(c.id);
    const weak = await api('POST', '/v1/password-resets:confirm', { json: { token, newPassword: 'short' } });
    assert.equal(weak.status, 400);
    assert.deepEqual(violatedFields(weak.body), ['new_password']);

    const newPassword = 'a-brand-new-password';
    const ok = await api('POST', '/v1/password-resets:confirm', { json: { token, newPassword } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const reuse = await api('POST', '/v1/password-resets:confirm', { json: { token, newPassword: 'yet-another-password' } });
    assert.equal(reuse.status, 400);
    assert.equal(errorReason(reuse.body), 'TOKEN_ALREADY_USED');

    const raw = await rawDoc('users', { _id: c.id });
    assert.ok(raw!['sessionsValidAfter'] instanceof Date);
    assert.equal(raw!['failedLogins'], 0);
    assert.equal(raw!['lockedUntil'], null);
    assert.equal((await passwordLogin(c.email, newPassword)).status, 200, 'the new password works at once (lockout lifted)');
    assert.equal((await passwordLogin(c.email, c.password)).status, 400, 'the old password stops working');
    assert.equal((await refresh(session.refresh_token)).body.error, 'invalid_grant', 'the old session is over');
    assert.equal((await auditEvents('user.password_reset', c.id)).length, 1);
  });

  test('a second reset request makes the first link stop working', async () => {
    const c = await register('reset-twice');
    await api('POST', '/v1/password-resets', { json: { email: c.email } });
    const first = await resetToken(c.id);
    await api('POST', '/v1/password-resets', { json: { email: c.email } });
    const res = await api('POST', '/v1/password-resets:confirm', { json: { token: first, newPassword: 'another-password-1' } });
    assert.equal(res.status, 400);
    assert.equal(errorReason(res.body), 'TOKEN_SUPERSEDED');
  });

  test('is rate limited per email and per client IP', async () => {
    const email = uniqueEmail('reset-limit');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api('POST', '/v1/password-resets', { json: { email } })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);

    const ip = randomClientIp();
    const perIp = await Promise.all(Array.from({ length: 21 }, () => callIdentityFrom(ip, 'createPasswordReset', { email: uniqueEmail('reset-ip') })));
    assert.equal(perIp.filter((r) => r.ok).length, 20);
    assert.equal(perIp.filter((r) => !r.ok && r.code === 8).length, 1);
  });
});

describe('change password', () => {
  test('needs the current password (wrong: 400 naming current_password)', async () => {
    const c = await newCustomer();
    const res = await api('POST', '/v1/users/me:changePassword', { token: c.token, json: { currentPassword: 'not-my-password', newPassword: 'a-new-password-1' } });
    assert.equal(res.status, 400);
    assert.equal(errorReason(res.body), 'WRONG_PASSWORD');
    assert.deepEqual(violatedFields(res.body), ['current_password']);
    assert.equal((await rawDoc('users', { _id: c.id }))!['failedLogins'], 1, 'counts towards the lockout');
    const same = await api('POST', '/v1/users/me:changePassword', { token: c.token, json: { currentPassword: c.password, newPassword: c.password } });
    assert.deepEqual(violatedFields(same.body), ['new_password']);
  });

  test('changes the password, keeps the caller\'s session and ends every other one', async () => {
    const c = await newCustomer();
    const mine = await login(c.email, c.password);
    const other = await login(c.email, c.password);
    const res = await api('POST', '/v1/users/me:changePassword', { token: mine.access_token, json: { currentPassword: c.password, newPassword: 'changed-password-1' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await refresh(other.refresh_token)).body.error, 'invalid_grant', 'the other session ended');
    assert.equal((await refresh(mine.refresh_token)).status, 200, 'the caller stays signed in');
    assert.equal((await passwordLogin(c.email, c.password)).status, 400);
    assert.equal((await passwordLogin(c.email, 'changed-password-1')).status, 200);
    const audited = await auditEvents('user.password_changed', c.id);
    assert.equal(audited.length, 1);
    assert.equal(audited[0]!.event.actorId, c.id);
  });
});

describe('account erasure (GDPR)', () => {
  test('anonymises the account, deletes the address book, ends sessions and emits UserDeleted', async () => {
    const c = await newCustomer();
    const session = await login(c.email, c.password);
    assert.equal((await api('PATCH', '/v1/users/me?updateMask=phone,locale,marketingConsent', { token: c.token, json: { phone: '+4915112345678', locale: 'de-DE', marketingConsent: true } })).status, 200);
    const address = await api('POST', '/v1/users/me/addresses', {
      token: c.token,
      json: { fullName: 'Erika Mustermann', line1: 'Heidestr. 17', city: 'Köln', postalCode: '51147', countryCode: 'DE' },
    });
    assert.equal(address.status, 200, JSON.stringify(address.body));

    const wrong = await api('POST', '/v1/users/me:delete', { token: c.token, json: { password: 'not-the-password' } });
    assert.equal(wrong.status, 400);
    assert.deepEqual(violatedFields(wrong.body), ['password']);

    const res = await api('POST', '/v1/users/me:delete', { token: c.token, json: { password: c.password } });
    assert.equal(res.status, 200, JSON.stringify(res.body));

    const raw = await rawDoc('users', { _id: c.id });
    assert.equal(raw!['email'], `deleted-${c.id}@erased.invalid`);
    assert.equal(raw!['state'], 'deleted');
    assert.equal(raw!['displayName'], 'Deleted user');
    assert.equal(raw!['phoneEnc'], undefined);
    assert.equal(raw!['locale'], '');
    assert.equal(raw!['marketingConsent'], false);
    assert.doesNotMatch(raw!['passwordHash'], /^scrypt\$/);
    assert.equal(raw!['erasurePending'], undefined, 'erasure finished');
    assert.ok(!JSON.stringify(raw).includes(c.email), 'the old email is gone from the account');
    assert.equal(await rawDoc('addresses', { userId: c.id }), null);

    assert.equal((await passwordLogin(c.email, c.password)).status, 400, 'sign-in fails');
    assert.equal((await refresh(session.refresh_token)).body.error, 'invalid_grant', 'sessions ended');
    const events = await eventsMatching('SHOP_IDENTITY', 'shop.identity.user_deleted', UserDeleted.decode, (e) => e.userId === c.id);
    assert.equal(events.length, 1);

    // The old access token still verifies until it expires, but its account is gone.
    assert.equal((await api('GET', '/v1/users/me', { token: c.token })).status, 404);
    assert.equal((await api('POST', '/v1/users/me:delete', { token: c.token, json: { password: c.password } })).status, 404);

    // The address can register again, as a new account.
    const again = await api('POST', '/v1/users', { json: { email: c.email, password: PASSWORD, displayName: 'Back again' } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.notEqual(again.body.id, c.id);
  });
});

describe('personal fields are unreadable in the raw database', () => {
  test('the phone is stored encrypted, bound to its account', async () => {
    const c = await newCustomer();
    const phone = '+447700900123';
    assert.equal((await api('PATCH', '/v1/users/me?updateMask=phone', { token: c.token, json: { phone } })).status, 200);
    const raw = await rawDoc('users', { _id: c.id });
    assert.ok(raw!['phoneEnc'], 'stored');
    const text = JSON.stringify(raw);
    assert.ok(!text.includes(phone) && !text.includes(phone.slice(1)) && !text.includes('7700900123'), 'no clear phone in the document');
    assert.equal((await api('GET', '/v1/users/me', { token: c.token })).body.phone, phone);

    // Moved to another account, the ciphertext does not decrypt (AAD = account + field).
    const other = await newCustomer();
    const db = await identityDb();
    await db.collection('users').updateOne({ _id: other.id } as never, { $set: { phoneEnc: raw!['phoneEnc'] } });
    assert.equal((await api('GET', '/v1/users/me', { token: other.token })).status, 500);
    await db.collection('users').updateOne({ _id: other.id } as never, { $unset: { phoneEnc: 1 } });
  });
});
