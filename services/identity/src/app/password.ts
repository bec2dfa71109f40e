import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditOutboxEntry } from '../../../platform/src/audit.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { hashPassword, verifyPassword } from '../domain/password.js';
import { checkPassword, normalizeEmail } from '../domain/registration.js';
import type { UserDoc } from '../infra/models.js';
import { hashOneTimeToken, isOneTimeTokenShaped, OneTimeTokens } from '../infra/one-time-tokens.js';
import { loadAccount } from './account.js';
import type { IdentityDeps } from './deps.js';
import { enforceRateLimits, type RequestOrigin } from './limits.js';
import { isLocked, recordFailedLogin } from './lockout.js';
import { revokeSessions } from './sessions.js';
import { tokenMailEvent, userTarget } from './users.js';
import { tokenRefused } from './verification.js';

/**
 * Every CreatePasswordReset answer takes at least this long. The work differs a
 * little between a known and an unknown email (a token written, an event queued);
 * answering no sooner than this floor hides that difference behind a constant.
 */
export const RESET_ANSWER_FLOOR_MS = 250;

const resetTokens = (deps: IdentityDeps) => new OneTimeTokens(deps.models.oneTimeTokens, 'password_reset');

/**
 * Starts a password reset. The answer is the same, and takes about as long, whether
 * or not the email belongs to an account: an unknown email does the same shape of
 * database work (a user lookup, a token-store write, a user update that matches
 * nothing) and both wait for the same floor. Only an active account gets an event
 * carrying a single-use, expiring token; its older reset tokens stop working.
 */
export async function requestPasswordReset(deps: IdentityDeps, rawEmail: string, origin: RequestOrigin): Promise<void> {
  const started = Date.now();
  const email = normalizeEmail(rawEmail);
  if (email === '' || email.length > 254 || !email.includes('@')) {
    throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'email: must be a valid email address', {}, [{ field: 'email', description: 'must be a valid email address' }]);
  }
  await enforceRateLimits(deps, [
    { rule: 'passwordResetPerIp', key: origin.clientIp },
    { rule: 'passwordResetPerEmail', key: email },
  ]);
  const user = await deps.models.users.findOne({ email }, { outbox: 0 }).lean<UserDoc>();
  const now = new Date();
  if (user && user.state === 'active') {
    const { token, expiresAt } = await resetTokens(deps).issue(user._id, user.email, deps.settings.resetTokenTtlSeconds, now);
    await deps.models.users.updateOne(
      { _id: user._id, email: user.email, state: 'active' },
      { $push: { outbox: tokenMailEvent('reset_password', user, token, expiresAt, now) } },
      { timestamps: false },
    );
    deps.onWrite();
  } else {
    // The same round trips as above, touching nothing: no account, no token.
    const nobody = randomUUID();
    await resetTokens(deps).invalidateAll(nobody, now);
    await deps.models.oneTimeTokens.exists({ _id: hashOneTimeToken(nobody) });
    await deps.models.users.updateOne({ _id: nobody, state: 'active' }, { $set: { updatedAt: now } }, { timestamps: false });
  }
  const remaining = RESET_ANSWER_FLOOR_MS - (Date.now() - started);
  if (remaining > 0) await sleep(remaining);
}

/**
 * Completes a reset: validates the new password first (so a typo does not burn the
 * link), claims the token atomically (one of two concurrent uses wins), sets the
 * password, lifts any lockout, and ends every session of the account.
 */
export async function confirmPasswordReset(deps: IdentityDeps, token: string, newPassword: string, origin: RequestOrigin): Promise<void> {
  const violations = new Violations();
  const raw = token.trim();
  if (raw === '') violations.add('token', 'is required');
  checkPassword('new_password', newPassword, violations);
  violations.throwIfAny();
  if (!isOneTimeTokenShaped(raw)) throw tokenRefused('invalid', 'password reset link');
  const passwordHash = await hashPassword(newPassword);
  const claim = await resetTokens(deps).claim(raw);
  if (!claim.ok) throw tokenRefused(claim.refusal, 'password reset link');
  const { userId, email } = claim.doc;
  const now = new Date();
  const result = await deps.models.users.updateOne(
    { _id: userId, email, state: 'active' },
    {
      $set: { passwordHash, sessionsValidAfter: now, failedLogins: 0, lockedUntil: null, lockouts: 0, updatedAt: now },
      $push: { outbox: auditOutboxEntry(origin, 'user.password_reset', userTarget(userId)) },
    },
    { timestamps: false },
  );
  // Disabled or erased since the link was sent: a reset must not bring it back.
  if (result.modifiedCount !== 1) throw tokenRefused('invalid', 'password reset link');
  deps.onWrite();
  await revokeSessions(deps.models, userId);
  await resetTokens(deps).invalidateAll(userId, now);
}

/**
 * Changes the caller's password. The current one must be right: a wrong one counts as
 * a failed sign-in (so a stolen access token cannot be used to guess passwords
 * unthrottled) and a locked account is refused. Every other session ends; the
 * caller's own (its refresh family, the token's `sid`) survives. Reset links that
 * are still out stop working.
 */
export async function changePassword(deps: IdentityDeps, userId: string, sessionId: string | undefined, currentPassword: string, newPassword: string, origin: RequestOrigin): Promise<void> {
  const violations = new Violations();
  if (currentPassword === '') violations.add('current_password', 'is required');
  checkPassword('new_password', newPassword, violations);
  if (currentPassword !== '' && currentPassword === newPassword) violations.add('new_password', 'must differ from the current password');
  violations.throwIfAny();

  const user = await loadAccount(deps, userId, { forWrite: true });
  await assertPassword(deps, user, currentPassword, 'current_password', origin);
  const passwordHash = await hashPassword(newPassword);
  // Guarded by the old hash: of two concurrent changes, the second fails instead of
  // silently replacing a password its caller never proved.
  const result = await deps.models.users.updateOne(
    { _id: userId, passwordHash: user.passwordHash, state: 'active' },
    {
      $set: { passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: new Date() },
      $push: { outbox: auditOutboxEntry(origin, 'user.password_changed', userTarget(userId), { other_sessions_ended: 'true' }) },
    },
    { timestamps: false },
  );
  if (result.modifiedCount !== 1) throw new DomainError('aborted', 'PASSWORD_CHANGED_CONCURRENTLY', 'your password was changed meanwhile; sign in again');
  deps.onWrite();
  await revokeSessions(deps.models, userId, sessionId ? { exceptFamilyId: sessionId } : {});
  await resetTokens(deps).invalidateAll(userId);
}

/**
 * Checks a password the caller typed to confirm a sensitive action. A locked account
 * is refused outright; a wrong password counts towards the lockout and names the
 * field it came in.
 */
export async function assertPassword(deps: IdentityDeps, user: UserDoc, password: string, field: string, origin: RequestOrigin): Promise<void> {
  const now = new Date();
  if (isLocked(user, now)) {
    throw new DomainError('resource_exhausted', 'ACCOUNT_LOCKED', 'too many wrong passwords; try again later', { locked_until: user.lockedUntil!.toISOString() });
  }
  if (await verifyPassword(password, user.passwordHash)) return;
  const { settings } = deps;
  const policy = { threshold: settings.lockoutThreshold, baseSeconds: settings.lockoutBaseSeconds, maxSeconds: settings.lockoutMaxSeconds };
  const outcome = await recordFailedLogin(deps.models.users, user._id, policy, now, (lockedUntil, lockouts) =>
    auditOutboxEntry(origin, 'auth.login_failure_burst', userTarget(user._id), { locked_until: lockedUntil.toISOString(), lockout_number: String(lockouts + 1), via: field }),
  );
  if (outcome.lockedUntil) deps.onWrite();
  throw new DomainError('invalid_argument', 'WRONG_PASSWORD', `${field}: is not your password`, {}, [{ field, description: 'is not your password' }]);
}
