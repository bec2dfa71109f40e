import type { User } from '../../../../gen/shop/identity/v1/identity_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import { toUserMessage } from '../api/mapping.js';
import type { UserDoc } from '../infra/models.js';
import { isOneTimeTokenShaped, OneTimeTokens, type TokenRefusal } from '../infra/one-time-tokens.js';
import { loadAccount } from './account.js';
import type { IdentityDeps } from './deps.js';
import { enforceRateLimits, type RequestOrigin } from './limits.js';
import { verificationEvent } from './users.js';

const verificationTokens = (deps: IdentityDeps) => new OneTimeTokens(deps.models.oneTimeTokens, 'email_verification');

/**
 * Mails the caller a fresh verification link (as an event the notification service
 * delivers). Older links stop working. Throttled per account and per IP: each call
 * sends an email, which makes it an abuse vector.
 */
export async function sendVerificationEmail(deps: IdentityDeps, userId: string, origin: RequestOrigin): Promise<void> {
  await enforceRateLimits(deps, [
    { rule: 'verificationEmailPerUser', key: userId },
    { rule: 'verificationEmailPerIp', key: origin.clientIp },
  ]);
  const user = await loadAccount(deps, userId, { forWrite: true });
  if (user.emailVerified) throw new DomainError('failed_precondition', 'EMAIL_ALREADY_VERIFIED', 'your email address is already verified');
  const now = new Date();
  const { token, expiresAt } = await verificationTokens(deps).issue(user._id, user.email, deps.settings.verificationTokenTtlSeconds, now);
  // Guarded by the email: if it changed meanwhile, this link would prove the old one.
  const result = await deps.models.users.updateOne(
    { _id: user._id, email: user.email, state: 'active' },
    { $push: { outbox: verificationEvent(user, token, expiresAt, now) } },
    { timestamps: false },
  );
  if (result.modifiedCount !== 1) throw new DomainError('aborted', 'ACCOUNT_CHANGED', 'your account changed meanwhile; try again');
  deps.onWrite();
}

/**
 * Marks the email verified with a token from a verification link. The claim is one
 * conditional update, so of two concurrent uses exactly one succeeds. Anyone holding
 * the link may use it (it was mailed to the address it proves); a signed-in caller may
 * only use their own.
 */
export async function verifyEmail(deps: IdentityDeps, token: string, callerUserId: string | null): Promise<User> {
  const raw = token.trim();
  if (raw === '') throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'token: is required', {}, [{ field: 'token', description: 'is required' }]);
  // Never a valid token: skip the database.
  if (!isOneTimeTokenShaped(raw)) throw refused('invalid');
  const claim = await verificationTokens(deps).claim(raw, callerUserId ? { forUserId: callerUserId } : {});
  if (!claim.ok) throw refused(claim.refusal);
  const { userId, email } = claim.doc;
  const verified = await deps.models.users.findOneAndUpdate(
    { _id: userId, email, state: 'active' },
    { $set: { emailVerified: true, updatedAt: new Date() }, $inc: { revision: 1 } },
    { returnDocument: 'after', projection: { outbox: 0 }, timestamps: false },
  ).lean<UserDoc>();
  // The account was erased, disabled or changed its email since the link was sent.
  if (!verified) throw refused('invalid');
  await verificationTokens(deps).invalidateAll(userId);
  return toUserMessage(verified, deps.crypto);
}

const REFUSALS: Record<TokenRefusal, [code: 'invalid_argument' | 'permission_denied', reason: string, message: (link: string) => string]> = {
  invalid: ['invalid_argument', 'TOKEN_INVALID', (link) => `this ${link} is not valid`],
  expired: ['invalid_argument', 'TOKEN_EXPIRED', (link) => `this ${link} has expired; ask for a new one`],
  used: ['invalid_argument', 'TOKEN_ALREADY_USED', (link) => `this ${link} was already used`],
  superseded: ['invalid_argument', 'TOKEN_SUPERSEDED', (link) => `a newer ${link} was sent; use that one`],
  other_user: ['permission_denied', 'TOKEN_OF_ANOTHER_ACCOUNT', (link) => `this ${link} belongs to another account; sign out to use it`],
};

/** Why a one-time token was refused, as a 400 naming the token field (403 for another account's). */
export function tokenRefused(refusal: TokenRefusal, link = 'verification link'): DomainError {
  const [code, reason, describe] = REFUSALS[refusal];
  const message = describe(link);
  return new DomainError(code, reason, message, {}, code === 'invalid_argument' ? [{ field: 'token', description: message }] : []);
}

const refused = (refusal: TokenRefusal) => tokenRefused(refusal);
