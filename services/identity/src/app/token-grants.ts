import { randomUUID } from 'node:crypto';
import { auditOutboxEntry } from '../../../platform/src/audit.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { DUMMY_HASH_PROMISE, verifyPassword } from '../domain/password.js';
import type { UserDoc } from '../infra/users.js';
import type { IdentityDeps } from './deps.js';
import { clearFailedLogins, isLocked, recordFailedLogin, type LockoutPolicy } from './lockout.js';
import type { LoginThrottle } from './login-throttle.js';
import { checkSecondFactor } from './mfa.js';
import { authenticateClient, clientCredentialsOf, grantedScopes } from './service-accounts.js';
import { revokeFamily } from './sessions.js';
import {
  AMR_PASSWORD,
  AMR_PASSWORD_OTP,
  hashToken,
  invalidCredentials,
  invalidRefreshToken,
  oauthError,
  sessionOf,
  type TokenResponse,
} from './tokens.js';

/**
 * The grants of the OAuth2 token endpoint (RFC 6749 sections 4.3, 4.4 and 6).
 * Sign-in failures all look alike from outside: an unknown email, a wrong password,
 * a locked or disabled account get the same error after the same work (one scrypt
 * verification), so the endpoint is no oracle for which accounts exist.
 */
export interface GrantDeps extends IdentityDeps {
  throttle: LoginThrottle;
  lockout: LockoutPolicy;
}

const userTarget = (id: string) => ({ type: 'user', id });

/** grant_type=password, with `mfa_code` when the account has a second factor. */
export async function passwordGrant(deps: GrantDeps, params: Record<string, string>, ctx: CallContext): Promise<TokenResponse> {
  const username = params['username'] ?? '';
  const password = params['password'] ?? '';
  if (!username || !password) throw oauthError('invalid_request', 'username and password are required');
  const email = username.trim().toLowerCase();
  // Keyed by the email as typed, whether or not an account has it: the limit says nothing about existence.
  await deps.throttle.passwordAttempt(ctx.clientIp, email);

  const { users } = deps.models;
  const user = await users.findOne({ email }, { outbox: 0 }).lean<UserDoc>();
  const passwordOk = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  const now = new Date();
  if (!user) {
    // The same database round trip a failure on a real account costs (recordFailedLogin).
    await users.updateOne({ _id: `absent:${randomUUID()}` }, { $inc: { failedLogins: 1 } });
    throw invalidCredentials();
  }
  if ((user.state ?? 'active') !== 'active' || isLocked(user, now)) throw invalidCredentials();
  if (!passwordOk) {
    await countFailure(deps, user, ctx, now);
    throw invalidCredentials();
  }

  let amr: readonly string[] = AMR_PASSWORD;
  if (user.mfa?.secretEnc) {
    const code = params['mfa_code'] ?? '';
    if (!code) throw oauthError('mfa_required', 'this account has two-step verification: send the code from the authenticator app (or a recovery code) as mfa_code');
    if (!(await checkSecondFactor(deps, user, code, ctx))) {
      await countFailure(deps, user, ctx, now);
      throw oauthError('invalid_grant', 'the two-step verification code is wrong, expired or already used');
    }
    amr = AMR_PASSWORD_OTP;
  }
  await clearFailedLogins(users, user);
  return deps.tokens.issueForUser(user, { familyId: randomUUID(), authTime: now, amr });
}

/** Counts a failed sign-in; when it locks the account, the lock and its audit event are one write. */
async function countFailure(deps: GrantDeps, user: UserDoc, ctx: CallContext, now: Date): Promise<void> {
  const outcome = await recordFailedLogin(deps.models.users, user._id, deps.lockout, now, (lockedUntil, lockouts) =>
    auditOutboxEntry(ctx, 'auth.login_failure_burst', userTarget(user._id), {
      locked_until: lockedUntil.toISOString(),
      lockout_number: String(lockouts + 1),
      threshold: String(deps.lockout.threshold),
    }),
  );
  if (outcome.lockedUntil) {
    deps.logger.warn('account locked after repeated failed sign-ins', { user_id: user._id, locked_until: outcome.lockedUntil.toISOString() });
    deps.onWrite();
  }
}

/**
 * grant_type=refresh_token: rotates the token. Presenting a token that was already
 * rotated means two parties hold it (the owner and a thief): the whole family is
 * revoked and an audit event raised. Refresh fails at once for a disabled or erased
 * account and for sessions older than the account's sessionsValidAfter.
 */
export async function refreshGrant(deps: GrantDeps, params: Record<string, string>, ctx: CallContext): Promise<TokenResponse> {
  const refreshToken = params['refresh_token'] ?? '';
  if (!refreshToken) throw oauthError('invalid_request', 'refresh_token is required');
  await deps.throttle.refreshAttempt(ctx.clientIp);
  const { models } = deps;
  const now = new Date();
  const hash = hashToken(refreshToken);
  const known = await models.refreshTokens.findById(hash).lean();
  if (!known) throw invalidRefreshToken();
  await deps.throttle.refreshForAccount(known.userId);
  // One atomic claim: of two concurrent uses of the same token, exactly one wins.
  const claimed = await models.refreshTokens.findOneAndUpdate(
    { _id: hash, rotatedAt: null, revokedAt: null, expiresAt: { $gt: now } },
    { $set: { rotatedAt: now } },
    { returnDocument: 'after' },
  ).lean();
  if (!claimed) {
    const current = await models.refreshTokens.findById(hash).lean();
    if (current?.rotatedAt && !current.revokedAt) {
      const revoked = await revokeFamily(models, current.familyId, now);
      if (revoked > 0) {
        // Only the request that revoked reports it: concurrent reuses raise one event.
        deps.logger.warn('refresh token reuse: session family revoked', { user_id: current.userId, family_id: current.familyId });
        await models.users.updateOne(
          { _id: current.userId },
          { $push: { outbox: auditOutboxEntry(ctx, 'auth.refresh_reuse', userTarget(current.userId), { session_id: current.familyId, revoked_tokens: String(revoked) }) } },
          { timestamps: false },
        );
        deps.onWrite();
      }
    }
    throw invalidRefreshToken();
  }
  const session = sessionOf(claimed);
  const user = await models.users.findById(claimed.userId, { outbox: 0 }).lean<UserDoc>();
  const stale = user?.sessionsValidAfter && session.authTime < user.sessionsValidAfter;
  if (!user || (user.state ?? 'active') !== 'active' || stale) {
    await revokeFamily(models, claimed.familyId, now);
    throw invalidRefreshToken();
  }
  return deps.tokens.issueForUser(user, session);
}

/** grant_type=client_credentials: a service account's token, scopes as granted or narrowed by `scope`. */
export async function clientCredentialsGrant(deps: GrantDeps, params: Record<string, string>, ctx: CallContext): Promise<TokenResponse> {
  const authorization = ctx.metadata.get('authorization')[0];
  const account = await authenticateClient(deps.models, clientCredentialsOf(typeof authorization === 'string' ? authorization : undefined, params));
  return deps.tokens.issueForService(account, grantedScopes(account, params['scope']));
}
