import { selfUserId } from '../../../platform/src/auth.js';
import { invalidArgument } from '../../../platform/src/errors.js';
import type { IdentityDeps } from '../app/deps.js';
import { confirmMfa, disableMfa, enrollMfa } from '../app/mfa.js';
import type { IdentityHandlers } from './handlers.js';

function requiredCode(code: string): string {
  const trimmed = code.trim();
  if (trimmed === '' || trimmed.length > 32) throw invalidArgument([{ field: 'code', description: 'must be a 6-digit authenticator code or a recovery code' }]);
  return trimmed;
}

/** TOTP enrolment and removal for the caller; always the caller's own account (SELF). */
export function mfaHandlers(deps: IdentityDeps): IdentityHandlers<'enrollMfa' | 'confirmMfa' | 'disableMfa'> {
  return {
    enrollMfa: async (_req, ctx) => enrollMfa(deps, selfUserId(ctx)),
    confirmMfa: async (req, ctx) => ({ recoveryCodes: await confirmMfa(deps, ctx, selfUserId(ctx), requiredCode(req.code)) }),
    disableMfa: async (req, ctx) => {
      await disableMfa(deps, ctx, selfUserId(ctx), requiredCode(req.code));
      return {};
    },
  };
}
