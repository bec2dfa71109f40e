import type { User } from '../../../../gen/shop/identity/v1/identity_service.js';
import { selfUserId } from '../../../platform/src/auth.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { getProfile, updateProfile } from '../app/account.js';
import type { IdentityDeps } from '../app/deps.js';
import { eraseAccount } from '../app/erasure.js';
import type { RequestOrigin } from '../app/limits.js';
import { changePassword, confirmPasswordReset, requestPasswordReset } from '../app/password.js';
import { registerUser } from '../app/users.js';
import { sendVerificationEmail, verifyEmail } from '../app/verification.js';
import type { ProfilePatch } from '../domain/profile.js';
import type { IdentityHandlers } from './handlers.js';
import { toUserMessage } from './mapping.js';

/** The parts of a call the account use cases see: who, from where, which request. */
export const originOf = (ctx: CallContext): RequestOrigin => ({ caller: ctx.caller, clientIp: ctx.clientIp, requestId: ctx.requestId, userAgent: ctx.userAgent });

/**
 * The profile fields of a User message and nothing else: whatever the body says about
 * roles, status, email or the verified flag never gets past this line.
 */
function profilePatchOf(user: User | undefined): ProfilePatch {
  return {
    displayName: user?.displayName ?? '',
    phone: user?.phone ?? '',
    locale: user?.locale ?? '',
    marketingConsent: user?.marketingConsent ?? false,
    defaultShippingAddressId: user?.defaultShippingAddressId ?? '',
    defaultBillingAddressId: user?.defaultBillingAddressId ?? '',
  };
}

/** Registration, the caller's own profile, password and email verification, erasure. */
export function accountHandlers(deps: IdentityDeps): IdentityHandlers<
  'createUser' | 'getCurrentUser' | 'updateCurrentUser' | 'deleteCurrentUser' | 'changePassword' | 'sendVerificationEmail' | 'verifyEmail' | 'createPasswordReset' | 'confirmPasswordReset'
> {
  return {
    async createUser(req, ctx) {
      const user = await registerUser(deps, { email: req.email, password: req.password, displayName: req.displayName, roles: req.roles }, originOf(ctx));
      return toUserMessage(user, deps.crypto);
    },
    getCurrentUser: async (_req, ctx) => getProfile(deps, selfUserId(ctx)),
    updateCurrentUser: async (req, ctx) => updateProfile(deps, selfUserId(ctx), profilePatchOf(req.user), req.updateMask, req.user?.etag ?? ''),
    async deleteCurrentUser(req, ctx) {
      await eraseAccount(deps, selfUserId(ctx), req.password, originOf(ctx));
      return {};
    },
    async changePassword(req, ctx) {
      await changePassword(deps, selfUserId(ctx), ctx.caller?.sessionId, req.currentPassword, req.newPassword, originOf(ctx));
      return {};
    },
    async sendVerificationEmail(_req, ctx) {
      await sendVerificationEmail(deps, selfUserId(ctx), originOf(ctx));
      return {};
    },
    // Public (the link may be opened signed out); a signed-in caller may only verify their own email.
    verifyEmail: async (req, ctx) => verifyEmail(deps, req.token, ctx.caller ? selfUserId(ctx) : null),
    async createPasswordReset(req, ctx) {
      await requestPasswordReset(deps, req.email, originOf(ctx));
      return {};
    },
    async confirmPasswordReset(req, ctx) {
      await confirmPasswordReset(deps, req.token, req.newPassword, originOf(ctx));
      return {};
    },
  };
}
