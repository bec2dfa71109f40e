import { DomainError } from '../../../platform/src/errors.js';
import type { IdentityDeps } from '../app/deps.js';
import { registerUser } from '../app/users.js';
import type { IdentityHandlers } from './handlers.js';
import { toUserMessage } from './mapping.js';

const pending = (): never => { throw new DomainError('unavailable', 'NOT_BUILT_YET', 'not built yet'); };

/** Registration, the caller's own profile, password and email verification, erasure. */
export function accountHandlers(deps: IdentityDeps): IdentityHandlers<
  'createUser' | 'getCurrentUser' | 'updateCurrentUser' | 'deleteCurrentUser' | 'changePassword' | 'sendVerificationEmail' | 'verifyEmail' | 'createPasswordReset' | 'confirmPasswordReset'
> {
  const { models, crypto } = deps;
  return {
    async createUser(req) {
      const user = toUserMessage(await registerUser(models, req), crypto);
      deps.onWrite();
      return user;
    },
    async getCurrentUser(_req, ctx) {
      const user = await models.users.findById(ctx.caller!.userId).lean();
      if (!user) throw new DomainError('not_found', 'USER_NOT_FOUND', 'the account of this token no longer exists');
      return toUserMessage(user, crypto);
    },
    updateCurrentUser: pending,
    deleteCurrentUser: pending,
    changePassword: pending,
    sendVerificationEmail: pending,
    verifyEmail: pending,
    createPasswordReset: pending,
    confirmPasswordReset: pending,
  };
}
