import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AMR_PASSWORD, AMR_PASSWORD_OTP, hashToken, invalidCredentials, oauthError, oauthRateLimited, sessionOf, sessionRoles } from './tokens.js';

describe('sessionRoles', () => {
  const admin = { roles: ['admin', 'customer'] };

  test('with MFA required for admins, an admin without a second factor gets no staff role', () => {
    assert.deepEqual(sessionRoles(admin, AMR_PASSWORD, true), { roles: ['customer'], restricted: true });
    assert.deepEqual(sessionRoles({ roles: ['admin'] }, AMR_PASSWORD, true), { roles: [], restricted: true });
  });

  test('a second factor, or the rule switched off, keeps every role', () => {
    assert.deepEqual(sessionRoles(admin, AMR_PASSWORD_OTP, true), { roles: ['admin', 'customer'], restricted: false });
    assert.deepEqual(sessionRoles(admin, AMR_PASSWORD, false), { roles: ['admin', 'customer'], restricted: false });
  });

  test('the rule is about admins: other staff and customers are not restricted', () => {
    assert.deepEqual(sessionRoles({ roles: ['support'] }, AMR_PASSWORD, true), { roles: ['support'], restricted: false });
    assert.deepEqual(sessionRoles({ roles: ['customer'] }, AMR_PASSWORD, true), { roles: ['customer'], restricted: false });
  });

  test('a second factor is recorded as RFC 8176 otp and mfa (what the platform Caller reads)', () => {
    assert.ok(AMR_PASSWORD_OTP.includes('otp') && AMR_PASSWORD_OTP.includes('mfa'));
  });
});

describe('OAuth errors', () => {
  test('carry the RFC 6749 code as an oauth2 ErrorInfo reason, with the HTTP status it needs', () => {
    const grant = oauthError('invalid_grant', 'x');
    assert.deepEqual([grant.code, grant.reason, grant.domain], ['invalid_argument', 'invalid_grant', 'oauth2']);
    assert.equal(oauthError('invalid_client', 'x').code, 'unauthenticated');
    assert.equal(oauthError('mfa_required', 'x').code, 'invalid_argument');
  });

  test('rate limiting is a 429 with whole seconds to wait', () => {
    const err = oauthRateLimited(0.2);
    assert.deepEqual([err.code, err.reason, err.domain, err.metadata['retry_after_seconds']], ['resource_exhausted', 'temporarily_unavailable', 'oauth2', '1']);
  });

  test('every failed sign-in reads the same', () => {
    assert.equal(invalidCredentials().message, 'invalid username or password');
  });
});

describe('sessionOf', () => {
  test('refresh tokens from before sessions were recorded count as password sessions begun at issue', () => {
    const createdAt = new Date('2026-01-01T00:00:00Z');
    const legacy = { _id: 'h', userId: 'u', familyId: 'f', expiresAt: createdAt, rotatedAt: null, revokedAt: null, createdAt };
    assert.deepEqual(sessionOf(legacy), { familyId: 'f', authTime: createdAt, amr: ['pwd'] });
  });
});

test('refresh tokens are stored as a SHA-256, never in clear', () => {
  assert.equal(hashToken('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});
