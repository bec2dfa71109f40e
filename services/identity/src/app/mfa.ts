import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { RateLimiter, rateLimited, type RateLimitResult, type RateLimitRule } from '../../../platform/src/rate-limit.js';
import { userFieldAad } from '../api/mapping.js';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from '../domain/recovery-codes.js';
import { looksLikeTotpCode, matchTotp, newTotpSecret, otpauthUri } from '../domain/totp.js';
import type { UserDoc } from '../infra/users.js';
import type { IdentityDeps } from './deps.js';

/**
 * Staff TOTP second factor: enrolment, confirmation, removal, and the check the
 * password grant makes. Secrets are stored encrypted (AAD bound to the account), a
 * TOTP step is accepted once (RFC 6238 section 5.2), recovery codes are stored as
 * hashes and consumed with one atomic $pull, and wrong codes are rate limited per
 * account because six digits fall to a patient guesser otherwise.
 */

/** Both the pending and the confirmed secret use this AAD: confirming moves the ciphertext as it is. */
const secretAad = (userId: string) => userFieldAad(userId, 'mfa_secret');
const userTarget = (id: string) => ({ type: 'user', id });

/**
 * Second-factor attempts per account: ten in any 15 minutes, and a right code starts
 * afresh. Six digits with three valid at a time fall to about 330 000 guesses; this
 * keeps a guesser who has the password (or a stolen access token) far from that.
 */
export const MFA_ATTEMPTS: RateLimitRule = { limit: 10, windowMs: 15 * 60_000 };
const attemptsKey = (userId: string) => `mfa:${userId}`;

/** Counts an attempt; not allowed when the account has used up its attempts for now. */
async function attemptAllowed(deps: IdentityDeps, userId: string): Promise<RateLimitResult> {
  return new RateLimiter(deps.redis).hit(attemptsKey(userId), MFA_ATTEMPTS);
}

async function attemptSucceeded(deps: IdentityDeps, userId: string): Promise<void> {
  await new RateLimiter(deps.redis).reset(attemptsKey(userId));
}

const invalidCode = () =>
  new DomainError('invalid_argument', 'INVALID_MFA_CODE', 'the code is wrong, expired or already used', {}, [{ field: 'code', description: 'is not a current authenticator code or an unused recovery code' }]);

async function activeUser(deps: IdentityDeps, userId: string): Promise<UserDoc> {
  const user = await deps.models.users.findById(userId, { passwordHash: 0, outbox: 0 }).lean<UserDoc>();
  if (!user || user.state === 'deleted') throw new DomainError('not_found', 'USER_NOT_FOUND', 'the account of this token no longer exists');
  if (user.state !== 'active') throw new DomainError('failed_precondition', 'ACCOUNT_DISABLED', 'this account is disabled');
  return user;
}

/**
 * Starts enrolment: a new secret becomes the pending one (replacing any earlier
 * pending secret) and is returned once for the authenticator app. Refused while MFA
 * is on: changing the secret means disabling first, which needs a code.
 */
export async function enrollMfa(deps: IdentityDeps, userId: string): Promise<{ secret: string; otpauthUri: string }> {
  const user = await activeUser(deps, userId);
  if (user.mfa?.secretEnc) throw alreadyEnabled();
  const secret = newTotpSecret();
  const result = await deps.models.users.updateOne(
    { _id: userId, state: 'active', 'mfa.secretEnc': { $exists: false } },
    { $set: { 'mfa.pendingSecretEnc': deps.crypto.encrypt(secret, secretAad(userId)) } },
    { timestamps: false },
  );
  if (result.modifiedCount !== 1) throw alreadyEnabled();
  return { secret, otpauthUri: otpauthUri(secret, user.email) };
}

const alreadyEnabled = () => new DomainError('failed_precondition', 'MFA_ALREADY_ENABLED', 'MFA is already on for this account; disable it first to enrol a new authenticator');

/**
 * Confirms enrolment with a current code: the pending secret becomes the active one,
 * the step of that code counts as used, and ten recovery codes are returned, the only
 * time they exist in clear.
 */
export async function confirmMfa(deps: IdentityDeps, ctx: CallContext, userId: string, code: string): Promise<string[]> {
  const user = await activeUser(deps, userId);
  const pending = user.mfa?.pendingSecretEnc;
  if (!pending) {
    if (user.mfa?.secretEnc) throw alreadyEnabled();
    throw new DomainError('failed_precondition', 'MFA_NOT_ENROLLED', 'start with EnrollMfa; there is no enrolment to confirm');
  }
  const attempt = await attemptAllowed(deps, userId);
  if (!attempt.allowed) throw rateLimited(attempt, 'second-factor attempts');
  const step = matchTotp(deps.crypto.decrypt(pending, secretAad(userId)), code, Date.now());
  if (step === null) throw invalidCode();
  const codes = newRecoveryCodes();
  const now = new Date();
  // Conditional on the very pending secret the code was checked against: a
  // re-enrolment in between (another device) makes this confirmation fail.
  const confirmed = await deps.models.users.updateOne(
    { _id: userId, state: 'active', 'mfa.pendingSecretEnc': pending, 'mfa.secretEnc': { $exists: false } },
    {
      $set: {
        'mfa.secretEnc': pending,
        'mfa.enabledAt': now,
        'mfa.recoveryCodeHashes': codes.map((c) => hashRecoveryCode(userId, normalizeRecoveryCode(c)!)),
        'mfa.lastUsedStep': step,
        updatedAt: now,
      },
      $unset: { 'mfa.pendingSecretEnc': 1 },
      $inc: { revision: 1 },
      $push: { outbox: auditOutboxEntry(ctx, 'user.mfa_enabled', userTarget(userId), {}) },
    },
    { timestamps: false },
  );
  if (confirmed.modifiedCount !== 1) {
    throw new DomainError('aborted', 'MFA_ENROLMENT_CHANGED', 'the enrolment changed while confirming (enrolled again elsewhere?); start again');
  }
  await attemptSucceeded(deps, userId);
  deps.onWrite();
  return codes;
}

/**
 * Turns MFA off with a current code or an unused recovery code. Refused for admins
 * while the shop requires MFA for them, or it would be a way around that rule.
 */
export async function disableMfa(deps: IdentityDeps, ctx: CallContext, userId: string, code: string): Promise<void> {
  const user = await activeUser(deps, userId);
  const secretEnc = user.mfa?.secretEnc;
  if (!secretEnc) throw new DomainError('failed_precondition', 'MFA_NOT_ENABLED', 'MFA is not on for this account');
  if (deps.settings.mfaRequiredForAdmin && user.roles.includes('admin')) {
    throw new DomainError('failed_precondition', 'MFA_REQUIRED', 'this shop requires MFA for admins; it cannot be turned off');
  }
  const attempt = await attemptAllowed(deps, userId);
  if (!attempt.allowed) throw rateLimited(attempt, 'second-factor attempts');
  if (!(await useSecondFactor(deps, user, code))) throw invalidCode();
  await attemptSucceeded(deps, userId);
  const now = new Date();
  const result = await deps.models.users.updateOne(
    { _id: userId, 'mfa.secretEnc': secretEnc },
    {
      $unset: { 'mfa.secretEnc': 1, 'mfa.pendingSecretEnc': 1, 'mfa.enabledAt': 1, 'mfa.lastUsedStep': 1 },
      $set: { 'mfa.recoveryCodeHashes': [], updatedAt: now },
      $inc: { revision: 1 },
      $push: { outbox: auditOutboxEntry(ctx, 'user.mfa_disabled', userTarget(userId), {}) },
    },
    { timestamps: false },
  );
  // Zero means a concurrent call already turned it off: the outcome the caller wanted.
  if (result.modifiedCount === 1) deps.onWrite();
}

/**
 * The second factor of a sign-in (the password grant calls this after the password
 * was right): true for a current TOTP code whose step was not used before, or for an
 * unused recovery code, which is consumed. Both are decided by one conditional
 * update, so two concurrent sign-ins with one code get one success. False as well
 * when the account has no MFA or too many wrong codes were tried lately. With `ctx`,
 * using a recovery code is audited (`user.mfa_recovery_code_used`, with how many are
 * left) in the same write that consumes it.
 */
export async function checkSecondFactor(deps: IdentityDeps, user: UserDoc, code: string, ctx?: AuditContext): Promise<boolean> {
  if (!user.mfa?.secretEnc || !code) return false;
  if (!(await attemptAllowed(deps, user._id)).allowed) return false;
  const accepted = await useSecondFactor(deps, user, code, ctx);
  if (accepted) await attemptSucceeded(deps, user._id);
  return accepted;
}

/** Checks and consumes a TOTP step or a recovery code, without counting the attempt. */
async function useSecondFactor(deps: IdentityDeps, user: UserDoc, code: string, ctx?: AuditContext): Promise<boolean> {
  const secretEnc = user.mfa?.secretEnc;
  if (!secretEnc) return false;
  const typed = code.trim();
  let accepted = false;
  if (looksLikeTotpCode(typed)) {
    const step = matchTotp(deps.crypto.decrypt(secretEnc, secretAad(user._id)), typed, Date.now(), user.mfa.lastUsedStep ?? -1);
    if (step !== null) {
      // The step must still be newer than the last one used when we write: of two
      // sign-ins with the same code, the second finds the step taken.
      const result = await deps.models.users.updateOne(
        { _id: user._id, 'mfa.secretEnc': secretEnc, 'mfa.lastUsedStep': { $lt: step } },
        { $set: { 'mfa.lastUsedStep': step } },
        { timestamps: false },
      );
      accepted = result.modifiedCount === 1;
    }
  } else {
    const canonical = normalizeRecoveryCode(typed);
    if (canonical) {
      const hash = hashRecoveryCode(user._id, canonical);
      const remaining = (user.mfa.recoveryCodeHashes?.length ?? 1) - 1;
      const update: Record<string, unknown> = { $pull: { 'mfa.recoveryCodeHashes': hash } };
      if (ctx) update['$push'] = { outbox: auditOutboxEntry(ctx, 'user.mfa_recovery_code_used', userTarget(user._id), { remaining: String(Math.max(0, remaining)) }) };
      const result = await deps.models.users.updateOne({ _id: user._id, 'mfa.secretEnc': secretEnc, 'mfa.recoveryCodeHashes': hash }, update, { timestamps: false });
      accepted = result.modifiedCount === 1;
      if (accepted && ctx) deps.onWrite();
    }
  }
  return accepted;
}
