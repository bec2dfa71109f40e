import { DomainError } from '../../../platform/src/errors.js';
import type { IdentityDeps } from '../app/deps.js';
import type { IdentityHandlers } from './handlers.js';

const pending = (): never => { throw new DomainError('unavailable', 'NOT_BUILT_YET', 'not built yet'); };

/** TOTP enrolment and removal for the caller. */
export function mfaHandlers(_deps: IdentityDeps): IdentityHandlers<'enrollMfa' | 'confirmMfa' | 'disableMfa'> {
  return { enrollMfa: pending, confirmMfa: pending, disableMfa: pending };
}
