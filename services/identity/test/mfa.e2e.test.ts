import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { admin, api, errorReason, login, uniqueEmail, violatedFields } from '../../../tools/testing/edge.js';
import { totpCode, totpStep } from '../src/domain/totp.js';
import { auditEventsFor } from './audit-events.js';
import mongoose from 'mongoose';

/** Staff TOTP MFA through the edge: enrol, confirm, sign in with codes, recover, turn off. */

// What someone with a copy of identity's database would see (no schemas, no decryption).
const mongo = mongoose.createConnection(process.env['SHOP_MONGO_URL']!, { serverSelectionTimeoutMS: 5_000 });
after(() => mongo.close());
const rawUser = async (id: string) => (await mongo.useDb('shop_identity').collection('users').findOne({ _id: id } as never)) as Record<string, any> | null;

const PASSWORD = 'mfa-staff-password-1';

interface Member {
  id: string;
  email: string;
  token: string;
}

async function staffMember(): Promise<Member> {
  const email = uniqueEmail('mfa');
  const created = await api('POST', '/v1/users', { token: await admin(), json: { email, password: PASSWORD, displayName: 'MFA Staff', roles: ['support'] } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return { id: created.body.id, email, token: (await login(email, PASSWORD)).access_token };
}

/** The code an authenticator app shows `offset` steps from now. */
const codeAt = (secret: string, offset = 0) => totpCode(secret, totpStep(Date.now()) + offset);

const signIn = (email: string, mfaCode?: string) =>
  api('POST', '/v1/oauth/token', { form: { grant_type: 'password', username: email, password: PASSWORD, ...(mfaCode === undefined ? {} : { mfa_code: mfaCode }) } });

/** Enrols and confirms MFA; the confirming code uses the current step. */
async function withMfa(member: Member): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrolled = await api('POST', '/v1/users/me/mfa:enroll', { token: member.token, json: {} });
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
  const confirmed = await api('POST', '/v1/users/me/mfa:confirm', { token: member.token, json: { code: codeAt(enrolled.body.secret) } });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return { secret: enrolled.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
}

describe('MFA enrolment', () => {
  test('enrol returns a secret and an otpauth URI; re-enrolling replaces the pending secret', async () => {
    const member = await staffMember();
    const first = await api('POST', '/v1/users/me/mfa:enroll', { token: member.token, json: {} });
    assert.equal(first.status, 200);
    assert.match(first.body.secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(first.body.otpauthUri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(decodeURIComponent(uri.pathname), `/shopmesh:${member.email}`);
    assert.equal(uri.searchParams.get('secret'), first.body.secret);
    assert.equal(uri.searchParams.get('issuer'), 'shopmesh');
    // Nothing is on until confirmed.
    assert.equal((await api('GET', '/v1/users/me', { token: member.token })).body.mfaEnabled ?? false, false);
    assert.equal((await signIn(member.email)).status, 200);

    const second = await api('POST', '/v1/users/me/mfa:enroll', { token: member.token, json: {} });
    assert.notEqual(second.body.secret, first.body.secret);
    const withOld = await api('POST', '/v1/users/me/mfa:confirm', { token: member.token, json: { code: codeAt(first.body.secret) } });
    assert.equal(withOld.status, 400);
    assert.equal(errorReason(withOld.body), 'INVALID_MFA_CODE');
    assert.deepEqual(violatedFields(withOld.body), ['code']);
    const withNew = await api('POST', '/v1/users/me/mfa:confirm', { token: member.token, json: { code: codeAt(second.body.secret) } });
    assert.equal(withNew.status, 200);
  });

  test('confirm returns ten single-use recovery codes once and turns MFA on', async () => {
    const member = await staffMember();
    const { recoveryCodes } = await withMfa(member);
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);
    for (const code of recoveryCodes) assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}$/);
    assert.equal((await api('GET', '/v1/users/me', { token: member.token })).body.mfaEnabled, true);
    const listed = await api('GET', `/v1/users/${member.id}`, { token: await admin() });
    assert.equal(listed.body.mfaEnabled, true);
    assert.ok(!JSON.stringify(listed.body).includes(recoveryCodes[0]!));

    const audit = await auditEventsFor('user.mfa_enabled', member.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actorId, member.id);
  });

  test('the database holds the secret encrypted and only hashes of the recovery codes', async () => {
    const member = await staffMember();
    const enrolled = await api('POST', '/v1/users/me/mfa:enroll', { token: member.token, json: {} });
    const pending = await rawUser(member.id);
    assert.match(pending!['mfa']['pendingSecretEnc'], /^v1\./);
    assert.ok(!JSON.stringify(pending).includes(enrolled.body.secret));
    const confirmed = await api('POST', '/v1/users/me/mfa:confirm', { token: member.token, json: { code: codeAt(enrolled.body.secret) } });
    const stored = await rawUser(member.id);
    const text = JSON.stringify(stored);
    assert.match(stored!['mfa']['secretEnc'], /^v1\./);
    assert.equal(stored!['mfa']['pendingSecretEnc'], undefined);
    assert.ok(!text.includes(enrolled.body.secret), 'the TOTP secret is not stored in clear');
    assert.equal(stored!['mfa']['recoveryCodeHashes'].length, 10);
    for (const code of confirmed.body.recoveryCodes as string[]) {
      assert.ok(!text.includes(code) && !text.includes(code.replace('-', '')), 'recovery codes are not stored in clear');
    }
  });

  test('enrolling again while MFA is on, or confirming without enrolling, is refused', async () => {
    const member = await staffMember();
    const early = await api('POST', '/v1/users/me/mfa:confirm', { token: member.token, json: { code: '123456' } });
    assert.equal(early.status, 400);
    assert.equal(errorReason(early.body), 'MFA_NOT_ENROLLED');
    await withMfa(member);
    const again = await api('POST', '/v1/users/me/mfa:enroll', { token: member.token, json: {} });
    assert.equal(again.status, 400);
    assert.equal(errorReason(again.body), 'MFA_ALREADY_ENABLED');
  });

  test('MFA methods need a signed-in user', async () => {
    assert.equal((await api('POST', '/v1/users/me/mfa:enroll', { json: {} })).status, 401);
    assert.equal((await api('POST', '/v1/users/me/mfa:disable', { json: { code: '123456' } })).status, 401);
  });
});

describe('signing in with MFA', () => {
  test('without a code: mfa_required; with a current code: tokens; the same code again: invalid_grant', async () => {
    const member = await staffMember();
    const { secret } = await withMfa(member);
    const withoutCode = await signIn(member.email);
    assert.equal(withoutCode.status, 400);
    assert.equal(withoutCode.body.error, 'mfa_required');

    // Confirming used the current step; the next one is inside the ±1 window.
    const code = codeAt(secret, 1);
    const ok = await signIn(member.email, code);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(ok.body.access_token);
    const replay = await signIn(member.email, code);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
  });

  test('the code that confirmed enrolment cannot sign in', async () => {
    const member = await staffMember();
    const enrolled = await api('POST', '/v1/users/me/mfa:enroll', { token: member.token, json: {} });
    const code = codeAt(enrolled.body.secret);
    assert.equal((await api('POST', '/v1/users/me/mfa:confirm', { token: member.token, json: { code } })).status, 200);
    // The step may have rolled over since: then the code is older than the window's
    // newest step but still the one already used, so it must fail either way.
    assert.equal((await signIn(member.email, code)).body.error, 'invalid_grant');
  });

  test('a wrong code is invalid_grant', async () => {
    const member = await staffMember();
    const { secret } = await withMfa(member);
    const wrong = String((Number(codeAt(secret, 1)) + 1) % 1_000_000).padStart(6, '0');
    const res = await signIn(member.email, wrong);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
  });

  test('two concurrent sign-ins with one TOTP code: one gets tokens', async () => {
    const member = await staffMember();
    const { secret } = await withMfa(member);
    const code = codeAt(secret, 1);
    const results = await Promise.all([1, 2, 3].map(() => signIn(member.email, code)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400]);
  });

  test('a recovery code signs in once; the second use is invalid_grant', async () => {
    const member = await staffMember();
    const { recoveryCodes } = await withMfa(member);
    const code = recoveryCodes[3]!;
    const first = await signIn(member.email, code.toUpperCase());
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await signIn(member.email, code);
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
  });

  test('concurrent sign-ins with one recovery code: exactly one succeeds', async () => {
    const member = await staffMember();
    const { recoveryCodes } = await withMfa(member);
    const results = await Promise.all([1, 2, 3, 4].map(() => signIn(member.email, recoveryCodes[0]!)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400]);
    // The others are still good.
    assert.equal((await signIn(member.email, recoveryCodes[1]!)).status, 200);
  });
});

describe('turning MFA off', () => {
  test('needs a valid code; with a recovery code it turns off and sign-in needs no code', async () => {
    const member = await staffMember();
    const { secret, recoveryCodes } = await withMfa(member);
    const wrong = await api('POST', '/v1/users/me/mfa:disable', { token: member.token, json: { code: 'aaaa-aaaa' } });
    assert.equal(wrong.status, 400);
    assert.equal(errorReason(wrong.body), 'INVALID_MFA_CODE');
    const empty = await api('POST', '/v1/users/me/mfa:disable', { token: member.token, json: { code: '' } });
    assert.deepEqual(violatedFields(empty.body), ['code']);

    const off = await api('POST', '/v1/users/me/mfa:disable', { token: member.token, json: { code: recoveryCodes[0] } });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal((await api('GET', '/v1/users/me', { token: member.token })).body.mfaEnabled ?? false, false);
    assert.equal((await signIn(member.email)).status, 200);
    // The old secret and recovery codes are gone with it.
    assert.equal((await signIn(member.email, codeAt(secret, 1))).status, 200); // a code is simply not needed
    const again = await api('POST', '/v1/users/me/mfa:disable', { token: member.token, json: { code: recoveryCodes[1] } });
    assert.equal(errorReason(again.body), 'MFA_NOT_ENABLED');
    assert.equal((await auditEventsFor('user.mfa_disabled', member.id)).length, 1);
  });

  test('after ten wrong codes even a right one is refused for a while (429)', async () => {
    const member = await staffMember();
    const { recoveryCodes } = await withMfa(member);
    for (let i = 0; i < 10; i++) {
      const wrong = await api('POST', '/v1/users/me/mfa:disable', { token: member.token, json: { code: '000000' } });
      assert.equal(wrong.status, 400, `attempt ${i + 1}`);
    }
    const limited = await api('POST', '/v1/users/me/mfa:disable', { token: member.token, json: { code: recoveryCodes[0] } });
    assert.equal(limited.status, 429);
    assert.equal(errorReason(limited.body), 'RATE_LIMITED');
    // Sign-in is covered by the same per-account budget.
    assert.equal((await signIn(member.email, recoveryCodes[1]!)).body.error, 'invalid_grant');
    assert.equal((await api('GET', '/v1/users/me', { token: member.token })).body.mfaEnabled, true);
  });

  test('a current TOTP code turns it off too', async () => {
    const member = await staffMember();
    const { secret } = await withMfa(member);
    const off = await api('POST', '/v1/users/me/mfa:disable', { token: member.token, json: { code: codeAt(secret, 1) } });
    assert.equal(off.status, 200, JSON.stringify(off.body));
  });
});
